// Vega-Lite specifications of the report's charts, built from the report's inputs. Every chart
// has a plain title that says what it shows, axis titles with units, and inline data.
#include "analysis/report/charts.hpp"

#include "analysis/compare.hpp"
#include "engine/model/variables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace cimsim::report {

using nlohmann::json;

// Vega expression: a label over 30 characters is drawn on two lines, broken at the last space
// within its first 30 characters (long names wrapped, not cut: labelLimit 0).
constexpr const char* kWrapLabel =
    "length(datum.label) <= 30 || lastindexof(substring(datum.label, 0, 30), ' ') < 1 ? datum.label : [substring(datum.label, 0, lastindexof(substring(datum.label, 0, 30), ' ')), substring(datum.label, lastindexof(substring(datum.label, 0, 30), ' ') + 1)]";

const std::vector<Variable>& key_variables() {
  // Every view of a model variable with a report position, in that order, worded as declared
  // with the variable (engine/model/probes.cpp).
  static const std::vector<Variable> list = [] {
    std::vector<std::pair<int, Variable>> ranked;
    for (const VariableSpec& spec : model::series_specs())
      for (const View& view : spec.views) {
        if (view.report_order <= 0) continue;
        const Wording& w = view.words.title.empty() ? spec.words : view.words;
        ranked.push_back({view.report_order, {view.key, spec.name, view.coordinate, w.title, w.axis, w.what, w.percent}});
      }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<Variable> out;
    for (auto& r : ranked) out.push_back(std::move(r.second));
    return out;
  }();
  return list;
}

std::string sector_label(const std::string& sector) {
  if (sector == "government") return "Government";
  if (sector == "civil_society") return "Civil society";
  if (sector == "business") return "Business";
  if (sector == "knowledge") return "Knowledge institutions";
  if (sector == "funder") return "Funders";
  if (sector == "citizen") return "Citizens";
  return sector;
}

namespace {

json title(const std::string& text, const json& subtitle = "") {
  json t = {{"text", text}, {"anchor", "start"}, {"fontSize", 15}, {"subtitlePadding", 6}};
  if (!subtitle.empty() && subtitle != "") t["subtitle"] = subtitle;
  return t;
}

json base_spec() {
  return {{"$schema", "https://vega.github.io/schema/vega-lite/v6.json"},
          {"config", {{"font", "system-ui, sans-serif"}, {"axis", {{"labelFontSize", 11}, {"titleFontSize", 12}}},
                      {"legend", {{"labelFontSize", 12}, {"titleFontSize", 12}}}, {"view", {{"stroke", "#ddd"}}}}}};
}

// Scenarios in file order, by their labels (sweep points with their values).
json scenario_sort(const Inputs& in) { return in.labels.size() == in.scenarios.size() ? in.labels : in.scenarios; }

const Variable* find_variable(const std::string& name) {
  for (const auto& v : key_variables())
    if (v.name == name) return &v;
  return nullptr;
}

std::string years_text(double months) {
  return fmt::format("{:.1f} years", months / 12.0);
}

// "staff_turnover at week 156" (with month 36) -> "staff turnover, year 3.0".
std::string event_text(const json& e) {
  std::string label = e.value("label", std::string());
  const auto at = label.find(" at week");
  if (at != std::string::npos && e.value("month", json()).is_number())
    label = label.substr(0, at) + fmt::format(", year {:.1f}", e["month"].get<double>() / 12.0);
  std::replace(label.begin(), label.end(), '_', ' ');
  return label;
}

}  // namespace

json chart_title(const std::string& text, const json& subtitle) { return title(text, subtitle); }
json chart_base() { return base_spec(); }

