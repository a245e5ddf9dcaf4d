// The report's numbers beyond the fan charts come from the project's analyses (contracts B, C,
// D): a result stored in the file by `cimsim compare --store` / `cimsim sensitivity --store`
// when there is one, otherwise computed here by the same functions.
#include "analysis/compare.hpp"
#include "analysis/ensemble_file.hpp"
#include "analysis/hdf5_read.hpp"
#include "analysis/report/report.hpp"
#include "analysis/sensitivity.hpp"

namespace cimsim::report {

std::optional<nlohmann::json> stored_analysis(const std::string& file, const std::string& group) {
  std::vector<std::string> text;
  try {
    text = h5::read_strings(file, "/analysis/" + group + "/json");
  } catch (const std::runtime_error&) {
    return std::nullopt;  // not stored
  }
  if (text.empty()) return std::nullopt;
  return nlohmann::json::parse(text.front());
}

nlohmann::json compare_for(const std::string& file, const std::string& baseline) {
  if (auto stored = stored_analysis(file, "compare"); stored && stored->value("baseline", "") == baseline) return *stored;
  CompareOptions o;
  o.baseline = baseline;
  return compare(EnsembleFile(file), o);
}

std::optional<nlohmann::json> sensitivity_for(const std::string& file) {
  if (auto stored = stored_analysis(file, "sensitivity")) return stored;
  return sensitivity(EnsembleFile(file), SensitivityOptions{});
}

}  // namespace cimsim::report
