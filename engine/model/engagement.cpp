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
constexpr std::size_t kBatch = 64;  // agents whose streams' first blocks are computed together
constexpr std::size_t kPrefetchFrom = 8192;  // populations from which they are (smaller ones stay in cache)
}  // namespace

// --- 8. engagement: each agent writes its own next state; then buffers swap.
void engagement(State& st, const StepContext& ctx) {
  const Params& p = ctx.params;
  const NetworkView& v = st.net.view();
  const double pw = st.backbone_active ? saturate(function_capacity(st, ctx.params, p.backbone.f_public_will), 1.0) : 0.0;
  const double out_org = pw;
  const double out_cit = pw;
  // A forum (or kick-off) is held this week: citizens get voice, and it asks everyone it reaches.
  const bool forums_running = st.forums && st.backbone_active;
  const bool forum_week = forums_running && st.tick % std::max(1, st.cadence_forum) == 0;
  const double wsum = p.engagement.w_urgency + p.engagement.w_progress + p.engagement.w_neighbours + p.engagement.w_outreach + p.engagement.w_ownership + p.engagement.w_champion;
  const double decline = st.propensity_decline > 0.0
                             ? std::exp(-st.propensity_decline * (st.tick - st.decline_from) / static_cast<double>(kWeeksPerYear))
                             : 1.0;
  const double urgency_pull = p.preconditions.urgency_recovery;
  const double driver = st.driver_on ? p.preconditions.external_driver_strength : 0.0;
  const auto t = static_cast<std::uint32_t>(st.tick);
  const std::size_t n = st.agents();
  // Prefetching the neighbours' state pays only when it is not in cache anyway (large
  // populations); for a few thousand agents it is as much work as the gather itself.
  const bool prefetch = n >= kPrefetchFrom;
  if (st.signal.size() != n) st.signal.resize(n);
  ctx.exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (std::size_t i = b0; i < b1; ++i)
      st.signal[i] = State::Signal{st.engagement[i], static_cast<std::uint32_t>(st.champion[i] && st.active[i]) |
                                                         (static_cast<std::uint32_t>(st.active[i] != 0) << 1) |
                                                         (static_cast<std::uint32_t>(st.cluster[i]) << 16)};
  });
  // Organisations that became active: invited recently, or of their own accord (cumulative).
  std::array<double, 2> joined{st.joined_invited, st.joined_voluntary};
  ctx.reduce(n, joined, [&](std::size_t b0, std::size_t b1, double* joins) {
    // Agents in batches: first the first block of each one's stream (see Rng::first_block).
    std::array<Rng::Block, kBatch> first;
    for (std::size_t i0 = b0; i0 < b1; i0 += kBatch) {
    const std::size_t i1 = std::min(b1, i0 + kBatch);
    for (std::size_t i = i0; i < i1; ++i) first[i - i0] = Rng::first_block(ctx.seed, t, static_cast<std::uint32_t>(i), purpose::engagement);
    for (std::size_t i = i0; i < i1; ++i) {
      if (st.is_staff(i) || !st.present[i]) continue;
      const bool citizen = st.sector[i] == Sector::citizen;
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      if (prefetch && i + kPrefetchAhead < b1) {  // the neighbours' state a few agents ahead (rewired ties are far away)
        const auto a = static_cast<AgentId>(i + kPrefetchAhead);
        for (std::uint32_t j = v.offsets[a]; j < v.offsets[a + 1]; ++j) {
          __builtin_prefetch(&st.signal[v.neighbour[j]]);
          __builtin_prefetch(&v.trust[v.tie_of[j]]);
        }
      }
      // Per tie, in half-edge order: trust-weighted engagement (the two sums in that order), the
      // highest trust in an active champion, and the active ties of the agent's own cluster. The
      // last two without branches (coin flips the CPU mispredicts): the maximum with 0 where the
      // tie is no champion leaves it as it is (it is >= 0), and the count is a whole number, so
      // as an integer it is the same double.
      const std::uint32_t asks = (static_cast<std::uint32_t>(st.cluster[i]) << 16) | 2u;  // active, own cluster
      double tw = 0.0, te = 0.0, exposure = 0.0;
      std::uint32_t asking = 0;
      auto tie = [&](std::size_t j) {
        const double tr = v.trust[ts[j]];
        const State::Signal& s = st.signal[nb[j]];
        tw += tr;
        te += tr * s.engagement;
        exposure = std::max(exposure, (s.flags & 1u) != 0 ? tr : 0.0);
        asking += static_cast<std::uint32_t>((s.flags & 0xFFFF0002u) == asks);
      };
      if (citizen) {
        for (std::size_t j = 0; j < nb.size(); ++j) tie(j);
      } else {
        for (std::size_t j = 0; j < nb.size(); ++j)
          if (st.sector[nb[j]] != Sector::citizen) tie(j);  // organisations follow partners
      }
      const double local_active = static_cast<double>(asking);
      const double social = tw > 0.0 ? te / tw : 0.0;
      const double urg = clamp01(st.urgency[i] + (citizen ? 0.0 : driver));
      // Citizens' ownership is their voice (000:L1111, L307): in a forum week it moves towards the
      // group's inclusiveness (how far their input is taken up; a top-down group pursues its own
      // agenda and only informs, 000:L1164-L1165); otherwise it decays.
      // Voice persists between the forums of a running cycle and fades only when forums stop
      // (000:L1111, L1147: feedback meetings held early and not continued).
      if (citizen && (forum_week || !forums_running))
        st.ownership[i] += p.engagement.ownership_rate * ((forum_week ? p.cluster.inclusiveness : 0.0) - st.ownership[i]);
      // What the agent sees of progress: its own working group's pillar (measurement).
      const double seen = st.pillar_seen[st.pillar[i]];
      // Organisations' ownership of the agenda counts in their drive; a citizen's voice does not
      // draw it in (being asked does) but keeps it: falling willingness (a decline) does not
      // reach the share o a citizen keeps for being heard (000:L1016, L1111: engagement needs
      // maintenance).
      const double ws = citizen ? wsum - p.engagement.w_ownership : wsum;
      double drive = ws > 0.0 ? (p.engagement.w_urgency * urg + p.engagement.w_progress * seen + p.engagement.w_neighbours * social +
                                 p.engagement.w_outreach * (citizen ? out_cit : out_org) + p.engagement.w_champion * exposure +
                                 (citizen ? 0.0 : p.engagement.w_ownership * st.ownership[i])) /
                                    ws
                              : 0.0;
      if (citizen) drive *= p.engagement.citizen_propensity * (decline + (1.0 - decline) * st.ownership[i]) * st.availability[i];
      else drive = std::max(drive, p.engagement.own_motive * urg);  // own agenda, also without an initiative (004:L191)
      const double target = drive - st.fatigue[i];
      Rng r(ctx.seed, t, static_cast<std::uint32_t>(i), purpose::engagement, first[i - i0]);
      double e = st.engagement[i] + p.engagement.rate * (target - st.engagement[i]) + p.engagement.noise * r.normal();
      const bool invited = st.invited_at[i] == st.tick - 1;  // invited by the backbone last week
      if (invited) e += p.engagement.invite_boost * (1.0 - e);
      if (st.champion[i]) e = std::max(e, 0.8);  // champions stay committed while present
      e = clamp01(e);
      st.engagement_next[i] = e;
      const bool was = st.active[i] != 0;
      // A citizen starts acting only when asked by an active tie of its own cluster (an
      // inclusive group's members bring someone along, "you could just bring someone"; a
      // top-down one only informs, and informing does not bring people: 000:L1059, L1061,
      // L1160-L1165). Forums give voice, not asks. The U is the one after the normal in the
      // citizen's stream; it is drawn only when it decides something (an inactive citizen above
      // the join threshold), which leaves every drawn value as it would be if drawn always.
      bool now = was ? (e >= p.engagement.leave_threshold) : (e >= p.engagement.join_threshold);
      if (!was && now && citizen) {
        const double ties_asking = nb.empty() ? 0.0 : local_active / static_cast<double>(nb.size());
        now = r.uniform() < p.cluster.inclusiveness * ties_asking;
      }
      if (const auto c = st.overrides.attend_of(i); c >= 0) now = c != 0;  // a participant's choice
      st.active_next[i] = now;
      if (!was && now && !citizen) joins[st.tick - st.invited_at[i] <= kInvitedWindow ? 0 : 1] += 1.0;
      const double f = st.fatigue[i];
      // Fatigue: effort without a visible result on one's own pillar.
      st.fatigue_next[i] = (was && seen < 0.2) ? f + p.engagement.fatigue_rate * (0.5 - f) : f * (1.0 - p.engagement.fatigue_rate);
      // Urgency relaxes back to its base level after shocks.
      st.urgency[i] += urgency_pull * ((st.champion[i] ? 1.0 : st.base_urgency[i]) - st.urgency[i]);
    }
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
