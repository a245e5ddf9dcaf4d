// Names of scenarios for people: a sweep point is labelled by its parameter values,
// "sweep-00012 (backbone.staff=4, trust.decay=0.01)", not only by its point name.
#pragma once

#include "analysis/ensemble_file.hpp"

#include <string>
#include <vector>

namespace cimsim {

// `values` holds one value per key; NaN values (scenarios off the sweep) are left out, and a
// scenario without any keeps its plain name.
std::string sweep_label(const std::string& name, const std::vector<std::string>& keys, const double* values);
// The label of every scenario of a file (its `swept_parameter` and `scenario_parameter`).
std::vector<std::string> scenario_labels(const EnsembleFile& file);

}  // namespace cimsim
