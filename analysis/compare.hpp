// `cimsim compare`: scenarios against a baseline in one output file; the JSON it
// prints is described in README.md, "Comparing scenarios".
#pragma once

#include "analysis/ensemble_file.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace cimsim {

struct CompareOptions {
  std::string baseline = "baseline";
  std::vector<double> at_years;  // empty: 3, 5 and the horizon (those the file covers)
  double level = 0.95;
};

// The variables compared at each horizon: name in the JSON, dataset, sector ("" if none),
// label for people, units. Built from the views of the model's variable declarations
// (engine/model/probes.cpp) that have a compare position, in that order.
struct CompareVariable {
  std::string name, dataset, sector, label, units;
};
const std::vector<CompareVariable>& compare_variables();

// All comparisons. Only runs with status ok count. Differences are scenario minus
// baseline over runs paired by seed (common random numbers). Collapse: months_collapsed > 0,
// i.e. at least one monthly record after launch with the organisations' active share below
// summary.collapse_share. Time to goal: Kaplan-Meier, runs that never reach the goal censored
// at their last recorded month. Event recovery: Kaplan-Meier of event_recovery, runs that never
// recover censored at the months left after the event. Gap to the baseline after an event:
// per seed, the lowest (scenario - baseline) outcome within 36 months after the event, and the
// months until the scenario is level with the baseline again (Kaplan-Meier; never: censored).
// Throws InputError (exit 2) for an
// unknown baseline or a horizon the file does not cover.
nlohmann::json compare(const EnsembleFile& file, const CompareOptions& options);

// Renderings of compare()'s JSON.
std::string compare_table(const nlohmann::json& result);  // for the terminal
std::string compare_csv(const nlohmann::json& result);    // one long table, one row per estimate

}  // namespace cimsim
