#include "summary.hpp"

#include "engine/rng.hpp"

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

std::vector<Bounds> bootstrap_intervals(std::size_t n, const ResampleStatistics& stats, double level,
                                        std::size_t resamples) {
  std::vector<std::vector<double>> draws;  // [statistic][resample]
  std::vector<std::uint32_t> idx(n);
  for (std::size_t b = 0; b < resamples && n > 0; ++b) {
    Rng r(0x5eed, static_cast<std::uint32_t>(b), 0, 0);
    for (auto& i : idx) i = r.below(static_cast<std::uint32_t>(n));
    const std::vector<double> s = stats(idx);
    if (draws.empty()) draws.resize(s.size());
    for (std::size_t j = 0; j < s.size() && j < draws.size(); ++j) draws[j].push_back(s[j]);
  }
  const double tail = (1.0 - level) / 2.0;
  std::vector<Bounds> out;
  for (const auto& d : draws) out.push_back({quantile(d, tail), quantile(d, 1.0 - tail)});  // quantile drops NaN
  return out;
}

Estimate bootstrap_mean(std::vector<double> x, double level, std::size_t resamples) {
  x.erase(std::remove_if(x.begin(), x.end(), [](double v) { return std::isnan(v); }), x.end());
  const std::size_t n = x.size();
  if (n == 0) return {std::nan(""), std::nan(""), std::nan(""), 0};
  double sum = 0.0;
  for (double v : x) sum += v;
  const auto b = bootstrap_intervals(
      n,
      [&](const std::vector<std::uint32_t>& idx) {
        double s = 0.0;
        for (auto i : idx) s += x[i];
        return std::vector<double>{s / static_cast<double>(n)};
      },
      level, resamples);
  if (b.empty()) return {sum / static_cast<double>(n), std::nan(""), std::nan(""), n};
  return {sum / static_cast<double>(n), b[0].lo, b[0].hi, n};
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

SummarySink::SummarySink(const RecordSchema& schema, std::size_t scenarios, std::size_t replicates)
    : schema_(schema) {
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
  add_final("trust_partners", "trust_partners", 0);
  values_.assign(scenarios, std::vector<std::vector<double>>(columns_.size(), std::vector<double>(replicates, std::nan(""))));
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
    rows[c][run.key.replicate] = x;
  }
}

std::string SummarySink::difference_table(const std::vector<std::string>& names, std::size_t ref) const {
  std::lock_guard lock(mutex_);
  if (values_.size() < 2 || ref >= values_.size()) return {};
  struct Shown {
    const char* column;
    const char* title;
    int decimals;
  };
  const Shown shown[] = {{"final_outcome", "outcome, year end", 3},
                         {"launched", "launch rate", 2},
                         {"citizens_active", "citizens active, end", 3},
                         {"trust_partners", "partner trust, end", 3}};
  std::ostringstream o;
  char line[512];
  o << "Difference from " << names[ref]
    << " (mean over replicates paired by seed, with 95% bootstrap interval; * = interval excludes 0)\n";
  std::snprintf(line, sizeof line, "%-34s", "scenario");
  o << line;
  for (const auto& sh : shown) {
    std::snprintf(line, sizeof line, " %-28s", sh.title);
    o << line;
  }
  o << " pairs\n";
  for (std::size_t s = 0; s < names.size() && s < values_.size(); ++s) {
    if (s == ref) continue;
    std::snprintf(line, sizeof line, "%-34s", names[s].c_str());
    o << line;
    for (const auto& sh : shown) {
      const std::size_t c = column_index(sh.column);
      std::string text = "-";
      if (c < columns_.size()) {
        std::vector<double> d(values_[s][c].size());
        for (std::size_t i = 0; i < d.size(); ++i) d[i] = values_[s][c][i] - values_[ref][c][i];
        const Estimate e = bootstrap_mean(d);
        if (e.n > 0) {
          char buf[96];
          const bool sig = e.lo > 0.0 || e.hi < 0.0;
          std::snprintf(buf, sizeof buf, "%+.*f [%+.*f, %+.*f]%s", sh.decimals, e.mean, sh.decimals, e.lo, sh.decimals,
                        e.hi, sig ? "*" : "");
          text = buf;
        }
      }
      std::snprintf(line, sizeof line, " %-28s", text.c_str());
      o << line;
    }
    // Seeds completed ok in both scenarios: the only ones compared (after an interrupt, fewer).
    std::size_t pairs = 0;
    if (const std::size_t c = column_index("final_outcome"); c < columns_.size())
      for (std::size_t i = 0; i < values_[s][c].size(); ++i)
        pairs += !std::isnan(values_[s][c][i]) && !std::isnan(values_[ref][c][i]);
    o << " " << pairs << "\n";
  }
  return o.str();
}

std::vector<double> SummarySink::column(std::size_t scenario, const std::string& name) const {
  std::lock_guard lock(mutex_);
  const std::size_t c = column_index(name);
  return c < columns_.size() ? values_[scenario][c] : std::vector<double>{};
}

std::size_t SummarySink::column_index(const std::string& name) const noexcept {
  for (std::size_t c = 0; c < columns_.size(); ++c)
    if (columns_[c].name == name) return c;
  return columns_.size();
}

std::string SummarySink::table(const std::vector<std::string>& names) const {
  std::lock_guard lock(mutex_);
  auto col = [&](std::size_t s, const std::string& n) -> const std::vector<double>& {
    static const std::vector<double> none;
    const std::size_t c = column_index(n);
    return c < columns_.size() ? values_[s][c] : none;
  };
  auto cell = [](const std::vector<double>& v, int decimals) {
    char buf[96];
    const double m = quantile(v, 0.5);
    if (std::isnan(m)) return std::string("-");
    std::snprintf(buf, sizeof buf, "%.*f [%.*f, %.*f]", decimals, m, decimals, quantile(v, 0.05), decimals,
                  quantile(v, 0.95));
    return std::string(buf);
  };
  auto share = [&](std::size_t s, const std::vector<double>& v, bool reached) {
    std::size_t hits = 0, runs = 0;
    const auto& ok = col(s, "final_outcome");  // NaN where the run failed or did not run
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (std::isnan(ok[i])) continue;
      ++runs;
      hits += reached ? !std::isnan(v[i]) : (v[i] > 0.5);
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "%zu/%zu", hits, runs);
    return std::string(buf);
  };
  std::ostringstream o;
  char line[512];
  std::snprintf(line, sizeof line, "%-34s %-22s %-9s %-26s %-22s %-22s %s\n", "scenario", "outcome, year end",
                "launched", "months to goal (reached)", "citizens active, end", "partner trust, end", "failed");
  o << "Median and 90% interval across replicates (outcome, shares and trust on a 0-1 scale)\n" << line;
  for (std::size_t s = 0; s < names.size() && s < values_.size(); ++s) {
    const std::string goal = cell(col(s, "time_to_goal"), 0) + " (" + share(s, col(s, "time_to_goal"), true) + ")";
    std::snprintf(line, sizeof line, "%-34s %-22s %-9s %-26s %-22s %-22s %zu\n", names[s].c_str(),
                  cell(col(s, "final_outcome"), 3).c_str(), share(s, col(s, "launched"), false).c_str(), goal.c_str(),
                  cell(col(s, "citizens_active"), 3).c_str(), cell(col(s, "trust_partners"), 3).c_str(), failed_[s]);
    o << line;
  }
  return o.str();
}

}  // namespace cimsim
