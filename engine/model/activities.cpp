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
  // Members follow the common agenda as far as the backbone's vision work carries it.
  const double beta =
      st.backbone_active ? 0.5 * (p.backbone.vision_need > 0.0 ? std::min(1.0, function_capacity(st, ctx.params, p.backbone.f_vision) / p.backbone.vision_need) : 1.0)
                       : 0.0;
  const double gamma = st.measurement_active ? 0.5 * st.learning * st.coverage : 0.0;
  const double visibility = 0.5 + 0.5 * (st.measurement_active ? st.coverage : 0.0);
  // Coordination pays off through convened bodies; without a backbone only informally (30%).
  // Partners in close, trusted contact keep coordinating when the backbone convenes less.
  const double kappa = st.backbone_active ? partner_convening(st, ctx.params) : 0.0;
  const std::size_t n = st.agents();
  std::array<double, kSectors * kMaxPillars> by_sector_pillar{};  // [sector * K + pillar]
  const std::span<double> total_effort(by_sector_pillar.data(), kSectors * K);
  ctx.reduce(n, total_effort, [&](std::size_t b0, std::size_t b1, double* out) {
    for (std::size_t i = b0; i < b1; ++i) {
      if (!st.active[i] || st.is_staff(i)) continue;
      // Coordination with the ties that share the work: an organisation's partners
      // (organisations and staff), a citizen's every tie.
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      const bool org = st.is_org(i);
      double coord = 0.0, counted = 0.0;
      for (std::size_t j = 0; j < nb.size(); ++j) {
        if (org && st.sector[nb[j]] == Sector::citizen) continue;
        counted += 1.0;
        if (st.active[nb[j]]) coord += v.trust[ts[j]];
      }
      coord /= std::max(1.0, counted);
      const double convened = st.backbone_active ? 0.3 + 0.7 * (kappa + (1.0 - kappa) * coord) : 0.3;
      const double x = st.capacity[i] * st.engagement[i] * (1.0 + p.problem.coordination_gain * coord * visibility * convened);
      double* row = out + st.sector[i] * K;
      for (std::size_t k = 0; k < K; ++k) {
        const double w = (1.0 - beta) * st.concern[i * K + k] + beta * st.agenda[k];
        if (const auto c = st.overrides.pillar_of(i); c >= 0) {  // a participant's choice: one pillar
          row[k] += c == static_cast<int>(k) ? x : 0.0;
          continue;
        }
        row[k] += x * ((1.0 - gamma) * w + gamma * st.need[k]);
      }
    }
  });
  // Mutually reinforcing activities (000:L229): effort from several sectors in one pillar
  // reinforces itself in proportion to the backbone's support for aligned activities.
  const double support = st.backbone_active ? saturate(function_capacity(st, ctx.params, p.backbone.f_activities), 0.5) : 0.0;
  const double realised = p.problem.complementarity * (0.2 + 0.8 * support);
  for (std::size_t k = 0; k < K; ++k) {
    std::array<double, kSectors> by_sector{};
    for (std::size_t s = 0; s < kSectors; ++s) by_sector[s] = total_effort[s * K + k];
    double total = 0.0, herfindahl = 0.0;
    for (double x : by_sector) total += x;
    if (total > 0.0)
      for (double x : by_sector) herfindahl += (x / total) * (x / total);
    const double diversity = total > 0.0 ? 1.0 - herfindahl : 0.0;
    st.effort[k] = total * (1.0 + realised * diversity);
  }
}

}  // namespace cimsim::model::submodels
