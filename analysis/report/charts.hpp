// Vega-Lite specifications of the report's charts (charts.cpp).
#pragma once

#include "analysis/ensemble_file.hpp"
#include "analysis/report/report.hpp"

namespace cimsim::report {

struct Chart {
  std::string id;          // element id in the page
  nlohmann::json spec;     // Vega-Lite
  std::string caption;     // plain text under the chart (may be empty)
};

// Display name of a model sector ("civil_society" -> "Civil society").
std::string sector_label(const std::string& sector);

nlohmann::json fan_chart(const Inputs& in, const Variable& v);
std::vector<Chart> difference_charts(const Inputs& in);
nlohmann::json survival_chart(const Inputs& in, double goal);
std::string survival_caption(const Inputs& in);
nlohmann::json failure_chart(const Inputs& in);      // null when the compare JSON has no estimates
nlohmann::json trough_chart(const Inputs& in);       // null when no scenario has scheduled events
nlohmann::json sensitivity_chart(const nlohmann::json& sensitivity);  // null when empty
// ---- network_charts.cpp: the collaboration network
// One picture per snapshot, side by side; a coordinator who leaves (NetworkPicture::
// coordinator_leaves) is drawn large with an outline and their ties thick before they leave, and
// their place as a hollow ring with the ties they held dashed from then on.
nlohmann::json network_chart(const NetworkPicture& pic);
// Two pictures (same years) one above the other, the colours shared.
nlohmann::json network_pair_chart(const NetworkPicture& a, const NetworkPicture& b, double event_year);

// ---- case_match.cpp: a time series target's simulated fan with the case's value or band
nlohmann::json case_chart(const CaseMatch::Series& s);

// Shared pieces of every chart: the title block and the base specification (config, schema).
nlohmann::json chart_title(const std::string& text, const nlohmann::json& subtitle = "");
nlohmann::json chart_base();

// ---- over_time.cpp: effects over time
// Per key variable, non-baseline scenario and month: mean difference from the baseline over runs
// paired by seed, with a 95% normal interval: [{variable, scenario (label), year, diff, lo, hi, n}].
nlohmann::json paired_rows(const EnsembleFile& file, const std::string& baseline);
// All scenarios overlaid (median and middle half) beside the paired difference over time with its
// interval and the scheduled events as vertical rules; null without data.
nlohmann::json effect_chart(const Inputs& in, const Variable& v);
// "Practical size: ... progress -3.1% of the baseline's ..., +4 months of delay to the goal", with
// a star only where the interval excludes 0 and the effect is at least negligible_share of the
// baseline's progress. Empty without a baseline comparison.
std::string practical_caption(const Inputs& in, double negligible_share);

}  // namespace cimsim::report
