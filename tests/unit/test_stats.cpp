// Sweep designs and the statistics of `cimsim compare` / `cimsim sensitivity`, checked against
// known answers (textbook examples, analytic indices, coverage on synthetic data).
#include "scenarios/design.hpp"
#include "analysis/stats.hpp"
#include "engine/rng.hpp"
#include "engine/error.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <vector>

using namespace cimsim;

namespace {

const std::vector<ParamRange> kThree = {{"a", 0.0, 1.0}, {"b", -2.0, 2.0}, {"c", 10.0, 20.0}};

}  // namespace

TEST(Design, GridIsTheFullProductFirstParameterSlowest) {
  const Design g = grid_design({{"a", 0.0, 1.0}, {"b", 10.0, 30.0}}, {2, 3});
  ASSERT_EQ(g.size(), 6u);
  const Design want = {{0, 10}, {0, 20}, {0, 30}, {1, 10}, {1, 20}, {1, 30}};
  EXPECT_EQ(g, want);
  EXPECT_EQ(grid_design(kThree, {4, 5, 1}).size(), 20u);
  EXPECT_EQ(grid_design(kThree, {4, 5, 1})[0][2], 15.0);  // one level: the midpoint
  // Integer axis: rounded, repeated values dropped (0..2 holds only three integers).
  const Design gi = grid_design({{"n", 0.0, 2.0, true}}, {5});
  EXPECT_EQ(gi, (Design{{0}, {1}, {2}}));
  EXPECT_THROW(grid_design(kThree, {2, 2}), InputError);
  EXPECT_THROW(grid_design({{"a", 1.0, 0.0}}, {2}), InputError);
  EXPECT_THROW(grid_design({{"a", 0.0, 1.0}, {"a", 0.0, 1.0}}, {2, 2}), InputError);
}

TEST(Design, LatinHypercubeHasOnePointPerStratumInEveryColumn) {
  const std::size_t n = 37;
  const Design d = lhs_design(kThree, n, 42);
  ASSERT_EQ(d.size(), n);
  for (std::size_t j = 0; j < kThree.size(); ++j) {
    std::set<std::size_t> strata;
    for (const auto& row : d) {
      const double u = (row[j] - kThree[j].lo) / (kThree[j].hi - kThree[j].lo);
      ASSERT_GE(u, 0.0);
      ASSERT_LT(u, 1.0);
      strata.insert(static_cast<std::size_t>(u * static_cast<double>(n)));
    }
    EXPECT_EQ(strata.size(), n) << "column " << j;
  }
  EXPECT_EQ(d, lhs_design(kThree, n, 42));  // deterministic in the seed
  EXPECT_NE(d, lhs_design(kThree, n, 43));
  // Columns are not all in the same order (independent permutations).
  std::size_t same = 0;
  for (std::size_t i = 1; i < n; ++i) same += (d[i][0] > d[i - 1][0]) == (d[i][1] > d[i - 1][1]);
  EXPECT_LT(same, n - 1);
  // Integer parameter with as many values as points: every value exactly once.
  const Design di = lhs_design({{"k", 1.0, 10.0, true}}, 10, 7);
  std::set<double> vals;
  for (const auto& row : di) vals.insert(row[0]);
  EXPECT_EQ(vals.size(), 10u);
  EXPECT_EQ(*vals.begin(), 1.0);
  EXPECT_EQ(*vals.rbegin(), 10.0);
}

TEST(Design, SaltelliOrderIsABThenABi) {
  const std::size_t n = 16, k = kThree.size();
  const Design d = saltelli_design(kThree, n, 5);
  ASSERT_EQ(d.size(), n * (k + 2));
  for (std::size_t p = 0; p < n; ++p) {
    const auto& a = d[p];
    const auto& b = d[n + p];
    for (std::size_t j = 0; j < k; ++j) {
      EXPECT_GE(a[j], kThree[j].lo);
      EXPECT_LE(a[j], kThree[j].hi);
      EXPECT_NE(a[j], b[j]);
    }
    for (std::size_t i = 0; i < k; ++i) {
      const auto& ab = d[(2 + i) * n + p];
      for (std::size_t j = 0; j < k; ++j) EXPECT_EQ(ab[j], j == i ? b[j] : a[j]) << "AB_" << i << " row " << p;
    }
  }
  EXPECT_EQ(d, saltelli_design(kThree, n, 5));
  EXPECT_NE(d, saltelli_design(kThree, n, 6));
  // Low discrepancy: each column of A puts N/4 points in each quarter of the range.
  for (std::size_t j = 0; j < k; ++j) {
    std::vector<int> quarter(4, 0);
    for (std::size_t p = 0; p < n; ++p)
      ++quarter[static_cast<std::size_t>(4.0 * (d[p][j] - kThree[j].lo) / (kThree[j].hi - kThree[j].lo))];
    EXPECT_EQ(*std::max_element(quarter.begin(), quarter.end()) - *std::min_element(quarter.begin(), quarter.end()),
              0)
        << "column " << j;
  }
}

