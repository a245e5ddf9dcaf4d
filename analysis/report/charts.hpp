// Vega-Lite specifications of the report's charts (charts.cpp).
#pragma once

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
nlohmann::json network_chart(const NetworkPicture& pic);

}  // namespace cimsim::report
