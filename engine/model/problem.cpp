// Submodel 6, problem (docs/model.md, "problem").
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>

namespace cimsim::model::submodels {

// --- 6. problem
void problem(State& st, const StepContext& ctx) {
  const auto K = static_cast<std::size_t>(st.K);
  const Params& p = ctx.params;
  const double lag_weeks = p.problem.delay_months * kWeeksPerYear / 12.0;
  const double follow = lag_weeks <= 1.0 ? 1.0 : 1.0 / lag_weeks;
  // A higher level of government holds the levers of the first ceiling_pillars pillars
  // (000:L701; 004:L691-L698); policy advocacy raises the ceiling a little.
  const double cap = p.problem.ceiling + (1.0 - p.problem.ceiling) * 0.3 * saturate(domain_capacity(st, ctx.params, p.backbone.f_policy), 1.0);
  for (std::size_t k = 0; k < K; ++k) {
    // Own and joint work each pass through the delay; joint work in the pipeline turns into
    // progress only as far as the working group proceeds (J_k, activities).
    st.pipeline[k] += follow * (st.effort[k] - st.pipeline[k]);
    st.pipeline_joint[k] += follow * (st.effort_joint[k] - st.pipeline_joint[k]);
    const double sat = saturate(st.pipeline[k] + st.joint_realised[k] * st.pipeline_joint[k], p.problem.half_saturation);
    const double weight = st.need[k] * static_cast<double>(K);  // mean 1 over pillars
    const double limit = (st.ceiling_active && static_cast<int>(k) < p.problem.ceiling_pillars) ? cap : 1.0;
    const double room = std::max(0.0, limit - st.progress[k]);
    st.progress[k] = clamp01(st.progress[k] + p.problem.effort_effect * weight * sat * room - p.problem.drift * st.progress[k]);
  }
  if (!std::isfinite(st.outcome())) throw ModelError("outcome became non-finite at week " + std::to_string(st.tick));
}

}  // namespace cimsim::model::submodels