// --- Kaplan-Meier ------------------------------------------------------------------------------

// Freireich et al. (1963) remission times (weeks) of 42 leukaemia patients, as tabulated in
// Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text", 3rd ed. (Springer 2012),
// chapter 2, with the product-limit table for each group. '+' = censored.
TEST(KaplanMeier, FreireichTreatmentGroupMatchesKleinbaumKlein) {
  // Group 1 (6-MP): 6,6,6,7,10,13,16,22,23, 6+,9+,10+,11+,17+,19+,20+,25+,32+,32+,34+,35+
  const std::vector<double> t = {6, 6, 6, 7, 10, 13, 16, 22, 23, 6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35};
  std::vector<bool> ev(t.size(), false);
  for (std::size_t i = 0; i < 9; ++i) ev[i] = true;
  const Survival s = kaplan_meier(t, ev);
  const std::vector<double> times = {6, 7, 10, 13, 16, 22, 23};
  const std::vector<double> book = {0.8571, 0.8067, 0.7529, 0.6902, 0.6275, 0.5378, 0.4482};
  const std::vector<std::size_t> risk = {21, 17, 15, 12, 11, 7, 6};
  ASSERT_EQ(s.time, times);
  for (std::size_t i = 0; i < book.size(); ++i) {
    EXPECT_NEAR(s.survival[i], book[i], 5e-5) << "t=" << times[i];
    EXPECT_EQ(s.at_risk[i], risk[i]) << "t=" << times[i];
    std::printf("  6-MP  t=%2.0f  at risk %2zu  S=%.4f (book %.4f)\n", times[i], s.at_risk[i], s.survival[i], book[i]);
  }
  EXPECT_EQ(s.median, 23.0);  // the book: median survival 23 weeks
  EXPECT_EQ(s.n, 21u);
  EXPECT_EQ(s.n_events, 9u);
  EXPECT_DOUBLE_EQ(s.at(5.9), 1.0);
  EXPECT_NEAR(s.at(12.0), 0.7529, 5e-5);
  EXPECT_NEAR(s.at(100.0), 0.4482, 5e-5);
}

TEST(KaplanMeier, FreireichPlaceboGroupHasMedianEight) {
  // Group 2 (placebo), no censoring: 1,1,2,2,3,4,4,5,5,8,8,8,8,11,11,12,12,15,17,22,23
  const std::vector<double> t = {1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23};
  const Survival s = kaplan_meier(t, std::vector<bool>(t.size(), true));
  // Without censoring S is the empirical survival function: S(8) = 8/21 = 0.381 (book .3810).
  EXPECT_NEAR(s.at(8.0), 8.0 / 21.0, 1e-12);
  EXPECT_NEAR(s.at(5.0), 12.0 / 21.0, 1e-12);
  EXPECT_EQ(s.median, 8.0);  // the book: median 8 weeks
  EXPECT_DOUBLE_EQ(s.survival.back(), 0.0);
  // All censored: no event, no median.
  const Survival c = kaplan_meier({120, 120, 120}, {false, false, false});
  EXPECT_TRUE(c.time.empty());
  EXPECT_TRUE(std::isnan(c.median));
  EXPECT_DOUBLE_EQ(c.at(200.0), 1.0);
}

// --- Wilson ------------------------------------------------------------------------------------

