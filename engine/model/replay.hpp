// Re-running one run of a scenario: runs are deterministic (same scenario, seed -> same state at
// every tick, at any thread count), so a run recorded in an output file (its scenario's
// configuration and its seed are stored there) can be reproduced in-process to look at state the
// file does not hold, such as the collaboration network (the report's network picture).
#pragma once

#include "engine/model/model.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace cimsim::model {

// The model of `scenario` with `seed`, stepped until tick() == week (week 0: as built, before any
// step). week must lie within [0, horizon].
std::unique_ptr<Model> replay(const Scenario& scenario, std::uint64_t seed, int week, const Executor& exec);

// One run, calling at(model) when it reaches each of `weeks` (ascending, within [0, horizon]);
// the same states as replay(scenario, seed, week, exec) for each week, from one pass.
void replay(const Scenario& scenario, std::uint64_t seed, const std::vector<int>& weeks, const Executor& exec,
            const std::function<void(const Model&)>& at);

}  // namespace cimsim::model
