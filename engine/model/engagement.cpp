// Submodel 8, engagement (docs/model.md, "engagement").
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>
#include <span>

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
  // A forum is held this week: citizens get voice (a forum asks nobody; a kick-off, 6.1, does).
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
    // Local copies of the parameters and arrays read per agent: through references the compiler
    // reloads them after every store below (a byte store may alias anything).
    const Params::Engagement pe = p.engagement;
    const double inclusiveness = p.cluster.inclusiveness;
    const int tick = st.tick;
    const std::uint64_t seed = ctx.seed;
    const std::uint32_t t32 = t;
    const std::size_t staff_begin = st.staff_begin, staff_end = st.staff_end;
    const double ws_org = wsum, ws_cit = wsum - pe.w_ownership;  // the weights' sum without ownership for citizens
    const double outreach_org = out_org, outreach_cit = out_cit, drv = driver, dec = decline, pull = urgency_pull;
    const bool forum = forum_week, forums_on = forums_running, fetch = prefetch;
    const std::int8_t* const attend = st.overrides.attend.data();  // st.overrides.attend_of(i)
    const std::size_t attending = st.overrides.attend.size();
    const std::array<double, kMaxPillars> pillar_seen = st.pillar_seen;
    const std::uint8_t *const sector = st.sector.data(), *const present = st.present.data(),
                       *const champion = st.champion.data(), *const active = st.active.data(),
                       *const pillar = st.pillar.data();
    const std::uint16_t* const cluster = st.cluster.data();
    const double *const eng = st.engagement.data(), *const fatigue = st.fatigue.data(),
                 *const base_urgency = st.base_urgency.data(), *const availability = st.availability.data();
    double *const eng_next = st.engagement_next.data(), *const fatigue_next = st.fatigue_next.data(),
           *const urgency = st.urgency.data(), *const ownership = st.ownership.data();
    std::uint8_t* const active_next = st.active_next.data();
    const std::int32_t* const invited_at = st.invited_at.data();
    // This week's kick-off, if one was held (6.1): 1 came, 2 came and signed up.
    const std::uint8_t* const kick_off = st.kick_off_week == st.tick ? st.kick_off.data() : nullptr;
    const State::Signal* const signal = st.signal.data();
    const std::uint32_t *const offsets = v.offsets.data(), *const neighbour = v.neighbour.data(),
                        *const tie_of = v.tie_of.data();
    const float* const trust = v.trust.data();
    // Agents in batches: first the first block of each one's stream (see Rng::first_block).
    std::array<Rng::Block, kBatch> first;
    for (std::size_t i0 = b0; i0 < b1; i0 += kBatch) {
      const std::size_t i1 = std::min(b1, i0 + kBatch);
      for (std::size_t i = i0; i < i1; ++i) first[i - i0] = Rng::first_block(seed, t32, static_cast<std::uint32_t>(i), purpose::engagement);
      for (std::size_t i = i0; i < i1; ++i) {
        if ((i >= staff_begin && i < staff_end) || !present[i]) continue;  // staff, absent
        const bool citizen = sector[i] == Sector::citizen;
        const std::uint32_t row = offsets[i], degree = offsets[i + 1] - row;
        const std::span<const AgentId> nb(neighbour + row, degree);  // v.neighbours(i)
        const std::span<const TieId> ts(tie_of + row, degree);       // v.ties_of(i)
        if (fetch && i + kPrefetchAhead < b1) {  // the neighbours' state a few agents ahead (rewired ties are far away)
          const auto a = static_cast<AgentId>(i + kPrefetchAhead);
          for (std::uint32_t j = offsets[a]; j < offsets[a + 1]; ++j) {
            __builtin_prefetch(&signal[neighbour[j]]);
            __builtin_prefetch(&trust[tie_of[j]]);
          }
        }
        // Per tie, in half-edge order: trust-weighted engagement (the two sums in that order), the
        // highest trust in an active champion, and the active ties of the agent's own cluster. The
        // last two without branches (coin flips the CPU mispredicts): the maximum with 0 where the
        // tie is no champion leaves it as it is (it is >= 0), and the count is a whole number, so
        // as an integer it is the same double.
        const std::uint32_t asks = (static_cast<std::uint32_t>(cluster[i]) << 16) | 2u;  // active, own cluster
        double tw = 0.0, te = 0.0, exposure = 0.0;
        std::uint32_t asking = 0;
        auto tie = [&](std::size_t j) {
          const double tr = trust[ts[j]];
          const State::Signal& s = signal[nb[j]];
          tw += tr;
          te += tr * s.engagement;
          exposure = std::max(exposure, (s.flags & 1u) != 0 ? tr : 0.0);
          asking += static_cast<std::uint32_t>((s.flags & 0xFFFF0002u) == asks);
        };
        if (citizen) {
          for (std::size_t j = 0; j < nb.size(); ++j) tie(j);
        } else {
          for (std::size_t j = 0; j < nb.size(); ++j)
            if (sector[nb[j]] != Sector::citizen) tie(j);  // organisations follow partners
        }
        const double local_active = static_cast<double>(asking);
        const double social = tw > 0.0 ? te / tw : 0.0;
        const double urg = clamp01(urgency[i] + (citizen ? 0.0 : drv));
        // Citizens' ownership is their voice (000:L1111, L307): in a forum week it moves towards the
        // group's inclusiveness (how far their input is taken up; a top-down group pursues its own
        // agenda and only informs, 000:L1164-L1165); otherwise it decays.
        // Voice persists between the forums of a running cycle and fades only when forums stop
        // (000:L1111, L1147: feedback meetings held early and not continued).
        if (citizen && (forum || !forums_on))
          ownership[i] += pe.ownership_rate * ((forum ? inclusiveness : 0.0) - ownership[i]);
        // What the agent sees of progress: its own working group's pillar (measurement).
        const double seen = pillar_seen[pillar[i]];
        // Organisations' ownership of the agenda counts in their drive; a citizen's voice does not
        // draw it in (being asked does) but keeps it: falling willingness (a decline) does not
        // reach the share o a citizen keeps for being heard (000:L1016, L1111: engagement needs
        // maintenance).
        const double ws = citizen ? ws_cit : ws_org;
        double drive = ws > 0.0 ? (pe.w_urgency * urg + pe.w_progress * seen + pe.w_neighbours * social +
                                   pe.w_outreach * (citizen ? outreach_cit : outreach_org) + pe.w_champion * exposure +
                                   (citizen ? 0.0 : pe.w_ownership * ownership[i])) /
                                      ws
                                : 0.0;
        if (citizen) drive *= pe.citizen_propensity * (dec + (1.0 - dec) * ownership[i]) * availability[i];
        else drive = std::max(drive, pe.own_motive * urg);  // own agenda, also without an initiative (004:L191)
        const double target = drive - fatigue[i];
        Rng r(seed, t32, static_cast<std::uint32_t>(i), purpose::engagement, first[i - i0]);
        double e = eng[i] + pe.rate * (target - eng[i]) + pe.noise * r.normal();
        const bool invited = invited_at[i] == tick - 1;  // invited by the backbone last week
        const std::uint8_t came = kick_off != nullptr ? kick_off[i] : std::uint8_t{0};  // to this week's kick-off
        if (invited || came != 0) e += pe.invite_boost * (1.0 - e);
        if (champion[i]) e = std::max(e, 0.8);  // champions stay committed while present
        e = clamp01(e);
        eng_next[i] = e;
        const bool was = active[i] != 0;
        // A citizen starts acting only when asked by an active tie of its own cluster (an
        // inclusive group's members bring someone along, "you could just bring someone"; a
        // top-down one only informs, and informing does not bring people: 000:L1059, L1061,
        // L1160-L1165). Forums give voice, not asks. The U is the one after the normal in the
        // citizen's stream; it is drawn only when it decides something (an inactive citizen above
        // the join threshold), which leaves every drawn value as it would be if drawn always.
        bool now = was ? (e >= pe.leave_threshold) : (e >= pe.join_threshold);
        if (!was && now && citizen && came != 2) {  // signing up at a kick-off is being asked
          const double ties_asking = nb.empty() ? 0.0 : local_active / static_cast<double>(nb.size());
          now = r.uniform() < inclusiveness * ties_asking;
        }
        if (const auto c = i < attending ? attend[i] : std::int8_t{-1}; c >= 0) now = c != 0;  // a participant's choice
        active_next[i] = now;
        if (!was && now && !citizen) joins[came != 0 || tick - invited_at[i] <= kInvitedWindow ? 0 : 1] += 1.0;
        const double f = fatigue[i];
        // Fatigue: effort without a visible result on one's own pillar.
        fatigue_next[i] = (was && seen < 0.2) ? f + pe.fatigue_rate * (0.5 - f) : f * (1.0 - pe.fatigue_rate);
        // Urgency relaxes back to its base level after shocks.
        urgency[i] += pull * ((champion[i] ? 1.0 : base_urgency[i]) - urgency[i]);
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
