#include "analysis/compare.hpp"

#include "analysis/labels.hpp"
#include "analysis/report_text.hpp"
#include "analysis/stats.hpp"
#include "engine/error.hpp"
#include "engine/model/variables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace cimsim {
namespace {

using nlohmann::json;
using text::num;
using text::number;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

json proportion(const Interval& i) { return text::interval(i.estimate, i.lo, i.hi); }

// Month of a scheduled event from its label ("staff_turnover at week 156" -> 36, as
// docs/model.md: floor(12 week / 52)); NaN for events without a week (hazards).
double event_month(const std::string& label) {
  const std::string key = "at week ";
  const auto pos = label.find(key);
  if (pos == std::string::npos) return kNaN;
  double week = 0.0;
  std::size_t digits = 0;
  for (std::size_t i = pos + key.size(); i < label.size() && label[i] >= '0' && label[i] <= '9'; ++i, ++digits)
    week = 10.0 * week + (label[i] - '0');
  return digits > 0 ? std::floor(12.0 * week / 52.0) : kNaN;
}

// Years 3, 5 and the horizon; a year within 6 months of a scheduled event (where the event's
// effect has barely started, or the comparison straddles it) moves to the first whole year at
// least 12 months after that event. `moved` says which moved where and why.
std::vector<double> default_years(const EnsembleFile& f, std::string& moved) {
  const double horizon = std::floor(f.months().back() / 12.0);
  std::vector<double> events;
  if (f.has_dataset("event_label"))
    for (const auto& label : f.strings("event_label"))
      if (!label.empty() && !std::isnan(event_month(label))) events.push_back(event_month(label));
  std::vector<double> y;
  for (double v : {3.0, 5.0, horizon}) {
    double year = v;
    for (int guard = 0; guard < 64; ++guard) {
      const auto clash = std::find_if(events.begin(), events.end(), [&](double m) { return std::abs(12.0 * year - m) < 6.0; });
      if (clash == events.end()) break;
      const double later = std::ceil((*clash + 12.0) / 12.0);
      moved += fmt::format("{}year {:g} -> {:g} (an event at month {:g})", moved.empty() ? "" : "; ", year, later, *clash);
      year = later;
    }
    if (year <= horizon && std::find(y.begin(), y.end(), year) == y.end()) y.push_back(year);
  }
  std::sort(y.begin(), y.end());
  if (y.empty() || y.back() != horizon) y.push_back(horizon);  // the end of the run is always shown
  return y;
}

// Paired gap to the baseline after an event at `month`: per run, g(m) = outcome of the scenario
// minus outcome of the baseline run with the same seed. Lowest gap within 36 months after the
// event (mean over runs with a bootstrap interval) and months until the scenario is level with
// the baseline again (g >= 0 after the lowest point; Kaplan-Meier median, runs that never catch
// up censored at the end of the run).
using PerRun = std::vector<std::vector<std::vector<double>>>;  // [scenario][realization][k]

// `out`: f.per_run_vectors("outcome"), read once by the caller.
json gap_to_baseline(const EnsembleFile& f, const PerRun& out, std::size_t s,
                     std::size_t base, double month, const std::vector<std::size_t>& pair, double level) {
  if (std::isnan(month) || s == base) return nullptr;
  const std::size_t R = f.realizations();
  const auto m0 = static_cast<std::size_t>(month);
  std::vector<double> low, t, dip, dip_t;
  std::vector<bool> caught, dip_back;
  for (std::size_t r = 0; r < R; ++r) {
    const std::size_t q = pair[r];
    if (q == R || !f.ok(s, r) || !f.ok(base, q)) continue;
    const auto& a = out[s][r];
    const auto& b = out[base][q];
    std::size_t end = std::min(a.size(), b.size());
    while (end > 0 && (std::isnan(a[end - 1]) || std::isnan(b[end - 1]))) --end;  // shorter horizons
    if (m0 >= end) continue;
    double g_low = a[m0] - b[m0];
    std::size_t at = m0;
    for (std::size_t m = m0; m < end && m <= m0 + 36; ++m)
      if (a[m] - b[m] < g_low) g_low = a[m] - b[m], at = m;
    low.push_back(g_low);
    std::size_t back = end;
    for (std::size_t m = at; m < end; ++m)
      if (a[m] - b[m] >= 0.0) {
        back = m;
        break;
      }
    caught.push_back(back < end);
    t.push_back(static_cast<double>((back < end ? back : end - 1) - m0));
    // The event's dip net of the baseline's own slowing: the lowest difference in 3-month
    // progress (scenario minus the same seed's baseline) within 36 months after the event, and the
    // months from the event until that difference is back at 0 or above after its lowest point.
    if (m0 >= 3) {
      auto growth_gap = [&](std::size_t m) { return (a[m] - a[m - 3]) - (b[m] - b[m - 3]); };
      double d_low = growth_gap(m0);
      std::size_t d_at = m0;
      for (std::size_t m = m0; m < end && m <= m0 + 36; ++m)
        if (growth_gap(m) < d_low) d_low = growth_gap(m), d_at = m;
      std::size_t d_back = end;
      for (std::size_t m = d_at; m < end; ++m)
        if (growth_gap(m) >= 0.0) {
          d_back = m;
          break;
        }
      dip.push_back(d_low);
      dip_back.push_back(d_back < end);
      dip_t.push_back(static_cast<double>((d_back < end ? d_back : end - 1) - m0));
    }
  }
  if (low.empty()) return nullptr;
  const Estimate m = bootstrap_mean(low, level);
  const Survival km = kaplan_meier(t, caught);
  std::size_t level_again = 0;
  for (bool c : caught) level_again += c;
  json res = {{"trough", text::interval(m.mean, m.lo, m.hi)},
              {"level_again_months", {{"median", number(km.median)}, {"recovered", level_again}, {"runs", low.size()}}}};
  if (!dip.empty()) {
    const Estimate dm = bootstrap_mean(dip, level);
    const Survival dk = kaplan_meier(dip_t, dip_back);
    std::size_t back = 0;
    for (bool c : dip_back) back += c;
    res["dip"] = text::interval(dm.mean, dm.lo, dm.hi);
    res["dip_recovery_months"] = {{"median", number(dk.median)}, {"recovered", back}, {"runs", dip.size()}};
  }
  return res;
}

// The per-run arrays of the whole file that every scenario's summary reads, read once.
struct RunArrays {
  PerRun outcome, trough, recovery;  // trough and recovery empty without scheduled events
};

json scenario_summary(const EnsembleFile& f, const RunArrays& arrays, std::size_t s, std::size_t base, const std::vector<std::size_t>& pair, double level) {
  const std::size_t R = f.realizations();
  std::size_t ok = 0, failed = 0, not_run = 0;
  for (std::size_t r = 0; r < R; ++r) {
    ok += f.status(s, r) == 1;
    failed += f.status(s, r) == 2;
    not_run += f.status(s, r) == 0;
  }
  const auto launched = f.per_run("launched")[s];
  const auto collapsed = f.per_run("months_collapsed")[s];
  const auto goal = f.per_run("time_to_goal")[s];
  std::size_t no_launch = 0, collapse = 0, reached = 0;
  std::vector<double> t;
  std::vector<bool> ev;
  for (std::size_t r = 0; r < R; ++r) {
    if (!f.ok(s, r)) continue;
    no_launch += launched[r] == 0.0;
    collapse += collapsed[r] > 0.0;
    const bool hit = !std::isnan(goal[r]);
    reached += hit;
    t.push_back(hit ? goal[r] : f.last_month(s, r));
    ev.push_back(hit);
  }
  const Survival km = kaplan_meier(t, ev);
  json curve = json::array({json::array({0.0, 1.0})});
  for (std::size_t i = 0; i < km.time.size(); ++i) curve.push_back(json::array({km.time[i], km.survival[i]}));

  json events = json::array();
  if (f.has_dataset("event_label") && f.has_dataset("event_trough")) {
    const auto labels = f.strings("event_label");
    const auto& trough = arrays.trough[s];
    const auto& recovery = arrays.recovery[s];
    const std::size_t k = R > 0 ? trough[0].size() : 0;
    for (std::size_t e = 0; e < k; ++e) {
      const std::string& label = labels[s * k + e];
      if (label.empty()) continue;  // padding: this scenario has fewer events
      const double month = event_month(label);
      std::vector<double> tr, rt, rt_dip;
      std::vector<bool> rev, rev_dip;
      std::size_t recovered = 0;
      for (std::size_t r = 0; r < R; ++r) {
        if (!f.ok(s, r)) continue;
        tr.push_back(trough[r][e]);
        const bool rec = !std::isnan(recovery[r][e]);
        recovered += rec;
        rt.push_back(rec ? recovery[r][e] : f.last_month(s, r) - (std::isnan(month) ? 0.0 : month));
        rev.push_back(rec);
        if (trough[r][e] < 0.0) rt_dip.push_back(rt.back()), rev_dip.push_back(rec);
      }
      const Estimate m = bootstrap_mean(tr, level);
      const Survival rk = kaplan_meier(rt, rev);
      // Recovery is 0 where there was no dip; among the runs with a dip it says how long one lasts.
      const Survival rd = kaplan_meier(rt_dip, rev_dip);
      events.push_back({{"label", label},
                        {"month", number(month)},
                        {"trough", text::interval(m.mean, m.lo, m.hi)},
                        {"recovery_months",
                         {{"median", number(rk.median)},
                          {"recovered", recovered},
                          {"runs", rt.size()},
                          {"dipped", rt_dip.size()},
                          {"median_when_dipped", number(rd.median)}}},
                        {"gap_to_baseline", gap_to_baseline(f, arrays.outcome, s, base, month, pair, level)}});
    }
  }
  return {{"name", f.scenarios()[s]},
          {"runs", R},
          {"ok", ok},
          {"failed", failed},
          {"not_run", not_run},
          {"p_launch_failure", proportion(wilson_interval(no_launch, ok, level))},
          {"p_collapse", proportion(wilson_interval(collapse, ok, level))},
          {"time_to_goal", {{"median_months", number(km.median)}, {"reached", reached}, {"km", curve}}},
          {"events", events}};
}

}  // namespace