json fan_chart(const Inputs& in, const Variable& v) {
  json rows = json::array();
  for (const auto& r : in.fans)
    if (r["variable"] == v.name) {
      rows.push_back(r);
      const auto at = std::find(in.scenarios.begin(), in.scenarios.end(), r["scenario"].get<std::string>());
      const auto i = static_cast<std::size_t>(at - in.scenarios.begin());
      if (at != in.scenarios.end() && i < in.labels.size()) rows.back()["scenario"] = in.labels[i];
    }
  const std::string fmt_y = v.percent ? ".0%" : ".2f";
  json x = {{"field", "year"}, {"type", "quantitative"}, {"title", "Years since the start"}};
  json spec = base_spec();
  spec["title"] = title(v.title + ", by scenario",
                        json::array({v.what, "Line: the middle run (median). Dark band: the middle half of the runs. "
                                             "Light band: 9 in 10 runs."}));
  spec["data"] = {{"values", rows}};
  spec["facet"] = {{"field", "scenario"}, {"type", "nominal"}, {"title", nullptr}, {"sort", scenario_sort(in)},
                   {"header", {{"labelFontSize", 13}, {"labelFontWeight", "bold"}}}};
  spec["columns"] = 3;
  spec["spec"] = {
      {"width", 230},
      {"height", 140},
      {"layer",
       json::array({
           {{"mark", {{"type", "area"}, {"color", "#4c78a8"}, {"opacity", 0.18}}},
            {"encoding", {{"x", x},
                          {"y", {{"field", "q05"}, {"type", "quantitative"}, {"title", v.axis}, {"axis", {{"format", fmt_y}}}}},
                          {"y2", {{"field", "q95"}}}}}},
           {{"mark", {{"type", "area"}, {"color", "#4c78a8"}, {"opacity", 0.38}}},
            {"encoding", {{"x", x}, {"y", {{"field", "q25"}, {"type", "quantitative"}}}, {"y2", {{"field", "q75"}}}}}},
           {{"mark", {{"type", "line"}, {"color", "#1f3b63"}, {"strokeWidth", 2}}},
            {"encoding", {{"x", x},
                          {"y", {{"field", "q50"}, {"type", "quantitative"}}},
                          {"tooltip", json::array({{{"field", "scenario"}},
                                                   {{"field", "year"}, {"title", "year"}, {"format", ".1f"}},
                                                   {{"field", "q50"}, {"title", "median"}, {"format", fmt_y}},
                                                   {{"field", "q05"}, {"title", "low (5%)"}, {"format", fmt_y}},
                                                   {{"field", "q95"}, {"title", "high (95%)"}, {"format", fmt_y}}})}}}},
       })}};
  return spec;
}

// Estimates with intervals, one row per label: the forest-plot form shared by the differences,
// the event troughs and the chances of failure. rows: {label, estimate, lo, hi, panel, order},
// panels side by side in increasing `order`.
json interval_chart(const json& rows, const std::string& chart_title, const std::string& subtitle,
                    const std::string& x_title, const std::string& x_format, const json& label_sort,
                    bool panels, bool zero_rule) {
  json spec = base_spec();
  spec["title"] = title(chart_title, subtitle);
  spec["data"] = {{"values", rows}};
  const json y = {{"field", "label"}, {"type", "nominal"}, {"title", nullptr}, {"sort", label_sort},
                  {"axis", {{"labelLimit", 0}, {"labelExpr", kWrapLabel}}}};
  const json tooltip = json::array({{{"field", "label"}, {"title", "what"}},
                                    {{"field", "estimate"}, {"format", x_format}},
                                    {{"field", "lo"}, {"title", "interval from"}, {"format", x_format}},
                                    {{"field", "hi"}, {"title", "interval to"}, {"format", x_format}}});
  json layers = json::array({
      {{"mark", {{"type", "rule"}, {"strokeWidth", 2}, {"color", "#4c78a8"}}},
       {"encoding", {{"y", y},
                     {"x", {{"field", "lo"}, {"type", "quantitative"}, {"title", x_title}, {"axis", {{"format", x_format}}}}},
                     {"x2", {{"field", "hi"}}}}}},
      {{"mark", {{"type", "point"}, {"filled", true}, {"size", 70}, {"color", "#1f3b63"}}},
       {"encoding", {{"y", y}, {"x", {{"field", "estimate"}, {"type", "quantitative"}}}, {"tooltip", tooltip}}}},
  });
  if (zero_rule)
    layers.push_back({{"mark", {{"type", "rule"}, {"color", "#c0392b"}, {"strokeDash", {4, 3}}}},
                      {"encoding", {{"x", {{"datum", 0}}}}}});
  const json inner = {{"width", 260}, {"height", {{"step", 22}}}, {"layer", layers}};
  if (!panels) {
    for (auto it = inner.begin(); it != inner.end(); ++it) spec[it.key()] = it.value();
  } else {
    spec["facet"] = {{"field", "panel"}, {"type", "ordinal"}, {"title", nullptr},
                     {"sort", {{"field", "order"}, {"op", "min"}}}, {"header", {{"labelFontSize", 13}}}};
    spec["spec"] = inner;
    spec["resolve"] = {{"scale", {{"x", "shared"}}}};
  }
  return spec;
}

