// Statistical validation harness: runs scenarios as ensembles with common random numbers
// (the same master seed, so replicate k of every scenario uses the same seed and therefore
// the same random streams until the scenarios' rules differ), extracts one number per run
// (a series value at a month, a summary), forms paired differences per replicate and gives a
// paired bootstrap 95% interval of their mean.
//
// Speed: validation runs use population.citizens = 1000 (set on every scenario, after loading)
// instead of the default 2000. The patterns concern organisations, the backbone and the share
// of citizens taking part, none of which depends on the absolute number of citizens; halving
// them halves the cost of a run.
#pragma once

#include "engine/ensemble.hpp"
#include "engine/model/run.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cimsim::validation {

inline constexpr int kCitizens = 1000;            // see the note above
inline constexpr std::size_t kReplicates = 96;    // seeds per scenario (>= 64)
inline constexpr std::uint64_t kMasterSeed = 20240917;
inline constexpr std::size_t kResamples = 2000;   // bootstrap resamples
inline constexpr std::uint64_t kBootstrapSeed = 4242;

// Seeds per ensemble: kReplicates, unless CIMSIM_VALIDATION_REPLICATES is set (for quick
// exploration; it prints a line saying so, and the design's numbers hold only at kReplicates).
std::size_t replicates();

// A built-in scenario (by name) with population.citizens = kCitizens and then the given
// "key=value" overrides applied in order.
model::Scenario scenario(const std::string& name, const std::vector<std::string>& sets = {});

// The runs of a scenario, one per replicate in replicate order, all successful (a failed run
// aborts with its message). Results are cached per process under `label`, so scenarios that
// several patterns share run once. label must identify the scenario and overrides uniquely.
const std::vector<RunResult>& runs(const std::string& label, const model::Scenario& s);
// Shorthand: label = name plus the overrides.
const std::vector<RunResult>& runs(const std::string& name, const std::vector<std::string>& sets = {});

// The schema every validation run records with.
const RecordSchema& schema();

// One number per run.
using Metric = std::function<double(const RunResult&)>;
// A series at a recorded month (0 .. 12 * horizon). For a sector-axis series, `sector`
// selects the sector (model::Sector); for a pillar-axis series, the pillar.
Metric at(const std::string& series, int month, int coordinate = 0);
// A per-run summary (first coordinate).
Metric summary(const std::string& name);

// metric applied to every run.
std::vector<double> values(const std::vector<RunResult>& runs, const Metric& m);
// a[i] - b[i] per replicate (NaN where either is NaN).
std::vector<double> paired(const std::vector<double>& a, const std::vector<double>& b);

struct Interval {
  double mean = 0.0;  // mean of the finite values
  double lo = 0.0;    // 2.5% percentile of the bootstrap means
  double hi = 0.0;    // 97.5% percentile
  std::size_t n = 0;  // finite values used
};

// Bootstrap (percentile) 95% interval of the mean of the finite values of x: kResamples
// resamples with replacement, drawn from a cimsim::Rng stream with kBootstrapSeed, so the
// interval is reproducible.
Interval bootstrap_mean(const std::vector<double>& x);

// bootstrap_mean(x), printed as "<what> = mean [lo, hi] (n=N)".
Interval effect(const std::string& what, const std::vector<double>& x);

// Mean of the finite values.
double mean(const std::vector<double>& x);

}  // namespace cimsim::validation
