// INTEGRATION POINT with `cimsim compare` (contract B/D). The report draws the forest plot, the
// time-to-goal curves and the event troughs from the compare JSON. compare_for() takes the JSON
// that `cimsim compare FILE --store` saved in the file when there is one; otherwise it falls
// back to minimal_compare() below, a small stand-in written to the same schema so the report
// works before the compare analysis lands. Once analysis/compare.hpp is on main, replace the
// fallback's body by a call to it (and delete the rest of this file).
#include "analysis/report/report.hpp"

#include "analysis/hdf5_read.hpp"
#include "analysis/summary.hpp"

#include <algorithm>
#include <cmath>
#include <regex>

namespace cimsim::report {

namespace {

nlohmann::json estimate(const Estimate& e) {
  if (e.n == 0) return {{"estimate", nullptr}, {"lo", nullptr}, {"hi", nullptr}};
  return {{"estimate", e.mean}, {"lo", e.lo}, {"hi", e.hi}};
}

// A run-level table [scenario][realization][k] read once.
struct Table {
  std::vector<double> v;
  std::size_t R = 1, T = 1, W = 1;  // realizations, time (or event) width, inner width
  double at(std::size_t s, std::size_t r, std::size_t t = 0, std::size_t w = 0) const { return v[((s * R + r) * T + t) * W + w]; }
};

Table read_table(const std::string& file, const std::string& name) {
  auto d = h5::read_numeric(file, name);
  Table t;
  t.v = std::move(d.values);
  t.R = d.shape.size() > 1 ? d.shape[1] : 1;
  t.T = d.shape.size() > 2 ? d.shape[2] : 1;
  t.W = d.shape.size() > 3 ? d.shape[3] : 1;
  return t;
}

}  // namespace

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
  if (auto stored = stored_analysis(file, "compare")) return *stored;
  return minimal_compare(file, baseline);
}

