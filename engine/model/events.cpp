// Submodel 1, events (docs/model.md, "events"): the scenario's scheduled and hazard events; elections.
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <variant>

namespace cimsim::model {

namespace ev {

const std::vector<std::string>& StaffTurnover::roles() {
  static const std::vector<std::string> names = {"", "lead_coordinator"};  // any_member: no role given
  return names;
}

std::optional<Problem> StaffTurnover::check(const StaffTurnover& x, int) {
  if ((x.role != Role::any_member) == (x.fraction >= 0.0))
    return Problem{"fraction", "a staff_turnover event needs exactly one of fraction = F or role = \"lead_coordinator\""};
  return std::nullopt;
}

const std::vector<std::string>& MeetingCadence::bodies() {
  static const std::vector<std::string> names = {"working_groups", "steering", "plenary", "forums", "updates"};
  return names;
}

const std::vector<std::string>& StakeholdersJoin::sectors() {
  static const std::vector<std::string> names(sector_names().begin(), sector_names().end() - 1);
  return names;
}

// The rule of an event type that sets something up at a given week and so cannot be a hazard
// (week 0): `message` says what it needs.
namespace {
std::optional<Problem> at_only(int week, const char* message) {
  if (week == 0) return Problem{"rate_per_year", message};
  return std::nullopt;
}
}  // namespace

std::optional<Problem> StakeholdersJoin::check(const StakeholdersJoin&, int week) {
  return at_only(week, "stakeholders_join needs a time (at), not a hazard");
}

std::optional<Problem> Recruitment::check(const Recruitment&, int week) {
  return at_only(week, "recruitment needs a time (at) when the offer opens, not a hazard");
}

const std::vector<std::string>& KickOff::groups() {
  static const std::vector<std::string> names = {"citizens", "organisations"};
  return names;
}

std::optional<Problem> KickOff::check(const KickOff&, int week) {
  return at_only(week, "kick_off needs a time (at), not a hazard");
}

std::optional<What> make(const std::string& type) {
  std::optional<What> out;
  for_each_type([&]<class T>(std::type_identity<T>) {
    if (!out && type == T::info.type) out = What{T{}};
  });
  return out;
}

const std::vector<std::string>& type_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for_each_type([&]<class T>(std::type_identity<T>) { v.emplace_back(T::info.type); });
    return v;
  }();
  return names;
}

}  // namespace ev

const char* event_type_name(const Event& e) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::info.type; }, e.what);
}

bool allowed_at_fork(const Event& e) {
  return std::visit([](const auto& x) { return std::decay_t<decltype(x)>::info.at_fork; }, e.what);
}

}  // namespace cimsim::model

