// Summary statistics across replicates, for the table `cimsim run` prints at the end.
#pragma once

#include "engine/observer.hpp"

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace cimsim {

// Mean of x with a percentile bootstrap interval (level e.g. 0.95), resampling with a fixed
// counter-based stream so the interval is reproducible. NaN values are dropped first.
struct Estimate {
  double mean, lo, hi;
  std::size_t n;
};
Estimate bootstrap_mean(std::vector<double> x, double level = 0.95, std::size_t resamples = 2000);

// Percentile bootstrap intervals for several statistics of n units at once. Resample b draws n
// unit indices with replacement from the fixed stream Rng(0x5eed, b, 0, 0); stats(indices)
// returns the statistics of that resample. Returns one (lo, hi) per statistic; resamples where
// a statistic is NaN are left out of its interval.
struct Bounds {
  double lo, hi;
};
using ResampleStatistics = std::function<std::vector<double>(const std::vector<std::uint32_t>&)>;
std::vector<Bounds> bootstrap_intervals(std::size_t n, const ResampleStatistics& stats, double level = 0.95,
                                        std::size_t resamples = 2000);

// Quantile q in [0,1] with linear interpolation between order statistics (Hyndman-Fan type 7,
// as numpy's default). NaN values are ignored; NaN if none remain.
double quantile(std::vector<double> values, double q);

// Keeps, per scenario, the per-run summaries and the final value of a few series; thread-safe.
class SummarySink final : public Sink {
 public:
  SummarySink(const RecordSchema& schema, std::size_t scenarios, std::size_t replicates);
  void write(const RunResult& run) override;
  // A plain-text table: one row per scenario, median and 90% interval across replicates.
  std::string table(const std::vector<std::string>& scenario_names) const;
  // Differences from the reference scenario, paired by replicate (common random numbers):
  // mean difference with a 95% paired-bootstrap interval for the main outcomes. Empty when
  // there is a single scenario.
  std::string difference_table(const std::vector<std::string>& scenario_names, std::size_t reference) const;
  // Values of a column across the ok runs of a scenario (for tests).
  std::vector<double> column(std::size_t scenario, const std::string& name) const;

 private:
  struct Column {
    std::string name;
    bool from_series;
    std::size_t var;     // index in schema.series or schema.summaries
    std::size_t offset;  // index within the axis (e.g. the citizen sector)
  };
  std::size_t column_index(const std::string& name) const noexcept;  // columns_.size() if absent
  const RecordSchema& schema_;
  std::vector<Column> columns_;
  mutable std::mutex mutex_;
  std::vector<std::vector<std::vector<double>>> values_;  // [scenario][column][replicate], NaN if not ok
  std::vector<std::size_t> failed_;
};

}  // namespace cimsim
