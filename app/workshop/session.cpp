// Workshop session: live branches, counterfactual fork, background ensemble (session.hpp).
#include "app/workshop/session.hpp"

#include "analysis/hdf5_sink.hpp"
#include "engine/error.hpp"
#include "engine/rng.hpp"
#include "scenarios/scenario_loader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

namespace cimsim::workshop {

namespace sc = cimsim::scenarios;
using nlohmann::json;

namespace {

// One executor for every run of the workshop: serial (each run on one thread; the ensemble
// spreads runs over threads), stateless, so runs and their copies may share it.
const Executor& serial() {
  static const Executor exec(1);
  return exec;
}

constexpr int kEventWidth = 64;     // event axis of the schema (scenario's events + pressed ones)
constexpr int kMaxPressed = 24;     // events a facilitator may press in one run
constexpr std::size_t kNetworkCitizens = 120;
constexpr int kMonthWeeks(int w) { return (w * 12) / model::kWeeksPerYear; }

int month_of(int week) { return kMonthWeeks(week); }

double quantile(std::vector<double>& v, double q) {
  // Linear interpolation between order statistics (type 7), v sorted here.
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1.0) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

const std::vector<std::pair<const char*, double Sample::*>>& charted() {
  static const std::vector<std::pair<const char*, double Sample::*>> list = {
      {"outcome", &Sample::outcome},
      {"orgs_active", &Sample::orgs_active},
      {"citizens_active", &Sample::citizens_active},
      {"trust", &Sample::trust},
      {"meetings", &Sample::convening},
  };
  return list;
}

json sample_json(const Sample& s) {
  return {{"month", s.month},        {"outcome", s.outcome}, {"orgs_active", s.orgs_active},
          {"citizens_active", s.citizens_active}, {"trust", s.trust}, {"meetings", s.convening},
          {"active_organisations", s.active_orgs}, {"staff", s.staff}, {"partner_ties", s.partner_ties}};
}

std::string random_text(std::size_t n) {
  static const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::random_device rd;
  std::string k;
  for (std::size_t i = 0; i < n; ++i) k += alphabet[rd() % 32];
  return k;
}

std::string plural(int n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

Sample sample(const model::Model& m) {
  Sample s;
  s.month = month_of(m.tick());
  s.outcome = m.outcome();
  s.orgs_active = m.org_active_share();
  s.convening = m.convening();  // probability that a due meeting is held (docs/model.md section 2)
  s.staff = m.backbone_staff();
  double cit = 0.0, cit_n = 0.0;
  const auto& sec = m.sector();
  for (std::size_t i = 0; i < m.agents(); ++i) {
    if (m.is_staff(i) || !m.present()[i]) continue;
    if (sec[i] == model::Sector::citizen) cit += m.active()[i], cit_n += 1.0;
    else if (m.active()[i]) ++s.active_orgs;
  }
  s.citizens_active = cit_n > 0.0 ? cit / cit_n : 0.0;
  const auto& v = m.network();
  double t = 0.0;
  for (TieId e = 0; e < v.ties(); ++e)
    if (m.is_org(v.tie_a[e]) && m.is_org(v.tie_b[e])) t += v.trust[e], ++s.partner_ties;
  s.trust = s.partner_ties > 0 ? t / s.partner_ties : 0.0;
  return s;
}

// --- Branch

Branch::Branch(const model::Scenario& initial, const RecordSchema& schema, std::uint64_t seed)
    : rs_(initial, schema, seed, serial()), current_(initial) {
  samples_.reserve(static_cast<std::size_t>(initial.params.run.horizon_years) * 12 + 1);
  samples_.push_back(sample(rs_.model()));
}

void Branch::step() {
  if (finished()) return;
  while (next_ < pending_.size() && pending_[next_].week <= week() + 1) {
    if (pending_[next_].week == week() + 1) {
      const Step& st = pending_[next_];
      if (st.intervene) {
        rs_.intervene(st.scenario);
        current_ = st.scenario;
      }
      if (st.has_choices) rs_.apply_choices(st.choices);
      timeline_.push_back(st);
    }
    ++next_;
  }
  static const RunContext ctx{RunKey{}, serial(), nullptr};
  rs_.advance(week() + 1, ctx);
  record_if_month();
}

void Branch::record_if_month() {
  const int w = week();
  if (month_of(w) != month_of(w - 1)) samples_.push_back(sample(rs_.model()));
}

void Branch::intervene(const model::Scenario& s, const std::string& what) {
  rs_.intervene(s);
  current_ = s;
  timeline_.push_back(Step{week() + 1, s, what, true, false, {}});
}

void Branch::apply_choices(const std::vector<model::Choice>& choices, const std::string& what) {
  rs_.apply_choices(choices);
  Step st{week() + 1, current_, what, false, true, {}};
  st.intervene = false;
  st.has_choices = true;
  st.choices = choices;
  timeline_.push_back(std::move(st));
}

RunResult Branch::result_to_horizon(const RunKey& key) const {
  model::RunState copy = rs_;
  const RunContext ctx{key, serial(), nullptr};
  return copy.finish(ctx);
}

Branch replay(const model::Scenario& initial, const RecordSchema& schema, std::uint64_t seed,
              const std::vector<Step>& timeline, int to_week) {
  Branch b(initial, schema, seed);
  b.schedule(timeline);
  while (b.week() < to_week && !b.finished()) b.step();
  return b;
}

// --- Ensemble: further seeds of both branches, from week 0 through the same timelines (the
// common part once, then a copy per branch at the fork week), on background threads.

struct Session::Ensemble {
  struct Member {
    bool done = false;
    std::vector<std::vector<Sample>> samples;  // per branch
    std::vector<RunResult> results;            // per branch, to the horizon
  };
  std::atomic<bool> cancel{false};
  std::atomic<std::size_t> next{0};
  mutable std::mutex mu;
  std::vector<Member> members;
  std::size_t done = 0;
  std::vector<std::thread> workers;

  ~Ensemble() {
    cancel.store(true);
    for (auto& t : workers)
      if (t.joinable()) t.join();
  }
};

namespace {

// Runs member k (seed) of both branches: common steps to the fork week, then one copy per branch.
bool run_member(const model::Scenario& initial, const RecordSchema& schema, std::uint64_t seed,
                const std::vector<std::vector<Step>>& timelines, int fork_week, const std::atomic<bool>& cancel,
                std::vector<std::vector<Sample>>& samples, std::vector<RunResult>& results, std::size_t k) {
  Branch base(initial, schema, seed);
  const int split = timelines.size() > 1 ? fork_week : 0;
  std::vector<Step> common;
  for (const auto& s : timelines[0])
    if (s.week <= split) common.push_back(s);
  base.schedule(common);
  while (base.week() < split) {
    if (cancel.load(std::memory_order_relaxed)) return false;
    base.step();
  }
  for (std::size_t b = 0; b < timelines.size(); ++b) {
    Branch br = base;
    std::vector<Step> rest;
    for (const auto& s : timelines[b])
      if (s.week > split) rest.push_back(s);
    br.schedule(rest);
    while (!br.finished()) {
      if (cancel.load(std::memory_order_relaxed)) return false;
      br.step();
    }
    samples.push_back(br.samples());
    results.push_back(br.result_to_horizon(RunKey{b, k, seed}));
  }
  return true;
}

}  // namespace

// --- Session

Session::Session(SessionOptions o) : opt_(std::move(o)), speed_(opt_.weeks_per_second) {
  loaded_ = sc::load(opt_.scenario);
  if (loaded_.params.population.citizens > 200000)
    throw InputError(opt_.scenario, "population.citizens",
                     "too large for a live workshop (at most 200000 citizens); use `cimsim run` for it");
  if (static_cast<int>(model::scheduled_events(loaded_).size()) + kMaxPressed > kEventWidth)
    throw InputError(opt_.scenario, "events", "too many scheduled events for a workshop (at most " +
                                                  std::to_string(kEventWidth - kMaxPressed) + ")");
  if (opt_.ensemble < 0 || opt_.ensemble > 1000) throw InputError("--ensemble", "", "expected 0 to 1000 seeds");
  schema_ = model::make_schema(model::kMaxPillars, kEventWidth);
  join_code_ = random_text(5);
  initial_ = loaded_;
  std::lock_guard lk(mu_);
  build_locked(initial_);
  if (opt_.start_thread) thread_ = std::thread([this] { loop(); });
}

Session::~Session() { stop(); }

void Session::stop() {
  stop_.store(true);
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::shared_ptr<Ensemble> e;
  {
    std::lock_guard lk(mu_);
    e = std::move(ensemble_);
  }
  e.reset();  // joins its workers
}

std::uint64_t Session::realization_seed(std::size_t k) const { return replicate_seed(opt_.seed, k); }

void Session::build_locked(const model::Scenario& s) {
  branches_.clear();
  branches_.emplace_back(s, schema_, realization_seed(0));
  fork_week_ = -1;
  fork_label_.clear();
  marks_.clear();
  captions_.clear();
  captions_.emplace_back(0, "Start of " + s.name + ": " + sc::describe_line(s));
  running_ = false;
  next_choices_.clear();
  round_log_.clear();
  choices_active_ = false;
  restart_ensemble_locked();
  bump_now();
}

void Session::bump() {
  frame_.fetch_add(1);
  cv_.notify_all();
}

void Session::bump_now() {
  action_.fetch_add(1);
  bump();
}

void Session::restart_ensemble_locked() {
  std::shared_ptr<Ensemble> old = std::move(ensemble_);
  if (old) old->cancel.store(true);
  old.reset();  // joins: workers see `cancel` within a week's step
  if (opt_.ensemble == 0) return;
  auto e = std::make_shared<Ensemble>();
  e->members.resize(static_cast<std::size_t>(opt_.ensemble));
  // The bands follow the model's rules: participants' choices (choice-only steps) are left out.
  std::vector<std::vector<Step>> timelines;
  for (const auto& b : branches_) {
    timelines.emplace_back();
    for (const auto& st : b.timeline())
      if (st.intervene) timelines.back().push_back(st);
  }
  unsigned threads = opt_.ensemble_threads > 0 ? static_cast<unsigned>(opt_.ensemble_threads)
                                               : std::max(1u, std::thread::hardware_concurrency() - 1);
  threads = std::min<unsigned>(threads, static_cast<unsigned>(opt_.ensemble));
  Ensemble* raw = e.get();
  for (unsigned t = 0; t < threads; ++t)
    e->workers.emplace_back([this, raw, timelines, initial = initial_, fork = fork_week_] {
      for (;;) {
        const std::size_t i = raw->next.fetch_add(1);
        if (i >= raw->members.size() || raw->cancel.load()) return;
        std::vector<std::vector<Sample>> samples;
        std::vector<RunResult> results;
        try {
          if (!run_member(initial, schema_, realization_seed(i + 1), timelines, fork, raw->cancel, samples, results,
                          i + 1))
            return;
        } catch (const std::exception&) {
          continue;  // a failed member leaves no band data; the live runs report model errors
        }
        {
          std::lock_guard lk(raw->mu);
          raw->members[i].samples = std::move(samples);
          raw->members[i].results = std::move(results);
          raw->members[i].done = true;
          ++raw->done;
        }
        frame_.fetch_add(1);
        cv_.notify_all();
      }
    });
  ensemble_ = std::move(e);
}

void Session::loop() {
  using clock = std::chrono::steady_clock;
  auto next = clock::now();
  std::unique_lock lk(mu_);
  while (!stop_.load()) {
    if (!running_) {
      cv_.wait_for(lk, std::chrono::milliseconds(200));
      next = clock::now();
      continue;
    }
    step_locked();
    next += std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / speed_));
    if (next < clock::now() - std::chrono::milliseconds(250)) next = clock::now();  // fell behind: don't race
    cv_.wait_until(lk, next, [&] { return stop_.load() || !running_; });
  }
}

void Session::step_locked() {
  if (branches_.front().finished()) {
    running_ = false;
    bump();
    return;
  }
  if (branches_.front().week() % round_weeks_ == 0) start_round_locked();
  const int before = month_of(branches_.front().week());
  for (auto& b : branches_) b.step();
  if (month_of(branches_.front().week()) != before) caption_locked("");
  if (branches_.front().finished()) {
    running_ = false;
    captions_.emplace_back(month_of(branches_.front().week()), "The run has reached its horizon.");
  }
  bump();
}

void Session::caption_locked(const std::string& extra) {
  const auto& s = branches_.front().samples();
  const int month = month_of(branches_.front().week());
  std::vector<std::string> parts;
  if (!extra.empty()) parts.push_back(extra);
  if (s.size() >= 2) {
    const Sample& a = s[s.size() - 2];
    const Sample& b = s.back();
    const int d_orgs = b.active_orgs - a.active_orgs;
    if (d_orgs < 0) parts.push_back(plural(-d_orgs, "partner", "partners") + " stopped taking part this month");
    if (d_orgs > 0) parts.push_back(plural(d_orgs, "organisation", "organisations") + " joined in this month");
    if (b.staff < a.staff) parts.push_back(plural(a.staff - b.staff, "backbone post", "backbone posts") + " fell vacant");
    if (b.staff > a.staff) parts.push_back(plural(b.staff - a.staff, "new staff member", "new staff members") + " started");
    const int d_ties = b.partner_ties - a.partner_ties;
    if (d_ties <= -3) parts.push_back(plural(-d_ties, "tie", "ties") + " between partners faded away");
    if (d_ties >= 3) parts.push_back(plural(d_ties, "new tie", "new ties") + " between partners");
    if (branches_.size() > 1 && fork_week_ >= 0) {
      const int since = month - month_of(fork_week_);
      if (since > 0 && since % 12 == 0) {
        const auto& w = branches_[1].samples().back();
        parts.push_back(fmt::format("{} {} after the event: progress {:.0f}% (without it: {:.0f}%), {} active "
                                    "organisations (without it: {})",
                                    since / 12, since == 12 ? "year" : "years", 100 * b.outcome, 100 * w.outcome,
                                    b.active_orgs, w.active_orgs));
      }
    }
  }
  if (parts.empty()) return;
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : "; ") + p;
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  captions_.emplace_back(month, text + ".");
  if (captions_.size() > 8) captions_.erase(captions_.begin());
}

