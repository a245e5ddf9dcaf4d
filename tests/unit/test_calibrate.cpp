// History matching (analysis/calibrate.hpp, docs/design/0006-calibration.md) on a toy simulator
// whose non-implausible region is known analytically, the implausibility formula, the next
// wave's box, determinism and resuming, and the calibration file's round trip.
#include "analysis/calibrate.hpp"
#include "analysis/calibrate_file.hpp"
#include "engine/error.hpp"
#include "scenarios/targets.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

using namespace cimsim;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Toy: f(theta) = (theta1, theta1 + theta2) plus noise of sd sigma. The noise is +sigma and
// -sigma in alternation over the R runs (R even), so that the mean of a point's runs is f(theta)
// and their sample sd exactly sigma sqrt(R / (R - 1)); the non-implausible region is then
//   |z1 - theta1| <= c1,  |z2 - theta1 - theta2| <= c2,  cj = cutoff sqrt(tol_j^2 + s^2 / R).
struct Toy {
  double z1 = 0.8, z2 = 1.6, tol1 = 0.05, tol2 = 0.15, sigma = 0.1;
  std::size_t R = 16;
  std::vector<HmTarget> targets() const { return {{"a", z1, z1, tol1, false}, {"b", z2, z2, tol2, false}}; }
  HmSimulator simulator() const {
    return [this](const std::vector<std::vector<double>>& points, std::size_t) {
      std::vector<std::vector<std::vector<double>>> out;
      for (const auto& p : points) {
        std::vector<double> a, b;
        for (std::size_t k = 0; k < R; ++k) {
          const double e = k % 2 == 0 ? sigma : -sigma;
          a.push_back(p[0] + e);
          b.push_back(p[0] + p[1] + e);
        }
        out.push_back({a, b});
      }
      return out;
    };
  }
  double c(double tol, double cutoff) const {
    const double s2 = sigma * sigma * static_cast<double>(R) / static_cast<double>(R - 1);
    return cutoff * std::sqrt(tol * tol + s2 / static_cast<double>(R));
  }
};

HmSettings toy_settings() {
  HmSettings s;
  s.prior = {{"theta1", 0.0, 2.0, false}, {"theta2", 0.0, 2.0, false}};
  s.points = 200;
  s.waves = 6;
  s.seed = 7;
  return s;
}

}  // namespace

TEST(Calibrate, ImplausibilityFormula) {
  // value: |z - m| / sqrt(tol^2 + s^2 / n); values 1, 2, 3: m = 2, s^2 = 1, n = 3
  const HmMeasure m = implausibility({"x", 3.0, 3.0, 0.5, false}, {1.0, 2.0, 3.0, std::nan("")});
  EXPECT_EQ(m.n, 3u);
  EXPECT_DOUBLE_EQ(m.mean, 2.0);
  EXPECT_DOUBLE_EQ(m.sd, 1.0);
  EXPECT_DOUBLE_EQ(m.implausibility, 1.0 / std::sqrt(0.25 + 1.0 / 3.0));
  // band: 0 inside, distance to the nearer end outside; open ends
  EXPECT_EQ(implausibility({"x", 1.0, 3.0, 0.0, false}, {1.5, 2.5}).implausibility, 0.0);
  EXPECT_DOUBLE_EQ(implausibility({"x", -kInf, 1.0, 0.0, false}, {1.5, 2.5}).implausibility, 1.0 / std::sqrt(0.5 / 2.0));
  EXPECT_EQ(implausibility({"x", 3.0, kInf, 0.0, false}, {3.0, 3.0}).implausibility, 0.0);
  // share of runs: variance p (1 - p); p = 0.25 of 4 runs, z = 0.75, tol 0
  EXPECT_DOUBLE_EQ(implausibility({"x", 0.75, 0.75, 0.0, true}, {1, 0, 0, 0}).implausibility,
                   0.5 / std::sqrt(0.25 * 0.75 / 4.0));
  // no spread and no tolerance: 0 on the value, +inf off it; no values: +inf
  EXPECT_EQ(implausibility({"x", 1.0, 1.0, 0.0, false}, {1.0, 1.0}).implausibility, 0.0);
  EXPECT_EQ(implausibility({"x", 1.0, 1.0, 0.0, false}, {2.0, 2.0}).implausibility, kInf);
  EXPECT_EQ(implausibility({"x", 1.0, 1.0, 0.0, false}, {std::nan("")}).implausibility, kInf);
}

