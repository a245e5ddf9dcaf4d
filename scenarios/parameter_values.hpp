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

namespace cimsim::scenarios {

// Settings that another parameter silently undoes, as one message each naming both keys (empty
// when there are none). Today: backbone.staff above what funding.budget_staff_years pays for at
// full funder support (the backbone phase does not keep or refill posts over the budget, so the
// staff fall back to the budget within months).
std::vector<std::string> parameter_warnings(const model::Scenario& scenario);

}  // namespace cimsim::scenarios