void Session::play() {
  std::lock_guard lk(mu_);
  if (branches_.front().finished()) throw RequestError(409, "the run has reached its horizon; reset to start again");
  running_ = true;
  bump_now();
}

void Session::pause() {
  std::lock_guard lk(mu_);
  running_ = false;
  bump_now();
}

void Session::step_month() {
  std::lock_guard lk(mu_);
  running_ = false;
  const int m = month_of(branches_.front().week());
  while (!branches_.front().finished() && month_of(branches_.front().week()) == m) step_locked();
  bump_now();
}

void Session::step_weeks(int weeks) {
  std::lock_guard lk(mu_);
  for (int i = 0; i < weeks && !branches_.front().finished(); ++i) step_locked();
}

void Session::set_speed(double wps) {
  if (!(wps >= 0.5 && wps <= 200.0)) throw RequestError(400, "weeks_per_second must be between 0.5 and 200");
  std::lock_guard lk(mu_);
  speed_ = wps;
  bump_now();
}

void Session::reset(const std::optional<std::string>& builtin) {
  std::lock_guard lk(mu_);
  if (builtin) {
    const auto& list = sc::builtins();
    if (std::none_of(list.begin(), list.end(), [&](const auto& b) { return b.name == *builtin; }))
      throw RequestError(400, "scenario: '" + *builtin + "' is not a built-in scenario" +
                                  [&] {
                                    std::vector<std::string> names;
                                    for (const auto& b : list) names.push_back(b.name);
                                    const std::string n = sc::nearest(*builtin, names);
                                    return n.empty() ? std::string() : " (did you mean '" + n + "'?)";
                                  }());
    model::Scenario s = sc::load(*builtin);
    if (s.params.population.citizens > 200000)
      throw RequestError(400, "scenario: '" + *builtin + "' is too large for a live workshop; use `cimsim run`");
    loaded_ = std::move(s);
    pending_reset_.clear();
    tokens_.clear();  // another population: participants join again
  }
  initial_ = loaded_;
  for (const auto& [k, v] : pending_reset_) sc::apply_set(initial_, k + "=" + v, "POST /api/parameters");
  build_locked(initial_);
}

