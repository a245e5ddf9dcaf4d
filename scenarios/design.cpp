#include "scenarios/design.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>

namespace cimsim {
namespace {

// Rng purposes of the design generators (streams of their own; no model run uses this seed).
constexpr std::uint32_t kPurposeLhsPermutation = 1;
constexpr std::uint32_t kPurposeLhsJitter = 2;
constexpr std::uint32_t kPurposeSaltelliShift = 3;

void check_size(const char* what, std::size_t n) {
  if (n == 0) throw InputError(what, "", "must be a positive integer, got 0");
}

}  // namespace

void check_ranges(const std::vector<ParamRange>& ranges) {
  if (ranges.empty()) throw InputError("design", "", "needs at least one parameter to vary");
  std::set<std::string> keys;
  for (const auto& r : ranges) {
    if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || r.lo > r.hi)
      throw InputError("design", r.key, "expected a range lo <= hi with finite values");
    if (r.integer && (r.lo != std::floor(r.lo) || r.hi != std::floor(r.hi)))
      throw InputError("design", r.key, "an integer parameter needs whole-number bounds");
    if (!keys.insert(r.key).second) throw InputError("design", r.key, "is varied twice; list each parameter once");
  }
}

double scale_to_range(const ParamRange& r, double u) {
  if (r.integer) {
    const double v = std::floor(r.lo + u * (r.hi - r.lo + 1.0));
    return std::min(v, r.hi);
  }
  return r.lo + u * (r.hi - r.lo);
}

Design grid_design(const std::vector<ParamRange>& ranges, const std::vector<std::size_t>& levels) {
  check_ranges(ranges);
  if (levels.size() != ranges.size())
    throw InputError("design", "", "grid needs one level count per parameter: " + std::to_string(ranges.size()) +
                                       " parameter(s), " + std::to_string(levels.size()) + " level count(s)");
  std::vector<std::vector<double>> axes(ranges.size());
  for (std::size_t j = 0; j < ranges.size(); ++j) {
    const ParamRange& r = ranges[j];
    if (levels[j] == 0) throw InputError("design", r.key, "grid levels must be a positive integer, got 0");
    for (std::size_t i = 0; i < levels[j]; ++i) {
      double v = levels[j] == 1 ? 0.5 * (r.lo + r.hi)
                                : r.lo + (r.hi - r.lo) * static_cast<double>(i) / static_cast<double>(levels[j] - 1);
      if (i + 1 == levels[j] && levels[j] > 1) v = r.hi;  // exact end point
      if (r.integer) v = std::round(v);
      if (axes[j].empty() || axes[j].back() != v) axes[j].push_back(v);
    }
  }
  std::size_t total = 1;
  for (const auto& a : axes) total *= a.size();
  Design out;
  out.reserve(total);
  std::vector<std::size_t> idx(ranges.size(), 0);
  for (std::size_t p = 0; p < total; ++p) {
    std::vector<double> row(ranges.size());
    for (std::size_t j = 0; j < ranges.size(); ++j) row[j] = axes[j][idx[j]];
    out.push_back(std::move(row));
    for (std::size_t j = ranges.size(); j-- > 0;) {  // odometer: last parameter fastest
      if (++idx[j] < axes[j].size()) break;
      idx[j] = 0;
    }
  }
  return out;
}

Design lhs_design(const std::vector<ParamRange>& ranges, std::size_t n, std::uint64_t seed) {
  check_ranges(ranges);
  check_size("--points", n);
  const std::size_t k = ranges.size();
  Design out(n, std::vector<double>(k));
  for (std::size_t j = 0; j < k; ++j) {
    // Fisher-Yates shuffle of the strata, then a uniform position within each stratum.
    std::vector<std::size_t> perm(n);
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    Rng shuffle(seed, static_cast<std::uint32_t>(j), 0, kPurposeLhsPermutation);
    for (std::size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[shuffle.below(static_cast<std::uint32_t>(i))]);
    Rng jitter(seed, static_cast<std::uint32_t>(j), 0, kPurposeLhsJitter);
    for (std::size_t i = 0; i < n; ++i) {
      const double u = (static_cast<double>(perm[i]) + jitter.uniform()) / static_cast<double>(n);
      out[i][j] = scale_to_range(ranges[j], std::min(u, std::nextafter(1.0, 0.0)));
    }
  }
  return out;
}

Design saltelli_design(const std::vector<ParamRange>& ranges, std::size_t n, std::uint64_t seed) {
  check_ranges(ranges);
  check_size("--points", n);
  const std::size_t k = ranges.size();
  // Boost's engine starts after the all-zero point; the design starts at it, so that the first
  // 2^m points form a complete net (each column's first 2^m values are j/2^m before the shift).
  boost::random::sobol sobol(2 * k);
  std::vector<double> shift(2 * k);
  Rng r(seed, 0, 0, kPurposeSaltelliShift);
  for (auto& s : shift) s = r.uniform();

  Design out(n * (k + 2), std::vector<double>(k));
  for (std::size_t p = 0; p < n; ++p) {
    for (std::size_t d = 0; d < 2 * k; ++d) {
      // 53 high bits of the 64-bit coordinate -> [0, 1), then the rotation.
      const double x = p == 0 ? 0.0 : static_cast<double>(sobol() >> 11) * 0x1p-53;
      double u = x + shift[d];
      if (u >= 1.0) u -= 1.0;
      const std::size_t j = d % k;
      const double v = scale_to_range(ranges[j], u);
      if (d < k) {
        out[p][j] = v;  // A
        for (std::size_t i = 0; i < k; ++i)
          if (i != j) out[(2 + i) * n + p][j] = v;  // AB_i keeps A's other columns
      } else {
        out[n + p][j] = v;              // B
        out[(2 + j) * n + p][j] = v;    // AB_j takes column j from B
      }
    }
  }
  return out;
}

}  // namespace cimsim
