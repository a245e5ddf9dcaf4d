#include "analysis/stats.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <string>

namespace cimsim {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / static_cast<double>(v.size());
}

}  // namespace

double normal_quantile_two_sided(double level) {
  if (!(level > 0.0 && level < 1.0)) throw std::invalid_argument("confidence level must be in (0, 1)");
  return boost::math::quantile(boost::math::normal_distribution<double>(), 0.5 + level / 2.0);
}

// --- Kaplan-Meier ------------------------------------------------------------------------------

double Survival::at(double t) const {
  double s = 1.0;
  for (std::size_t i = 0; i < time.size() && time[i] <= t; ++i) s = survival[i];
  return s;
}

Survival kaplan_meier(const std::vector<double>& time, const std::vector<bool>& event) {
  if (time.size() != event.size()) throw std::invalid_argument("kaplan_meier: time and event differ in length");
  // (time, observed) pairs; at equal times events come before censorings (censored at t means
  // still at risk at t).
  std::vector<std::pair<double, bool>> units;
  for (std::size_t i = 0; i < time.size(); ++i)
    if (!std::isnan(time[i])) units.emplace_back(time[i], event[i]);
  std::sort(units.begin(), units.end(),
            [](const auto& a, const auto& b) { return a.first < b.first || (a.first == b.first && a.second > b.second); });
  Survival out;
  out.n = units.size();
  out.median = kNaN;
  std::size_t at_risk = units.size();
  double s = 1.0;
  for (std::size_t i = 0; i < units.size();) {
    const double t = units[i].first;
    std::size_t d = 0, c = 0;
    for (; i < units.size() && units[i].first == t; ++i) (units[i].second ? d : c) += 1;
    if (d > 0) {
      s *= 1.0 - static_cast<double>(d) / static_cast<double>(at_risk);
      out.time.push_back(t);
      out.survival.push_back(s);
      out.at_risk.push_back(at_risk);
      out.events.push_back(d);
      out.n_events += d;
      if (std::isnan(out.median) && s <= 0.5) out.median = t;
    }
    at_risk -= d + c;
  }
  return out;
}

// --- Proportions and paired differences --------------------------------------------------------

Interval wilson_interval(std::size_t successes, std::size_t trials, double level) {
  if (trials == 0) return {kNaN, kNaN, kNaN};
  const double n = static_cast<double>(trials);
  const double p = static_cast<double>(successes) / n;
  const double z = normal_quantile_two_sided(level);
  const double z2 = z * z;
  const double centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
  const double half = z / (1.0 + z2 / n) * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n));
  return {p, std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

PairedDifference paired_difference(const std::vector<double>& x, const std::vector<double>& y, double level,
                                   std::size_t resamples) {
  if (x.size() != y.size()) throw std::invalid_argument("paired_difference: the two samples differ in length");
  std::vector<double> xs, ys, d;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) continue;
    xs.push_back(x[i]);
    ys.push_back(y[i]);
    d.push_back(x[i] - y[i]);
  }
  return {mean_of(xs), mean_of(ys), bootstrap_mean(std::move(d), level, resamples)};
}

// --- Sobol' indices ------------------------------------------------------------------------------