namespace {
// An event key as scenario files write them: 1 to 32 of [a-z_].
bool is_event_key(const std::string& k) {
  return !k.empty() && k.size() <= 32 &&
         std::all_of(k.begin(), k.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
}
}  // namespace

nlohmann::json Session::press_event(const json& ev) {
  if (!ev.is_object()) throw RequestError(400, "expected a JSON object such as {\"type\": \"grant_end\"}");
  if (!ev.contains("type")) throw RequestError(400, "key 'type': missing (the event type, e.g. \"staff_turnover\")");
  std::string lines = "\n[[events]]\n";
  for (const auto& [k, v] : ev.items()) {
    if (!is_event_key(k)) throw RequestError(400, "key '" + k.substr(0, 40) + "': not an event key");
    if (k == "at" || k == "rate_per_year")
      throw RequestError(400, "key '" + k + "': an event pressed in a workshop happens now; leave '" + k + "' out");
    if (v.is_string()) {
      if (v.get_ref<const std::string&>().size() > 64) throw RequestError(400, "key '" + k + "': string too long");
    } else if (!v.is_number() && !v.is_boolean()) {
      throw RequestError(400, "key '" + k + "': expected a string, number or true/false");
    }
    lines += k + " = " + v.dump() + "\n";
  }
  std::lock_guard lk(mu_);
  Branch& with = branches_.front();
  if (with.finished()) throw RequestError(409, "the run has reached its horizon; reset to start again");
  if (static_cast<int>(marks_.size()) >= kMaxPressed)
    throw RequestError(409, "at most " + std::to_string(kMaxPressed) + " events per run; reset to start again");
  const int at = with.week() + 1;
  const std::string text = sc::to_toml(with.scenario()) + lines + "at = \"week " + std::to_string(at) + "\"\n";
  model::Scenario next;
  try {
    next = sc::load_text(with.scenario().name, text, "POST /api/events");
    sc::check(next);
    sc::check_fork(with.scenario(), next, at, "POST /api/events");
  } catch (const InputError& e) {
    throw RequestError(400, (e.key().empty() ? "" : "key '" + e.key() + "': ") + e.message());
  }
  if (next.events.size() != with.scenario().events.size() + 1)
    throw RequestError(400, "the request must describe exactly one event");
  const model::Event& added = next.events.back();
  const std::string what = sc::describe_event(added);
  // Fork: the branch without the event continues from this very state.
  Branch without = with;  // copy first: push_back may move the branches
  while (branches_.size() > 1) branches_.pop_back();
  branches_.push_back(std::move(without));
  Branch& w0 = branches_.front();
  w0.intervene(next, "event: " + what);
  fork_week_ = w0.week();
  fork_label_ = model::event_type_name(added);
  marks_.emplace_back(fork_week_, fork_label_);
  caption_locked("Event at month " + std::to_string(month_of(fork_week_)) + ": " + what +
                 ". From now on the second line shows the same run without it");
  restart_ensemble_locked();
  bump_now();
  return {{"ok", true}, {"week", at}, {"event", what}, {"branches", branches_.size()}};
}

nlohmann::json Session::set_parameter(const std::string& key, const json& value) {
  const model::ParamSpec* spec = model::find_param(key);
  if (spec == nullptr) {
    std::vector<std::string> keys;
    for (const auto& p : model::param_table()) keys.push_back(p.key);
    const std::string n = sc::nearest(key, keys);
    throw RequestError(400, "key '" + key.substr(0, 64) + "': not a parameter" +
                                (n.empty() ? std::string() : " (did you mean '" + n + "'?)"));
  }
  if (!value.is_number() && !value.is_boolean())
    throw RequestError(400, "key '" + key + "': expected a number or true/false as value");
  const std::string text = value.dump();
  const std::string where = "POST /api/parameters";
  std::lock_guard lk(mu_);
  try {
    if (sc::fixed_at_fork(key)) {
      model::Scenario probe = initial_;
      sc::apply_set(probe, key + "=" + text, where);
      sc::check(probe);
      std::erase_if(pending_reset_, [&](const auto& kv) { return kv.first == key; });
      pending_reset_.emplace_back(key, text);
      caption_locked(key + " = " + text + " takes effect when the run is reset");
      bump_now();
      return {{"ok", true}, {"applies", "at reset"}, {"key", key}, {"value", value}};
    }
    std::vector<model::Scenario> next;
    for (const auto& b : branches_) {
      model::Scenario s = b.scenario();
      sc::apply_set(s, key + "=" + text, where);
      sc::check(s);
      sc::check_fork(b.scenario(), s, b.week() + 1, where);
      next.push_back(std::move(s));
    }
    if (branches_.front().finished()) throw RequestError(409, "the run has reached its horizon; reset to start again");
    for (std::size_t i = 0; i < branches_.size(); ++i) branches_[i].intervene(next[i], "parameter " + key + " = " + text);
    // Kept for the next reset too.
    std::erase_if(pending_reset_, [&](const auto& kv) { return kv.first == key; });
    pending_reset_.emplace_back(key, text);
  } catch (const InputError& e) {
    throw RequestError(400, (e.key().empty() ? "" : "key '" + e.key() + "': ") + e.message());
  }
  caption_locked(spec->description + ": now " + text + (spec->unit == "1" ? "" : " " + spec->unit));
  restart_ensemble_locked();
  bump_now();
  return {{"ok", true}, {"applies", "from week " + std::to_string(branches_.front().week() + 1)}, {"key", key},
          {"value", value}};
}

json Session::state_locked() const {
  json br = json::array();
  static const char* names[] = {"with event", "without"};
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    json b = sample_json(branches_[i].samples().back());
    b["name"] = branches_.size() == 1 ? "run" : names[i];
    b["week"] = branches_[i].week();
    br.push_back(std::move(b));
  }
  json caps = json::array();
  for (const auto& [m, t] : captions_) caps.push_back({{"month", m}, {"text", t}});
  json marks = json::array();
  for (const auto& [w, l] : marks_) marks.push_back({{"week", w}, {"month", month_of(w)}, {"label", l}});
  std::size_t done = 0, total = 0;
  if (ensemble_) {
    std::lock_guard el(ensemble_->mu);
    done = ensemble_->done;
    total = ensemble_->members.size();
  }
  const Branch& f = branches_.front();
  return {{"week", f.week()},
          {"month", month_of(f.week())},
          {"horizon_weeks", f.horizon()},
          {"scenario", loaded_.name},
          {"description", sc::describe_line(loaded_)},
          {"running", running_},
          {"finished", f.finished()},
          {"weeks_per_second", speed_},
          {"fork_week", fork_week_},
          {"events", marks},
          {"captions", caps},
          {"ensemble", {{"done", done}, {"total", total}}},
          {"seed", opt_.seed},
          {"frame", frame_.load()},
          {"participants", {{"join_code", join_code_}, {"url", join_url_}, {"count", tokens_.size()},
                            {"round_weeks", round_weeks_},
                            {"next_round_week", (f.week() + round_weeks_ - 1) / round_weeks_ * round_weeks_},
                            {"choices_pending", next_choices_.size()}, {"last_round", round_log_}}},
          {"branches", br}};
}