const std::vector<CompareVariable>& compare_variables() {
  // Every view of a model variable with a compare position, in that order, worded as declared.
  static const std::vector<CompareVariable> v = [] {
    std::vector<std::pair<int, CompareVariable>> ranked;
    for (const VariableSpec& spec : model::series_specs())
      for (const View& view : spec.views) {
        if (view.compare_order <= 0) continue;
        const Wording& w = view.words.title.empty() ? spec.words : view.words;
        ranked.push_back({view.compare_order, {view.key, spec.name, view.coordinate, w.label, w.scale}});
      }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<CompareVariable> out;
    for (auto& r : ranked) out.push_back(std::move(r.second));
    return out;
  }();
  return v;
}

json compare(const EnsembleFile& f, const CompareOptions& o) {
  const std::size_t base = f.scenario_index(o.baseline);
  if (base == f.scenarios().size()) {
    std::string names;
    for (const auto& n : f.scenarios()) names += (names.empty() ? "" : ", ") + n;
    throw InputError("--baseline", "", "scenario '" + o.baseline + "' is not in " + f.path() + " (it holds: " + names +
                                           "); name one of these with --baseline");
  }
  std::string moved;
  const std::vector<double> years = o.at_years.empty() ? default_years(f, moved) : o.at_years;
  std::vector<std::size_t> tidx;
  for (double y : years) {
    if (!(y >= 0.0)) throw InputError("--at", "", "years must be zero or positive");
    tidx.push_back(f.month_index(y * 12.0, "--at"));
  }
  const std::size_t R = f.realizations();
  json out = {{"file", f.path()}, {"baseline", o.baseline}, {"level", o.level}, {"at_years", years}};
  if (!moved.empty()) out["at_years_moved"] = moved;
  json vars = json::array();
  for (const auto& v : compare_variables())
    if (f.has_dataset(v.dataset)) vars.push_back({{"name", v.name}, {"label", v.label}, {"units", v.units}});
  out["variables"] = vars;

  // Baseline realization by seed, for pairing.
  auto partner = [&](std::size_t s, std::size_t r) -> std::size_t {
    if (f.seed(base, r) == f.seed(s, r)) return r;
    for (std::size_t q = 0; q < R; ++q)
      if (f.seed(base, q) == f.seed(s, r)) return q;
    return R;
  };
  json diffs = json::array();
  for (const auto& v : compare_variables()) {
    if (!f.has_dataset(v.dataset)) continue;
    const std::size_t sector = v.sector.empty() ? 0 : f.sector_index(v.sector);
    for (std::size_t i = 0; i < years.size(); ++i) {
      const auto values = f.per_run_at(v.dataset, tidx[i], sector);
      for (std::size_t s = 0; s < f.scenarios().size(); ++s) {
        if (s == base) continue;
        std::vector<double> x(R, kNaN), y(R, kNaN);
        for (std::size_t r = 0; r < R; ++r) {
          const std::size_t q = partner(s, r);
          if (q == R) continue;
          x[r] = values[s][r];
          y[r] = values[base][q];
        }
        const PairedDifference d = paired_difference(x, y, o.level);
        diffs.push_back({{"scenario", f.scenarios()[s]},
                         {"variable", v.name},
                         {"at_years", years[i]},
                         {"baseline_mean", number(d.y_mean)},
                         {"scenario_mean", number(d.x_mean)},
                         {"diff", number(d.diff.mean)},
                         {"lo", number(d.diff.lo)},
                         {"hi", number(d.diff.hi)},
                         {"n", d.diff.n}});
      }
    }
  }
  out["differences"] = diffs;
  json scen = json::array();
  RunArrays arrays;
  arrays.outcome = f.per_run_vectors("outcome");
  if (f.has_dataset("event_label") && f.has_dataset("event_trough")) {
    arrays.trough = f.per_run_vectors("event_trough");
    arrays.recovery = f.per_run_vectors("event_recovery");
  }
  const auto labels = scenario_labels(f);
  for (std::size_t s = 0; s < f.scenarios().size(); ++s) {
    std::vector<std::size_t> pair(R);
    for (std::size_t r = 0; r < R; ++r) pair[r] = partner(s, r);
    scen.push_back(scenario_summary(f, arrays, s, base, pair, o.level));
    scen.back()["label"] = labels[s];  // sweep points: "sweep-00012 (backbone.staff=4, ...)"
  }
  out["scenarios"] = scen;
  return out;
}

