#include "app/calibrate.hpp"

#include "analysis/calibrate.hpp"
#include "analysis/calibrate_file.hpp"
#include "analysis/hdf5_sink.hpp"
#include "analysis/targets.hpp"
#include "app/commands.hpp"
#include "app/run_experiment.hpp"
#include "engine/error.hpp"
#include "scenarios/experiment.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/targets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <thread>
#include <tuple>

#include <unistd.h>

namespace cimsim::app {

namespace sc = cimsim::scenarios;
namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_calibrate_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

struct Interrupted {};

std::string num(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", x);
}

// A parameter value as TOML text that reads back as the same double (integers without a fraction).
std::string value_text(double v) {
  return v == std::floor(v) && std::abs(v) < 1e15 ? fmt::format("{}", static_cast<long long>(v)) : fmt::format("{}", v);
}

std::string duration(double sec) {
  if (sec < 60.0) return fmt::format("{:.1f} s", sec);
  const auto t = static_cast<long long>(sec + 0.5);
  if (t < 3600) return fmt::format("{} min {:02} s", t / 60, t % 60);
  return fmt::format("{} h {:02} min", t / 3600, (t % 3600) / 60);
}

// KEY=LOW:HIGH
ParamRange parse_range(const std::string& text) {
  const auto eq = text.find('=');
  const auto colon = text.find(':', eq == std::string::npos ? 0 : eq);
  if (eq == std::string::npos || eq == 0 || colon == std::string::npos)
    throw InputError("--parameters", "", "'" + text + "' is not a range: expected KEY=LOW:HIGH, e.g. engagement.join_threshold=0.4:0.6");
  const std::string key = text.substr(0, eq);
  auto number = [&](const std::string& s) {
    std::size_t used = 0;
    double v = 0.0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != s.size() || !std::isfinite(v))
      throw InputError("--parameters", key, "'" + s + "' is not a number: expected KEY=LOW:HIGH with two numbers");
    return v;
  };
  const double lo = number(text.substr(eq + 1, colon - eq - 1)), hi = number(text.substr(colon + 1));
  return sc::sweep_range(key, lo, hi, "--parameters");
}

// Progress of the whole calibration on stderr: runs done of all waves, elapsed time and ETA.
class Progress {
 public:
  Progress(bool enabled, bool lines, std::size_t total) : enabled_(enabled), lines_(lines), total_(total) {}
  void operator()(std::size_t wave, std::size_t waves, std::size_t done_in_wave) {
    if (!enabled_) return;
    const std::size_t done = base_ + done_in_wave;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (done != total_ && el - last_ < (lines_ ? 5.0 : 0.1)) return;
    last_ = el;
    const double eta = done > 0 ? el * static_cast<double>(total_ - done) / static_cast<double>(done) : 0.0;
    const double frac = total_ > 0 ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
    std::fprintf(stderr, "%s  wave %zu/%zu  runs %zu/%zu (%3.0f%%)  elapsed %s  ETA %s%s", lines_ ? "" : "\r", wave, waves,
                 done, total_, 100.0 * frac, duration(el).c_str(), duration(eta).c_str(), lines_ ? "\n" : "   ");
    std::fflush(stderr);
  }
  void wave_done(std::size_t runs) { base_ += runs; }
  void end_line() {
    if (enabled_ && !lines_) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_, lines_;
  std::size_t total_, base_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double last_ = -1.0;
};

// Reduces every run to the values of the calibration targets as it arrives, so that a wave
// keeps N x T x R numbers instead of N x R runs. Each run writes only its own slots.
class TargetSink final : public Sink {
 public:
  TargetSink(const std::vector<const sc::Target*>& targets, const sc::Plan& plan, const RecordSchema& schema,
             std::size_t replicates)
      : targets_(targets), plan_(plan), schema_(schema) {
    values_.assign(plan.items.size(), std::vector<std::vector<double>>(
                                          targets.size(), std::vector<double>(replicates, std::numeric_limits<double>::quiet_NaN())));
  }
  void write(const RunResult& run) override {
    if (!run.ok) {
      if (failed_.fetch_add(1) == 0) {
        std::lock_guard lock(mutex_);
        first_failure_ = plan_.items[run.key.scenario].scenario.name + ": " + run.error;
      }
      return;
    }
    PresetRuns pr;
    pr.scenario = plan_.items[run.key.scenario].scenario;
    pr.schema = &schema_;
    pr.runs.push_back(run);
    for (std::size_t t = 0; t < targets_.size(); ++t) {
      const sc::Target& g = *targets_[t];
      double x = per_run_values(g.quantity, pr).at(0);
      if (g.statistic == "share_of_runs" && !std::isnan(x)) {
        const double c = g.condition;
        const std::string& op = g.condition_op;
        x = (op == "<" ? x < c : op == "<=" ? x <= c : op == ">" ? x > c : x >= c) ? 1.0 : 0.0;
      }
      values_[run.key.scenario][t][run.key.replicate] = x;
    }
  }
  std::vector<std::vector<std::vector<double>>> take() { return std::move(values_); }
  std::size_t failed() const { return failed_.load(); }
  const std::string& first_failure() const { return first_failure_; }