// --- participants

std::string Session::org_label(std::uint32_t org) const {
  const model::Model& m = branches_.front().model();
  const auto& names = model::sector_names();
  // Number within its sector, counting organisations of that sector in id order (1-based).
  int k = 0;
  for (std::uint32_t i = 0; i <= org && i < m.agents(); ++i)
    if (!m.is_staff(i) && m.is_org(i) && m.sector()[i] == m.sector()[org]) ++k;
  std::string sector = names[m.sector()[org]];
  std::replace(sector.begin(), sector.end(), '_', ' ');
  return sector + " " + std::to_string(k);
}

void Session::start_round_locked() {
  if (next_choices_.empty() && !choices_active_) return;
  std::vector<model::Choice> list;
  round_log_.clear();
  for (const auto& [org, c] : next_choices_) {
    list.push_back(c);
    std::vector<std::string> did;
    if (c.leave) did.push_back("left the initiative");
    else {
      if (c.attend == 1) did.push_back("took part");
      if (c.attend == 0) did.push_back("stayed away");
      if (c.pillar >= 0) did.push_back("put its effort into pillar " + std::to_string(c.pillar + 1));
      if (c.share_data) did.push_back("shared its data");
      if (c.invite) did.push_back("invited a partner");
    }
    if (did.empty()) did.push_back("followed its usual rule");
    std::string t;
    for (std::size_t i = 0; i < did.size(); ++i) t += (i ? (i + 1 == did.size() ? " and " : ", ") : "") + did[i];
    round_log_.push_back(org_label(org) + " " + t);
  }
  const std::string what = list.empty() ? "participants' choices end" : "participants' choices for a round";
  for (auto& b : branches_) b.apply_choices(list, what);
  choices_active_ = !list.empty();
  if (!round_log_.empty()) {
    std::string text = "This round: ";
    for (std::size_t i = 0; i < round_log_.size(); ++i) text += (i ? "; " : "") + round_log_[i];
    captions_.emplace_back(month_of(branches_.front().week()), text);
    if (captions_.size() > 8) captions_.erase(captions_.begin());
  }
  next_choices_.clear();
}

