#include "summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace cimsim {

double quantile(std::vector<double> v, double q) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double h = (static_cast<double>(v.size()) - 1.0) * q;
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

namespace {
std::size_t find_index(const std::vector<VariableSpec>& vars, const std::string& name) {
  for (std::size_t i = 0; i < vars.size(); ++i)
    if (vars[i].name == name) return i;
  return vars.size();
}
std::size_t find_name(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  return static_cast<std::size_t>(it - names.begin());
}
}  // namespace

SummarySink::SummarySink(const RecordSchema& schema, std::size_t scenarios) : schema_(schema) {
  auto add_summary = [&](const std::string& n) {
    const std::size_t i = find_index(schema.summaries, n);
    if (i < schema.summaries.size()) columns_.push_back({n, false, i, 0});
  };
  auto add_final = [&](const std::string& label, const std::string& var, std::size_t offset) {
    const std::size_t i = find_index(schema.series, var);
    if (i < schema.series.size() && offset < schema.width(schema.series[i].axis))
      columns_.push_back({label, true, i, offset});
  };
  add_summary("final_outcome");
  add_summary("launched");
  add_summary("time_to_goal");
  add_summary("months_collapsed");
  add_final("citizens_active", "active_share", find_name(schema.sectors, "citizen"));
  add_final("trust_mean", "trust_mean", 0);
  values_.assign(scenarios, std::vector<std::vector<double>>(columns_.size()));
  failed_.assign(scenarios, 0);
}

void SummarySink::write(const RunResult& run) {
  std::lock_guard lock(mutex_);
  if (!run.ok) {
    ++failed_[run.key.scenario];
    return;
  }
  auto& rows = values_[run.key.scenario];
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    const Column& col = columns_[c];
    double x;
    if (col.from_series) {
      const auto& data = run.series[col.var];
      const std::size_t w = schema_.width(schema_.series[col.var].axis);
      x = data.size() >= w ? data[data.size() - w + col.offset] : std::nan("");
    } else {
      x = run.summaries[col.var][col.offset];
    }
    rows[c].push_back(x);
  }
}

std::vector<double> SummarySink::column(std::size_t scenario, const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (std::size_t c = 0; c < columns_.size(); ++c)
    if (columns_[c].name == name) return values_[scenario][c];
  return {};
}

std::string SummarySink::table(const std::vector<std::string>& names) const {
  std::lock_guard lock(mutex_);
  auto cell = [](const std::vector<double>& v, int decimals) {
    char buf[96];
    const double m = quantile(v, 0.5);
    if (std::isnan(m)) return std::string("-");
    std::snprintf(buf, sizeof buf, "%.*f [%.*f, %.*f]", decimals, m, decimals, quantile(v, 0.05), decimals,
                  quantile(v, 0.95));
    return std::string(buf);
  };
  auto share = [](const std::vector<double>& v, bool reached) {
    std::size_t hits = 0;
    for (double x : v) hits += reached ? !std::isnan(x) : (x > 0.5);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%zu/%zu", hits, v.size());
    return std::string(buf);
  };
  auto col = [&](std::size_t s, const std::string& n) -> const std::vector<double>& {
    static const std::vector<double> none;
    for (std::size_t c = 0; c < columns_.size(); ++c)
      if (columns_[c].name == n) return values_[s][c];
    return none;
  };
  std::ostringstream o;
  char line[512];
  std::snprintf(line, sizeof line, "%-34s %-22s %-9s %-26s %-22s %-22s %s\n", "scenario", "outcome, year end",
                "launched", "months to goal (reached)", "citizens active, end", "trust, end", "failed");
  o << "Median and 90% interval across replicates (outcome, shares and trust on a 0-1 scale)\n" << line;
  for (std::size_t s = 0; s < names.size() && s < values_.size(); ++s) {
    const std::string goal = cell(col(s, "time_to_goal"), 0) + " (" + share(col(s, "time_to_goal"), true) + ")";
    std::snprintf(line, sizeof line, "%-34s %-22s %-9s %-26s %-22s %-22s %zu\n", names[s].c_str(),
                  cell(col(s, "final_outcome"), 3).c_str(), share(col(s, "launched"), false).c_str(), goal.c_str(),
                  cell(col(s, "citizens_active"), 3).c_str(), cell(col(s, "trust_mean"), 3).c_str(), failed_[s]);
    o << line;
  }
  return o.str();
}

}  // namespace cimsim
