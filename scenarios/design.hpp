// Sweep designs: which parameter values an experiment runs. scenarios::make_plan turns each row
// into one scenario (a sweep point); the output file records the design (root attribute `design`:
// grid, lhs, saltelli or csv; `saltelli_n` for saltelli), the swept keys (dataset `swept_parameter`;
// `parameter` in files before issue 14) and each scenario's values (dataset `scenario_parameter`, scenarios x parameters, NaN for a
// scenario that is not a sweep point). `cimsim sensitivity` (analysis/sensitivity.hpp) reads
// those back; a Saltelli design's rows must keep the order given below.
//
// Every generator returns rows = design points, columns = the parameters in the given order,
// values within [lo, hi] of each ParamRange. All are deterministic: the same arguments give the
// same design on every machine and at any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cimsim {

struct ParamRange {
  std::string key;  // parameter key, e.g. "backbone.staff"
  double lo, hi;    // closed range, lo <= hi
  bool integer = false;
};

using Design = std::vector<std::vector<double>>;

// Full factorial grid. levels[j] values per parameter j, evenly spaced from lo to hi (one level:
// the midpoint). Integer parameters are rounded to the nearest integer and repeated values
// dropped, so an axis may have fewer levels than asked. The first parameter varies slowest
// (like nested loops / itertools.product). levels.size() must equal ranges.size().
Design grid_design(const std::vector<ParamRange>& ranges, const std::vector<std::size_t>& levels);

// Latin hypercube of n points: each column has exactly one point in each of the n equal strata
// of [lo, hi], placed uniformly within the stratum; the strata are matched across columns by
// independent random permutations. Randomness from cimsim's counter-based Rng keyed by seed.
// Integer parameters: the stratum's value is mapped onto {lo, ..., hi} (each integer equally
// wide), so stratification holds on the underlying uniform scale.
Design lhs_design(const std::vector<ParamRange>& ranges, std::size_t n, std::uint64_t seed);

// Saltelli (2010) sample for Sobol' indices: N*(k+2) rows in the order A_1..A_N, B_1..B_N, then
// for i = 1..k: AB_i,1..AB_i,N, where AB_i is A with column i taken from B. A and B are the
// first and last k coordinates of a 2k-dimensional Sobol' sequence (Boost.Random's
// boost::random::sobol, Joe-Kuo direction numbers), randomised by a Cranley-Patterson
// rotation (a uniform shift modulo 1 per coordinate) drawn from cimsim's Rng keyed by seed.
Design saltelli_design(const std::vector<ParamRange>& ranges, std::size_t n, std::uint64_t seed);

// Maps u in [0, 1) onto a parameter's range (integers: floor onto {lo, ..., hi}).
double scale_to_range(const ParamRange& r, double u);

// Checks ranges (non-empty list, finite lo <= hi, distinct keys; integer bounds whole numbers);
// throws InputError naming the key otherwise.
void check_ranges(const std::vector<ParamRange>& ranges);

}  // namespace cimsim