std::vector<Chart> difference_charts(const Inputs& in) {
  std::vector<Chart> out;
  const json& c = in.compare;
  const std::string base = c.value("baseline", std::string("baseline"));
  for (const auto& var : c.value("variables", json::array())) {
    const std::string name = var.value("name", std::string());
    const Variable* v = find_variable(name);
    json rows = json::array();
    json sort = json::array();
    // Sweep points by their values ("sweep-00003 (backbone.staff=6)").
    auto label_of = [&](const std::string& scenario) {
      const auto at = std::find(in.scenarios.begin(), in.scenarios.end(), scenario);
      const auto i = static_cast<std::size_t>(at - in.scenarios.begin());
      return at != in.scenarios.end() && i < in.labels.size() ? in.labels[i] : scenario;
    };
    for (const auto& s : in.scenarios)
      if (s != base) sort.push_back(label_of(s));
    const bool pct = v != nullptr && v->percent;
    const double scale = pct ? 100.0 : 1.0;  // shares: percentage points
    double max_abs = 0.0;
    for (const auto& d : c.value("differences", json::array()))
      if (d.value("variable", std::string()) == name && d["diff"].is_number()) {
        const double e = d["diff"].get<double>() * scale, lo = d["lo"].get<double>() * scale,
                     hi = d["hi"].get<double>() * scale;
        max_abs = std::max({max_abs, std::abs(lo), std::abs(hi)});
        rows.push_back({{"label", label_of(d["scenario"].get<std::string>())}, {"estimate", e}, {"lo", lo}, {"hi", hi},
                        {"panel", fmt::format("after {:g} years", d["at_years"].get<double>())},
                        {"order", d["at_years"]}});
      }
    if (rows.empty()) continue;
    const std::string label = v != nullptr ? v->title : var.value("label", name);
    // Two significant digits of the largest value (an axis of '+0.000' ticks says nothing).
    const int decimals = max_abs > 0.0 ? std::clamp(1 - static_cast<int>(std::floor(std::log10(max_abs))), 0, 8) : 1;
    out.push_back({"diff-" + name,
                   interval_chart(rows, label + ": difference from " + base,
                                  "Dot: average difference, run for run with the same random draws. Line: 95% interval. "
                                  "Right of the dashed line: higher than in " + base + ".",
                                  pct ? "Difference (percentage points)" : "Difference (0-1 scale)",
                                  fmt::format("+.{}f", decimals), sort, true, true),
                   ""});
  }
  return out;
}

json survival_chart(const Inputs& in, double goal) {
  json rows = json::array();
  for (const auto& s : in.compare.value("scenarios", json::array()))
    for (const auto& p : s["time_to_goal"].value("km", json::array()))
      rows.push_back({{"scenario", s.value("label", s["name"].get<std::string>())}, {"year", p[0].get<double>() / 12.0},
                      {"share", p[1]}});
  json spec = base_spec();
  spec["title"] = title("How long it takes to reach the goal",
                        goal > 0 ? fmt::format("Share of runs that have not yet reached the goal (progress {:.2f}), "
                                               "by years since the start. Lower is better.", goal)
                                 : "Share of runs that have not yet reached the goal, by years since the start. Lower is better.");
  spec["data"] = {{"values", rows}};
  spec["width"] = 560;
  spec["height"] = 280;
  spec["mark"] = {{"type", "line"}, {"interpolate", "step-after"}, {"strokeWidth", 2}};
  spec["encoding"] = {
      {"x", {{"field", "year"}, {"type", "quantitative"}, {"title", "Years since the start"}}},
      {"y", {{"field", "share"}, {"type", "quantitative"}, {"title", "Runs not yet at the goal (%)"},
             {"axis", {{"format", ".0%"}}}, {"scale", {{"domain", {0, 1}}}}}},
      {"color", {{"field", "scenario"}, {"type", "nominal"}, {"sort", scenario_sort(in)}, {"title", "Scenario"}}},
      {"tooltip", json::array({{{"field", "scenario"}}, {{"field", "year"}, {"format", ".1f"}},
                               {{"field", "share"}, {"title", "not yet at goal"}, {"format", ".0%"}}})}};
  return spec;
}

std::string survival_caption(const Inputs& in) {
  std::string text = "Median time to the goal: ";
  bool first = true;
  for (const auto& s : in.compare.value("scenarios", json::array())) {
    const auto& m = s["time_to_goal"]["median_months"];
    text += (first ? "" : "; ") + s.value("name", std::string()) + " " +
            (m.is_number() ? years_text(m.get<double>()) : std::string("not reached by half of the runs"));
    first = false;
  }
  return text + ".";
}