 private:
  const std::vector<const sc::Target*>& targets_;
  const sc::Plan& plan_;
  const RecordSchema& schema_;
  std::vector<std::vector<std::vector<double>>> values_;
  std::atomic<std::size_t> failed_{0};
  std::mutex mutex_;
  std::string first_failure_;
};

// "name = 0.25 +/- 0.1" for the header of the scenario file.
std::string target_text(const sc::Target& t) {
  std::string v;
  if (t.kind == sc::Target::Kind::value) v = num(t.value);
  else if (std::isinf(t.low)) v = "<= " + num(t.high);
  else if (std::isinf(t.high)) v = ">= " + num(t.low);
  else v = "[" + num(t.low) + ", " + num(t.high) + "]";
  const std::string stat = t.statistic == "share_of_runs" ? "share of runs " : t.statistic == "count" ? "count " : "";
  return fmt::format("{}: {}{} +/- {}", t.name, stat, v, num(t.tolerance));
}

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw InputError(path, "", "cannot write the scenario file");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw InputError(path, "", "cannot write the scenario file");
  }
}

template <class T>
void same(const std::string& file, const std::string& what, const T& in_file, const T& now) {
  if (!(in_file == now))
    throw InputError("--resume", "", "'" + file + "' was written with other " + what +
                                         ": expected the command that wrote it (its command_line attribute), with any --waves");
}

// How far a calibration has got, for cmd_calibrate's handling of an error under MPI.
enum class Stage { setting_up, running, done };  // running: rank 0 still sends waves

// One wave's plan: the preset with each point's values. A point that breaks one of the model's
// consistency rules (e.g. engagement.join_threshold below engagement.leave_threshold) is not
// run: no values, so it counts as implausible. `index`: plan item -> point.
sc::Plan wave_plan(const model::Scenario& base, const std::vector<ParamRange>& prior,
                   const std::vector<std::vector<double>>& points, std::vector<std::size_t>& index) {
  sc::Plan plan;
  index.clear();
  for (std::size_t i = 0; i < points.size(); ++i) {
    model::Scenario s = base;
    for (std::size_t j = 0; j < prior.size(); ++j)
      sc::apply_set(s, prior[j].key + "=" + value_text(points[i][j]), "--parameters");
    s.name = fmt::format("point-{:05d}", i);
    try {
      sc::check(s);
    } catch (const InputError&) {
      continue;
    }
    plan.items.push_back({std::move(s), -1});
    index.push_back(i);
  }
  return plan;
}

