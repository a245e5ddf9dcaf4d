// Submodel 10, funding (docs/model.md, "funding").
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>

namespace cimsim::model::submodels {

// --- 10. funding
void funding(State& st, const StepContext& ctx) {
  const Params& p = ctx.params;
  // Funders contribute while they see progress; what they see is the observed outcome, so
  // measurement matters. Fundraising (backbone function 6) steadies them.
  const double raise = st.backbone_active ? saturate(function_capacity(st, ctx.params, p.backbone.f_funding), 0.5) : 0.0;
  const double target = clamp01(0.6 + 0.4 * st.visible + 0.3 * raise);
  st.funder_support += p.funding.funder_response * (target - st.funder_support);
}

}  // namespace cimsim::model::submodels
