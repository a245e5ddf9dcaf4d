// Submodel 2, contact (docs/model.md, "contact"): trust on ties, dissolution and brokerage intents.
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
constexpr double kCitizenContact = 0.3;    // weekly informal contact between linked citizens
constexpr double kMixedContact = 0.25;     // weekly citizen-organisation contact when one is active
// U < kCitizenContact on a 32-bit word (U = w / 2^32) is w < ceil(kCitizenContact 2^32): the same
// comparison in integers (scaling by 2^32 is exact), without converting the word.
constexpr std::uint64_t ceil_scaled(double p) {
  const double s = p * 0x1.0p32;
  const auto c = static_cast<std::uint64_t>(s);
  return static_cast<double>(c) == s ? c : c + 1;
}
constexpr std::uint64_t kCitizenWords = ceil_scaled(kCitizenContact);
static_assert(kCitizenContact > 0.0 && kCitizenContact < 1.0);
constexpr std::size_t kBatch = 64;         // agents whose streams' first blocks are computed together

// Meetings of the bodies the backbone convenes, and partners' insight (serial: few bodies and
// organisations). Working group k is due when (t + k) mod c_wg = 0, the steering group when
// t mod c_steer = 0; a due meeting is held if U < convening(), one U from R(t, shared, 42) per
// due body in that order (working groups 0..K-1, then steering). Without an active backbone
// nobody convenes them. The standing partner update goes out when t mod c_u = 0 while any
// staff are in post (a routine, not one person's task; 000:L874).
void hold_meetings(State& st, const StepContext& ctx) {
  const auto K = static_cast<std::size_t>(st.K);
  const Params& p = ctx.params;
  st.held_wg.fill(0);
  st.held_steering = false;
  // The backbone's convener, or the partners themselves where they convene and do it more
  // reliably (partners.communication; a partner chairs with partners.process_skill).
  const double kappa_backbone = convening(st, p);
  const double kappa_partners = partner_convening(st, p);
  const int h = convener(st);
  const bool partners_chair = kappa_partners > kappa_backbone;
  const double kappa = partners_chair ? kappa_partners : kappa_backbone;
  const double quality = partners_chair ? p.partners.process_skill : h < 0 ? 0.0 : st.process_skill[static_cast<std::size_t>(h)];
  Rng r(ctx.seed, static_cast<std::uint32_t>(st.tick), kSharedStream, purpose::meetings);
  if (kappa > 0.0) {
    for (std::size_t k = 0; k < K; ++k)
      if ((st.tick + static_cast<int>(k)) % std::max(1, st.cadence_wg) == 0) st.held_wg[k] = r.uniform() < kappa ? 1 : 0;
    if (st.tick % std::max(1, st.cadence_steering) == 0) st.held_steering = r.uniform() < kappa;
  }
  st.update_sent = st.backbone_active && st.cadence_update > 0 && st.tick % st.cadence_update == 0 && st.backbone_staff() > 0;
  for (std::size_t k = 0; k < K; ++k) st.month_wg += st.held_wg[k];
  st.month_steering += st.held_steering ? 1.0 : 0.0;
  st.month_updates += st.update_sent ? 1.0 : 0.0;
  // Insight into the project and one's role (000:L874, L911): a meeting of one's bodies closes
  // the gap as far as the convener can lead the process (process skill), or as far as an update
  // of the same week does if that is more; an update alone closes update_gain of the gap;
  // otherwise insight decays.
  st.for_each_org([&](std::size_t i) {
    if (!st.present[i]) return;
    const bool attended = st.active[i] && (st.held_wg[st.pillar[i]] || (st.held_steering && st.steering[i]));
    double& x = st.insight[i];
    if (attended) x += std::max(quality, st.update_sent ? p.communication.update_gain : 0.0) * (1.0 - x);
    else if (st.update_sent) x += p.communication.update_gain * (1.0 - x);
    else x *= 1.0 - p.communication.insight_decay;
  });
}
}  // namespace

