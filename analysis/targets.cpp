#include "analysis/targets.hpp"

#include "analysis/stats.hpp"
#include "analysis/summary.hpp"
#include "engine/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace cimsim {

namespace sc = cimsim::scenarios;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int sector_index(const std::string& name) {
  const auto& names = model::sector_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw std::logic_error("unknown sector '" + name + "'");
  return static_cast<int>(it - names.begin());
}

double population(const model::Params& p, int sector) {
  switch (sector) {
    case model::government: return p.population.government;
    case model::civil_society: return p.population.civil_society;
    case model::business: return p.population.business;
    case model::knowledge: return p.population.knowledge;
    case model::funder: return p.population.funder;
    default: return p.population.citizens;
  }
}

double present_in(const model::Scenario& s, int sector, int month) {
  double n = population(s.params, sector);
  for (const auto& e : s.events)
    if (const auto* j = e.as<model::ev::StakeholdersJoin>())
      if (j->sector == sector && e.week > 0 && ((e.week - 1) * 12) / model::kWeeksPerYear + 1 <= month) n += j->count;
  return n;
}

// "0.123", "95", "1.5e+03"
std::string num(double x) {
  if (std::isnan(x)) return "n/a";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", x);
}

struct Statistic {
  double value = kNaN, low = kNaN, high = kNaN;
  std::size_t used = 0;
};

bool holds(double x, const std::string& op, double c) {
  if (std::isnan(x)) return false;
  if (op == "<") return x < c;
  if (op == "<=") return x <= c;
  if (op == ">") return x > c;
  return x >= c;
}

Statistic statistic(const sc::Target& t, const sc::TargetQuantity& q, const std::map<std::string, PresetRuns>& runs) {
  const auto it = runs.find(q.preset);
  if (it == runs.end()) throw std::logic_error("no runs of preset '" + q.preset + "'");
  const std::vector<double> v = per_run_values(q, it->second);
  Statistic s;
  if (t.statistic == "share_of_runs") {
    std::size_t yes = 0;
    for (double x : v) yes += holds(x, t.condition_op, t.condition) ? 1 : 0;
    s.used = v.size();
    if (v.empty()) return s;
    const Interval w = wilson_interval(yes, v.size(), 0.90);
    s.value = w.estimate, s.low = w.lo, s.high = w.hi;
    return s;
  }
  for (double x : v) s.used += std::isnan(x) ? 0 : 1;
  s.value = quantile(v, 0.5);
  s.low = quantile(v, 0.05);
  s.high = quantile(v, 0.95);
  return s;
}

// What differs on the other side of an ordering, for its label: "skive-rodding-lihme",
// "at month 6", "recruited_invited".
std::string than_label(const sc::TargetQuantity& a, const sc::TargetQuantity& b) {
  std::vector<std::string> parts;
  if (a.preset != b.preset) parts.push_back(b.preset);
  if (a.variable != b.variable || a.sector != b.sector || a.pillar != b.pillar) {
    std::string v = b.variable;
    if (!b.sector.empty()) v += "[" + b.sector + "]";
    if (b.pillar > 0) v += fmt::format("[pillar {}]", b.pillar);
    parts.push_back(v);
  }
  if (a.from_month != b.from_month || a.to_month != b.to_month || a.reduce != b.reduce) {
    if (b.from_month == b.to_month) parts.push_back(fmt::format("at month {}", b.from_month));
    else parts.push_back(fmt::format("{} over months {}-{}", b.reduce, b.from_month, b.to_month));
  }
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

}  // namespace

double agents_present(const model::Scenario& scenario, const std::string& sector, int month) {
  if (sector == sc::kOrganisations) {
    double n = 0.0;
    for (int s = 0; s < model::citizen; ++s) n += present_in(scenario, s, month);
    return n;
  }
  return present_in(scenario, sector_index(sector), month);
}

