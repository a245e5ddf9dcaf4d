#include "analysis/sensitivity.hpp"

#include "analysis/compare.hpp"
#include "analysis/report_text.hpp"
#include "analysis/stats.hpp"
#include "engine/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

namespace cimsim {
namespace {

using nlohmann::json;
using text::num;
using text::number;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Per-run values of the chosen output, [scenario][realization]; `what` describes it.
std::vector<std::vector<double>> output_values(const EnsembleFile& f, const SensitivityOptions& o, std::string& what) {
  std::string dataset = o.output, sector;
  for (const auto& v : compare_variables())
    if (v.name == o.output) dataset = v.dataset, sector = v.sector;
  if (!f.has_dataset(dataset) || dataset == "scenario_parameter" || dataset == "seed" || dataset == "status")
    throw InputError("--output", "", "the file has no model output '" + o.output +
                                         "'; use a per-run summary (final_outcome, launched, months_collapsed, "
                                         "time_to_goal) or a series (outcome, trust_mean, citizen_active_share, ...)");
  if (f.rank(dataset) == 2) {
    what = o.output;
    return f.per_run(dataset);
  }
  const double months = o.at_years < 0.0 ? f.months().back() : 12.0 * o.at_years;
  what = fmt::format("{} at month {:g}", o.output, months);
  return f.per_run_at(dataset, f.month_index(months, "--at"), sector.empty() ? 0 : f.sector_index(sector));
}

}  // namespace

json sensitivity(const EnsembleFile& f, const SensitivityOptions& o) {
  const std::string no_sweep =
      "has no parameter sweep; sensitivity analysis needs a file written by `cimsim run --experiment` with a grid, "
      "lhs, saltelli or csv design";
  if (!f.has_attribute("design")) throw InputError(f.path(), "", no_sweep + " (no 'design' attribute)");
  const std::string design = f.attribute("design");
  if (design == "none") throw InputError(f.path(), "", no_sweep + " (design is \"none\")");
  if (design != "grid" && design != "lhs" && design != "saltelli" && design != "csv")
    throw InputError(f.path(), "design", "unknown design '" + design + "'; expected grid, lhs, saltelli or csv");
  // Swept parameters: coordinate `swept_parameter` (older files called it `parameter`).
  const std::string pdim = f.has_dataset("swept_parameter") ? "swept_parameter" : "parameter";
  if (!f.has_dataset(pdim) || !f.has_dataset("scenario_parameter"))
    throw InputError(f.path(), "", "design '" + design + "' but no 'swept_parameter'/'scenario_parameter' datasets");
  const auto params = f.strings(pdim);
  const std::size_t k = params.size(), S = f.scenarios().size(), R = f.realizations();
  const auto sp = f.array("scenario_parameter");
  if (sp.shape.size() != 2 || sp.shape[0] != S || sp.shape[1] != k)
    throw InputError(f.path(), "scenario_parameter", "expected dimensions (scenario, swept_parameter)");

  std::string what;
  const auto values = output_values(f, o, what);
  std::vector<double> point_mean(S, kNaN);
  std::size_t failed = 0;
  for (std::size_t s = 0; s < S; ++s) {
    double sum = 0.0;
    std::size_t n = 0;
    for (std::size_t r = 0; r < R; ++r) {
      failed += f.status(s, r) == 2;
      if (!std::isnan(values[s][r])) sum += values[s][r], ++n;
    }
    if (n > 0) point_mean[s] = sum / static_cast<double>(n);
  }

  json out = {{"file", f.path()}, {"design", design}, {"output", o.output}, {"output_description", what},
              {"replicates", R}, {"failed_runs", failed}};
  json plist = json::array();
  if (design == "saltelli") {
    if (!f.has_attribute("saltelli_n")) throw InputError(f.path(), "saltelli_n", "missing for a saltelli design");
    const std::string ntext = f.attribute("saltelli_n");
    std::size_t n = 0;
    try {
      n = static_cast<std::size_t>(std::stoull(ntext));
    } catch (const std::exception&) {
      throw InputError(f.path(), "saltelli_n", "expected a whole number, got '" + ntext + "'");
    }
    const std::size_t points = n * (k + 2);
    if (n < 2 || points > S)
      throw InputError(f.path(), "saltelli_n", fmt::format("N={} with {} parameters needs {} sweep scenarios, the file "
                                                           "has {}", n, k, points, S));
    std::vector<double> y(points);
    for (std::size_t s = 0; s < points; ++s) {
      if (std::isnan(point_mean[s]))
        throw InputError(f.path(), f.scenarios()[s], "this sweep point has no successful run with a value of '" +
                                                          o.output + "'; Sobol' indices need every point");
      y[s] = point_mean[s];
    }
    const auto idx = sobol_indices(y, n, k, o.level, o.resamples);
    for (std::size_t i = 0; i < k; ++i)
      plist.push_back({{"name", params[i]},
                       {"S1", text::interval(idx[i].first.estimate, idx[i].first.lo, idx[i].first.hi)},
                       {"ST", text::interval(idx[i].total.estimate, idx[i].total.lo, idx[i].total.hi)}});
    out["saltelli_n"] = n;
    out["points"] = points;
    out["level"] = o.level;
  } else {
    std::vector<std::vector<double>> x;
    std::vector<double> y;
    std::size_t dropped = 0;
    for (std::size_t s = 0; s < S; ++s) {
      std::vector<double> row(sp.values.begin() + static_cast<std::ptrdiff_t>(s * k),
                              sp.values.begin() + static_cast<std::ptrdiff_t>((s + 1) * k));
      if (std::any_of(row.begin(), row.end(), [](double v) { return std::isnan(v); })) continue;  // not a sweep point
      if (std::isnan(point_mean[s])) {
        ++dropped;
        continue;
      }
      x.push_back(std::move(row));
      y.push_back(point_mean[s]);
    }
    if (x.size() < k + 2)
      throw InputError(f.path(), "", fmt::format("only {} sweep point(s) with results; Morris effects for {} "
                                                 "parameter(s) need at least {}", x.size(), k, k + 2));
    MorrisMethod method{};
    const auto m = morris_effects(x, y, &method);
    for (std::size_t i = 0; i < k; ++i)
      plist.push_back({{"name", params[i]}, {"mu_star", number(m[i].mu_star)}, {"mu", number(m[i].mu)},
                       {"sigma", number(m[i].sigma)}, {"effects", m[i].effects}});
    out["method"] = method == MorrisMethod::grid_differences ? "grid differences" : "local regression";
    out["points"] = x.size();
    out["points_without_result"] = dropped;
  }
  out["parameters"] = plist;
  return out;
}

std::string sensitivity_table(const json& j) {
  std::ostringstream o;
  const std::string design = j["design"].get<std::string>();
  o << "File: " << j["file"].get<std::string>() << "\n";
  o << fmt::format("Output: {} (mean over the replicates of each sweep point); {} design, {} points x {} replicates",
                   j["output_description"].get<std::string>(), design, j["points"].get<std::size_t>(),
                   j["replicates"].get<std::size_t>());
  if (j["failed_runs"].get<std::size_t>() > 0)
    o << fmt::format("; {} failed run(s) left out", j["failed_runs"].get<std::size_t>());
  o << ".\n\n";
  std::vector<json> ps(j["parameters"].begin(), j["parameters"].end());
  std::vector<std::vector<std::string>> rows;
  if (design == "saltelli") {
    const int pct = static_cast<int>(std::lround(100.0 * j["level"].get<double>()));
    o << fmt::format(
        "Sobol' indices, most influential first, with {}% bootstrap intervals. First order (S1): the share of the\n"
        "output's variance due to the parameter alone. Total (ST): the share it accounts for including its\n"
        "interactions with the other parameters. A parameter with ST near 0 can be fixed without changing the output.\n\n",
        pct);
    std::stable_sort(ps.begin(), ps.end(),
                     [](const json& a, const json& b) { return num(a["ST"]["estimate"]) > num(b["ST"]["estimate"]); });
    rows.push_back({"parameter", "first order (S1)", "total (ST)"});
    for (const auto& p : ps)
      rows.push_back({p["name"].get<std::string>(),
                      text::interval_text(num(p["S1"]["estimate"]), num(p["S1"]["lo"]), num(p["S1"]["hi"]), 2, false, false),
                      text::interval_text(num(p["ST"]["estimate"]), num(p["ST"]["lo"]), num(p["ST"]["hi"]), 2, false, false)});
  } else {
    o << fmt::format(
        "Elementary effects (Morris-style, {}), most influential first: the change in the output when the\n"
        "parameter moves across its whole swept range. mu*: mean absolute effect (overall influence); mu: mean\n"
        "effect (its sign is the usual direction); sigma: spread of the effects (non-linearity or interactions).\n\n",
        j["method"].get<std::string>());
    std::stable_sort(ps.begin(), ps.end(), [](const json& a, const json& b) { return num(a["mu_star"]) > num(b["mu_star"]); });
    rows.push_back({"parameter", "mu*", "mu", "sigma", "effects"});
    for (const auto& p : ps)
      rows.push_back({p["name"].get<std::string>(), text::fixed(num(p["mu_star"]), 4, false),
                      text::fixed(num(p["mu"]), 4, true), text::fixed(num(p["sigma"]), 4, false),
                      std::to_string(p["effects"].get<std::size_t>())});
  }
  o << text::columns(rows);
  return o.str();
}

std::string sensitivity_csv(const json& j) {
  std::ostringstream o;
  const auto n = text::csv_number;
  if (j["design"] == "saltelli") {
    o << "parameter,index,estimate,lo,hi\n";
    for (const auto& p : j["parameters"])
      for (const char* idx : {"S1", "ST"})
        o << text::csv_field(p["name"].get<std::string>()) << "," << idx << "," << n(p[idx]["estimate"]) << ","
          << n(p[idx]["lo"]) << "," << n(p[idx]["hi"]) << "\n";
  } else {
    o << "parameter,mu_star,mu,sigma,effects\n";
    for (const auto& p : j["parameters"])
      o << text::csv_field(p["name"].get<std::string>()) << "," << n(p["mu_star"]) << "," << n(p["mu"]) << ","
        << n(p["sigma"]) << "," << n(p["effects"]) << "\n";
  }
  return o.str();
}

}  // namespace cimsim