json Session::organisations() const {
  std::lock_guard lk(mu_);
  const model::Model& m = branches_.front().model();
  std::map<std::uint32_t, bool> taken;
  for (const auto& [t, org] : tokens_) taken[org] = true;
  json out = json::array();
  for (std::uint32_t i = 0; i < m.agents(); ++i) {
    if (m.is_staff(i) || !m.is_org(i) || !m.present()[i]) continue;
    out.push_back({{"id", i}, {"label", org_label(i)}, {"sector", model::sector_names()[m.sector()[i]]},
                   {"active", m.active()[i] != 0}, {"taken", taken.count(i) > 0}});
  }
  return out;
}

namespace {

void only_fields(const json& j, std::initializer_list<const char*> allowed) {
  if (!j.is_object()) throw RequestError(400, "expected a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; })) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw RequestError(400, "unknown field '" + k.substr(0, 64) + "' (allowed: " + list +
                                  (k == "organisation" ? "; a participant acts only for the organisation it joined as"
                                                       : "") + ")");
    }
  }
}

bool flag(const json& j, const char* key) {
  if (!j.contains(key)) return false;
  if (!j[key].is_boolean()) throw RequestError(400, std::string("field '") + key + "': expected true or false");
  return j[key].get<bool>();
}

}  // namespace