std::vector<double> per_run_values(const sc::TargetQuantity& q, const PresetRuns& pr) {
  const RecordSchema& schema = *pr.schema;
  std::vector<double> out;
  out.reserve(pr.runs.size());
  if (q.summary) {
    std::size_t k = 0;
    while (k < schema.summaries.size() && schema.summaries[k].name != q.variable) ++k;
    if (k == schema.summaries.size()) throw std::logic_error("the runs record no summary '" + q.variable + "'");
    for (const auto& r : pr.runs) out.push_back(r.ok && !r.summaries[k].empty() ? r.summaries[k][0] : kNaN);
    return out;
  }
  std::size_t k = 0;
  while (k < schema.series.size() && schema.series[k].name != q.variable) ++k;
  if (k == schema.series.size()) throw std::logic_error("the runs record no series '" + q.variable + "'");
  const Axis axis = schema.series[k].axis;
  const std::size_t width = schema.width(axis);
  const int last = 12 * pr.scenario.params.run.horizon_years;
  if (q.to_month > last)
    throw InputError(q.origin, "", fmt::format("month {} is past the end of the runs of '{}' (month {}; did a --set change "
                                               "run.horizon_years?): expected a time within the run",
                                               q.to_month, q.preset, last));
  // Members (agents present) of sector s at a month of run r: the run's own `members` record
  // when it has one (joins can be a process), else the population plus the scheduled joins
  // (files written before `members` was recorded).
  std::size_t km = 0;
  while (km < schema.series.size() && schema.series[km].name != "members") ++km;
  auto members = [&](const RunResult& r, int s, int month) {
    if (km < schema.series.size() && schema.series[km].axis == Axis::sector) {
      const std::size_t w = schema.width(Axis::sector), at = static_cast<std::size_t>(month) * w + static_cast<std::size_t>(s);
      if (at < r.series[km].size() && !std::isnan(r.series[km][at])) return r.series[km][at];
    }
    return present_in(pr.scenario, s, month);
  };
  // The value of one recorded month of run r.
  auto at = [&](const RunResult& r, int month) -> double {
    const double* row = r.series[k].data() + static_cast<std::size_t>(month) * width;
    if (axis == Axis::sector) {
      auto one = [&](int s) {
        const double share = row[s];
        if (!q.count) return share;
        const double n = members(r, s, month);
        return std::isnan(share) ? 0.0 : std::round(share * n);
      };
      if (q.sector != sc::kOrganisations) return one(sector_index(q.sector));
      // All organisations: the number of agents summed over the five sectors; the share of them.
      double agents = 0.0, n = 0.0;
      for (int s = 0; s < model::citizen; ++s) {
        const double ns = members(r, s, month);
        if (ns > 0.0 && !std::isnan(row[s])) agents += std::round(row[s] * ns);
        n += ns;
      }
      return q.count ? agents : (n > 0.0 ? agents / n : kNaN);
    }
    if (axis == Axis::pillar) return static_cast<std::size_t>(q.pillar) <= width ? row[q.pillar - 1] : kNaN;
    return row[0];
  };
  for (const auto& r : pr.runs) {
    if (!r.ok || r.series[k].size() < static_cast<std::size_t>(q.to_month + 1) * width) {
      out.push_back(kNaN);
      continue;
    }
    if (q.from_month == q.to_month) {
      out.push_back(at(r, q.from_month));
      continue;
    }
    double acc = q.reduce == "min" ? std::numeric_limits<double>::infinity()
               : q.reduce == "max" ? -std::numeric_limits<double>::infinity() : 0.0;
    std::size_t n = 0;
    for (int m = q.from_month; m <= q.to_month; ++m) {
      const double x = at(r, m);
      if (std::isnan(x)) continue;
      ++n;
      if (q.reduce == "min") acc = std::min(acc, x);
      else if (q.reduce == "max") acc = std::max(acc, x);
      else acc += x;
    }
    out.push_back(n == 0 ? kNaN : q.reduce == "mean" ? acc / static_cast<double>(n) : acc);
  }
  return out;
}

RecordSchema file_schema(const EnsembleFile& f) {
  const int pillars = f.has_dataset("pillar") ? static_cast<int>(f.strings("pillar").size()) : 1;
  const int events = f.has_dataset("event") ? static_cast<int>(f.strings("event").size()) : 0;
  return model::make_schema(std::max(1, pillars), events);
}

