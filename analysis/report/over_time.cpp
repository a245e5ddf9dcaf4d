// The report's effect charts: every scenario overlaid per key variable (median and middle half
// of the runs) and, beside it, the paired difference from the baseline over time with its 95%
// interval and each scheduled event as a vertical rule; and the practical size of the effects.
#include "analysis/labels.hpp"
#include "analysis/report/charts.hpp"
#include "analysis/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cimsim::report {

using nlohmann::json;

// Vega expression: a label over 30 characters is drawn on two lines, broken at the last space
// within its first 30 characters (long names wrapped, not cut: labelLimit 0).
constexpr const char* kWrapLabel =
    "length(datum.label) <= 30 || lastindexof(substring(datum.label, 0, 30), ' ') < 1 ? datum.label : [substring(datum.label, 0, lastindexof(substring(datum.label, 0, 30), ' ')), substring(datum.label, lastindexof(substring(datum.label, 0, 30), ' ') + 1)]";

namespace {

double round6(double x) { return std::round(x * 1e6) / 1e6; }

// Decimals that show two significant digits of the largest magnitude (at least 0).
int decimals_for(double max_abs) {
  if (!(max_abs > 0.0)) return 1;
  return std::clamp(1 - static_cast<int>(std::floor(std::log10(max_abs))), 0, 8);
}

}  // namespace

json paired_rows(const EnsembleFile& f, const std::string& baseline) {
  json rows = json::array();
  const std::size_t base = f.scenario_index(baseline);
  if (base == f.scenarios().size()) return rows;
  const std::size_t R = f.realizations();
  const auto labels = scenario_labels(f);
  for (const auto& v : key_variables()) {
    if (!f.has_dataset(v.dataset)) continue;
    const std::size_t sector = v.sector.empty() ? 0 : f.sector_index(v.sector);
    for (std::size_t t = 0; t < f.months().size(); ++t) {
      const auto runs = f.per_run_at(v.dataset, t, sector);  // NaN where not ok
      for (std::size_t s = 0; s < runs.size(); ++s) {
        if (s == base) continue;
        double sum = 0.0, sq = 0.0;
        std::size_t n = 0;
        for (std::size_t r = 0; r < R; ++r) {
          // Pairs by seed: replicate r of every scenario has the same seed (checked, not assumed).
          if (f.seed(s, r) != f.seed(base, r)) continue;
          const double d = runs[s][r] - runs[base][r];
          if (std::isnan(d)) continue;
          sum += d, sq += d * d, ++n;
        }
        if (n < 2) continue;
        const double mean = sum / static_cast<double>(n);
        const double var = std::max(0.0, (sq - static_cast<double>(n) * mean * mean) / static_cast<double>(n - 1));
        const double half = 1.96 * std::sqrt(var / static_cast<double>(n));
        rows.push_back({{"variable", v.name}, {"scenario", labels[s]}, {"year", std::round(f.months()[t] / 12.0 * 1e4) / 1e4},
                        {"diff", round6(mean)}, {"lo", round6(mean - half)}, {"hi", round6(mean + half)}, {"n", n}});
      }
    }
  }
  return rows;
}

