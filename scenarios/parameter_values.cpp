#include "scenarios/parameter_values.hpp"

#include <fmt/format.h>

#include <cmath>
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
      out.values.push_back(spec.value(s.params));
  return out;
}

}  // namespace cimsim::scenarios

namespace cimsim::scenarios {
namespace {

double value_of(const model::Params& p, const std::string& key) {
  const model::ParamSpec* spec = model::find_param(key);
  if (spec == nullptr) return 0.0;
  return spec->value(p);
}

}  // namespace

std::vector<std::string> parameter_warnings(const model::Scenario& s) {
  std::vector<std::string> out;
  const double staff = value_of(s.params, "backbone.staff");
  const double budget = value_of(s.params, "funding.budget_staff_years");
  const bool enabled = value_of(s.params, "backbone.enabled") != 0.0;
  // The budget pays floor(budget_staff_years x support) posts; support is at most 1.
  const double paid = std::floor(budget + 1e-9);
  if (enabled && staff > paid)
    out.push_back(fmt::format(
        "backbone.staff = {:g} but funding.budget_staff_years = {:g} pays for at most {:g} staff (at full funder "
        "support; fewer when support falls): posts above that are not kept or refilled, so the backbone shrinks to "
        "the budget within months. To keep {:g} staff, also set funding.budget_staff_years to {:g} or more",
        staff, budget, paid, staff, staff));
  return out;
}

}  // namespace cimsim::scenarios
