// Submodel 8, engagement (docs/model.md, "engagement").
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>

namespace cimsim::model::submodels {

namespace {
constexpr int kInvitedWindow = 8;          // weeks after an invitation during which joining counts as invited
constexpr std::size_t kPrefetchAhead = 4;   // agents ahead whose neighbours are prefetched
}  // namespace

// --- 8. engagement: each agent writes its own next state; then buffers swap.
void engagement(State& st, const StepContext& ctx) {
  const Params& p = ctx.params;
  const NetworkView& v = st.net.view();
  const double pw = st.backbone_active ? saturate(function_capacity(st, ctx.params, p.backbone.f_public_will), 1.0) : 0.0;
  const double out_org = pw;
  const double out_cit = pw * (st.forums ? 1.0 : 0.4);  // citizen forums (000:L1111)
  const double wsum = p.engagement.w_urgency + p.engagement.w_progress + p.engagement.w_neighbours + p.engagement.w_outreach + p.engagement.w_ownership + p.engagement.w_champion;
  const double decline = st.propensity_decline > 0.0
                             ? std::exp(-st.propensity_decline * (st.tick - st.decline_from) / static_cast<double>(kWeeksPerYear))
                             : 1.0;
  const double urgency_pull = p.preconditions.urgency_recovery;
  const double driver = st.driver_on ? p.preconditions.external_driver_strength : 0.0;
  const auto t = static_cast<std::uint32_t>(st.tick);
  const std::size_t n = st.agents();
  if (st.signal.size() != n) st.signal.resize(n);
  ctx.exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (std::size_t i = b0; i < b1; ++i)
      st.signal[i] = State::Signal{st.engagement[i], static_cast<std::uint32_t>(st.champion[i] && st.active[i])};
  });
  // Organisations that became active: invited recently, or of their own accord (cumulative).
  std::array<double, 2> joined{st.joined_invited, st.joined_voluntary};
  ctx.reduce(n, joined, [&](std::size_t b0, std::size_t b1, double* joins) {
    for (std::size_t i = b0; i < b1; ++i) {
      if (st.is_staff(i) || !st.present[i]) continue;
      const bool citizen = st.sector[i] == Sector::citizen;
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      if (i + kPrefetchAhead < b1) {  // the neighbours' state a few agents ahead (rewired ties are far away)
        const auto a = static_cast<AgentId>(i + kPrefetchAhead);
        for (std::uint32_t j = v.offsets[a]; j < v.offsets[a + 1]; ++j) {
          __builtin_prefetch(&st.signal[v.neighbour[j]]);
          __builtin_prefetch(&v.trust[v.tie_of[j]]);
        }
      }
      double tw = 0.0, te = 0.0, exposure = 0.0;
      for (std::size_t j = 0; j < nb.size(); ++j) {
        if (!citizen && st.sector[nb[j]] == Sector::citizen) continue;  // organisations follow partners
        const double tr = v.trust[ts[j]];
        const State::Signal& s = st.signal[nb[j]];
        tw += tr;
        te += tr * s.engagement;
        if (s.active_champion != 0) exposure = std::max(exposure, tr);
      }
      double social = tw > 0.0 ? te / tw : 0.0;
      // Snowball among citizens works through inclusive local coordination (000:L1059, L1157).
      if (citizen) social *= 0.4 + 0.6 * p.cluster.inclusiveness;
      const double urg = clamp01(st.urgency[i] + (citizen ? 0.0 : driver));
      // Ownership of the agenda concerns organisations; citizens' drive has no such term.
      const double weights = citizen ? wsum - p.engagement.w_ownership : wsum;
      double drive = weights > 0.0 ? (p.engagement.w_urgency * urg + p.engagement.w_progress * st.visible + p.engagement.w_neighbours * social +
                                      p.engagement.w_outreach * (citizen ? out_cit : out_org) + p.engagement.w_champion * exposure +
                                      (citizen ? 0.0 : p.engagement.w_ownership * st.ownership[i])) /
                                         weights
                                   : 0.0;
      if (citizen) drive *= p.engagement.citizen_propensity * decline;
      const double target = drive - st.fatigue[i];
      Rng r(ctx.seed, t, static_cast<std::uint32_t>(i), purpose::engagement);
      double e = st.engagement[i] + p.engagement.rate * (target - st.engagement[i]) + p.engagement.noise * r.normal();
      const bool invited = st.invited_at[i] == st.tick - 1;  // invited by the backbone last week
      if (invited) e += p.engagement.invite_boost * (1.0 - e);
      if (st.champion[i]) e = std::max(e, 0.8);  // champions stay committed while present
      e = clamp01(e);
      st.engagement_next[i] = e;
      const bool was = st.active[i] != 0;
      bool now = was ? (e >= p.engagement.leave_threshold) : (e >= p.engagement.join_threshold);
      if (const auto c = st.overrides.attend_of(i); c >= 0) now = c != 0;  // a participant's choice
      st.active_next[i] = now;
      if (!was && now && !citizen) joins[st.tick - st.invited_at[i] <= kInvitedWindow ? 0 : 1] += 1.0;
      const double f = st.fatigue[i];
      st.fatigue_next[i] = (was && st.visible < 0.2) ? f + p.engagement.fatigue_rate * (0.5 - f) : f * (1.0 - p.engagement.fatigue_rate);
      // Urgency relaxes back to its base level after shocks.
      st.urgency[i] += urgency_pull * ((st.champion[i] ? 1.0 : st.base_urgency[i]) - st.urgency[i]);
    }
  });
  st.joined_invited = joined[0];
  st.joined_voluntary = joined[1];
  ctx.exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (std::size_t i = b0; i < b1; ++i) {
      if (st.is_staff(i)) continue;
      st.engagement[i] = st.engagement_next[i];
      st.active[i] = st.active_next[i];
      st.fatigue[i] = st.fatigue_next[i];
    }
  });
}

}  // namespace cimsim::model::submodels
