#include "analysis/ensemble_file.hpp"

#include "analysis/hdf5_read.hpp"
#include "engine/error.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace cimsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool is_hdf5(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char sig[8] = {};
  in.read(sig, 8);
  return in.gcount() == 8 && std::memcmp(sig, "\x89HDF\r\n\x1a\n", 8) == 0;
}

}  // namespace

EnsembleFile::EnsembleFile(std::string path) : path_(std::move(path)) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) throw InputError(path_, "", "no such file");
  if (std::filesystem::is_directory(path_, ec)) throw InputError(path_, "", "is a directory, expected an output file");
  if (!is_hdf5(path_)) throw InputError(path_, "", "is not an HDF5/netCDF-4 file; expected the output of `cimsim run`");
  try {
    datasets_ = h5::dataset_names(path_);
  } catch (const InputError&) {
    throw;
  } catch (const std::runtime_error& e) {
    throw InputError(path_, "", std::string("cannot be read: ") + e.what());
  }
  for (const char* need : {"scenario", "realization", "time", "status", "seed", "outcome"})
    if (!has_dataset(need))
      throw InputError(path_, "", std::string("is not a cimsim output file (it has no dataset '") + need + "')");
  scenarios_ = h5::read_strings(path_, "scenario");
  realizations_ = static_cast<std::size_t>(h5::read_numeric(path_, "realization").values.size());
  months_ = h5::read_numeric(path_, "time").values;
  if (months_.empty()) throw InputError(path_, "time", "has no records");
  const auto st = h5::read_numeric(path_, "status");
  if (st.values.size() != scenarios_.size() * realizations_)
    throw InputError(path_, "status", "has the wrong shape for (scenario, realization)");
  for (double v : st.values) status_.push_back(static_cast<int>(v));
  const auto raw = h5::read_raw(path_, "seed");
  seeds_.resize(status_.size());
  if (raw.size() != seeds_.size() * sizeof(std::uint64_t))
    throw InputError(path_, "seed", "expected 64-bit seeds of shape (scenario, realization)");
  std::memcpy(seeds_.data(), raw.data(), raw.size());
}

std::size_t EnsembleFile::scenario_index(const std::string& name) const {
  return static_cast<std::size_t>(std::find(scenarios_.begin(), scenarios_.end(), name) - scenarios_.begin());
}

bool EnsembleFile::has_dataset(const std::string& name) const {
  return std::find(datasets_.begin(), datasets_.end(), name) != datasets_.end();
}

bool EnsembleFile::has_attribute(const std::string& name) const { return h5::has_attribute(path_, "/", name); }

std::string EnsembleFile::attribute(const std::string& name) const {
  return h5::read_string_attribute(path_, "/", name);
}

std::vector<std::string> EnsembleFile::strings(const std::string& name) const {
  if (!has_dataset(name)) throw InputError(path_, name, "dataset missing");
  return h5::read_strings(path_, name);
}

EnsembleFile::Array EnsembleFile::array(const std::string& name) const {
  if (!has_dataset(name)) throw InputError(path_, name, "dataset missing");
  auto d = h5::read_numeric(path_, name);
  return {std::move(d.shape), std::move(d.values)};
}

const EnsembleFile::Array& EnsembleFile::numeric(const std::string& name) const {
  auto it = cache_.find(name);
  if (it != cache_.end()) return it->second;
  if (!has_dataset(name)) throw InputError(path_, name, "the file has no such variable");
  auto d = h5::read_numeric(path_, name);
  if (d.shape.size() < 2 || d.shape[0] != scenarios_.size() || d.shape[1] != realizations_)
    throw InputError(path_, name, "expected a variable with dimensions (scenario, realization, ...)");
  return cache_.emplace(name, Array{std::move(d.shape), std::move(d.values)}).first->second;
}

std::vector<std::vector<double>> EnsembleFile::per_run(const std::string& name) const {
  const Array& d = numeric(name);
  if (d.shape.size() != 2) throw InputError(path_, name, "is a time series; give a time (--at) to use it");
  std::vector<std::vector<double>> out(scenarios_.size(), std::vector<double>(realizations_, kNaN));
  for (std::size_t s = 0; s < scenarios_.size(); ++s)
    for (std::size_t r = 0; r < realizations_; ++r)
      if (ok(s, r)) out[s][r] = d.values[s * realizations_ + r];
  return out;
}

std::vector<std::vector<double>> EnsembleFile::per_run_at(const std::string& name, std::size_t t,
                                                          std::size_t sector) const {
  const Array& d = numeric(name);
  if (d.shape.size() < 3 || d.shape[2] != months_.size())
    throw InputError(path_, name, "expected a variable with dimensions (scenario, realization, time, ...)");
  const std::size_t width = d.shape.size() == 4 ? static_cast<std::size_t>(d.shape[3]) : 1;
  if (d.shape.size() > 4 || sector >= width) throw InputError(path_, name, "unexpected extra dimension");
  std::vector<std::vector<double>> out(scenarios_.size(), std::vector<double>(realizations_, kNaN));
  for (std::size_t s = 0; s < scenarios_.size(); ++s)
    for (std::size_t r = 0; r < realizations_; ++r)
      if (ok(s, r)) out[s][r] = d.values[((s * realizations_ + r) * months_.size() + t) * width + sector];
  return out;
}

std::vector<std::vector<std::vector<double>>> EnsembleFile::per_run_vectors(const std::string& name) const {
  const Array& d = numeric(name);
  if (d.shape.size() != 3) throw InputError(path_, name, "expected dimensions (scenario, realization, event)");
  const auto k = static_cast<std::size_t>(d.shape[2]);
  std::vector<std::vector<std::vector<double>>> out(
      scenarios_.size(), std::vector<std::vector<double>>(realizations_, std::vector<double>(k, kNaN)));
  for (std::size_t s = 0; s < scenarios_.size(); ++s)
    for (std::size_t r = 0; r < realizations_; ++r)
      if (ok(s, r))
        for (std::size_t e = 0; e < k; ++e) out[s][r][e] = d.values[(s * realizations_ + r) * k + e];
  return out;
}

std::size_t EnsembleFile::sector_index(const std::string& sector) const {
  const auto names = strings("sector");
  const auto it = std::find(names.begin(), names.end(), sector);
  if (it == names.end()) throw InputError(path_, "sector", "has no sector '" + sector + "'");
  return static_cast<std::size_t>(it - names.begin());
}

std::size_t EnsembleFile::month_index(double month, const std::string& where) const {
  for (std::size_t i = 0; i < months_.size(); ++i)
    if (std::abs(months_[i] - month) < 1e-9) return i;
  throw InputError(where, "", "the file has no record at month " + std::to_string(static_cast<long long>(month)) +
                                  " (it covers months " + std::to_string(static_cast<long long>(months_.front())) +
                                  " to " + std::to_string(static_cast<long long>(months_.back())) + ")");
}

double EnsembleFile::last_month(std::size_t s, std::size_t r) const {
  const Array& d = numeric("outcome");
  for (std::size_t t = months_.size(); t-- > 0;)
    if (!std::isnan(d.values[(s * realizations_ + r) * months_.size() + t])) return months_[t];
  return kNaN;
}

}  // namespace cimsim
