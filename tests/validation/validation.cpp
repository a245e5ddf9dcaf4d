#include "validation.hpp"

#include "engine/rng.hpp"
#include "scenarios/scenario_loader.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <thread>

namespace cimsim::validation {

namespace sc = cimsim::scenarios;

model::Scenario scenario(const std::string& name, const std::vector<std::string>& sets) {
  model::Scenario s = sc::load(name);
  sc::apply_set(s, "population.citizens=" + std::to_string(kCitizens), "validation");
  for (const auto& a : sets) sc::apply_set(s, a, "validation");
  sc::check(s);
  return s;
}

const RecordSchema& schema() {
  static const RecordSchema s = model::make_schema(model::kMaxPillars);
  return s;
}

std::size_t replicates() {
  static const std::size_t n = [] {
    if (const char* e = std::getenv("CIMSIM_VALIDATION_REPLICATES")) {
      const long v = std::strtol(e, nullptr, 10);
      if (v > 0) {
        std::printf("  [validation: %ld replicates from CIMSIM_VALIDATION_REPLICATES, not the design's %zu: exploration only]\n",
                    v, kReplicates);
        return static_cast<std::size_t>(v);
      }
    }
    return kReplicates;
  }();
  return n;
}

namespace {
// Ensembles already run in this process, by label (tests run one after another).
std::map<std::string, std::vector<RunResult>>& cache() {
  static std::map<std::string, std::vector<RunResult>> c;
  return c;
}
}  // namespace

const std::vector<RunResult>& runs(const std::string& label, const model::Scenario& s) {
  if (auto it = cache().find(label); it != cache().end()) return it->second;
  const auto t0 = std::chrono::steady_clock::now();
  MemorySink sink;
  EnsembleOptions o;
  o.scenarios = 1;
  o.replicates = replicates();
  o.master_seed = kMasterSeed;  // common random numbers: replicate k has the same seed everywhere
  o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const RecordSchema& sch = schema();
  const EnsembleReport rep = run_ensemble(o, [&](const RunContext& c) { return model::run(s, sch, c); }, sink);
  std::vector<RunResult> out = sink.runs();
  if (rep.failed > 0 || out.size() != replicates())
    throw std::runtime_error("validation ensemble '" + label + "': " + std::to_string(rep.failed) + " failed runs");
  for (const auto& r : out)
    if (!r.ok) throw std::runtime_error("validation ensemble '" + label + "': run failed: " + r.error);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("  [ensemble %s: %zu runs, %.1f s]\n", label.c_str(), out.size(), secs);
  return cache().emplace(label, std::move(out)).first->second;
}

const std::vector<RunResult>& runs(const std::string& name, const std::vector<std::string>& sets) {
  std::string label = name;
  for (const auto& a : sets) label += " + " + a;
  if (auto it = cache().find(label); it != cache().end()) return it->second;
  return runs(label, scenario(name, sets));
}

namespace {
std::size_t series_index(const std::string& name) {
  const auto& s = schema().series;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i].name == name) return i;
  throw std::invalid_argument("no series named '" + name + "'");
}
std::size_t summary_index(const std::string& name) {
  const auto& s = schema().summaries;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i].name == name) return i;
  throw std::invalid_argument("no summary named '" + name + "'");
}
}  // namespace

Metric at(const std::string& series, int month, int coordinate) {
  const std::size_t v = series_index(series);
  const std::size_t w = schema().width(schema().series[v].axis);
  if (coordinate < 0 || static_cast<std::size_t>(coordinate) >= w)
    throw std::invalid_argument("coordinate out of range for '" + series + "'");
  return [v, w, month, coordinate](const RunResult& r) {
    std::size_t rec = 0;
    while (rec < r.time.size() && r.time[rec] != static_cast<double>(month)) ++rec;
    if (rec == r.time.size()) throw std::out_of_range("month " + std::to_string(month) + " not recorded");
    return r.series[v][rec * w + static_cast<std::size_t>(coordinate)];
  };
}

Metric summary(const std::string& name) {
  const std::size_t v = summary_index(name);
  return [v](const RunResult& r) { return r.summaries[v][0]; };
}

std::vector<double> values(const std::vector<RunResult>& rs, const Metric& m) {
  std::vector<double> out;
  out.reserve(rs.size());
  for (const auto& r : rs) out.push_back(m(r));
  return out;
}

std::vector<double> paired(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("paired: different numbers of replicates");
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  return d;
}

double mean(const std::vector<double>& x) {
  double s = 0.0;
  std::size_t n = 0;
  for (double v : x)
    if (std::isfinite(v)) s += v, ++n;
  return n > 0 ? s / static_cast<double>(n) : std::nan("");
}

Interval bootstrap_mean(const std::vector<double>& x) {
  std::vector<double> v;
  for (double a : x)
    if (std::isfinite(a)) v.push_back(a);
  Interval out;
  out.n = v.size();
  if (v.empty()) {
    out.mean = out.lo = out.hi = std::nan("");
    return out;
  }
  out.mean = mean(v);
  Rng r(kBootstrapSeed, 0, 0, 0);
  const auto n = static_cast<std::uint32_t>(v.size());
  std::vector<double> means(kResamples);
  for (std::size_t b = 0; b < kResamples; ++b) {
    double s = 0.0;
    for (std::uint32_t i = 0; i < n; ++i) s += v[r.below(n)];
    means[b] = s / n;
  }
  std::sort(means.begin(), means.end());
  // Percentile interval: the 2.5% and 97.5% order statistics.
  const auto idx = [&](double q) {
    return static_cast<std::size_t>(std::clamp(std::floor(q * static_cast<double>(kResamples - 1) + 0.5), 0.0,
                                                static_cast<double>(kResamples - 1)));
  };
  out.lo = means[idx(0.025)];
  out.hi = means[idx(0.975)];
  return out;
}

Interval effect(const std::string& what, const std::vector<double>& x) {
  const Interval i = bootstrap_mean(x);
  std::printf("%s = %.4f [%.4f, %.4f] (n=%zu)\n", what.c_str(), i.mean, i.lo, i.hi, i.n);
  std::fflush(stdout);
  return i;
}

}  // namespace cimsim::validation