json Session::join(const json& body) {
  only_fields(body, {"code", "organisation"});
  if (!body.contains("code") || !body["code"].is_string())
    throw RequestError(400, "field 'code': expected the join code shown on the projector");
  std::string code = body["code"].get<std::string>().substr(0, 32);
  std::transform(code.begin(), code.end(), code.begin(), [](unsigned char ch) { return std::toupper(ch); });
  std::lock_guard lk(mu_);
  if (code != join_code_) throw RequestError(403, "wrong join code");
  if (tokens_.size() >= 200) throw RequestError(409, "the workshop is full (200 participants)");
  const model::Model& m = branches_.front().model();
  std::map<std::uint32_t, bool> taken;
  for (const auto& [t, org] : tokens_) taken[org] = true;
  auto ok = [&](std::uint32_t i) { return i < m.agents() && !m.is_staff(i) && m.is_org(i) && m.present()[i]; };
  std::uint32_t org = 0;
  if (body.contains("organisation")) {
    const json& o = body["organisation"];
    if (!o.is_number_integer() || o.get<std::int64_t>() < 0 || o.get<std::int64_t>() > 100000000)
      throw RequestError(400, "field 'organisation': expected an organisation id from GET /api/organisations");
    org = o.get<std::uint32_t>();
    if (!ok(org)) throw RequestError(400, "field 'organisation': " + std::to_string(org) + " is not an organisation");
    if (taken.count(org)) throw RequestError(409, org_label(org) + " is taken; choose another organisation");
  } else {  // assigned: the first free one, most influential sectors first (ids in sector order)
    bool found = false;
    for (std::uint32_t i = 0; i < m.agents() && !found; ++i)
      if (ok(i) && !taken.count(i)) org = i, found = true;
    if (!found) throw RequestError(409, "every organisation is taken");
  }
  std::string token;
  do token = random_text(20);
  while (tokens_.count(token));
  tokens_[token] = org;
  captions_.emplace_back(month_of(branches_.front().week()), "A participant joined as " + org_label(org) + ".");
  if (captions_.size() > 8) captions_.erase(captions_.begin());
  bump();
  return {{"token", token}, {"organisation", org}, {"label", org_label(org)}, {"round_weeks", round_weeks_},
          {"pillars", branches_.front().scenario().params.population.pillars}};
}

json Session::choose(const json& body) {
  only_fields(body, {"token", "attend", "pillar", "share_data", "invite", "leave"});
  if (!body.contains("token") || !body["token"].is_string()) throw RequestError(400, "field 'token': missing");
  std::lock_guard lk(mu_);
  const auto it = tokens_.find(body["token"].get<std::string>());
  if (it == tokens_.end()) throw RequestError(403, "unknown token: join again");
  model::Choice c;
  c.org = it->second;
  if (body.contains("attend")) c.attend = flag(body, "attend") ? 1 : 0;
  if (body.contains("pillar") && !body["pillar"].is_null()) {
    const int K = branches_.front().scenario().params.population.pillars;
    if (!body["pillar"].is_number_integer() || body["pillar"].get<std::int64_t>() < 1 ||
        body["pillar"].get<std::int64_t>() > K)
      throw RequestError(400, "field 'pillar': expected a pillar number from 1 to " + std::to_string(K) + ", or null");
    c.pillar = static_cast<std::int8_t>(body["pillar"].get<int>() - 1);
  }
  c.share_data = flag(body, "share_data");
  c.invite = flag(body, "invite");
  c.leave = flag(body, "leave");
  next_choices_[c.org] = c;
  bump();
  const int next = (branches_.front().week() + round_weeks_ - 1) / round_weeks_ * round_weeks_;
  return {{"ok", true}, {"organisation", c.org}, {"label", org_label(c.org)}, {"applies_from_week", next + 1},
          {"round_weeks", round_weeks_}};
}

json Session::me(const json& body) const {
  only_fields(body, {"token"});
  if (!body.contains("token") || !body["token"].is_string()) throw RequestError(400, "field 'token': missing");
  std::lock_guard lk(mu_);
  const auto it = tokens_.find(body["token"].get<std::string>());
  if (it == tokens_.end()) throw RequestError(403, "unknown token: join again");
  const model::Model& m = branches_.front().model();
  const std::uint32_t org = it->second;
  const bool present = org < m.agents() && m.present()[org];
  json pending = nullptr;
  if (const auto c = next_choices_.find(org); c != next_choices_.end())
    pending = {{"attend", c->second.attend}, {"pillar", c->second.pillar + 1}, {"leave", c->second.leave}};
  return {{"organisation", org},
          {"label", org_label(org)},
          {"active", present && m.active()[org] != 0},
          {"engagement", present ? m.engagement()[org] : 0.0},
          {"week", m.tick()},
          {"round_weeks", round_weeks_},
          {"next_round_week", (m.tick() + round_weeks_ - 1) / round_weeks_ * round_weeks_},
          {"pending", pending},
          {"last_round", round_log_},
          {"pillars", branches_.front().scenario().params.population.pillars}};
}

