// Submodel 4, agenda (docs/model.md, "agenda").
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>

namespace cimsim::model::submodels {

// --- 4. agenda (serial: organisations are few)
void agenda(State& st, const StepContext& ctx) {
  const auto K = static_cast<std::size_t>(st.K);
  const Params& p = ctx.params;
  // The common agenda process runs with an active backbone or where the partners run it themselves.
  if (!st.backbone_active && !p.partners.common_agenda) {
    st.alignment = 0.0;
    st.for_each_org([&](std::size_t i) { st.ownership[i] *= 1.0 - p.engagement.ownership_rate; });  // only organisations own
    return;
  }
  // Active agents, and how much lived experience among them is heard, counted per chunk in
  // parallel (the count is a whole number; the heard sum is combined in chunk order, so it is
  // the same at any thread count); organisations' voice serially in id order.
  // An organisation with lived experience brings it to its working group's table; a citizen's
  // is heard as far as the citizen has voice (its ownership, which only forums raise: 000:L307,
  // L1111), so without forums citizens' lived experience does not reach the agenda.
  std::array<double, 2> counts{};  // active, lived experience heard
  ctx.reduce(st.agents(), counts, [&](std::size_t b0, std::size_t b1, double* acc) {
    double all = 0.0, lived = 0.0;
    for (std::size_t i = b0; i < b1; ++i)
      if (st.active[i] && !st.is_staff(i)) {
        all += 1.0;
        if (st.lived[i]) lived += st.sector[i] == Sector::citizen ? st.ownership[i] : 1.0;
      }
    acc[0] = all;
    acc[1] = lived;
  });
  const double all_active = counts[0], lived_heard = counts[1];
  std::array<double, kMaxPillars> voice{};
  double wsum = 0.0;
  st.for_each_org([&](std::size_t i) {
    if (!st.active[i]) return;
    wsum += st.influence[i];
    for (std::size_t k = 0; k < K; ++k) voice[k] += st.influence[i] * st.concern[i * K + k];
  });
  if (wsum > 0.0) {
    // Lived experience that is heard (000:L307, L1111) and learning from measurement (000:L835)
    // pull the agenda towards the true needs.
    const double lived = all_active > 0.0 ? lived_heard / all_active : 0.0;
    const double lambda = p.problem.lived_experience_weight * lived;
    const double mu = st.measurement_active ? 0.5 * st.learning * st.coverage : 0.0;
    const double w = std::min(1.0, lambda + mu);
    for (std::size_t k = 0; k < K; ++k) st.agenda[k] = (1.0 - w) * voice[k] / wsum + w * st.need[k];
  }
  const double vision = function_capacity(st, ctx.params, p.backbone.f_vision) + (p.partners.common_agenda ? st.partner_capacity : 0.0);
  const double pull = p.backbone.vision_rate * saturate(vision, 1.0);
  // Without a backbone nobody imposes a plan or brokers on the partners' behalf.
  const double dominance = st.backbone_active ? p.backbone.dominance : 0.0;
  const double style = st.backbone_active ? p.backbone.style : 0.0;
  double dist = 0.0;
  int counted = 0;
  st.for_each_org([&](std::size_t i) {
    if (!st.present[i]) return;
    if (!st.active[i]) {
      st.ownership[i] *= 1.0 - p.engagement.ownership_rate;
      return;
    }
    double d = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
      double& c = st.concern[i * K + k];
      c += pull * (st.agenda[k] - c);
      d += std::fabs(c - st.agenda[k]);
    }
    const double closeness = 1.0 - 0.5 * d;
    // Ownership: the agent's input shapes the agenda, unless the backbone dominates (000:L254, L800).
    const double target = closeness * (1.0 - dominance) * (1.0 - 0.5 * style);
    st.ownership[i] += p.engagement.ownership_rate * (target - st.ownership[i]);
    dist += 0.5 * d;
    ++counted;
  });
  st.alignment = counted > 0 ? 1.0 - dist / counted : 0.0;
}

}  // namespace cimsim::model::submodels
