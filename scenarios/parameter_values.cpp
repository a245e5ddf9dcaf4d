#include "scenarios/parameter_values.hpp"

#include <type_traits>
#include <variant>

namespace cimsim::scenarios {

ParameterValues parameter_values(const std::vector<model::Scenario>& scenarios) {
  ParameterValues out;
  const auto& table = model::param_table();
  for (const auto& spec : table) {
    out.keys.push_back(spec.key);
    out.units.push_back(spec.unit);
  }
  out.values.reserve(scenarios.size() * table.size());
  for (const auto& s : scenarios)
    for (const auto& spec : table)
      out.values.push_back(std::visit([&](auto m) { return static_cast<double>(s.params.*m); }, spec.field));
  return out;
}

}  // namespace cimsim::scenarios