// Newcombe (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
// methods", Statistics in Medicine 17:857-872, Table II, method 3 (score, no continuity correction).
TEST(Wilson, MatchesNewcombesTable) {
  struct Case {
    std::size_t k, n;
    double lo, hi;
  };
  for (const Case& c : {Case{81, 263, 0.2553, 0.3662}, Case{15, 148, 0.0624, 0.1605}, Case{0, 20, 0.0, 0.1611},
                        Case{1, 29, 0.0061, 0.1718}}) {
    const Interval w = wilson_interval(c.k, c.n);
    std::printf("  %zu/%zu: %.4f [%.4f, %.4f]\n", c.k, c.n, w.estimate, w.lo, w.hi);
    EXPECT_NEAR(w.lo, c.lo, 5e-5);
    EXPECT_NEAR(w.hi, c.hi, 5e-5);
    EXPECT_DOUBLE_EQ(w.estimate, static_cast<double>(c.k) / static_cast<double>(c.n));
  }
  EXPECT_NEAR(normal_quantile_two_sided(0.95), 1.959964, 1e-6);
  EXPECT_DOUBLE_EQ(wilson_interval(29, 29).hi, 1.0);
  EXPECT_TRUE(std::isnan(wilson_interval(0, 0).estimate));
}

// --- Bootstrap ---------------------------------------------------------------------------------

TEST(Bootstrap, PairedIntervalCoversTheTrueMeanDifference) {
  // 400 synthetic paired data sets of 50 pairs: x = y + 0.3 + noise, true mean difference 0.3.
  // The 95% percentile interval should contain 0.3 in about 95% of them.
  const std::size_t sets = 400, n = 50;
  std::size_t covered = 0;
  for (std::size_t s = 0; s < sets; ++s) {
    Rng r(2024, static_cast<std::uint32_t>(s), 0, 7);
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = r.normal(1.0, 2.0);             // shared between the pair (common random numbers)
      x[i] = y[i] + 0.3 + r.normal(0.0, 0.5);
    }
    const PairedDifference d = paired_difference(x, y, 0.95, 1000);
    ASSERT_EQ(d.diff.n, n);
    covered += d.diff.lo <= 0.3 && 0.3 <= d.diff.hi;
  }
  const double coverage = static_cast<double>(covered) / static_cast<double>(sets);
  std::printf("  coverage of the 95%% paired bootstrap interval: %.3f (%zu of %zu data sets)\n", coverage, covered, sets);
  EXPECT_GE(coverage, 0.92);
  EXPECT_LE(coverage, 0.98);
}

TEST(Bootstrap, PairsWithAMissingValueAreDropped) {
  const double nan = std::nan("");
  const PairedDifference d = paired_difference({1.0, 2.0, nan, 4.0}, {0.5, nan, 1.0, 3.0});
  EXPECT_EQ(d.diff.n, 2u);
  EXPECT_DOUBLE_EQ(d.x_mean, 2.5);
  EXPECT_DOUBLE_EQ(d.y_mean, 1.75);
  EXPECT_DOUBLE_EQ(d.diff.mean, 0.75);
  EXPECT_LE(d.diff.lo, d.diff.mean);
  EXPECT_GE(d.diff.hi, d.diff.mean);
  EXPECT_THROW(paired_difference({1.0}, {1.0, 2.0}), std::invalid_argument);
}

// --- Sobol' indices ------------------------------------------------------------------------------

namespace {
double ishigami(const std::vector<double>& x) {
  constexpr double a = 7.0, b = 0.1;
  return std::sin(x[0]) + a * std::sin(x[1]) * std::sin(x[1]) + b * std::pow(x[2], 4) * std::sin(x[0]);
}
}  // namespace