void Session::set_round_weeks(int weeks) {
  if (weeks < 1 || weeks > 52) throw RequestError(400, "field 'weeks': a round lasts 1 to 52 weeks");
  std::lock_guard lk(mu_);
  round_weeks_ = weeks;
  bump_now();
}

void Session::set_join_url(const std::string& url) {
  std::lock_guard lk(mu_);
  join_url_ = url + "join?code=" + join_code_;
}

bool Session::org_active(std::size_t branch, std::uint32_t org) const {
  std::lock_guard lk(mu_);
  return branches_.at(branch).model().active().at(org) != 0;
}

json Session::state() const {
  std::lock_guard lk(mu_);
  return state_locked();
}

json Session::series() const {
  std::lock_guard lk(mu_);
  json out;
  out["state"] = state_locked();
  json branches = json::array();
  for (const auto& b : branches_) {
    json cols;
    cols["month"] = json::array();
    for (const auto& [name, field] : charted()) cols[name] = json::array();
    for (const auto& s : b.samples()) {
      cols["month"].push_back(s.month);
      for (const auto& [name, field] : charted()) cols[name].push_back(std::round(s.*field * 1e5) / 1e5);
    }
    branches.push_back(std::move(cols));
  }
  out["branches"] = std::move(branches);
  // Bands: 5/25/50/75/95% over the finished members, each month up to the current one.
  json bands = json::array();
  if (ensemble_) {
    std::lock_guard el(ensemble_->mu);
    const int upto = month_of(branches_.front().week());
    for (std::size_t b = 0; b < branches_.size(); ++b) {
      json cols;
      cols["month"] = json::array();
      for (const auto& [name, field] : charted()) cols[name] = json::array();
      std::vector<const Ensemble::Member*> done;
      for (const auto& m : ensemble_->members)
        if (m.done && m.samples.size() > b) done.push_back(&m);
      if (done.size() >= 2) {
        std::vector<double> v;
        for (int month = 0; month <= upto; ++month) {
          cols["month"].push_back(month);
          for (const auto& [name, field] : charted()) {
            v.clear();
            for (const auto* m : done)
              if (static_cast<std::size_t>(month) < m->samples[b].size()) v.push_back(m->samples[b][month].*field);
            if (v.empty()) continue;
            json q = json::array();
            for (double p : {0.05, 0.25, 0.5, 0.75, 0.95}) q.push_back(std::round(quantile(v, p) * 1e5) / 1e5);
            cols[name].push_back(std::move(q));
          }
        }
      }
      cols["members"] = done.size();
      bands.push_back(std::move(cols));
    }
  }
  out["bands"] = std::move(bands);
  return out;
}

json Session::network() const {
  std::lock_guard lk(mu_);
  const model::Model& m = branches_.front().model();
  const std::size_t n_cit = static_cast<std::size_t>(m.params().population.citizens);
  const std::size_t cit_begin = m.staff_begin() - n_cit;
  std::vector<std::uint8_t> include(m.agents(), 0);
  json id = json::array(), kind = json::array(), active = json::array();
  std::size_t citizens = 0;
  for (std::size_t i = 0; i < m.agents(); ++i) {
    int k;
    if (m.is_staff(i)) {
      if (!m.staff_filled()[i - m.staff_begin()]) continue;
      k = i == m.staff_begin() ? 7 : 6;  // 7: the lead coordinator's post
    } else {
      if (!m.present()[i]) continue;
      if (i >= cit_begin && i < m.staff_begin()) {
        if (citizens >= kNetworkCitizens) continue;
        ++citizens;
      }
      k = m.sector()[i];
    }
    include[i] = 1;
    id.push_back(i);
    kind.push_back(k);
    active.push_back(m.is_staff(i) ? 1 : static_cast<int>(m.active()[i]));
  }
  json a = json::array(), b = json::array(), t = json::array();
  const auto& v = m.network();
  for (TieId e = 0; e < v.ties(); ++e)
    if (include[v.tie_a[e]] && include[v.tie_b[e]]) {
      a.push_back(v.tie_a[e]);
      b.push_back(v.tie_b[e]);
      t.push_back(std::round(v.trust[e] * 100.0) / 100.0);
    }
  return {{"week", m.tick()}, {"nodes", {{"id", id}, {"kind", kind}, {"active", active}}},
          {"ties", {{"a", a}, {"b", b}, {"trust", t}}}, {"sectors", model::sector_names()}};
}

