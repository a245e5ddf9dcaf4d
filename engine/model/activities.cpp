// Submodel 5, activities (docs/model.md, "activities").
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>

namespace cimsim::model::submodels {

// --- 5. activities: effort per sector and pillar, reduced per chunk in chunk order.
void activities(State& st, const StepContext& ctx) {
  const auto K = static_cast<std::size_t>(st.K);
  const Params& p = ctx.params;
  const NetworkView& v = st.net.view();
  // Members follow the common agenda as far as the backbone's (or the partners') vision work carries it.
  const double vision = function_capacity(st, p, p.backbone.f_vision) + (p.partners.common_agenda ? st.partner_capacity : 0.0);
  const double beta =
      st.backbone_active || p.partners.common_agenda
          ? 0.5 * (p.backbone.vision_need > 0.0 ? std::min(1.0, vision / p.backbone.vision_need) : 1.0)
          : 0.0;
  const double gamma = st.measurement_active ? 0.5 * st.learning * st.coverage : 0.0;
  // Others' work is visible for coordination only as far as measured data are used (000:L835).
  const double visibility = 0.5 + 0.5 * (st.measurement_active ? st.coverage * st.learning : 0.0);
  // Reporting costs partners effort in proportion to coverage, used or not (000:L197, L212).
  const double reporting = st.measurement_active ? p.measurement.reporting_effort * st.coverage : 0.0;
  // The conditions the partners run themselves take partners.effort of an organisation's own work each.
  const double partner_share = 1.0 - p.partners.effort * partner_conditions(p);
  const std::size_t n = st.agents();
  const std::size_t half = kSectors * K;
  // [0, half): own work by [sector * K + pillar]; [half, 2 half): joint work; [2 half, 3 half):
  // active agents by sector and working group.
  std::array<double, 3 * kSectors * kMaxPillars> sums{};
  const std::span<double> part(sums.data(), 3 * half);
  ctx.reduce(n, part, [&](std::size_t b0, std::size_t b1, double* out) {
    for (std::size_t i = b0; i < b1; ++i) {
      if (!st.active[i] || st.is_staff(i)) continue;
      // Coordination with the ties that share the work: an organisation's partners
      // (organisations and staff), a citizen's every tie: the mean trust on those ties whose
      // other end is active (0 if none is).
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      const bool org = st.is_org(i);
      // Without branches (whether a tie's other end is active is a coin flip to the CPU): a tie
      // that does not count adds 0 to the sum, which leaves it as it is, and the count is a
      // whole number, so as an integer it is the same double.
      const std::uint8_t* const sector = st.sector.data();
      const std::uint8_t* const active = st.active.data();
      const float* const trust = v.trust.data();
      double coord = 0.0;
      std::uint32_t counted = 0;
      for (std::size_t j = 0; j < nb.size(); ++j) {
        const bool shares = active[nb[j]] != 0 && !(org && sector[nb[j]] == Sector::citizen);
        counted += shares ? 1u : 0u;
        coord += shares ? static_cast<double>(trust[ts[j]]) : 0.0;
      }
      coord /= std::max(1.0, static_cast<double>(counted));
      // Own work: the agent's own effort. Joint work: what coordination with trusted, active
      // ties adds; it becomes progress only as far as the working groups proceed (problem).
      const double own = st.capacity[i] * st.engagement[i] * (org ? (1.0 - reporting) * partner_share : 1.0);
      const double joint = own * p.problem.coordination_gain * coord * visibility;
      const std::size_t row = st.sector[i] * K;
      out[2 * half + row + st.pillar[i]] += 1.0;
      const auto chosen = st.overrides.pillar_of(i);
      for (std::size_t k = 0; k < K; ++k) {
        const double w = (1.0 - beta) * st.concern[i * K + k] + beta * st.agenda[k];
        if (const auto c = chosen; c >= 0) {  // a participant's choice: one pillar
          out[row + k] += c == static_cast<int>(k) ? own : 0.0;
          out[half + row + k] += c == static_cast<int>(k) ? joint : 0.0;
          continue;
        }
        const double share = (1.0 - gamma) * w + gamma * st.need[k];
        out[row + k] += own * share;
        out[half + row + k] += joint * share;
      }
    }
  });
  // Mutually reinforcing activities (000:L229): joint work from several sectors in one pillar
  // reinforces itself in proportion to the support for aligned activities (the backbone's, and
  // the partners' where they run this condition themselves); uncoordinated own work does not,
  // and partly duplicates: the own work of m active agents of one sector whose working group is
  // the pillar counts 1 / (1 + duplication (m - 1)).
  const double support = saturate(function_capacity(st, p, p.backbone.f_activities) + (p.partners.activities ? st.partner_capacity : 0.0), 0.5);
  const double realised = p.problem.complementarity * (0.2 + 0.8 * support);
  for (std::size_t k = 0; k < K; ++k) {
    double total = 0.0, herfindahl = 0.0, own = 0.0;
    for (std::size_t s = 0; s < kSectors; ++s) {
      total += part[half + s * K + k];
      own += part[s * K + k] / (1.0 + p.problem.duplication * std::max(0.0, part[2 * half + s * K + k] - 1.0));
    }
    if (total > 0.0)
      for (std::size_t s = 0; s < kSectors; ++s) herfindahl += (part[half + s * K + k] / total) * (part[half + s * K + k] / total);
    const double diversity = total > 0.0 ? 1.0 - herfindahl : 0.0;
    st.effort[k] = own;
    st.effort_joint[k] = total * (1.0 + realised * diversity);
  }
  // Joint work proceeds as far as the working group's active members know the project and
  // their role (000:L668, L874): J_k, the mean insight of the active organisations of pillar k.
  std::array<double, kMaxPillars> ins{}, cnt{};
  st.for_each_org([&](std::size_t i) {
    if (st.present[i] && st.active[i]) ins[st.pillar[i]] += st.insight[i], cnt[st.pillar[i]] += 1.0;
  });
  for (std::size_t k = 0; k < K; ++k) st.joint_realised[k] = cnt[k] > 0.0 ? ins[k] / cnt[k] : 0.0;
}

}  // namespace cimsim::model::submodels
