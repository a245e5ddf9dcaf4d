// Submodel 3, ties (docs/model.md, "ties"): the contact phase's intents committed.
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>

namespace cimsim::model::submodels {

// --- 3. ties: the dissolution and brokerage intents issued in phase 2, committed in agent-id
// order (per agent: its removals in half-edge order, then its brokerage).
void ties(State& st, const StepContext& ctx) {
  if (ctx.tie_intents.size() > 0) {
    ctx.tie_intents.commit([&](const TieIntent& i) { st.net.apply_one(i, st.tick); });
    st.net.refresh(ctx.exec);
  }
}

}  // namespace cimsim::model::submodels