std::vector<std::string> table_variables(const sc::TargetTable& table) {
  std::vector<std::string> out;
  auto add = [&](const std::string& v) {
    if (!v.empty() && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  };
  for (const auto& t : table.targets) {
    add(t.quantity.variable);
    if (t.kind == sc::Target::Kind::ordering) add(t.than.variable);
    if (t.quantity.count || (t.kind == sc::Target::Kind::ordering && t.than.count)) add("members");  // counts of agents
  }
  return out;
}

PresetRuns preset_runs_from_file(const EnsembleFile& f, const std::string& name, const model::Scenario& scenario,
                                 const RecordSchema& schema, const std::vector<std::string>& variables) {
  const std::size_t s = f.scenario_index(name);
  if (s == f.scenarios().size()) throw std::logic_error("no scenario '" + name + "' in " + f.path());
  PresetRuns pr;
  pr.scenario = scenario;
  pr.schema = &schema;
  const std::size_t R = f.realizations();
  for (std::size_t r = 0; r < R; ++r) {
    if (!f.ok(s, r)) continue;
    RunResult run;
    run.key = {s, r, f.seed(s, r)};
    run.ok = true;
    run.time = f.months();
    run.series.resize(schema.series.size());
    run.summaries.resize(schema.summaries.size());
    pr.runs.push_back(std::move(run));
  }
  // Record m of a run is month m (as the recorder writes them); the file's time index of each month.
  int last = 0;
  for (double m : f.months()) last = std::max(last, static_cast<int>(std::lround(m)));
  std::vector<long> index(static_cast<std::size_t>(last) + 1, -1);
  for (std::size_t t = 0; t < f.months().size(); ++t)
    if (f.months()[t] >= 0.0 && f.months()[t] == std::round(f.months()[t]))
      index[static_cast<std::size_t>(f.months()[t])] = static_cast<long>(t);
  for (const auto& v : variables) {
    if (!f.has_dataset(v)) continue;  // per_run_values names what is missing
    const EnsembleFile::Array a = f.array(v);
    for (std::size_t k = 0; k < schema.series.size(); ++k) {
      if (schema.series[k].name != v) continue;
      const std::size_t width = schema.width(schema.series[k].axis);
      if (a.shape.size() < 3 || (a.shape.size() == 4 ? a.shape[3] : 1) != width) continue;
      const std::size_t T = a.shape[2];
      for (auto& run : pr.runs) {
        auto& out = run.series[k];
        out.assign(index.size() * width, kNaN);
        for (std::size_t m = 0; m < index.size(); ++m) {
          if (index[m] < 0) continue;
          const std::size_t at = ((run.key.scenario * R + run.key.replicate) * T + static_cast<std::size_t>(index[m])) * width;
          std::copy(a.values.begin() + static_cast<long>(at), a.values.begin() + static_cast<long>(at + width),
                    out.begin() + static_cast<long>(m * width));
        }
      }
    }
    for (std::size_t k = 0; k < schema.summaries.size(); ++k) {
      if (schema.summaries[k].name != v) continue;
      const std::size_t width = schema.width(schema.summaries[k].axis);
      if (a.shape.size() < 2 || (a.shape.size() == 3 ? a.shape[2] : 1) != width) continue;
      for (auto& run : pr.runs) {
        const std::size_t at = (run.key.scenario * R + run.key.replicate) * width;
        run.summaries[k].assign(a.values.begin() + static_cast<long>(at), a.values.begin() + static_cast<long>(at + width));
      }
    }
  }
  return pr;
}

std::vector<TargetResult> evaluate_targets(const sc::TargetTable& table, const std::map<std::string, PresetRuns>& runs) {
  std::vector<TargetResult> out;
  for (const auto& t : table.targets) {
    TargetResult r;
    r.name = t.name;
    r.held_out = t.held_out;
    r.source = t.source;
    r.quantity = t.statistic == "share_of_runs"
                     ? "share of runs with " + sc::describe(t.quantity, t.statistic) + " " + t.condition_op + " " + num(t.condition)
                     : sc::describe(t.quantity, t.statistic);
    const Statistic s = statistic(t, t.quantity, runs);
    r.median = s.value, r.low = s.low, r.high = s.high, r.runs_used = s.used;
    const std::string tol = t.tolerance > 0.0 ? fmt::format(" +/- {}", num(t.tolerance)) : std::string();
    switch (t.kind) {
      case sc::Target::Kind::value:
        r.case_value = t.value;
        r.case_text = fmt::format("{}{}", num(t.value), tol);
        r.met = std::abs(r.median - t.value) <= t.tolerance;
        break;
      case sc::Target::Kind::band: {
        const bool open_low = std::isinf(t.low), open_high = std::isinf(t.high);
        r.case_value = nlohmann::json::array({open_low ? nlohmann::json(nullptr) : nlohmann::json(t.low),
                                              open_high ? nlohmann::json(nullptr) : nlohmann::json(t.high)});
        r.case_text = open_low    ? fmt::format("<= {}{}", num(t.high), tol)
                      : open_high ? fmt::format(">= {}{}", num(t.low), tol)
                                  : fmt::format("[{}, {}]{}", num(t.low), num(t.high), tol);
        r.met = r.median >= t.low - t.tolerance && r.median <= t.high + t.tolerance;
        break;
      }
      case sc::Target::Kind::ordering: {
        const Statistic o = statistic(t, t.than, runs);
        r.other = o.value;
        const double rhs = t.factor * o.value;
        if (t.relation == ">=") r.met = r.median >= rhs - t.tolerance;
        else if (t.relation == ">") r.met = r.median > rhs - t.tolerance;
        else if (t.relation == "<=") r.met = r.median <= rhs + t.tolerance;
        else r.met = r.median < rhs + t.tolerance;
        const std::string factor = t.factor != 1.0 ? num(t.factor) + " x " : "";
        const std::string other = than_label(t.quantity, t.than);
        r.case_text = fmt::format("{} {}{} ({}){}", t.relation, factor, num(o.value), other, tol);
        r.case_value = fmt::format("{} {}{} ({}: {})", t.relation, factor, num(o.value),
                                   t.statistic == "share_of_runs" ? "share of runs" : t.statistic, other);
        break;
      }
    }
    if (std::isnan(r.median) || (t.kind == sc::Target::Kind::ordering && std::isnan(r.other))) r.met = false;
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json targets_json(const std::string& preset, std::size_t replicates, const std::vector<TargetResult>& results) {
  nlohmann::json list = nlohmann::json::array();
  auto number = [](double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); };
  for (const auto& r : results)
    list.push_back({{"name", r.name},
                    {"quantity", r.quantity},
                    {"case_value", r.case_value},
                    {"median", number(r.median)},
                    {"low", number(r.low)},
                    {"high", number(r.high)},
                    {"met", r.met},
                    {"held_out", r.held_out},
                    {"source", r.source}});
  nlohmann::json j;
  j["preset"] = preset;
  j["replicates"] = replicates;
  j["targets"] = std::move(list);
  return j;
}

std::string simulated_text(const TargetResult& r) {
  return num(r.median) + " [" + num(r.low) + ", " + num(r.high) + "]";
}

std::string targets_table(const std::string& preset, std::size_t replicates, const std::vector<TargetResult>& results) {
  std::size_t w_name = 6, w_case = 4, w_sim = 9;
  std::vector<std::string> sims;
  for (const auto& r : results) {
    sims.push_back(simulated_text(r));
    w_name = std::max(w_name, r.name.size());
    w_case = std::max(w_case, r.case_text.size());
    w_sim = std::max(w_sim, sims.back().size());
  }
  std::string s = fmt::format("Targets of {} ({} replicates; simulated: median [5%, 95%] across runs)\n\n", preset, replicates);
  s += fmt::format("{:<{}}  {:<11}  {:<{}}  {:<{}}  {:<6}  {}\n", "target", w_name, "role", "case", w_case, "simulated",
                   w_sim, "result", "source");
  std::size_t met = 0, cal = 0, cal_met = 0, held = 0, held_met = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    s += fmt::format("{:<{}}  {:<11}  {:<{}}  {:<{}}  {:<6}  {}\n", r.name, w_name, r.held_out ? "held out" : "calibration",
                     r.case_text, w_case, sims[i], w_sim, r.met ? "met" : "MISSED", r.source);
    s += fmt::format("{:<{}}  {}\n", "", w_name, r.quantity);
    met += r.met ? 1 : 0;
    (r.held_out ? held : cal) += 1;
    (r.held_out ? held_met : cal_met) += r.met ? 1 : 0;
  }
  s += fmt::format("\n{} of {} targets met (calibration {} of {}, held out {} of {})\n", met, results.size(), cal_met,
                   cal, held_met, held);
  return s;
}

}  // namespace cimsim