std::vector<SobolIndex> sobol_indices(const std::vector<double>& y, std::size_t n, std::size_t k, double level,
                                      std::size_t resamples) {
  if (n < 2 || k == 0 || y.size() != n * (k + 2))
    throw std::invalid_argument("sobol_indices: expected N*(k+2) outputs with N >= 2, got " + std::to_string(y.size()) +
                                " for N=" + std::to_string(n) + ", k=" + std::to_string(k));
  for (double v : y)
    if (!std::isfinite(v)) throw std::invalid_argument("sobol_indices: an output is missing (NaN) or infinite");
  const double* fa = y.data();
  const double* fb = y.data() + n;
  // Statistics of base rows idx: S1_1..S1_k, ST_1..ST_k.
  auto indices = [&](const std::vector<std::uint32_t>& idx) {
    const double m = static_cast<double>(idx.size());
    double sum = 0.0, sum2 = 0.0;
    for (auto p : idx) sum += fa[p] + fb[p];
    const double mean = sum / (2.0 * m);
    for (auto p : idx) sum2 += (fa[p] - mean) * (fa[p] - mean) + (fb[p] - mean) * (fb[p] - mean);
    const double var = sum2 / (2.0 * m - 1.0);
    std::vector<double> out(2 * k);
    for (std::size_t i = 0; i < k; ++i) {
      const double* fab = y.data() + (2 + i) * n;
      double first = 0.0, total = 0.0;
      for (auto p : idx) {
        first += fb[p] * (fab[p] - fa[p]);
        total += (fa[p] - fab[p]) * (fa[p] - fab[p]);
      }
      out[i] = var > 0.0 ? first / m / var : kNaN;
      out[k + i] = var > 0.0 ? total / (2.0 * m) / var : kNaN;
    }
    return out;
  };
  std::vector<std::uint32_t> all(n);
  std::iota(all.begin(), all.end(), 0u);
  const std::vector<double> est = indices(all);
  const std::vector<Bounds> b = bootstrap_intervals(n, indices, level, resamples);
  std::vector<SobolIndex> out(k);
  for (std::size_t i = 0; i < k; ++i) {
    const Bounds fb1 = b.empty() ? Bounds{kNaN, kNaN} : b[i];
    const Bounds fbt = b.empty() ? Bounds{kNaN, kNaN} : b[k + i];
    out[i] = {{est[i], fb1.lo, fb1.hi}, {est[k + i], fbt.lo, fbt.hi}};
  }
  return out;
}

// --- Morris-style elementary effects -------------------------------------------------------------

namespace {

// Columns scaled to [0, 1] by their observed range (a constant column stays 0).
std::vector<std::vector<double>> scaled(const std::vector<std::vector<double>>& x, std::size_t k) {
  std::vector<std::vector<double>> u = x;
  for (std::size_t j = 0; j < k; ++j) {
    double lo = x[0][j], hi = x[0][j];
    for (const auto& row : x) lo = std::min(lo, row[j]), hi = std::max(hi, row[j]);
    for (auto& row : u) row[j] = hi > lo ? (row[j] - lo) / (hi - lo) : 0.0;
  }
  return u;
}

// Effects of parameter j between neighbouring levels among points equal in all other columns.
std::vector<double> grid_effects(const std::vector<std::vector<double>>& u, const std::vector<double>& y,
                                 std::size_t j) {
  std::map<std::vector<double>, std::vector<std::pair<double, double>>> lines;  // other coords -> (u_j, y)
  for (std::size_t p = 0; p < u.size(); ++p) {
    std::vector<double> other = u[p];
    other.erase(other.begin() + static_cast<std::ptrdiff_t>(j));
    lines[other].emplace_back(u[p][j], y[p]);
  }
  std::vector<double> ee;
  for (auto& [other, line] : lines) {
    std::sort(line.begin(), line.end());
    for (std::size_t i = 1; i < line.size(); ++i)
      if (line[i].first > line[i - 1].first)
        ee.push_back((line[i].second - line[i - 1].second) / (line[i].first - line[i - 1].first));
  }
  return ee;
}

// Slopes of the least-squares plane y = b0 + sum b_j u_j through the given points (normal
// equations, Gaussian elimination with partial pivoting; k is small); empty if the points do
// not determine the plane. (Boost.uBLAS would do, but its 1.74 headers do not compile as C++20.)
std::vector<double> local_slopes(const std::vector<std::vector<double>>& u, const std::vector<double>& y,
                                 const std::vector<std::size_t>& pts, std::size_t k) {
  const std::size_t m = k + 1;
  std::vector<std::vector<double>> a(m, std::vector<double>(m + 1, 0.0));  // [A | rhs]
  std::vector<double> row(m);
  for (auto p : pts) {
    row[0] = 1.0;
    for (std::size_t j = 0; j < k; ++j) row[j + 1] = u[p][j];
    for (std::size_t r = 0; r < m; ++r) {
      for (std::size_t c = 0; c < m; ++c) a[r][c] += row[r] * row[c];
      a[r][m] += row[r] * y[p];
    }
  }
  double scale = 0.0;
  for (std::size_t r = 0; r < m; ++r) scale = std::max(scale, a[r][r]);
  for (std::size_t c = 0; c < m; ++c) {
    std::size_t piv = c;
    for (std::size_t r = c + 1; r < m; ++r)
      if (std::abs(a[r][c]) > std::abs(a[piv][c])) piv = r;
    if (!(std::abs(a[piv][c]) > 1e-10 * scale)) return {};  // points on a lower-dimensional set
    std::swap(a[c], a[piv]);
    for (std::size_t r = c + 1; r < m; ++r) {
      const double f = a[r][c] / a[c][c];
      for (std::size_t cc = c; cc <= m; ++cc) a[r][cc] -= f * a[c][cc];
    }
  }
  std::vector<double> b(m);
  for (std::size_t r = m; r-- > 0;) {
    double v = a[r][m];
    for (std::size_t c = r + 1; c < m; ++c) v -= a[r][c] * b[c];
    b[r] = v / a[r][r];
  }
  return std::vector<double>(b.begin() + 1, b.end());
}

MorrisEffect summarise(const std::vector<double>& ee) {
  if (ee.empty()) return {kNaN, kNaN, kNaN, 0};
  double s = 0.0, sa = 0.0;
  for (double e : ee) s += e, sa += std::abs(e);
  const double n = static_cast<double>(ee.size());
  const double mu = s / n;
  double ss = 0.0;
  for (double e : ee) ss += (e - mu) * (e - mu);
  return {mu, sa / n, ee.size() > 1 ? std::sqrt(ss / (n - 1.0)) : 0.0, ee.size()};
}

}  // namespace