json Session::parameters() const {
  static const std::vector<std::pair<const char*, const char*>> sliders = {
      {"backbone.staff", "Backbone staff"},
      {"funding.budget_staff_years", "Budget"},
      {"communication.meeting_cadence_weeks", "Working groups meet every"},
      {"communication.forum_cadence_weeks", "Citizen forums every"},
      {"communication.citizen_forums", "Citizen forums held"},
      {"preconditions.urgency_professional", "Urgency felt by professionals"},
      {"preconditions.urgency_citizen", "Urgency felt by citizens"},
      {"trust.decay", "Trust decay without contact"},
  };
  std::lock_guard lk(mu_);
  const model::Params& p = branches_.front().scenario().params;
  json out = json::array();
  for (const auto& [key, label] : sliders) {
    const model::ParamSpec* s = model::find_param(key);
    if (s == nullptr) continue;
    json j = {{"key", key}, {"label", label}, {"description", s->description}, {"unit", s->unit},
              {"min", s->min}, {"max", s->max}, {"applies", sc::fixed_at_fork(key) ? "at reset" : "next week"}};
    s->visit(p, [&](const auto& field) {
      using T = std::remove_cvref_t<decltype(field)>;
      if constexpr (std::is_same_v<T, bool>) j["type"] = "bool", j["value"] = field;
      else if constexpr (std::is_same_v<T, int>) j["type"] = "int", j["value"] = field;
      else j["type"] = "number", j["value"] = field;
    });
    for (const auto& [k, v] : pending_reset_)
      if (k == key) j["value"] = json::parse(v);
    out.push_back(std::move(j));
  }
  return out;
}

json Session::scenarios() {
  json out = json::array();
  for (const auto& b : sc::builtins()) {
    if (b.name == "city-scale") continue;  // 10^6 citizens: not a live workshop
    try {
      const model::Scenario s = sc::load(b.name);
      out.push_back({{"name", b.name}, {"description", sc::describe_line(s)}});
    } catch (const std::exception&) {
    }
  }
  return out;
}

std::uint64_t Session::wait_action(std::uint64_t seen, int timeout_ms) const {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, std::chrono::milliseconds(timeout_ms), [&] { return action_.load() != seen || stop_.load(); });
  return action_.load();
}

std::uint64_t Session::wait_frame(std::uint64_t seen, int timeout_ms) const {
  std::unique_lock lk(mu_);
  cv_.wait_for(lk, std::chrono::milliseconds(timeout_ms), [&] { return frame_.load() != seen || stop_.load(); });
  return frame_.load();
}

int Session::week() const {
  std::lock_guard lk(mu_);
  return branches_.front().week();
}

std::size_t Session::branches() const {
  std::lock_guard lk(mu_);
  return branches_.size();
}

std::size_t Session::ensemble_done() const {
  std::lock_guard lk(mu_);
  if (!ensemble_) return 0;
  std::lock_guard el(ensemble_->mu);
  return ensemble_->done;
}

bool Session::wait_ensemble(int timeout_ms) const {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    {
      std::lock_guard lk(mu_);
      if (!ensemble_) return true;
      std::lock_guard el(ensemble_->mu);
      if (ensemble_->done == ensemble_->members.size()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::vector<std::vector<Sample>> Session::branch_samples() const {
  std::lock_guard lk(mu_);
  std::vector<std::vector<Sample>> out;
  for (const auto& b : branches_) out.push_back(b.samples());
  return out;
}

std::vector<std::vector<Step>> Session::branch_timelines() const {
  std::lock_guard lk(mu_);
  std::vector<std::vector<Step>> out;
  for (const auto& b : branches_) out.push_back(b.timeline());
  return out;
}

void Session::save_hdf5(const std::string& path, const std::string& command_line) const {
  std::lock_guard lk(mu_);
  static const char* names[] = {"workshop-with-events", "workshop-without-last-event"};
  OutputLayout layout;
  std::string config, timeline = "[";
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    model::Scenario s = branches_[i].scenario();
    s.name = branches_.size() == 1 ? "workshop" : names[i];
    layout.scenarios.push_back(s.name);
    layout.event_labels.emplace_back();
    for (const auto* e : model::scheduled_events(s)) layout.event_labels.back().push_back(e->label);
    config += sc::to_toml(s) + "\n";
    json steps = json::array();
    for (const auto& st : branches_[i].timeline()) steps.push_back({{"week", st.week}, {"what", st.what}});
    timeline += (i ? "," : "") + json{{"scenario", s.name}, {"steps", steps}}.dump();
  }
  timeline += "]";
  layout.replicates = 1 + static_cast<std::size_t>(opt_.ensemble);
  layout.time = model::record_months(initial_.params.run.horizon_years);
  layout.attributes = {
      {"title", "cimsim workshop: " + loaded_.name},
      {"source", "cimsim workshop"},
      {"command_line", command_line},
      {"configuration", config},
      {"initial_configuration", sc::to_toml(initial_)},
      {"workshop_timeline", timeline},
      {"workshop_note", "realization 0 is the run shown in the workshop, continued unchanged to the horizon; "
                        "realizations 1.. are the background ensemble's seeds (missing ones did not finish)"},
      {"master_seed", std::to_string(opt_.seed)},
      {"rng_scheme", rng_scheme_description()},
      {"design", "none"},
  };
  Hdf5Sink sink(path, schema_, layout, true);
  for (std::size_t i = 0; i < branches_.size(); ++i) {
    RunResult r = branches_[i].result_to_horizon(RunKey{i, 0, realization_seed(0)});
    r.ok = true;
    sink.write(r);
  }
  if (ensemble_) {
    std::lock_guard el(ensemble_->mu);
    for (std::size_t k = 0; k < ensemble_->members.size(); ++k) {
      const auto& m = ensemble_->members[k];
      if (!m.done) continue;
      for (std::size_t i = 0; i < m.results.size() && i < branches_.size(); ++i) {
        RunResult r = m.results[i];
        r.ok = true;
        sink.write(r);
      }
    }
  }
  sink.finish(true);
}

}  // namespace cimsim::workshop