json effect_chart(const Inputs& in, const Variable& v) {
  const std::string base = in.compare.value("baseline", in.scenarios.empty() ? std::string() : in.scenarios.front());
  // Left: every scenario in one chart, median and middle half of the runs.
  json fans = json::array();
  for (const auto& r : in.fans)
    if (r["variable"] == v.name) fans.push_back(r);
  if (fans.empty()) return nullptr;
  json sort = json::array();
  for (const auto& s : in.labels) sort.push_back(s);
  for (auto& r : fans) {
    const auto at = std::find(in.scenarios.begin(), in.scenarios.end(), r["scenario"].get<std::string>());
    if (at != in.scenarios.end()) r["scenario"] = in.labels[static_cast<std::size_t>(at - in.scenarios.begin())];
  }
  const std::string fmt_level = v.percent ? ".0%" : ".2f";
  const json legend = {{"orient", "bottom"}, {"columns", 1}, {"labelLimit", 0}, {"title", nullptr},
                       {"labelExpr", kWrapLabel}};
  const json color = {{"field", "scenario"}, {"type", "nominal"}, {"sort", sort}, {"legend", legend}};
  const json x = {{"field", "year"}, {"type", "quantitative"}, {"title", "Years since the start"}};
  json left = {
      {"title", chart_title(v.title + ": all scenarios",
                            json::array({"Line: the middle run (median).", "Band: the middle half of the runs."}))},
      {"width", 330},
      {"height", 220},
      {"data", {{"values", fans}}},
      {"layer",
       json::array({{{"mark", {{"type", "area"}, {"opacity", 0.22}}},
                     {"encoding", {{"x", x},
                                   {"y", {{"field", "q25"}, {"type", "quantitative"}, {"title", v.axis},
                                          {"axis", {{"format", fmt_level}}}}},
                                   {"y2", {{"field", "q75"}}},
                                   {"color", color}}}},
                    {{"mark", {{"type", "line"}, {"strokeWidth", 2}}},
                     {"encoding", {{"x", x},
                                   {"y", {{"field", "q50"}, {"type", "quantitative"}}},
                                   {"color", color},
                                   {"tooltip", json::array({{{"field", "scenario"}},
                                                            {{"field", "year"}, {"format", ".1f"}},
                                                            {{"field", "q50"}, {"title", "median"}, {"format", fmt_level}}})}}}}})}};

  // Right: the paired difference from the baseline over time, with its interval and the events.
  json diffs = json::array();
  double max_abs = 0.0;
  const double scale = v.percent ? 100.0 : 1.0;  // shares: percentage points
  for (const auto& r : in.paired)
    if (r["variable"] == v.name) {
      json row = r;
      for (const char* k : {"diff", "lo", "hi"}) {
        row[k] = round6(r[k].get<double>() * scale);
        max_abs = std::max(max_abs, std::abs(row[k].get<double>()));
      }
      diffs.push_back(row);
    }
  if (diffs.empty()) return left;
  json sort_others = json::array();
  for (const auto& s : in.labels)
    if (s != base) sort_others.push_back(s);
  json events = json::array();
  for (const auto& s : in.compare.value("scenarios", json::array()))
    for (const auto& e : s.value("events", json::array()))
      if (e.value("month", json()).is_number() && s.value("name", std::string()) != base) {
        std::string what = e.value("label", std::string());
        what = what.substr(0, what.find(" at week"));
        std::replace(what.begin(), what.end(), '_', ' ');
        events.push_back({{"year", e["month"].get<double>() / 12.0}, {"event", what},
                          {"scenario", s.value("label", s.value("name", std::string()))}});
      }
  const int d = decimals_for(max_abs);
  const std::string fmt_diff = fmt::format("+.{}f", d);
  const std::string unit = v.percent ? "percentage points" : "on the 0-1 scale";
  const json dcolor = {{"field", "scenario"}, {"type", "nominal"}, {"sort", sort_others}, {"legend", nullptr},
                       {"scale", {{"domain", sort}}}};
  json layers = json::array({
      {{"mark", {{"type", "area"}, {"opacity", 0.25}}},
       {"encoding", {{"x", x},
                     {"y", {{"field", "lo"}, {"type", "quantitative"},
                            {"title", "Difference from " + base + " (" + unit + ")"}, {"axis", {{"format", fmt_diff}}}}},
                     {"y2", {{"field", "hi"}}},
                     {"color", dcolor}}}},
      {{"mark", {{"type", "line"}, {"strokeWidth", 2}}},
       {"encoding", {{"x", x},
                     {"y", {{"field", "diff"}, {"type", "quantitative"}}},
                     {"color", dcolor},
                     {"tooltip", json::array({{{"field", "scenario"}},
                                              {{"field", "year"}, {"format", ".1f"}},
                                              {{"field", "diff"}, {"title", "difference (" + unit + ")"}, {"format", fmt_diff}},
                                              {{"field", "lo"}, {"title", "95% interval from"}, {"format", fmt_diff}},
                                              {{"field", "hi"}, {"title", "to"}, {"format", fmt_diff}},
                                              {{"field", "n"}, {"title", "pairs of runs"}}})}}}},
      {{"mark", {{"type", "rule"}, {"color", "#555"}}}, {"encoding", {{"y", {{"datum", 0}}}}}},
  });
  if (!events.empty()) {
    layers.push_back({{"data", {{"values", events}}},
                      {"mark", {{"type", "rule"}, {"strokeDash", {5, 3}}, {"strokeWidth", 1.5}, {"color", "#c0392b"}}},
                      {"encoding", {{"x", {{"field", "year"}, {"type", "quantitative"}}},
                                    {"tooltip", json::array({{{"field", "event"}}, {{"field", "scenario"}},
                                                             {{"field", "year"}, {"format", ".2f"}}})}}}});
    layers.push_back({{"data", {{"values", json::array({events.front()})}}},
                      {"mark", {{"type", "text"}, {"align", "left"}, {"dx", 4}, {"dy", -4}, {"color", "#c0392b"},
                                {"baseline", "bottom"}, {"y", 220}}},
                      {"encoding", {{"x", {{"field", "year"}, {"type", "quantitative"}}}, {"text", {{"field", "event"}}}}}});
  }
  json right = {{"title", chart_title("Difference from " + base + ", over time",
                                     json::array({"Line: average difference, run for run with the same draws (" + unit + ").",
                                                  "Band: 95% interval. Dashed red line: a scheduled event."}))},
                {"width", 330},
                {"height", 220},
                {"data", {{"values", diffs}}},
                {"layer", layers}};
  json spec = chart_base();
  spec["hconcat"] = json::array({left, right});
  spec["resolve"] = {{"scale", {{"color", "shared"}, {"y", "independent"}}}};
  return spec;
}