json failure_chart(const Inputs& in) {
  json rows = json::array();
  for (const auto& s : in.compare.value("scenarios", json::array()))
    for (const auto& [key, panel, order] : {std::tuple<const char*, const char*, int>{"p_launch_failure", "never got going", 0},
                                            {"p_collapse", "collapsed after starting", 1}}) {
      const json& e = s.value(key, json::object());
      if (e.value("estimate", json()).is_number())
        rows.push_back({{"label", s.value("label", s["name"].get<std::string>())}, {"estimate", e["estimate"]}, {"lo", e["lo"]}, {"hi", e["hi"]},
                        {"panel", panel}, {"order", order}});
    }
  if (rows.empty()) return nullptr;
  return interval_chart(rows, "Chance that the initiative never gets going, or collapses",
                        "Dot: share of runs. Line: 95% interval.", "Share of runs (%)", ".0%", scenario_sort(in),
                        true, false);
}

json trough_chart(const Inputs& in) {
  json rows = json::array(), sort = json::array();
  for (const auto& s : in.compare.value("scenarios", json::array()))
    for (const auto& e : s.value("events", json::array())) {
      const json& t = e.value("trough", json::object());
      if (!t.value("estimate", json()).is_number()) continue;
      const std::string label = s.value("name", std::string()) + ": " + event_text(e);
      const auto& rec = e.value("recovery_months", json::object());
      rows.push_back({{"label", label}, {"estimate", t["estimate"]}, {"lo", t["lo"]}, {"hi", t["hi"]},
                      {"recovery", rec.value("median", json())}});
      sort.push_back(label);
    }
  if (rows.empty()) return nullptr;
  json spec = interval_chart(rows, "How deep progress dips after each event",
                             "Dot: average dip in 3-month progress after the event, compared with just before it. "
                             "Line: 95% interval. Left of the dashed line: progress slowed down.",
                             "Change in progress over 3 months (0-1 scale)", "+.3f", sort, false, true);
  spec["layer"][1]["encoding"]["tooltip"].push_back({{"field", "recovery"}, {"title", "median months to recover"}});
  return spec;
}

json sensitivity_chart(const json& sens) {
  json rows = json::array();
  const bool saltelli = sens.value("design", std::string()) == "saltelli";
  for (const auto& p : sens.value("parameters", json::array())) {
    if (saltelli) {
      for (const auto& [key, panel] : {std::pair<const char*, const char*>{"ST", "total effect (with interactions)"},
                                       {"S1", "effect on its own"}}) {
        const json& e = p.value(key, json::object());
        if (e.value("estimate", json()).is_number())
          rows.push_back({{"parameter", p["name"]}, {"value", e["estimate"]}, {"lo", e.value("lo", e["estimate"])},
                          {"hi", e.value("hi", e["estimate"])}, {"measure", panel}});
      }
    } else if (p.value("mu_star", json()).is_number()) {
      rows.push_back({{"parameter", p["name"]}, {"value", p["mu_star"]}, {"lo", p["mu_star"]}, {"hi", p["mu_star"]},
                      {"measure", "mean absolute effect"}});
    }
  }
  if (rows.empty()) return nullptr;
  const std::string output = sens.value("output", std::string("final_outcome"));
  json spec = base_spec();
  spec["title"] = title("Which settings matter most for " + (output == "final_outcome" ? std::string("progress at the end") : output),
                        saltelli ? "Bar: share of the spread in results explained by the setting (Sobol index). Line: 95% interval."
                                 : "Bar: average size of the change in results when the setting changes (elementary effects).");
  spec["data"] = {{"values", rows}};
  const json y = {{"field", "parameter"}, {"type", "nominal"}, {"title", "Setting"}, {"sort", "-x"},
                  {"axis", {{"labelLimit", 0}, {"labelExpr", kWrapLabel}}}};
  spec["facet"] = {{"field", "measure"}, {"type", "nominal"}, {"title", nullptr}};
  spec["spec"] = {
      {"width", 260},
      {"height", {{"step", 20}}},
      {"layer", json::array({
                    {{"mark", {{"type", "bar"}, {"color", "#4c78a8"}}},
                     {"encoding", {{"y", y},
                                   {"x", {{"field", "value"}, {"type", "quantitative"},
                                          {"title", saltelli ? "Share of variance" : "Effect on the output"}}},
                                   {"tooltip", json::array({{{"field", "parameter"}}, {{"field", "value"}, {"format", ".3f"}}})}}}},
                    {{"mark", {{"type", "rule"}, {"color", "#1f3b63"}}},
                     {"encoding", {{"y", y}, {"x", {{"field", "lo"}, {"type", "quantitative"}}}, {"x2", {{"field", "hi"}}}}}},
                })}};
  spec["resolve"] = {{"scale", {{"y", "independent"}}}};
  return spec;
}

}  // namespace cimsim::report