// The calibration on one process or, under MPI, on every process: each checks the input, rank 0
// alone reads and writes files, runs the waves and prints; the others run their share of each
// wave's runs (mpi::run_ensemble), whose points rank 0 sends them.
int calibrate(const CalibrateOptions& o, const std::string& command_line, const Processes& procs, Stage& stage) {
  const bool root = procs.rank() == 0;
  // ---- settings
  if (o.points < 1 || o.points > 1000000)
    throw InputError("--points", "", "expected an integer in [1, 1000000], got " + std::to_string(o.points));
  if (o.replicates < 2 || o.replicates > 100000)
    throw InputError("--replicates", "", "expected an integer in [2, 100000] (a spread needs two runs), got " + std::to_string(o.replicates));
  if (o.waves < 1 || o.waves > 1000)
    throw InputError("--waves", "", "expected an integer in [1, 1000], got " + std::to_string(o.waves));
  if (!(o.cutoff > 0.0) || !std::isfinite(o.cutoff))
    throw InputError("--cutoff", "", "expected a positive number, got " + num(o.cutoff));
  if (o.threads < 0) throw InputError("--threads", "", "must be a positive integer, got " + std::to_string(o.threads));

  sc::TargetTable table = o.targets.empty() ? sc::builtin_targets(o.preset, "calibrate") : sc::load_targets_file(o.targets);
  if (table.preset != o.preset)
    throw InputError(table.label, "preset",
                     "the table is for '" + table.preset + "' but the command names '" + o.preset + "': expected preset = \"" +
                         o.preset + "\"");
  HmSettings hs;
  hs.points = static_cast<std::size_t>(o.points);
  hs.waves = static_cast<std::size_t>(o.waves);
  hs.cutoff = o.cutoff;
  hs.seed = o.seed;
  for (const auto& p : o.parameters) hs.prior.push_back(parse_range(p));
  if (hs.prior.empty()) hs.prior = table.calibrate;
  if (hs.prior.empty())
    throw InputError("--parameters", "", "no parameters to calibrate: expected --parameters KEY=LOW:HIGH (repeat the flag) "
                                         "or a [calibrate] parameters table in " + table.label);
  for (std::size_t i = 0; i < hs.prior.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (hs.prior[i].key == hs.prior[j].key)
        throw InputError("--parameters", hs.prior[i].key, "is given twice: expected each parameter once");
  for (const auto& a : o.sets) {
    const std::string key = a.substr(0, a.find('='));
    for (const auto& r : hs.prior)
      if (r.key == key) throw InputError("--set", key, "is also calibrated: remove it from --set or from the parameters");
  }

  // The calibration targets: not held out; orderings are left out (docs/design/0006).
  std::vector<const sc::Target*> used;
  std::vector<HmTarget> hm;
  std::size_t orderings = 0, held = 0;
  for (const auto& t : table.targets) {
    if (t.held_out) {
      ++held;
      continue;
    }
    if (t.kind == sc::Target::Kind::ordering) {
      ++orderings;
      continue;
    }
    used.push_back(&t);
    HmTarget h;
    h.name = t.name;
    h.low = t.kind == sc::Target::Kind::value ? t.value : t.low;
    h.high = t.kind == sc::Target::Kind::value ? t.value : t.high;
    h.tolerance = t.tolerance;
    h.share = t.statistic == "share_of_runs";
    hm.push_back(h);
  }
  if (used.empty())
    throw InputError(table.label, "targets",
                     "no calibration target with a value or band: expected at least one target with held_out = false "
                     "that is not an ordering");

  // ---- the preset with --set, and the output files
  sc::ExperimentSpec spec;
  spec.scenarios.push_back(table.preset);
  const sc::Plan base_plan = sc::make_plan(spec, o.sets);
  const model::Scenario base = base_plan.items.front().scenario;
  for (const auto& t : used)
    if (t->quantity.to_month > 12 * base.params.run.horizon_years)
      throw InputError(t->origin, "", fmt::format("month {} is past the end of the runs of '{}' (month {}; did a --set change "
                                                  "run.horizon_years?): expected a time within the run",
                                                  t->quantity.to_month, base.name, 12 * base.params.run.horizon_years));

  std::string out = o.out;
  const bool resuming = !o.resume.empty();
  if (resuming) {
    if (!out.empty() && out != o.resume)
      throw InputError("--out", "", "--resume continues '" + o.resume + "' in place: expected no --out, or the same path");
    out = o.resume;
  }
  if (out.empty()) out = "cimsim-calibrate-" + table.preset + "-" + iso_time_utc(true) + ".h5";
  std::string scenario_out = o.scenario_out;
  if (scenario_out.empty()) scenario_out = fs::path(out).replace_extension(".toml").string();
  if (scenario_out == out) throw InputError("--scenario-out", "", "'" + scenario_out + "' is the HDF5 output file: expected another path");

  CalibrationRecord rec;
  rec.preset = table.preset;
  rec.targets_file = table.label;
  rec.command_line = command_line;
  rec.version = version_line();
  for (const auto& a : o.sets) rec.sets += (rec.sets.empty() ? "" : "\n") + a;
  rec.cutoff = hs.cutoff;
  rec.widen = hs.widen;
  rec.seed = hs.seed;
  rec.points = hs.points;
  rec.replicates = static_cast<std::uint64_t>(o.replicates);
  rec.waves_requested = hs.waves;
  for (const auto& r : hs.prior) rec.parameters.push_back(r.key), rec.prior_low.push_back(r.lo), rec.prior_high.push_back(r.hi);
  for (const auto& h : hm) {
    rec.targets.push_back(h.name);
    rec.target_low.push_back(h.low);
    rec.target_high.push_back(h.high);
    rec.target_tolerance.push_back(h.tolerance);
    rec.target_share.push_back(h.share ? 1 : 0);
  }

  if (resuming && root) {
    CalibrationRecord old = read_calibration(o.resume);
    same(o.resume, "settings (preset)", old.preset, rec.preset);
    same(o.resume, "parameters (--parameters)", old.parameters, rec.parameters);
    same(o.resume, "parameter ranges (--parameters)", std::make_pair(old.prior_low, old.prior_high),
         std::make_pair(rec.prior_low, rec.prior_high));
    same(o.resume, "targets (--targets)", old.targets, rec.targets);
    same(o.resume, "target values or tolerances (--targets)",
         std::make_tuple(old.target_low, old.target_high, old.target_tolerance, old.target_share),
         std::make_tuple(rec.target_low, rec.target_high, rec.target_tolerance, rec.target_share));
    same(o.resume, "settings (--seed, --points, -r, --cutoff)", std::make_tuple(old.seed, old.points, old.replicates, old.cutoff),
         std::make_tuple(rec.seed, rec.points, rec.replicates, rec.cutoff));
    same(o.resume, "--set assignments", old.sets, rec.sets);
    rec.waves = std::move(old.waves);
    rec.command_line = old.command_line + "\n" + command_line;  // every command that wrote the file
    check_output_path(scenario_out, true);
  } else if (root) {
    check_output_path(out, o.force);
    check_output_path(scenario_out, o.force);
  }
  // Every process has checked the input (rank 0 also the files): go on only if all passed. A
  // process that failed meets this step in cmd_calibrate, which reports.
  if (procs.first(false) < procs.size()) {
    if (root)
      std::fprintf(stderr, "cimsim: error: another MPI process could not set up the calibration (see its message); nothing "
                           "written\n");
    return 2;
  }
  stage = Stage::running;

  // ---- the simulator: each point is the preset with its values, run R times
  RunSettings settings;
  settings.replicates = static_cast<std::size_t>(o.replicates);
  settings.seed = o.seed;
  settings.threads = o.threads > 0 ? static_cast<int>(o.threads) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  settings.stop = &g_stop;
  settings.processes = &procs;
  const bool tty = ::isatty(2) == 1;
  const std::size_t start_wave = rec.waves.size();
  const std::size_t todo = hs.waves > start_wave ? hs.waves - start_wave : 0;
  Progress progress(!o.quiet && (tty || o.progress), !tty, todo * hs.points * settings.replicates);
  const RecordSchema schema = schema_for(base_plan);
  const std::size_t P = hs.prior.size();
  const HmSimulator simulate = [&](const std::vector<std::vector<double>>& points, std::size_t wave) {
    std::vector<std::size_t> index;
    const sc::Plan plan = wave_plan(base, hs.prior, points, index);
    const std::size_t broken = points.size() - index.size();
    std::vector<std::vector<std::vector<double>>> values(
        points.size(), std::vector<std::vector<double>>(used.size(), std::vector<double>(settings.replicates, std::nan(""))));
    {  // the other processes' copy of the points (a no-op on one process); they build the same plan
      std::vector<double> flat;
      for (const auto& p : points) flat.insert(flat.end(), p.begin(), p.end());
      procs.broadcast(flat);
    }
    if (!plan.items.empty()) {
      TargetSink sink(used, plan, schema, settings.replicates);
      RunSettings ws = settings;
      ws.progress = [&](std::size_t done, std::size_t) { progress(wave + 1, hs.waves, done + broken * settings.replicates); };
      const EnsembleReport rep = run_experiment(plan, &sink, ws);
      if (rep.interrupted) throw Interrupted{};
      if (sink.failed() > 0)
        throw std::runtime_error(fmt::format("{} of {} runs failed (first: {})", sink.failed(), rep.total, sink.first_failure()));
      auto got = sink.take();
      for (std::size_t k = 0; k < index.size(); ++k) values[index[k]] = std::move(got[k]);
    }
    if (broken > 0 && !o.quiet)
      std::cerr << fmt::format("{}cimsim: wave {}: {} of {} points break a consistency rule of the model and count as implausible\n",
                               tty && !o.quiet ? "\n" : "", wave + 1, broken, points.size());
    progress.wave_done(points.size() * settings.replicates);
    return values;
  };

  std::signal(SIGINT, on_calibrate_signal);
  std::signal(SIGTERM, on_calibrate_signal);
  if (!root) {
    // Each wave: rank 0's points (none: the calibration is over), then this process's share of
    // the runs, sent to rank 0 as they finish. Same points, same plan as on rank 0.
    for (;;) {
      std::vector<double> flat;
      procs.broadcast(flat);
      if (flat.empty()) break;
      std::vector<std::vector<double>> points;
      for (auto at = flat.begin(); at != flat.end(); at += static_cast<std::ptrdiff_t>(P))
        points.emplace_back(at, at + static_cast<std::ptrdiff_t>(P));
      std::vector<std::size_t> index;
      const sc::Plan plan = wave_plan(base, hs.prior, points, index);
      if (!plan.items.empty()) run_experiment(plan, nullptr, settings);
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    return g_stop.load() ? 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT) : 0;
  }

  auto summary = [&](std::size_t k, const HmWave& w) {
    std::string box;
    for (std::size_t j = 0; j < hs.prior.size(); ++j)
      box += fmt::format("{}{} [{}, {}]", j ? ", " : "", hs.prior[j].key, num(w.box_low[j]), num(w.box_high[j]));
    const long b = best_point(w);
    progress.end_line();
    std::cout << fmt::format("wave {}: {} points in {}; {} non-implausible (max I <= {}){}\n", k + 1, w.accepted.size(), box,
                             w.accepted_count(), num(hs.cutoff),
                             b >= 0 ? fmt::format(", smallest max I {}", num(w.max_implausibility[static_cast<std::size_t>(b)]))
                                    : std::string());
    std::cout.flush();
  };

  if (!o.quiet) {
    std::cerr << fmt::format("cimsim calibrate: {} parameter(s), {} calibration target(s) ({} held out and {} ordering(s) left "
                             "out), {} points x {} runs per wave, waves {}..{}{} -> {}\n",
                             hs.prior.size(), hm.size(), held, orderings, hs.points, settings.replicates, start_wave + 1,
                             hs.waves, procs.size() > 1 ? fmt::format(" on {} processes", procs.size()) : std::string(), out);
  }
  for (std::size_t k = 0; k < rec.waves.size(); ++k) summary(k, rec.waves[k]);
  auto end_waves = [&] {  // the other processes leave their loop above
    std::vector<double> none;
    procs.broadcast(none);
    stage = Stage::done;
  };
  try {
    rec.waves = history_match(hs, hm, simulate, std::move(rec.waves), [&](const std::vector<HmWave>& waves) {
      rec.waves = waves;
      write_calibration(out, rec);
      summary(waves.size() - 1, waves.back());
    });
  } catch (const Interrupted&) {
    end_waves();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    progress.end_line();
    std::cerr << fmt::format("cimsim: interrupted; {} holds {} complete wave(s): add --resume {} to the same command to "
                             "continue\n",
                             fs::exists(out) ? out : std::string("no file"), rec.waves.size(), out);
    return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT);
  }
  end_waves();
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (rec.waves.size() == start_wave) write_calibration(out, rec);  // nothing to add: record the command anyway

  // ---- the result
  const HmWave& last = rec.waves.back();
  const long best = best_point(last);
  if (best < 0) {
    std::cout << fmt::format("no point of wave {} is non-implausible (max I <= {}): the targets cannot all be met within the "
                             "parameter ranges; no scenario file written ({} holds the waves)\n",
                             rec.waves.size(), num(hs.cutoff), out);
    return 1;
  }
  const std::size_t T = hm.size(), b = static_cast<std::size_t>(best);
  std::vector<double> lo, hi;
  accepted_box(last, P, lo, hi);
  std::string accepted_counts;
  for (std::size_t k = 0; k < rec.waves.size(); ++k)
    accepted_counts += fmt::format("{}{}", k ? ", " : "", rec.waves[k].accepted_count());

  std::string text;
  text += "# Calibrated by cimsim calibrate: history matching with implausibility (docs/design/0006-calibration.md).\n";
  text += "# command: " + command_line + "\n";
  text += "# " + rec.version + "\n";
  text += "# targets: " + table.label + " (calibration targets; tolerance after +/-):\n";
  for (const auto* t : used) text += "#   " + target_text(*t) + "\n";
  text += fmt::format("# left out: {} held-out target(s), {} ordering(s)\n", held, orderings);
  text += fmt::format("# cutoff {} (max implausibility), seed {}, {} points x {} runs per wave\n", num(hs.cutoff), hs.seed,
                      hs.points, settings.replicates);
  text += fmt::format("# accepted per wave: {} (of {} each)\n", accepted_counts, hs.points);
  text += "# prior and last wave's accepted box:\n";
  for (std::size_t j = 0; j < P; ++j)
    text += fmt::format("#   {}: prior [{}, {}], accepted [{}, {}]\n", hs.prior[j].key, value_text(hs.prior[j].lo),
                        value_text(hs.prior[j].hi), value_text(lo[j]), value_text(hi[j]));
  text += fmt::format("# values: the last wave's accepted point with the smallest max implausibility ({}); details in {}\n",
                      num(last.max_implausibility[b]), out);
  text += "extends = \"" + table.preset + "\"\n";
  text += "description = \"" + table.preset + " calibrated against " + fs::path(table.label).filename().string() + "\"\n";
  if (!o.sets.empty()) {
    text += "# from --set\n";
    for (const auto& a : o.sets) text += a.substr(0, a.find('=')) + " = " + a.substr(a.find('=') + 1) + "\n";
  }
  text += "# calibrated\n";
  for (std::size_t j = 0; j < P; ++j) text += hs.prior[j].key + " = " + value_text(last.points[b * P + j]) + "\n";
  write_text_atomically(scenario_out, text);
  {  // it must read back as the point that was run
    model::Scenario check = sc::load(scenario_out);
    for (std::size_t j = 0; j < P; ++j)
      if (model::find_param(hs.prior[j].key)->value(check.params) != last.points[b * P + j])
        throw std::logic_error("the calibrated scenario does not read back as the chosen point (" + hs.prior[j].key + ")");
  }

  std::cout << "\naccepted box of the last wave (prior in brackets):\n";
  for (std::size_t j = 0; j < P; ++j)
    std::cout << fmt::format("  {:<36} [{}, {}]   ([{}, {}])   chosen {}\n", hs.prior[j].key, num(lo[j]), num(hi[j]),
                             num(hs.prior[j].lo), num(hs.prior[j].hi), value_text(last.points[b * P + j]));
  std::cout << "targets at the chosen point (mean of runs, implausibility):\n";
  for (std::size_t t = 0; t < T; ++t)
    std::cout << fmt::format("  {:<36} {:>10}  I = {}\n", hm[t].name, num(last.mean[b * T + t]), num(last.implausibility[b * T + t]));
  std::cout << "wrote " << out << " and " << scenario_out << "\n";
  return 0;
}

}  // namespace

int cmd_calibrate(const CalibrateOptions& o, const std::string& command_line) {
  const Processes procs;
  Stage stage = Stage::setting_up;
  int status = 0;
  try {
    status = calibrate(o, command_line, procs, stage);
  } catch (...) {
    if (procs.size() == 1) throw;  // main() reports it
    // Under MPI every process says what went wrong before any process ends: mpiexec stops the
    // whole job as soon as one exits non-zero, which could cut off another's message (as in
    // run_command).
    const std::exception_ptr error = std::current_exception();
    if (stage == Stage::setting_up) {
      // The others are at the same step (in calibrate). Bad input fails on every process: the
      // lowest rank that failed reports, so that the message reads once.
      status = procs.first(true) == procs.rank() ? report_error(error) : 2;
    } else if (procs.rank() == 0) {
      if (stage == Stage::running) {  // the other processes wait for a wave: there is none
        std::vector<double> none;
        procs.broadcast(none);
      }
      status = report_error(error);
    } else {
      report_error(error);
      procs.abort(3);  // rank 0 waits for this process's runs: the job cannot go on
    }
  }
  procs.all(true);  // a barrier: every process has printed what it had to before any ends
  return status;
}

}  // namespace cimsim::app