namespace cimsim::model::submodels {

namespace {

void election(State& st, const StepContext& ctx) {
  // Government agents' concerns and support reset; their champions are replaced (004:L694).
  const auto K = static_cast<std::size_t>(st.K);
  const auto t = static_cast<std::uint32_t>(st.tick);
  std::vector<std::uint32_t>& gov = st.id_scratch;
  gov.clear();
  st.for_each_org([&](std::size_t i) {
    if (st.sector[i] != Sector::government || !st.present[i]) return;
    gov.push_back(static_cast<std::uint32_t>(i));
    Rng r(ctx.seed, t, static_cast<std::uint32_t>(i), purpose::event);
    double total = 0.0;
    for (std::size_t k = 0; k < K; ++k) total += (st.concern[i * K + k] = -std::log(1.0 - r.uniform()));
    for (std::size_t k = 0; k < K; ++k) st.concern[i * K + k] /= total;
    st.engagement[i] = r.uniform(0.1, 0.6);
    st.active[i] = st.engagement[i] >= ctx.params.engagement.join_threshold;
    st.ownership[i] = 0.0;
  });
  std::size_t lost = 0;
  for (std::uint32_t i : gov)
    if (st.champion[i]) {
      st.champion[i] = 0;
      st.influence[i] = 1.0;
      st.urgency[i] = st.base_urgency[i];
      ++lost;
    }
  Rng r(ctx.seed, t, kSharedStream, purpose::event);
  for (std::size_t j = 0; j < lost && j < gov.size(); ++j) {
    const std::size_t pick = j + r.below(static_cast<std::uint32_t>(gov.size() - j));
    std::swap(gov[j], gov[pick]);
    const std::uint32_t a = gov[j];
    st.champion[a] = 1;
    st.influence[a] = ctx.params.preconditions.champion_influence;
    st.urgency[a] = 1.0;
  }
}

// --- the rule of each event type (docs/model.md 6.1), applied in week `st.tick`

void apply(State& st, const StepContext& ctx, const ev::StaffTurnover& e) {
  if (!st.backbone_active) return;
  const auto t = static_cast<std::uint32_t>(st.tick);
  const bool lead_only = e.role == ev::StaffTurnover::Role::lead_coordinator;
  for (std::size_t s = 0; s < st.filled.size(); ++s) {
    if (!st.filled[s]) continue;
    const bool leaves = lead_only ? s == 0
                                  : Rng(ctx.seed, t, static_cast<AgentId>(st.staff_begin + s), purpose::event)
                                        .bernoulli(e.fraction);
    if (leaves) staff_leave(st, ctx, s, e.successor, e.overlap_weeks, e.vacancy_weeks);
  }
}

void apply(State& st, const StepContext&, const ev::ChampionDeparture&) {
  for (std::size_t i = 0; i < st.agents(); ++i)
    if (st.champion[i]) {
      st.champion[i] = 0;
      st.influence[i] = 1.0;
      st.urgency[i] = st.base_urgency[i];
      st.engagement[i] = std::max(0.0, st.engagement[i] - 0.3);
      break;  // the first (lowest id) champion leaves
    }
}

void apply(State& st, const StepContext&, const ev::CitizenEngagementDecline& e) {
  st.propensity_decline = e.rate;
  st.decline_from = st.tick;
}

void apply(State& st, const StepContext&, const ev::FundingCut& e) { st.cut_factor *= 1.0 - e.fraction; }

void apply(State& st, const StepContext& ctx, const ev::GrantEnd&) { st.grant_level = ctx.params.funding.anchoring; }

void apply(State& st, const StepContext& ctx, const ev::Election&) { election(st, ctx); }

void apply(State& st, const StepContext&, const ev::Crisis& e) {
  for (std::size_t i = 0; i < st.agents(); ++i)
    if (!st.is_staff(i)) st.urgency[i] = clamp01(st.urgency[i] + e.size);
}

void apply(State& st, const StepContext&, const ev::ExternalDriver& e) { st.driver_on = e.on; }

void apply(State& st, const StepContext& ctx, const ev::BackboneCreated&) {
  if (!st.backbone_active && !st.filled.empty()) {
    st.backbone_active = true;
    for (std::size_t s = 0; s < st.filled.size(); ++s) hire(st, ctx, s, static_cast<std::uint32_t>(st.tick));
  }
}

void apply(State& st, const StepContext&, const ev::VacanciesFilled&) {
  // Vacant posts are refilled in this week's backbone phase, within the budget.
  for (std::size_t s = 0; s < st.filled.size(); ++s)
    if (!st.filled[s]) st.vacancy_left[s] = std::min(st.vacancy_left[s], 1);
}

void apply(State& st, const StepContext&, const ev::MeasurementLaunch& e) {
  st.measurement_active = true;
  st.learning_on = e.learning;
}

void apply(State& st, const StepContext&, const ev::ForumsStopped&) { st.forums = false; }

void apply(State& st, const StepContext&, const ev::MeetingCadence& e) {
  using Body = ev::MeetingCadence::Body;
  switch (e.body) {
    case Body::working_groups: st.cadence_wg = e.weeks; break;
    case Body::steering: st.cadence_steering = e.weeks; break;
    case Body::plenary: st.cadence_plenary = e.weeks; break;
    case Body::forums: st.cadence_forum = e.weeks; break;
    case Body::updates: st.cadence_update = e.weeks; break;
  }
}

// Organisation i (absent) joins: present, e = 0.3 + 0.3 U, and floor(org_degree/2 + U) tries of
// a tie to an organisation present at the start, all from stream r (after the draws the caller
// made from it).
void join(State& st, const StepContext& ctx, std::size_t i, Rng& r) {
  const auto no = static_cast<std::uint32_t>(st.orgs_end);
  st.present[i] = 1;
  st.engagement[i] = st.engagement_next[i] = r.uniform(0.3, 0.6);
  const auto m = static_cast<int>(std::floor(ctx.params.network.org_degree / 2.0 + r.uniform()));
  for (int j = 0; j < m && no > 0; ++j)
    st.net.add_tie(static_cast<AgentId>(i), r.below(no), static_cast<float>(ctx.params.trust.initial), st.tick);
}

bool candidate(const State& st, std::size_t i) {
  for (const auto& b : st.recruitment)
    if (i >= b.begin && i < b.end) return true;
  return false;
}

void apply(State& st, const StepContext& ctx, const ev::StakeholdersJoin& e) {
  const auto t = static_cast<std::uint32_t>(st.tick);
  int joined = 0;
  for (std::size_t i = st.staff_end; i < st.agents() && joined < e.count; ++i) {
    if (st.present[i] || st.sector[i] != e.sector || candidate(st, i)) continue;
    ++joined;
    Rng r(ctx.seed, t, static_cast<std::uint32_t>(i), purpose::event);
    join(st, ctx, i, r);
  }
}

// The recruitment processes (docs/model.md 6.1): from its week on, each absent candidate of a
// recruitment event decides to join with probability 1 - exp(-(offer x outreach x grant level +
// peer x A/N) / 52), outreach = sat(F_public_will, 1) of an active backbone (0 without one),
// A the present active organisations of the sector (last week's flags), N all its organisations
// (present or not).
void recruit(State& st, const StepContext& ctx) {
  if (st.recruitment.empty()) return;
  const auto t = static_cast<std::uint32_t>(st.tick);
  const double outreach = st.backbone_active
                              ? saturate(function_capacity(st, ctx.params, ctx.params.backbone.f_public_will), 1.0)
                              : 0.0;
  for (const auto& b : st.recruitment) {
    if (st.tick < b.week) continue;
    double active = 0.0, all = 0.0;
    st.for_each_org([&](std::size_t i) {
      if (st.sector[i] != b.sector) return;
      all += 1.0;
      active += (st.present[i] && st.active[i]) ? 1.0 : 0.0;
    });
    const double rate = b.offer * outreach * st.grant_level + b.peer * (all > 0.0 ? active / all : 0.0);
    const double h = 1.0 - std::exp(-rate / kWeeksPerYear);
    for (std::size_t i = b.begin; i < b.end; ++i) {
      if (st.present[i]) continue;
      Rng r(ctx.seed, t, static_cast<std::uint32_t>(i), purpose::recruitment);
      if (r.uniform() < h) join(st, ctx, i, r);
    }
  }
}

// The event opens its process: recruit() (above) reads the candidates and the week from the
// state (set up at the start), so firing it changes nothing by itself.
void apply(State&, const StepContext&, const ev::Recruitment&) {}

// A kick-off meeting (docs/model.md 6.1): each present, inactive, interested agent of the group
// comes if U < availability x (reach + (1 - reach) x brought), brought = 1 for a citizen with an
// active tie of its own cluster (members bring the people they know, "you could just bring
// someone", 000:L1059), else 0. A citizen who came signs up if U < inclusiveness (an inclusive
// group takes up what people bring and forms working groups with them; a top-down one presents
// its own plan and only informs, 000:L1160-L1165); an organisation that came counts as signed
// up, as organisations count as asked in 6.8. This week's engagement phase reads it.
void apply(State& st, const StepContext& ctx, const ev::KickOff& e) {
  if (!st.backbone_active) return;
  const auto t = static_cast<std::uint32_t>(st.tick);
  if (st.kick_off_week != st.tick) {
    std::fill(st.kick_off.begin(), st.kick_off.end(), std::uint8_t{0});
    st.kick_off_week = st.tick;
  }
  const bool citizens = e.who == ev::KickOff::Who::citizens;
  const double interest = ctx.params.engagement.interest_threshold;
  const NetworkView& v = st.net.view();
  for (std::size_t i = 0; i < st.agents(); ++i) {
    if (st.is_staff(i) || !st.present[i] || st.active[i] || (st.sector[i] == Sector::citizen) != citizens) continue;
    if (st.engagement[i] < interest) continue;
    bool brought = false;
    if (citizens)
      for (const AgentId j : v.neighbours(static_cast<AgentId>(i)))
        if (st.active[j] && st.cluster[j] == st.cluster[i]) {
          brought = true;
          break;
        }
    Rng r(ctx.seed, t, static_cast<std::uint32_t>(i), purpose::kick_off);
    if (!(r.uniform() < st.availability[i] * (e.reach + (1.0 - e.reach) * (brought ? 1.0 : 0.0)))) continue;
    const bool signs_up = !citizens || r.uniform() < ctx.params.cluster.inclusiveness;
    st.kick_off[i] = std::max<std::uint8_t>(st.kick_off[i], signs_up ? 2 : 1);
  }
}

void apply(State& st, const StepContext&, const ev::CeilingLifted&) { st.ceiling_active = false; }

}  // namespace

// --- 1. events
void events(State& st, const StepContext& ctx) {
  const auto t = static_cast<std::uint32_t>(st.tick);
  for (std::size_t j = 0; j < ctx.events.size(); ++j) {
    const Event& e = ctx.events[j];
    bool fire = e.week == st.tick;
    if (e.week == 0 && e.rate_per_year > 0.0)
      fire = Rng(ctx.seed, t, static_cast<std::uint32_t>(j), purpose::hazard)
                 .bernoulli(1.0 - std::exp(-e.rate_per_year / kWeeksPerYear));
    if (fire) std::visit([&](const auto& what) { apply(st, ctx, what); }, e.what);
  }
  // Scheduled elections (004:L694: about every four years).
  if (ctx.params.exogenous.election_years > 0.0) {
    const double period = ctx.params.exogenous.election_years * kWeeksPerYear;
    const auto k = static_cast<long>(std::floor(st.tick / period));
    if (k >= 1 && static_cast<long>(std::floor((st.tick - 1) / period)) < k) election(st, ctx);
  }
  recruit(st, ctx);
  st.net.refresh(ctx.exec);
}

}  // namespace cimsim::model::submodels