std::vector<MorrisEffect> morris_effects(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                                         MorrisMethod* used) {
  if (x.empty() || x.size() != y.size())
    throw std::invalid_argument("morris_effects: points and outputs differ in number or are empty");
  const std::size_t k = x[0].size();
  for (const auto& row : x)
    if (row.size() != k) throw std::invalid_argument("morris_effects: points differ in dimension");
  if (k == 0 || x.size() < k + 2)
    throw std::invalid_argument("morris_effects: need at least k+2 = " + std::to_string(k + 2) + " points, got " +
                                std::to_string(x.size()));
  const auto u = scaled(x, k);

  std::vector<std::vector<double>> ee(k);
  bool grid = true;
  for (std::size_t j = 0; j < k && grid; ++j) {
    ee[j] = grid_effects(u, y, j);
    grid = !ee[j].empty();
  }
  if (used != nullptr) *used = grid ? MorrisMethod::grid_differences : MorrisMethod::local_regression;
  if (!grid) {
    for (auto& e : ee) e.clear();
    const std::size_t m = std::min(x.size(), 2 * k + 3);  // the point and its 2k+2 nearest neighbours
    std::vector<std::size_t> order(x.size());
    std::vector<double> dist(x.size());
    for (std::size_t p = 0; p < x.size(); ++p) {
      for (std::size_t q = 0; q < x.size(); ++q) {
        double d2 = 0.0;
        for (std::size_t j = 0; j < k; ++j) d2 += (u[p][j] - u[q][j]) * (u[p][j] - u[q][j]);
        dist[q] = d2;
      }
      std::iota(order.begin(), order.end(), std::size_t{0});
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m), order.end(),
                        [&](std::size_t a, std::size_t b) { return dist[a] < dist[b] || (dist[a] == dist[b] && a < b); });
      const std::vector<std::size_t> near(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m));
      const auto slopes = local_slopes(u, y, near, k);
      for (std::size_t j = 0; j < slopes.size(); ++j) ee[j].push_back(slopes[j]);
    }
  }
  std::vector<MorrisEffect> out;
  for (const auto& e : ee) out.push_back(summarise(e));
  return out;
}

}  // namespace cimsim
