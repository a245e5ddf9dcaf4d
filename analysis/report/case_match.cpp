// The report's "How well this preset matches its case": every scenario of the file that is a
// preset with a built-in target table, its targets judged over the file's completed runs by the
// rules of `cimsim targets` (analysis/targets.cpp, fed the file's arrays through
// preset_runs_from_file), and per time series target the simulated fan of its quantity with the
// case's value or band at its month(s).
#include "analysis/ensemble_file.hpp"
#include "analysis/report/charts.hpp"
#include "analysis/report/report.hpp"
#include "analysis/summary.hpp"
#include "analysis/targets.hpp"
#include "engine/model/model.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/targets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>
#include <optional>
#include <sstream>

namespace cimsim::report {

namespace sc = cimsim::scenarios;
using nlohmann::json;

namespace {

double round4(double x) { return std::round(x * 1e4) / 1e4; }

std::string number(double x) { return std::isfinite(x) ? fmt::format("{:.4g}", x) : std::string("n/a"); }

// The case's mark on the chart of target t (result r): the value or band widened by the
// tolerance, over the target's month or window; empty when there is nothing to draw (an ordering
// whose other side is not in the file). Open ends of a band reach the edge of the fan's range.
json case_marks(const sc::Target& t, const TargetResult* r, double y_min, double y_max) {
  const sc::TargetQuantity& q = t.quantity;
  const double x0 = std::max(0.0, q.from_month - 0.6), x1 = q.to_month + 0.6, mid = 0.5 * (q.from_month + q.to_month);
  auto mark = [&](double value, double lo, double hi, const std::string& label) {
    json m = {{"x0", x0}, {"x1", x1}, {"month", mid}, {"lo", round4(lo)}, {"hi", round4(hi)}, {"label", label}};
    m["value"] = std::isfinite(value) ? json(round4(value)) : json(nullptr);
    return m;
  };
  const double tol = t.tolerance;
  const std::string text = r ? r->case_text : std::string();
  if (t.statistic == "share_of_runs")
    return json::array({mark(t.condition, t.condition, t.condition,
                             fmt::format("per-run condition {} {}; the case: share of runs {}", t.condition_op,
                                         number(t.condition), text))});
  switch (t.kind) {
    case sc::Target::Kind::value:
      return json::array({mark(t.value, t.value - tol, t.value + tol, "case: " + text)});
    case sc::Target::Kind::band: {
      // An open end reaches past the fan (above: by a tenth), so that the mark reads as open.
      const double lo = std::isinf(t.low) ? std::min(y_min, t.high - tol) : t.low - tol;
      const double top = std::max(y_max, t.low + tol);
      const double hi = std::isinf(t.high) ? top + 0.1 * std::abs(top) : t.high + tol;
      return json::array({mark(std::nan(""), lo, hi, "case: " + text)});
    }
    case sc::Target::Kind::ordering: {
      if (!r || !std::isfinite(r->other)) return json::array();
      const double v = t.factor * r->other;
      return json::array({mark(v, v - tol, v + tol, "case: " + text)});
    }
  }
  return json::array();
}

// How `ran` (the file's scenario of a preset) differs from the built-in preset: every
// parameter with another value, in param_table() order, then the events if they differ.
std::vector<std::string> changes_from_preset(const model::Scenario& ran, const std::string& preset) {
  const model::Scenario ships = sc::load(preset);
  std::vector<std::string> out;
  auto text = [](const model::ParamSpec& spec, const model::Params& p) {
    return spec.is<bool>() ? std::string(spec.value(p) != 0.0 ? "true" : "false") : fmt::format("{}", spec.value(p));
  };
  for (const auto& spec : model::param_table())
    if (spec.value(ran.params) != spec.value(ships.params))
      out.push_back(fmt::format("{} = {} (preset: {})", spec.key, text(spec, ran.params), text(spec, ships.params)));
  std::vector<std::string> a, b;
  for (const auto& e : ran.events) a.push_back(sc::describe_event(e));
  for (const auto& e : ships.events) b.push_back(sc::describe_event(e));
  if (a != b) out.push_back(fmt::format("events: {} (preset: {})", a.size(), b.size()));
  return out;
}

}  // namespace

std::vector<CaseMatch> case_matches(const std::string& file, const std::vector<model::Scenario>& config) {
  std::vector<CaseMatch> out;
  if (config.empty()) return out;
  const EnsembleFile f(file);
  std::map<std::string, const model::Scenario*> resolved;
  for (const auto& s : config) resolved[s.name] = &s;
  auto in_file = [&](const std::string& name) {
    return f.scenario_index(name) < f.scenarios().size() && resolved.count(name) > 0;
  };
  const RecordSchema schema = file_schema(f);
  for (const auto& b : sc::builtin_target_tables()) {
    if (!in_file(b.name)) continue;
    const sc::TargetTable table = sc::builtin_targets(b.name, "report");
    const std::vector<std::string> variables = table_variables(table);
    std::map<std::string, PresetRuns> runs;
    auto load = [&](const std::string& name) {
      if (in_file(name) && runs.count(name) == 0)
        runs.emplace(name, preset_runs_from_file(f, name, *resolved.at(name), schema, variables));
    };
    load(table.preset);
    for (const auto& t : table.targets)
      if (t.kind == sc::Target::Kind::ordering) load(t.than.preset);
    const PresetRuns& own = runs.at(table.preset);

    CaseMatch m;
    m.preset = table.preset;
    m.description = table.description;
    m.runs = own.runs.size();
    m.planned = f.realizations();
    m.changed = changes_from_preset(own.scenario, table.preset);
    const int last = std::min(12 * own.scenario.params.run.horizon_years,
                              f.months().empty() ? 0 : static_cast<int>(std::lround(f.months().back())));
    for (const auto& t : table.targets) {
      CaseMatch::Row row;
      row.name = t.name;
      row.role = t.held_out ? "held out" : "calibration";
      row.source = t.source;
      row.description = t.description;
      row.quantity = sc::describe(t.quantity, t.statistic);
      std::optional<TargetResult> result;
      if (t.kind == sc::Target::Kind::ordering && runs.count(t.than.preset) == 0) {
        row.case_text = fmt::format("{} {}{}'s", t.relation, t.factor != 1.0 ? number(t.factor) + " x " : "", t.than.preset);
        row.result = "not in this file (" + t.than.preset + " was not run)";
      } else {
        try {
          sc::TargetTable one = table;
          one.targets = {t};
          result = evaluate_targets(one, runs).front();
          row.quantity = result->quantity;
          row.case_text = result->case_text;
          row.simulated = simulated_text(*result);
          row.evaluated = true;
          row.met = result->met;
          row.result = result->met ? "met" : "MISSED";
        } catch (const std::exception& e) {  // e.g. a time past a --set shortened horizon
          row.result = std::string("not evaluated: ") + e.what();
        }
      }
      m.rows.push_back(row);

      // A time series target: the fan of its quantity, month by month, by the same per-run rule.
      if (t.quantity.summary || t.quantity.from_month < 0 || t.quantity.to_month > last) continue;
      CaseMatch::Series s;
      s.target = t.name;
      s.title = t.name + (t.held_out ? " (held out)" : " (calibration)") + ": " + (row.result.rfind("not", 0) == 0 ? "not evaluated" : row.result);
      s.subtitle = t.description;
      const auto& shares = sc::agent_share_variables();
      const bool share = std::find(shares.begin(), shares.end(), t.quantity.variable) != shares.end();
      s.percent = share && !t.quantity.count;
      std::string what = t.quantity.variable;
      if (!t.quantity.sector.empty()) what += " [" + t.quantity.sector + "]";
      if (t.quantity.pillar > 0) what += fmt::format(" [pillar {}]", t.quantity.pillar);
      s.axis = t.quantity.count ? "Agents: " + what + " (count)" : what;
      s.fan = json::array();
      double y_min = 0.0, y_max = 0.0;
      bool any = false;
      try {
        for (int month = 0; month <= last; ++month) {
          sc::TargetQuantity q = t.quantity;
          q.from_month = q.to_month = month;
          q.reduce.clear();
          const std::vector<double> v = per_run_values(q, own);
          const double q50 = quantile(v, 0.5);
          if (std::isnan(q50)) continue;
          const double q05 = quantile(v, 0.05), q95 = quantile(v, 0.95);
          y_min = any ? std::min(y_min, q05) : q05;
          y_max = any ? std::max(y_max, q95) : q95;
          any = true;
          s.fan.push_back({{"month", month}, {"q05", round4(q05)}, {"q50", round4(q50)}, {"q95", round4(q95)}});
        }
      } catch (const std::exception&) {
        continue;  // the row says why
      }
      if (!any) continue;
      s.marks = case_marks(t, result ? &*result : nullptr, y_min, y_max);
      const std::string when = t.quantity.from_month == t.quantity.to_month
                                   ? fmt::format("month {}", t.quantity.from_month)
                                   : fmt::format("months {}-{} ({} of the window)", t.quantity.from_month,
                                                 t.quantity.to_month, t.quantity.reduce);
      s.caption = fmt::format("{} over {} runs of {}. Case ({}): {}, at {}.", row.quantity, m.runs, m.preset, t.source,
                              row.case_text.empty() ? std::string("n/a") : row.case_text, when);
      if (result) s.caption += " Simulated " + (t.statistic == "share_of_runs" ? std::string("share of runs") : t.statistic) +
                               ": " + row.simulated + ".";
      if (t.statistic == "share_of_runs")
        s.caption += " The case is a share of runs: the red line marks the per-run condition, the fan shows how many runs meet it.";
      if (s.marks.empty()) s.caption += " The other side of this comparison is not in this file, so no case value is drawn.";
      m.series.push_back(std::move(s));
    }
    out.push_back(std::move(m));
  }
  return out;
}

// Lines of at most `width` characters, broken at spaces (a chart's subtitle does not wrap itself).
json wrapped(const std::string& text, std::size_t width = 110) {
  json lines = json::array();
  std::string line, word;
  std::istringstream words(text);
  while (words >> word) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

json case_chart(const CaseMatch::Series& s) {
  const std::string fmt_y = s.percent ? ".0%" : ".3~g";
  double last = 0.0;
  for (const auto& r : s.fan) last = std::max(last, r["month"].get<double>());
  for (const auto& m : s.marks) last = std::max(last, m["x1"].get<double>());
  const json x = {{"field", "month"}, {"type", "quantitative"}, {"title", "Months since the start"},
                  {"scale", {{"domain", {0, last}}, {"nice", false}}}};
  json tooltip = json::array({{{"field", "month"}},
                              {{"field", "q50"}, {"title", "median"}, {"format", fmt_y}},
                              {{"field", "q05"}, {"title", "5%"}, {"format", fmt_y}},
                              {{"field", "q95"}, {"title", "95%"}, {"format", fmt_y}}});
  json layers = json::array({
      {{"data", {{"values", s.fan}}},
       {"mark", {{"type", "area"}, {"color", "#4c78a8"}, {"opacity", 0.18}}},
       {"encoding", {{"x", x},
                     {"y", {{"field", "q05"}, {"type", "quantitative"}, {"title", s.axis}, {"axis", {{"format", fmt_y}}}}},
                     {"y2", {{"field", "q95"}}}}}},
      {{"data", {{"values", s.fan}}},
       {"mark", {{"type", "line"}, {"color", "#4c78a8"}, {"strokeWidth", 2}}},
       {"encoding", {{"x", x}, {"y", {{"field", "q50"}, {"type", "quantitative"}}}, {"tooltip", tooltip}}}},
  });
  json points = json::array();
  for (const auto& m : s.marks)
    if (!m["value"].is_null()) points.push_back(m);
  if (!s.marks.empty())
    layers.push_back({{"data", {{"values", s.marks}}},
                      {"mark", {{"type", "rect"}, {"color", "#c0392b"}, {"opacity", 0.35}, {"stroke", "#c0392b"},
                                {"strokeWidth", 1.5}}},
                      {"encoding", {{"x", {{"field", "x0"}, {"type", "quantitative"}, {"scale", x["scale"]}}},
                                    {"x2", {{"field", "x1"}}},
                                    {"y", {{"field", "lo"}, {"type", "quantitative"}}},
                                    {"y2", {{"field", "hi"}}},
                                    {"tooltip", json::array({{{"field", "label"}, {"title", "case"}}})}}}});
  if (!points.empty())
    layers.push_back({{"data", {{"values", points}}},
                      {"mark", {{"type", "point"}, {"shape", "diamond"}, {"filled", true}, {"size", 90}, {"color", "#c0392b"}}},
                      {"encoding", {{"x", {{"field", "month"}, {"type", "quantitative"}, {"scale", x["scale"]}}},
                                    {"y", {{"field", "value"}, {"type", "quantitative"}}},
                                    {"tooltip", json::array({{{"field", "label"}, {"title", "case"}},
                                                             {{"field", "value"}, {"format", fmt_y}}})}}}});
  json spec = chart_base();
  json subtitle = wrapped(s.subtitle);
  subtitle.push_back("Blue line: the middle run (median); band: 9 in 10 runs. Red: the case's value or band, with its "
                     "tolerance, at its month(s).");
  spec["title"] = chart_title(s.title, subtitle);
  spec["width"] = 520;
  spec["height"] = 220;
  spec["layer"] = layers;
  return spec;
}

}  // namespace cimsim::report
