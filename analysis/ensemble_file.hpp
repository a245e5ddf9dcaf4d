// Read access to a cimsim output file for the analyses (compare, sensitivity): scenario names,
// run status and per-run values of any variable, NaN where a run did not finish ok.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cimsim {

class EnsembleFile {
 public:
  // Opens and checks the file; throws InputError naming the file if it is missing, not HDF5 or
  // not a cimsim output file.
  explicit EnsembleFile(std::string path);

  const std::string& path() const noexcept { return path_; }
  const std::vector<std::string>& scenarios() const noexcept { return scenarios_; }
  std::size_t realizations() const noexcept { return realizations_; }
  const std::vector<double>& months() const noexcept { return months_; }
  // Index of a scenario by name; scenarios().size() if absent.
  std::size_t scenario_index(const std::string& name) const;
  // Run status: 0 not run, 1 ok, 2 failed.
  int status(std::size_t s, std::size_t r) const { return status_[s * realizations_ + r]; }
  bool ok(std::size_t s, std::size_t r) const { return status(s, r) == 1; }
  std::uint64_t seed(std::size_t s, std::size_t r) const { return seeds_[s * realizations_ + r]; }

  bool has_dataset(const std::string& name) const;
  bool has_attribute(const std::string& name) const;
  std::string attribute(const std::string& name) const;  // root string attribute
  std::vector<std::string> strings(const std::string& name) const;

  // Any numeric dataset as read (shape and row-major values).
  struct Array {
    std::vector<std::uint64_t> shape;
    std::vector<double> values;
  };
  Array array(const std::string& name) const;
  // Number of dimensions of a per-run variable (2: per run, 3 or 4: series); throws if absent.
  std::size_t rank(const std::string& name) const { return numeric(name).shape.size(); }

  // Per-run values [scenario][realization] of a dataset shaped (scenario, realization) or, with a
  // time index, (scenario, realization, time) or (scenario, realization, time, sector) with a
  // sector index; NaN where the run is not ok.
  std::vector<std::vector<double>> per_run(const std::string& name) const;
  std::vector<std::vector<double>> per_run_at(const std::string& name, std::size_t time_index,
                                              std::size_t sector = 0) const;
  // (scenario, realization, k) dataset -> [scenario][realization][k], NaN where not ok.
  std::vector<std::vector<std::vector<double>>> per_run_vectors(const std::string& name) const;
  std::size_t sector_index(const std::string& sector) const;  // throws if absent
  // Index of a month in months(); throws InputError(where) if the file has no such month.
  std::size_t month_index(double month, const std::string& where) const;
  // Last month with a value of `outcome` for a run (its horizon); NaN if none.
  double last_month(std::size_t s, std::size_t r) const;

 private:
  const Array& numeric(const std::string& name) const;
  std::string path_;
  std::vector<std::string> scenarios_, datasets_;
  std::size_t realizations_ = 0;
  std::vector<double> months_;
  std::vector<int> status_;
  std::vector<std::uint64_t> seeds_;
  mutable std::map<std::string, Array> cache_;
};

}  // namespace cimsim