std::string practical_caption(const Inputs& in, double negligible_share) {
  const json& c = in.compare;
  const std::string base = c.value("baseline", std::string());
  double base_goal = std::nan("");
  for (const auto& s : c.value("scenarios", json::array()))
    if (s.value("name", std::string()) == base && s["time_to_goal"]["median_months"].is_number())
      base_goal = s["time_to_goal"]["median_months"].get<double>();
  const auto years = c.value("at_years", json::array());
  if (years.empty()) return {};
  const double last = years.back().get<double>();
  std::string out;
  for (const auto& s : c.value("scenarios", json::array())) {
    const std::string name = s.value("name", std::string());
    if (name == base) continue;
    for (const auto& d : c.value("differences", json::array())) {
      if (d.value("scenario", std::string()) != name || d.value("variable", std::string()) != "outcome" ||
          d["at_years"].get<double>() != last || !d["diff"].is_number() || !d["baseline_mean"].is_number())
        continue;
      const double diff = d["diff"], lo = d["lo"], hi = d["hi"], b = d["baseline_mean"];
      if (!(std::abs(b) > 0.0)) continue;
      const double share = diff / b;
      const bool excludes0 = lo > 0.0 || hi < 0.0;
      const bool notable = excludes0 && std::abs(share) >= negligible_share;
      out += fmt::format("{}{}: progress after {:g} years {:+.1f}% of {}'s ({:+.1f}% to {:+.1f}%){}", out.empty() ? "" : "; ",
                         s.value("label", name), last, 100.0 * share, base, 100.0 * lo / b, 100.0 * hi / b,
                         notable ? " *" : "");
      const auto& g = s["time_to_goal"]["median_months"];
      if (g.is_number() && !std::isnan(base_goal))
        out += fmt::format(", {:+.0f} months {} the goal (median)", g.get<double>() - base_goal,
                           g.get<double>() >= base_goal ? "of delay to" : "earlier at");
      else if (!g.is_number() && !std::isnan(base_goal))
        out += ", goal not reached by half of the runs";
    }
  }
  if (out.empty()) return {};
  return "Practical size: " + out + fmt::format(". * = the 95% interval excludes 0 and the effect is at least {:g}% of "
                                               "the baseline's progress (smaller effects count as negligible).",
                                               100.0 * negligible_share);
}

}  // namespace cimsim::report