namespace {

std::string fmt_pct(const json& i) {
  if (!i["estimate"].is_number()) return "-";
  return fmt::format("{:.0f}% [{:.0f}-{:.0f}%]", 100.0 * num(i["estimate"]), 100.0 * num(i["lo"]), 100.0 * num(i["hi"]));
}

std::string count_of(const json& a, const json& b) { return fmt::format("{}/{}", a.get<std::size_t>(), b.get<std::size_t>()); }

}  // namespace

std::string compare_table(const json& j) {
  std::ostringstream o;
  const std::string base = j["baseline"].get<std::string>();
  const int pct = static_cast<int>(std::lround(100.0 * j["level"].get<double>()));
  const auto& scen = j["scenarios"];
  o << "File: " << j["file"].get<std::string>() << "\n";
  std::size_t failed = 0, not_run = 0;
  for (const auto& s : scen) failed += s["failed"].get<std::size_t>(), not_run += s["not_run"].get<std::size_t>();
  if (failed > 0) o << failed << " run(s) failed and are left out of everything below (see `status_message` in the file).\n";
  if (not_run > 0) o << not_run << " run(s) did not run (interrupted ensemble) and are left out.\n";

  // Differences: one block per scenario, rows = variables, columns = years.
  const auto years = j["at_years"].get<std::vector<double>>();
  o << fmt::format(
      "\nDifference from '{}' (scenario minus baseline; mean over runs paired by seed, with {}% bootstrap interval).\n"
      "* = the interval excludes 0: the difference is unlikely to be chance. All variables on a 0-1 scale.\n",
      base, pct);
  if (j.contains("at_years_moved"))
    o << "Years moved off scheduled events (a comparison right at an event shows little of it): "
      << j["at_years_moved"].get<std::string>() << "; --at chooses others.\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : scen) {
    const std::string name = s["name"].get<std::string>();
    if (name == base) continue;
    rows.push_back({});
    std::vector<std::string> head = {s.value("label", name) + " vs " + base};
    for (double y : years) head.push_back(fmt::format("year {:g}", y));
    rows.push_back(head);
    for (const auto& v : j["variables"]) {
      std::vector<std::string> row = {"  " + v["label"].get<std::string>()};
      for (double y : years) {
        std::string cell = "-";
        for (const auto& d : j["differences"])
          if (d["scenario"] == name && d["variable"] == v["name"] && num(d["at_years"]) == y)
            cell = text::interval_text(num(d["diff"]), num(d["lo"]), num(d["hi"]), 3, true);
        row.push_back(cell);
      }
      rows.push_back(row);
    }
  }
  if (rows.empty()) o << "\n(the file holds only the baseline: nothing to compare it with)\n";
  o << text::columns(rows);

  o << fmt::format("\nLaunch, collapse and goal ({}% intervals). Launch failed: the initiative never reached the\n"
                   "launch share of active organisations. Collapsed: after launch, at least one month with the active\n"
                   "share of organisations below the collapse share. Months to goal: Kaplan-Meier median (runs that\n"
                   "never reach the goal count as censored at the end of the run; '-' = fewer than half reach it).\n",
                   pct);
  rows = {{"scenario", "runs ok", "launch failed", "collapsed", "reached goal", "median months to goal"}};
  for (const auto& s : scen) {
    const auto& g = s["time_to_goal"];
    rows.push_back({s.value("label", s["name"].get<std::string>()), count_of(s["ok"], s["runs"]), fmt_pct(s["p_launch_failure"]),
                    fmt_pct(s["p_collapse"]), count_of(g["reached"], s["ok"]), text::fixed(num(g["median_months"]), 0, false)});
  }
  o << text::columns(rows);

  rows = {{"scenario", "event", "month", "dip", "runs with a dip", "recovered", "median months to recover (runs with a dip)"}};
  for (const auto& s : scen)
    for (const auto& e : s["events"]) {
      const auto& t = e["trough"];
      const auto& rec = e["recovery_months"];
      rows.push_back({s["name"].get<std::string>(), e["label"].get<std::string>(), text::fixed(num(e["month"]), 0, false),
                      text::interval_text(num(t["estimate"]), num(t["lo"]), num(t["hi"]), 3, false),
                      count_of(rec["dipped"], rec["runs"]), count_of(rec["recovered"], rec["runs"]),
                      text::fixed(num(rec["median_when_dipped"]), 0, false)});
    }
  std::vector<std::vector<std::string>> gaps = {
      {"scenario", "event", "month", "dip vs " + base, "lowest gap to " + base, "level with " + base + " again",
       "median months until level"}};
  for (const auto& s : scen)
    for (const auto& e : s["events"]) {
      const auto& g = e["gap_to_baseline"];
      if (g.is_null()) continue;
      const auto& t = g["trough"];
      const auto& l = g["level_again_months"];
      std::string dip = "-";
      if (g.contains("dip")) dip = text::interval_text(num(g["dip"]["estimate"]), num(g["dip"]["lo"]), num(g["dip"]["hi"]), 3, true);
      gaps.push_back({s["name"].get<std::string>(), e["label"].get<std::string>(), text::fixed(num(e["month"]), 0, false), dip,
                      text::interval_text(num(t["estimate"]), num(t["lo"]), num(t["hi"]), 3, true),
                      count_of(l["recovered"], l["runs"]), text::fixed(num(l["median"]), 0, false)});
    }
  if (gaps.size() > 1) {
    o << fmt::format(
        "\nAfter each scheduled event, against '{}' with the same seeds (the event's own effect). Dip: the lowest\n"
        "difference in 3-month progress (scenario minus baseline) within 3 years after the event. Lowest gap: the\n"
        "lowest difference in overall progress in that time (means over runs, {}% intervals, * = excludes 0).\n"
        "Then how long until the scenario is level with the baseline again (Kaplan-Meier median; runs that never\n"
        "catch up are censored at the end of the run; '-' = fewer than half catch up).\n",
        base, pct);
    o << text::columns(gaps);
  }
  if (rows.size() > 1) {
    o << fmt::format(
        "\nScheduled events, within each run (this dip also holds the initiative's own slowing down, which the baseline\n"
        "has too: the table above gives the event's effect). Dip: the largest fall in 3-month progress within 3 years\n"
        "after the event, relative to the 3 months before it (mean over all runs, {}% interval; 0 = no dip). Recovery: months until 3-month\n"
        "progress is back at its pre-event level, 0 without a dip (Kaplan-Meier median over the runs with a dip;\n"
        "runs that never recover are censored at the end of the run; '-' = fewer than half of them recover).\n",
        pct);
    o << text::columns(rows);
  }
  return o.str();
}