TEST(Calibrate, NextBoxIsTheAcceptedBoxWidenedAndClipped) {
  HmSettings s;
  s.prior = {{"a", 0.0, 10.0, false}, {"b", 0.0, 10.0, true}};
  HmWave w;
  w.box_low = {0.0, 9.0};
  w.box_high = {10.0, 9.5};
  w.points = {2.0, 9.0, 4.0, 9.5, 5.0, 9.2, 7.0, 9.1};  // 4 points: spacing = width / sqrt(4)
  w.accepted = {1, 1, 0, 0};
  std::vector<double> lo, hi;
  next_box(s, &w, lo, hi);
  EXPECT_DOUBLE_EQ(lo[0], 0.0);   // accepted [2, 4]; one spacing (10 / 2 = 5 > 0.1 x 2) each side, clipped to the prior
  EXPECT_DOUBLE_EQ(hi[0], 9.0);
  EXPECT_DOUBLE_EQ(lo[1], 8.0);   // accepted [9, 9.5]; 0.25 each side -> [8.75, 9.75], rounded out to whole numbers
  EXPECT_DOUBLE_EQ(hi[1], 10.0);
  w.box_low = {1.9, 0.0};  // a narrow previous box: its spacing 0.2 / 2 = 0.1 (> 0.1 x the accepted width 0.2)
  w.box_high = {2.1, 10.0};
  w.points = {1.9, 5.0, 2.1, 5.0, 2.0, 5.0, 2.0, 5.0};
  w.accepted = {1, 1, 1, 1};
  next_box(s, &w, lo, hi);
  EXPECT_DOUBLE_EQ(lo[0], 1.9 - (2.1 - 1.9) * 0.5);
  EXPECT_DOUBLE_EQ(hi[0], 2.1 + (2.1 - 1.9) * 0.5);
  next_box(s, nullptr, lo, hi);
  EXPECT_EQ(lo, (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(hi, (std::vector<double>{10.0, 10.0}));
}

// The known answer: after the waves every accepted point lies in the analytic region and
// every rejected point outside it, and the accepted points span at least 80% of the region's
// width in each dimension.
TEST(Calibrate, ToyRecoversTheAnalyticNonImplausibleRegion) {
  const Toy toy;
  const HmSettings s = toy_settings();
  const double c1 = toy.c(toy.tol1, s.cutoff), c2 = toy.c(toy.tol2, s.cutoff);
  const auto waves = history_match(s, toy.targets(), toy.simulator());
  ASSERT_EQ(waves.size(), s.waves);
  constexpr double eps = 1e-9;
  for (std::size_t k = 0; k < waves.size(); ++k) {
    const HmWave& w = waves[k];
    for (std::size_t i = 0; i < w.accepted.size(); ++i) {
      const double t1 = w.points[2 * i], t2 = w.points[2 * i + 1];
      const double d1 = std::abs(toy.z1 - t1) - c1, d2 = std::abs(toy.z2 - t1 - t2) - c2;
      if (w.accepted[i]) EXPECT_TRUE(d1 <= eps && d2 <= eps) << "wave " << k + 1 << " point " << t1 << ", " << t2;
      else EXPECT_TRUE(d1 >= -eps || d2 >= -eps) << "wave " << k + 1 << " point " << t1 << ", " << t2;
    }
    std::printf("wave %zu: box [%.3f, %.3f] x [%.3f, %.3f], %zu of %zu accepted\n", k + 1, w.box_low[0], w.box_high[0],
                w.box_low[1], w.box_high[1], w.accepted_count(), w.accepted.size());
  }
  // The region: theta1 in z1 +- c1; theta2 in (z2 - theta1) +- c2 over those theta1.
  const double r1lo = toy.z1 - c1, r1hi = toy.z1 + c1;
  const double r2lo = toy.z2 - r1hi - c2, r2hi = toy.z2 - r1lo + c2;
  std::vector<double> lo, hi;
  accepted_box(waves.back(), 2, lo, hi);
  ASSERT_EQ(lo.size(), 2u);
  const double cover1 = (hi[0] - lo[0]) / (r1hi - r1lo), cover2 = (hi[1] - lo[1]) / (r2hi - r2lo);
  std::printf("analytic region: theta1 [%.4f, %.4f], theta2 [%.4f, %.4f]\n", r1lo, r1hi, r2lo, r2hi);
  std::printf("accepted box:    theta1 [%.4f, %.4f], theta2 [%.4f, %.4f]; covers %.1f%% and %.1f%% of the widths\n", lo[0],
              hi[0], lo[1], hi[1], 100 * cover1, 100 * cover2);
  EXPECT_GE(cover1, 0.8);
  EXPECT_GE(cover2, 0.8);
  const long b = best_point(waves.back());
  ASSERT_GE(b, 0);
  EXPECT_LE(waves.back().max_implausibility[static_cast<std::size_t>(b)], s.cutoff);
}

// Same settings: the same waves; waves continued from a prefix equal the waves run straight through.
TEST(Calibrate, DeterministicAndResumable) {
  const Toy toy;
  HmSettings s = toy_settings();
  const auto all = history_match(s, toy.targets(), toy.simulator());
  const auto again = history_match(s, toy.targets(), toy.simulator());
  s.waves = 2;
  const auto first = history_match(s, toy.targets(), toy.simulator());
  s.waves = 6;
  std::size_t calls = 0;
  const auto resumed = history_match(s, toy.targets(), toy.simulator(), first, [&](const std::vector<HmWave>&) { ++calls; });
  EXPECT_EQ(calls, 4u);
  ASSERT_EQ(resumed.size(), all.size());
  for (std::size_t k = 0; k < all.size(); ++k) {
    EXPECT_EQ(all[k].points, again[k].points);
    EXPECT_EQ(all[k].points, resumed[k].points);
    EXPECT_EQ(all[k].implausibility, resumed[k].implausibility);
    EXPECT_EQ(all[k].accepted, resumed[k].accepted);
  }
  s.seed = 8;  // another seed: other points
  EXPECT_NE(history_match(s, toy.targets(), toy.simulator()).front().points, all.front().points);
}

TEST(Calibrate, StopsAfterAWaveWithoutAcceptedPoints) {
  Toy toy;
  toy.z1 = 5.0;  // outside the prior [0, 2]: nothing is non-implausible
  const auto waves = history_match(toy_settings(), toy.targets(), toy.simulator());
  ASSERT_EQ(waves.size(), 1u);
  EXPECT_EQ(waves[0].accepted_count(), 0u);
  EXPECT_EQ(best_point(waves[0]), -1);
}

TEST(Calibrate, FileRoundTrip) {
  const Toy toy;
  HmSettings s = toy_settings();
  s.waves = 2;
  CalibrationRecord r;
  r.preset = "baseline";
  r.targets_file = "t.toml";
  r.command_line = "cimsim calibrate baseline";
  r.version = "test";
  r.sets = "a=1\nb=2";
  r.points = s.points;
  r.replicates = toy.R;
  r.waves_requested = 2;
  r.seed = s.seed;
  r.parameters = {"theta1", "theta2"};
  r.prior_low = {0, 0};
  r.prior_high = {2, 2};
  for (const auto& t : toy.targets()) {
    r.targets.push_back(t.name);
    r.target_low.push_back(t.low);
    r.target_high.push_back(t.high);
    r.target_tolerance.push_back(t.tolerance);
    r.target_share.push_back(0);
  }
  r.waves = history_match(s, toy.targets(), toy.simulator());
  const auto dir = std::filesystem::temp_directory_path() / ("cimsim-calibrate-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "c.h5").string();
  write_calibration(path, r);
  const CalibrationRecord b = read_calibration(path);
  EXPECT_EQ(b.preset, r.preset);
  EXPECT_EQ(b.sets, r.sets);
  EXPECT_EQ(b.seed, r.seed);
  EXPECT_EQ(b.parameters, r.parameters);
  EXPECT_EQ(b.targets, r.targets);
  ASSERT_EQ(b.waves.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(b.waves[k].points, r.waves[k].points);
    EXPECT_EQ(b.waves[k].implausibility, r.waves[k].implausibility);
    EXPECT_EQ(b.waves[k].accepted, r.waves[k].accepted);
    EXPECT_EQ(b.waves[k].box_low, r.waves[k].box_low);
  }
  EXPECT_THROW(read_calibration((dir / "missing.h5").string()), InputError);
  std::filesystem::remove_all(dir);
}

TEST(Calibrate, TargetTableCalibrateSection) {
  const std::string head = "preset = \"baseline\"\n[[targets]]\nname = \"a\"\nvariable = \"outcome\"\nat = \"month 12\"\n"
                           "statistic = \"median\"\nvalue = 0.1\ntolerance = 0.05\nsource = \"000:L266\"\nheld_out = false\n";
  const auto t = scenarios::load_targets_text(head + "[calibrate]\nparameters = { \"engagement.join_threshold\" = [0.2, 0.6] }\n", "x.toml");
  ASSERT_EQ(t.calibrate.size(), 1u);
  EXPECT_EQ(t.calibrate[0].key, "engagement.join_threshold");
  EXPECT_EQ(t.calibrate[0].lo, 0.2);
  EXPECT_EQ(t.calibrate[0].hi, 0.6);
  EXPECT_THROW(scenarios::load_targets_text(head + "[calibrate]\nparameters = { \"nope\" = [0, 1] }\n", "x.toml"), InputError);
  EXPECT_THROW(scenarios::load_targets_text(head + "[calibrate]\nparameters = { \"engagement.join_threshold\" = [0.6, 0.2] }\n", "x.toml"),
               InputError);
  EXPECT_TRUE(scenarios::load_targets_text(head, "x.toml").calibrate.empty());
}