TEST(Sobol, IshigamiIndicesMatchTheAnalyticValues) {
  // Ishigami & Homma (1990), a = 7, b = 0.1, x_i ~ U(-pi, pi); analytic indices e.g. in
  // Saltelli et al. (2008), "Global Sensitivity Analysis: The Primer", and SALib's test suite.
  const double pi = std::acos(-1.0);
  const std::vector<ParamRange> r = {{"x1", -pi, pi}, {"x2", -pi, pi}, {"x3", -pi, pi}};
  const std::size_t n = 8192;
  const Design d = saltelli_design(r, n, 1);
  std::vector<double> y;
  for (const auto& row : d) y.push_back(ishigami(row));
  const auto idx = sobol_indices(y, n, 3, 0.95, 500);
  const double s1[] = {0.3139, 0.4424, 0.0}, st[] = {0.5576, 0.4424, 0.2437};
  for (std::size_t i = 0; i < 3; ++i) {
    std::printf("  x%zu: S1 %.4f [%.4f, %.4f] (analytic %.4f)   ST %.4f [%.4f, %.4f] (analytic %.4f)\n", i + 1,
                idx[i].first.estimate, idx[i].first.lo, idx[i].first.hi, s1[i], idx[i].total.estimate,
                idx[i].total.lo, idx[i].total.hi, st[i]);
    EXPECT_NEAR(idx[i].first.estimate, s1[i], 0.02) << "S1 x" << i + 1;
    EXPECT_NEAR(idx[i].total.estimate, st[i], 0.02) << "ST x" << i + 1;
    EXPECT_LE(idx[i].first.lo, s1[i]);
    EXPECT_GE(idx[i].first.hi, s1[i]);
    EXPECT_LE(idx[i].total.lo, st[i]);
    EXPECT_GE(idx[i].total.hi, st[i]);
    EXPECT_LT(idx[i].total.hi - idx[i].total.lo, 0.1);
  }
  EXPECT_THROW(sobol_indices(y, n, 4), std::invalid_argument);
}

// --- Morris ------------------------------------------------------------------------------------

TEST(Morris, LinearFunctionOnAGridAndOnALatinHypercube) {
  // y = 2a - 3b over a in [0, 1], b in [0, 2], c in [0, 5] (no effect): across their full ranges
  // a moves y by 2, b by -6, c by 0; a linear function has the same effect everywhere.
  const std::vector<ParamRange> r = {{"a", 0.0, 1.0}, {"b", 0.0, 2.0}, {"c", 0.0, 5.0}};
  auto f = [](const std::vector<double>& x) { return 2.0 * x[0] - 3.0 * x[1]; };
  for (const Design& d : {grid_design(r, {3, 4, 2}), lhs_design(r, 60, 3)}) {
    std::vector<double> y;
    for (const auto& row : d) y.push_back(f(row));
    const auto m = morris_effects(d, y);
    ASSERT_EQ(m.size(), 3u);
    std::printf("  %zu points: mu* %.3f %.3f %.3f  sigma %.2g %.2g %.2g\n", d.size(), m[0].mu_star, m[1].mu_star,
                m[2].mu_star, m[0].sigma, m[1].sigma, m[2].sigma);
    // LHS: the observed range is slightly narrower than [lo, hi]; allow for that.
    const double tol = d.size() == 24 ? 1e-9 : 0.1;
    EXPECT_NEAR(m[0].mu, 2.0, 2.0 * tol);
    EXPECT_NEAR(m[1].mu, -6.0, 6.0 * tol);
    EXPECT_NEAR(m[1].mu_star, 6.0, 6.0 * tol);
    EXPECT_NEAR(m[2].mu_star, 0.0, 1e-9);
    EXPECT_NEAR(m[0].sigma, 0.0, 1e-6);
  }
}

TEST(Morris, InteractionShowsAsSpread) {
  // y = a*b on a 5x5 grid over [0,1]^2 plus an inert c: the effect of a depends on b, so
  // sigma_a > 0, and mu_a = mean of b = 0.5.
  const Design d = grid_design({{"a", 0.0, 1.0}, {"b", 0.0, 1.0}, {"c", 0.0, 1.0}}, {5, 5, 2});
  std::vector<double> y;
  for (const auto& row : d) y.push_back(row[0] * row[1]);
  const auto m = morris_effects(d, y);
  std::printf("  a: mu %.3f mu* %.3f sigma %.3f; c: mu* %.3f\n", m[0].mu, m[0].mu_star, m[0].sigma, m[2].mu_star);
  EXPECT_NEAR(m[0].mu, 0.5, 1e-12);
  EXPECT_GT(m[0].sigma, 0.3);
  EXPECT_EQ(m[2].mu_star, 0.0);
  EXPECT_EQ(m[0].effects, 4u * 5u * 2u);
  EXPECT_THROW(morris_effects({{0.0}}, {1.0}), std::invalid_argument);
}
