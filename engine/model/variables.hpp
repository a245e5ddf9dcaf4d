// The model's output variables, as declared with their probes (probes.cpp): what the HDF5 sink,
// `cimsim compare` and the report read about each. A light header for readers that need the
// declarations but not the model (analysis/compare.cpp, analysis/report/).
#pragma once

#include "engine/observer.hpp"

#include <vector>

namespace cimsim::model {

// The series (one value per recorded month), in the order of make_schema() and probes().
const std::vector<VariableSpec>& series_specs();
// The per-run summaries, in the order of make_schema() (those on the event axis only when the
// schema has events). Readers find a summary by its name, never by its position.
const std::vector<VariableSpec>& summary_specs();

}  // namespace cimsim::model
