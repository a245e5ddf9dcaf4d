// Submodel 1, events (docs/model.md, "events"): the scenario's scheduled and hazard events; elections.
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>

namespace cimsim::model {

const char* event_type_name(Event::Type t) {
  switch (t) {
    case Event::Type::staff_turnover: return "staff_turnover";
    case Event::Type::champion_departure: return "champion_departure";
    case Event::Type::citizen_engagement_decline: return "citizen_engagement_decline";
    case Event::Type::funding_cut: return "funding_cut";
    case Event::Type::grant_end: return "grant_end";
    case Event::Type::election: return "election";
    case Event::Type::crisis: return "crisis";
    case Event::Type::external_driver: return "external_driver";
    case Event::Type::backbone_created: return "backbone_created";
    case Event::Type::measurement_launch: return "measurement_launch";
    case Event::Type::forums_stopped: return "forums_stopped";
    case Event::Type::meeting_cadence: return "meeting_cadence";
    case Event::Type::stakeholders_join: return "stakeholders_join";
    case Event::Type::ceiling_lifted: return "ceiling_lifted";
    case Event::Type::vacancies_filled: return "vacancies_filled";
  }
  return "unknown";
}

bool allowed_at_fork(Event::Type t) {
  return t != Event::Type::backbone_created && t != Event::Type::stakeholders_join;
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

void apply_event(State& st, const StepContext& ctx, const Event& e) {
  const auto t = static_cast<std::uint32_t>(st.tick);
  switch (e.type) {
    case Event::Type::staff_turnover:
      if (!st.backbone_active) break;
      for (std::size_t s = 0; s < st.filled.size(); ++s) {
        if (!st.filled[s]) continue;
        const bool leaves = e.lead_only ? s == 0
                                        : Rng(ctx.seed, t, static_cast<AgentId>(st.staff_begin + s), purpose::event)
                                              .bernoulli(e.fraction);
        if (leaves) staff_leave(st, ctx, s, e.successor, e.overlap_weeks, e.vacancy_weeks);
      }
      break;
    case Event::Type::champion_departure:
      for (std::size_t i = 0; i < st.agents(); ++i)
        if (st.champion[i]) {
          st.champion[i] = 0;
          st.influence[i] = 1.0;
          st.urgency[i] = st.base_urgency[i];
          st.engagement[i] = std::max(0.0, st.engagement[i] - 0.3);
          break;  // the first (lowest id) champion leaves
        }
      break;
    case Event::Type::citizen_engagement_decline:
      st.propensity_decline = e.rate;
      st.decline_from = st.tick;
      break;
    case Event::Type::funding_cut: st.cut_factor *= 1.0 - e.fraction; break;
    case Event::Type::grant_end: st.grant_level = ctx.params.funding.anchoring; break;
    case Event::Type::election: election(st, ctx); break;
    case Event::Type::crisis:
      for (std::size_t i = 0; i < st.agents(); ++i)
        if (!st.is_staff(i)) st.urgency[i] = clamp01(st.urgency[i] + e.size);
      break;
    case Event::Type::external_driver: st.driver_on = e.on; break;
    case Event::Type::backbone_created:
      if (!st.backbone_active && !st.filled.empty()) {
        st.backbone_active = true;
        for (std::size_t s = 0; s < st.filled.size(); ++s) hire(st, ctx, s, t);
      }
      break;
    case Event::Type::vacancies_filled:
      // Vacant posts are refilled in this week's backbone phase, within the budget.
      for (std::size_t s = 0; s < st.filled.size(); ++s)
        if (!st.filled[s]) st.vacancy_left[s] = std::min(st.vacancy_left[s], 1);
      break;
    case Event::Type::measurement_launch:
      st.measurement_active = true;
      st.learning_on = e.on;
      break;
    case Event::Type::forums_stopped: st.forums = false; break;
    case Event::Type::meeting_cadence:
      switch (e.body) {
        case Event::Body::working_groups: st.cadence_wg = e.weeks; break;
        case Event::Body::steering: st.cadence_steering = e.weeks; break;
        case Event::Body::plenary: st.cadence_plenary = e.weeks; break;
        case Event::Body::forums: st.cadence_forum = e.weeks; break;
        case Event::Body::updates: st.cadence_update = e.weeks; break;
      }
      break;
    case Event::Type::stakeholders_join: {
      int joined = 0;
      const auto no = static_cast<std::uint32_t>(st.orgs_end);
      for (std::size_t i = st.staff_end; i < st.agents() && joined < e.count; ++i) {
        if (st.present[i] || st.sector[i] != e.sector) continue;
        st.present[i] = 1;
        ++joined;
        Rng r(ctx.seed, t, static_cast<std::uint32_t>(i), purpose::event);
        st.engagement[i] = st.engagement_next[i] = r.uniform(0.3, 0.6);
        const auto m = static_cast<int>(std::floor(ctx.params.network.org_degree / 2.0 + r.uniform()));
        for (int j = 0; j < m && no > 0; ++j)
          st.net.add_tie(static_cast<AgentId>(i), r.below(no), static_cast<float>(ctx.params.trust.initial), st.tick);
      }
      break;
    }
    case Event::Type::ceiling_lifted: st.ceiling_active = false; break;
  }
}

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
    if (fire) apply_event(st, ctx, e);
  }
  // Scheduled elections (004:L694: about every four years).
  if (ctx.params.exogenous.election_years > 0.0) {
    const double period = ctx.params.exogenous.election_years * kWeeksPerYear;
    const auto k = static_cast<long>(std::floor(st.tick / period));
    if (k >= 1 && static_cast<long>(std::floor((st.tick - 1) / period)) < k) election(st, ctx);
  }
  st.net.refresh(ctx.exec);
}

}  // namespace cimsim::model::submodels