// --- 2. contact: each tie is updated by its lower endpoint, which draws from its own stream
// (tick, agent, contact) one word per tie whose contact probability is strictly between 0 and
// 1, in the order of its half-edges. The same pass issues the intents of phase 3: removal of
// each tie whose trust has fallen below the threshold, then the agent's brokerage if it is
// staff. (One pass over the ties instead of two; phase 3 commits.)
void contact(State& st, const StepContext& ctx) {
  // Partner capacity (docs/model.md 2): partners.effort x the own effort c e of the present,
  // active organisations (flags of last week's phase 8 and this week's events), in id order.
  st.partner_capacity = 0.0;
  if (partner_conditions(ctx.params) > 0) {
    double own = 0.0;
    st.for_each_org([&](std::size_t i) {
      if (st.present[i] && st.active[i]) own += st.capacity[i] * st.engagement[i];
    });
    st.partner_capacity = ctx.params.partners.effort * own;
  }
  hold_meetings(st, ctx);
  NetworkView& v = st.net.mutable_view();
  const float gain = static_cast<float>(ctx.params.trust.gain);
  const float keep = static_cast<float>(1.0 - ctx.params.trust.decay);
  const auto dissolve = static_cast<float>(ctx.params.trust.dissolve);
  const auto t = static_cast<std::uint32_t>(st.tick);
  const bool bb = st.backbone_active;
  const double staff_contact = 0.5 + 0.5 * ctx.params.backbone.style;  // hub-and-spoke staff keep every tie warm
  const double broker = ctx.params.communication.brokerage_rate * (1.0 - ctx.params.backbone.style);  // convene, then step back (000:L855)
  ctx.tie_intents.prepare(ctx.exec.chunk_count(st.agents()));
  ctx.exec.for_chunks(st.agents(), [&](std::size_t chunk, std::size_t b0, std::size_t b1) {
    // Local copies of what the tie loop reads: it stores into the tie arrays, and through the
    // references the compiler would reload every one of these per tie.
    const double relax = ctx.params.communication.cadence_relax, staff_meet = staff_contact;
    const std::uint64_t seed = ctx.seed;
    const std::size_t staff_begin = st.staff_begin, staff_end = st.staff_end;
    const std::uint8_t* const sector = st.sector.data();
    const std::uint8_t* const active = st.active.data();
    const std::uint8_t* const pillar = st.pillar.data();
    const std::uint8_t* const steering = st.steering.data();
    const double* const insight = st.insight.data();
    const std::uint32_t* const offsets = v.offsets.data();
    const TieId* const first_tie = v.first_tie.data();
    const AgentId* const neighbour = v.neighbour.data();
    float* const trust_of = v.trust.data();
    std::int32_t* const contact_of = v.last_contact.data();
    const std::array<std::uint8_t, kMaxPillars> held_wg = st.held_wg;
    const bool held_steering = st.held_steering;
    const bool forums = st.forums && bb;
    const int c_forum = st.cadence_forum, c_wg = st.cadence_wg, c_plenary = st.cadence_plenary;
    const float g = gain, k = keep, d = dissolve;
    const std::uint32_t tick = t;
    const auto staff = [&](std::size_t x) { return x >= staff_begin && x < staff_end; };  // st.is_staff
    // A staff member in post brokers a tie between two of its active partners (after its ties).
    const auto broker_from = [&](AgentId a) {
      const auto nb = v.neighbours(a);
      if (!st.filled[a - st.staff_begin] || nb.size() < 2) return;
      Rng rb(ctx.seed, t, a, purpose::brokerage);
      if (rb.bernoulli(broker * staff_capacity(st, ctx.params, a - st.staff_begin))) {
        const AgentId x = nb[rb.below(static_cast<std::uint32_t>(nb.size()))];
        const AgentId y = nb[rb.below(static_cast<std::uint32_t>(nb.size()))];
        if (x != y && st.is_org(x) && st.is_org(y) && st.active[x] && st.active[y] && !st.net.has_tie(x, y))
          ctx.tie_intents.push(chunk, TieIntent{TieIntent::Kind::add, std::min(x, y), std::max(x, y),
                                             static_cast<float>(ctx.params.trust.initial)});
      }
    };
    // Agents in batches: first the first block of each one's stream (see Rng::first_block).
    std::array<Rng::Block, kBatch> first;
    for (std::size_t a0 = b0; a0 < b1; a0 += kBatch) {
      const std::size_t a1 = std::min(b1, a0 + kBatch);
      for (std::size_t a = a0; a < a1; ++a) first[a - a0] = Rng::first_block(seed, tick, static_cast<AgentId>(a), purpose::contact);
      for (auto a = static_cast<AgentId>(a0); a < a1; ++a) {
        const bool ca = sector[a] == Sector::citizen;
        const bool sa = staff(a);
        Rng r(seed, tick, a, purpose::contact, first[a - a0]);
        // a's ties to higher ids: the last half-edges of its row, tie ids first_tie[a] on.
        TieId e = first_tie[a];
        const std::uint32_t end = offsets[a + 1];
        for (std::uint32_t j = end - (first_tie[a + 1] - e); j < end; ++j, ++e) {  // v.upper_begin(a)
          const AgentId b = neighbour[j];
          const float tr = trust_of[e];
          const bool cb = sector[b] == Sector::citizen;
          double p = 0.0;
          bool met = false;
          if (ca && cb) {
            met = r.next_u32() < kCitizenWords;  // r.uniform32() < kCitizenContact
          } else if (ca || cb) {
            const bool act = active[a] || active[b];
            p = act ? kMixedContact : 0.0;
            // Forums give citizens voice and contact (000:L1111, L307).
            if (forums) p = std::max(p, cadence_probability(relax, c_forum, tr));
          } else if (sa || staff(b)) {
            if (active[a] && active[b]) p = staff_meet * cadence_probability(relax, c_wg, tr);
          } else if (active[a] && active[b]) {
            // They meet in a body both belong to when it was held this week; otherwise at occasional
            // plenary-like contact (also without a backbone, 004:L191), and partners of one working
            // group who know the project and their role sit down together between its meetings
            // (000:L874 "moments to sit down with the partners").
            const bool body = (pillar[a] == pillar[b] && held_wg[pillar[a]]) ||
                              (held_steering && steering[a] && steering[b]);
            const double informal = pillar[a] == pillar[b]
                                        ? std::min(insight[a], insight[b]) * cadence_probability(relax, c_wg, tr)
                                        : 0.0;
            p = body ? 1.0 : 1.0 - (1.0 - cadence_probability(relax, c_plenary, tr)) * (1.0 - informal);
          }
          if (p >= 1.0) met = true;
          else if (p > 0.0) met = r.uniform32() < p;
          // Whether a tie met is a coin flip the CPU cannot predict: select by mask, not branch.
          const std::uint32_t mask = 0u - static_cast<std::uint32_t>(met);
          const float grown = tr + g * (1.0f - tr), decayed = tr * k;
          const float trust = std::bit_cast<float>((std::bit_cast<std::uint32_t>(grown) & mask) |
                                                   (std::bit_cast<std::uint32_t>(decayed) & ~mask));
          contact_of[e] = static_cast<std::int32_t>((tick & mask) | (static_cast<std::uint32_t>(contact_of[e]) & ~mask));
          trust_of[e] = trust;
          if (trust < d) ctx.tie_intents.push(chunk, TieIntent{TieIntent::Kind::remove, a, b, 0.0f});
        }
        if (sa) broker_from(a);
      }
    }
  });
}

}  // namespace cimsim::model::submodels
