#include "engine/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

using cimsim::Rng;

TEST(Rng, SameKeySameStream) {
  Rng a(42, 7, 3, 20), b(42, 7, 3, 20);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u32(), b.next_u32());
}

TEST(Rng, EveryKeyComponentChangesTheStream) {
  auto first = [](std::uint64_t s, std::uint32_t t, std::uint32_t a, std::uint32_t p) {
    Rng r(s, t, a, p);
    return r.next_u64();
  };
  const auto base = first(42, 7, 3, 20);
  EXPECT_NE(base, first(43, 7, 3, 20));
  EXPECT_NE(base, first(42 + (1ull << 32), 7, 3, 20));  // high half of the seed counts too
  EXPECT_NE(base, first(42, 8, 3, 20));
  EXPECT_NE(base, first(42, 7, 4, 20));
  EXPECT_NE(base, first(42, 7, 3, 21));
}

TEST(Rng, UniformMomentsAndRange) {
  Rng r(1, 0, 0, 16);
  const int n = 200000;
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sq += u * u;
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  // Standard error of the mean is sqrt(1/12/n) ~ 0.00065; allow 5 of them.
  EXPECT_NEAR(mean, 0.5, 0.0033);
  EXPECT_NEAR(var, 1.0 / 12.0, 0.002);
}

TEST(Rng, NormalMoments) {
  Rng r(9, 0, 0, 16);
  const int n = 200000;
  double sum = 0, sq = 0;
  for (int i = 0; i < n; ++i) {
    const double z = r.normal();
    sum += z;
    sq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.012);
  EXPECT_NEAR(sq / n, 1.0, 0.015);
}

TEST(Rng, BelowIsUnbiasedAndInRange) {
  Rng r(5, 0, 0, 16);
  std::vector<int> counts(7, 0);
  const int n = 70000;
  for (int i = 0; i < n; ++i) {
    const auto x = r.below(7);
    ASSERT_LT(x, 7u);
    ++counts[x];
  }
  double chi2 = 0;
  for (int c : counts) chi2 += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
  EXPECT_LT(chi2, 22.46);  // chi-square, 6 degrees of freedom, p = 0.001
}

// Streams that differ only in agent (or purpose) must not be correlated.
TEST(Rng, NeighbouringStreamsAreIndependent) {
  const int n = 50000;
  double sxy = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < n; ++i) {
    const double x = Rng(3, 1, static_cast<std::uint32_t>(i), 32).uniform();
    const double y = Rng(3, 1, static_cast<std::uint32_t>(i) + 1, 32).uniform();
    const double z = Rng(3, 1, static_cast<std::uint32_t>(i), 33).uniform();
    sx += x, sy += y, sxy += x * y, sxx += x * x, syy += y * y;
    (void)z;
  }
  const double cov = sxy / n - (sx / n) * (sy / n);
  const double corr = cov / std::sqrt((sxx / n - sx * sx / n / n) * (syy / n - sy * sy / n / n));
  std::printf("correlation of neighbouring agent streams: %.5f\n", corr);
  EXPECT_LT(std::fabs(corr), 4.0 / std::sqrt(n));
}

TEST(Rng, BlockKeyedDrawsDiffer) {
  std::set<std::uint32_t> seen;
  for (std::uint32_t b = 0; b < 1000; ++b) seen.insert(Rng(1, 2, 3, 4, b).next_u32());
  EXPECT_GT(seen.size(), 995u);
}

TEST(SeedDerivation, DependsOnMasterAndReplicateOnly) {
  EXPECT_EQ(cimsim::replicate_seed(1, 5), cimsim::replicate_seed(1, 5));
  EXPECT_NE(cimsim::replicate_seed(1, 5), cimsim::replicate_seed(1, 6));
  EXPECT_NE(cimsim::replicate_seed(1, 5), cimsim::replicate_seed(2, 5));
  std::set<std::uint64_t> seeds;
  for (std::uint64_t k = 0; k < 10000; ++k) seeds.insert(cimsim::replicate_seed(7, k));
  EXPECT_EQ(seeds.size(), 10000u);
}