std::string compare_csv(const json& j) {
  std::ostringstream o;
  const auto q = text::csv_field;
  const auto n = text::csv_number;
  o << "scenario,measure,variable,at_years,estimate,lo,hi,n,baseline_mean,scenario_mean\n";
  for (const auto& d : j["differences"])
    o << q(d["scenario"].get<std::string>()) << ",difference," << d["variable"].get<std::string>() << ","
      << n(d["at_years"]) << "," << n(d["diff"]) << "," << n(d["lo"]) << "," << n(d["hi"]) << "," << n(d["n"]) << ","
      << n(d["baseline_mean"]) << "," << n(d["scenario_mean"]) << "\n";
  for (const auto& s : j["scenarios"]) {
    const std::string name = q(s["name"].get<std::string>());
    for (const char* m : {"p_launch_failure", "p_collapse"}) {
      const auto& i = s[m];
      o << name << "," << m << ",,," << n(i["estimate"]) << "," << n(i["lo"]) << "," << n(i["hi"]) << "," << n(s["ok"])
        << ",,\n";
    }
    o << name << ",median_months_to_goal,,," << n(s["time_to_goal"]["median_months"]) << ",,," << n(s["ok"]) << ",,\n";
    for (const auto& e : s["events"]) {
      const std::string label = q(e["label"].get<std::string>());
      const auto& t = e["trough"];
      o << name << ",event_trough," << label << ",," << n(t["estimate"]) << "," << n(t["lo"]) << "," << n(t["hi"]) << ","
        << n(e["recovery_months"]["runs"]) << ",,\n";
      // As in the table: the Kaplan-Meier median over the runs with a dip (n = those runs).
      o << name << ",event_median_months_to_recover," << label << ",," << n(e["recovery_months"]["median_when_dipped"])
        << ",,," << n(e["recovery_months"]["dipped"]) << ",,\n";
      if (const auto& g = e["gap_to_baseline"]; !g.is_null()) {
        const auto& gt = g["trough"];
        o << name << ",event_gap_to_baseline," << label << ",," << n(gt["estimate"]) << "," << n(gt["lo"]) << ","
          << n(gt["hi"]) << "," << n(g["level_again_months"]["runs"]) << ",,\n";
        o << name << ",event_median_months_until_level," << label << ",," << n(g["level_again_months"]["median"])
          << ",,," << n(g["level_again_months"]["runs"]) << ",,\n";
        if (g.contains("dip")) {
          const auto& d = g["dip"];
          o << name << ",event_dip_vs_baseline," << label << ",," << n(d["estimate"]) << "," << n(d["lo"]) << ","
            << n(d["hi"]) << "," << n(g["dip_recovery_months"]["runs"]) << ",,\n";
        }
      }
    }
  }
  return o.str();
}

}  // namespace cimsim