nlohmann::json minimal_compare(const std::string& file, const std::string& baseline) {
  const auto names = h5::read_strings(file, "scenario");
  const Table status = read_table(file, "status");
  const std::size_t S = names.size(), R = status.R;
  const std::size_t base = static_cast<std::size_t>(std::find(names.begin(), names.end(), baseline) - names.begin()) % S;
  const auto months = h5::read_numeric(file, "time").values;
  const double last_month = months.empty() ? 0.0 : months.back();
  auto ok = [&](std::size_t s, std::size_t r) { return status.at(s, r) == 1.0; };

  nlohmann::json j = {{"file", file}, {"baseline", names[base]}, {"level", 0.95},
                      {"computed_by", "cimsim report (minimal stand-in for cimsim compare)"}};
  std::vector<int> years;
  for (int y : {3, 5, 10})
    if (12.0 * y <= last_month) years.push_back(y);
  j["at_years"] = years;
  j["variables"] = nlohmann::json::array();
  j["differences"] = nlohmann::json::array();
  for (const auto& var : key_variables()) {
    j["variables"].push_back({{"name", var.name}, {"label", var.title}, {"units", var.percent ? "share" : "0-1"}});
    const Table t = read_table(file, var.dataset);
    const auto w = static_cast<std::size_t>(std::max(var.sector, 0));
    for (std::size_t s = 0; s < S; ++s) {
      if (s == base) continue;
      for (int y : years) {
        const auto m = static_cast<std::size_t>(12 * y);
        std::vector<double> diff, xb, xs;
        for (std::size_t r = 0; r < R; ++r) {
          if (!ok(s, r) || !ok(base, r)) continue;
          const double a = t.at(base, r, m, w), b = t.at(s, r, m, w);
          if (std::isnan(a) || std::isnan(b)) continue;
          diff.push_back(b - a), xb.push_back(a), xs.push_back(b);
        }
        const Estimate d = bootstrap_mean(diff);
        if (d.n == 0) continue;
        j["differences"].push_back({{"scenario", names[s]}, {"variable", var.name}, {"at_years", y},
                                    {"baseline_mean", bootstrap_mean(xb, 0.95, 1).mean},
                                    {"scenario_mean", bootstrap_mean(xs, 0.95, 1).mean},
                                    {"diff", d.mean}, {"lo", d.lo}, {"hi", d.hi}, {"n", d.n}});
      }
    }
  }

  const Table launched = read_table(file, "launched"), collapsed = read_table(file, "months_collapsed"),
              to_goal = read_table(file, "time_to_goal");
  const auto names_all = h5::dataset_names(file);
  const bool has_events = std::find(names_all.begin(), names_all.end(), "event_trough") != names_all.end();
  Table trough, recovery;
  std::vector<std::string> labels;
  if (has_events) {
    trough = read_table(file, "event_trough");
    recovery = read_table(file, "event_recovery");
    labels = h5::read_strings(file, "event_label");
  }
  const std::regex week_re("week ([0-9]+)");
  j["scenarios"] = nlohmann::json::array();
  for (std::size_t s = 0; s < S; ++s) {
    std::vector<double> fail_launch, collapse, times;
    std::size_t runs = 0, failed = 0, never = 0;
    for (std::size_t r = 0; r < R; ++r) {
      if (status.at(s, r) == 2.0) ++failed;
      if (status.at(s, r) != 0.0) ++runs;
      if (!ok(s, r)) continue;
      fail_launch.push_back(launched.at(s, r) > 0.5 ? 0.0 : 1.0);
      collapse.push_back(collapsed.at(s, r) > 0.0 ? 1.0 : 0.0);
      if (std::isnan(to_goal.at(s, r))) ++never;
      else times.push_back(to_goal.at(s, r));
    }
    // Kaplan-Meier with runs that never reach the goal censored at the horizon (no earlier
    // censoring, so it is the empirical share not yet at the goal).
    std::sort(times.begin(), times.end());
    const double n = static_cast<double>(times.size() + never);
    nlohmann::json km = nlohmann::json::array({{0.0, 1.0}});
    nlohmann::json median = nullptr;
    for (std::size_t i = 0; i < times.size(); ++i) {
      if (i + 1 < times.size() && times[i + 1] == times[i]) continue;
      const double surv = 1.0 - static_cast<double>(i + 1) / n;
      km.push_back({times[i], surv});
      if (median.is_null() && surv <= 0.5) median = times[i];
    }
    km.push_back({last_month, n > 0 ? static_cast<double>(never) / n : 1.0});
    nlohmann::json sj = {{"name", names[s]}, {"runs", runs}, {"failed", failed},
                         {"p_launch_failure", estimate(bootstrap_mean(fail_launch))},
                         {"p_collapse", estimate(bootstrap_mean(collapse))},
                         {"time_to_goal", {{"median_months", median}, {"reached", times.size()}, {"km", km}}},
                         {"events", nlohmann::json::array()}};
    for (std::size_t e = 0; has_events && e < trough.T; ++e) {
      const std::string& label = labels.at(s * trough.T + e);
      if (label.empty()) continue;
      std::vector<double> low, rec;
      std::size_t recovered = 0, counted = 0;
      for (std::size_t r = 0; r < R; ++r) {
        if (!ok(s, r) || std::isnan(trough.at(s, r, e))) continue;
        low.push_back(trough.at(s, r, e));
        ++counted;
        const double x = recovery.at(s, r, e);
        rec.push_back(std::isnan(x) ? INFINITY : x);  // not recovered: later than any month
        if (!std::isnan(x)) ++recovered;
      }
      std::sort(rec.begin(), rec.end());
      nlohmann::json rec_median = nullptr;
      if (!rec.empty() && std::isfinite(rec[(rec.size() - 1) / 2])) rec_median = rec[(rec.size() - 1) / 2];
      std::smatch m;
      nlohmann::json month = nullptr;
      if (std::regex_search(label, m, week_re)) month = (std::stoi(m[1].str()) * 12) / 52;
      sj["events"].push_back({{"label", label}, {"month", month}, {"trough", estimate(bootstrap_mean(low))},
                              {"recovery_months", {{"median", rec_median}, {"recovered", recovered}, {"runs", counted}}}});
    }
    j["scenarios"].push_back(std::move(sj));
  }
  return j;
}

}  // namespace cimsim::report
