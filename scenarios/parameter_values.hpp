// Every parameter of each scenario as numbers, for the output file's `parameter_value(scenario,
// parameter)` and for labelling sweep points by their values.
#pragma once

#include "engine/model/model.hpp"

#include <string>
#include <vector>

namespace cimsim::scenarios {

struct ParameterValues {
  std::vector<std::string> keys;   // scenario-file keys, in documentation order
  std::vector<std::string> units;  // one per key
  std::vector<double> values;      // [scenario][key], row-major; bool as 0/1
};
ParameterValues parameter_values(const std::vector<model::Scenario>& scenarios);

}  // namespace cimsim::scenarios
