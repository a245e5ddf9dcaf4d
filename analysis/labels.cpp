#include "analysis/labels.hpp"

#include <fmt/format.h>

#include <cmath>

namespace cimsim {

std::string sweep_label(const std::string& name, const std::vector<std::string>& keys, const double* values) {
  std::string inner;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (std::isnan(values[k])) continue;
    if (!inner.empty()) inner += ", ";
    inner += fmt::format("{}={:.4g}", keys[k], values[k]);
  }
  return inner.empty() ? name : fmt::format("{} ({})", name, inner);
}

std::vector<std::string> scenario_labels(const EnsembleFile& f) {
  std::vector<std::string> out = f.scenarios();
  const std::string dim = f.has_dataset("swept_parameter") ? "swept_parameter" : "parameter";
  if (!f.has_dataset(dim) || !f.has_dataset("scenario_parameter")) return out;
  const auto keys = f.strings(dim);
  const auto values = f.array("scenario_parameter");
  if (values.values.size() != out.size() * keys.size()) return out;
  for (std::size_t s = 0; s < out.size(); ++s) out[s] = sweep_label(out[s], keys, values.values.data() + s * keys.size());
  return out;
}

}  // namespace cimsim
