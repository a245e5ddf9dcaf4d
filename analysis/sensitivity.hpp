// `cimsim sensitivity`: how much each swept parameter moves a model output (README.md,
// "Sensitivity analysis").
#pragma once

#include "analysis/ensemble_file.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace cimsim {

struct SensitivityOptions {
  // A per-run summary (e.g. final_outcome, months_collapsed) or a series (outcome, trust_mean,
  // citizen_active_share, ... as in compare) read at `at_years`.
  std::string output = "final_outcome";
  double at_years = -1.0;  // for a series; negative: the horizon
  double level = 0.95;
  std::size_t resamples = 1000;
};

// Reads the sweep design the run wrote (README.md, "The output file": attribute `design`,
// datasets `swept_parameter` (older files: `parameter`) and `scenario_parameter`, attribute
// `saltelli_n`). The output of a sweep point is the mean over
// its replicates that finished ok. Saltelli design: Sobol' S1 and ST with bootstrap intervals
// (stats.hpp); grid, lhs or csv: Morris-style mu, mu*, sigma (morris_effects in stats.hpp).
// Throws InputError for a file without a sweep (design missing or "none"), an unknown output,
// or a Saltelli point with no successful run.
nlohmann::json sensitivity(const EnsembleFile& file, const SensitivityOptions& options);

std::string sensitivity_table(const nlohmann::json& result);
std::string sensitivity_csv(const nlohmann::json& result);

}  // namespace cimsim
