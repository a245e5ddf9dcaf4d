// History matching with implausibility, in waves, without an emulator (docs/design/
// 0006-calibration.md): the algorithm behind `cimsim calibrate`, independent of the model. A
// wave draws N points uniformly in a box of parameter space, simulates each point R times (the
// caller's simulator), measures per target how implausible the case value is given the point's
// runs, and keeps the points whose largest implausibility is at most the cutoff; the next wave
// draws in the bounding box of those points, widened and clipped to the prior box.
//
// Everything is a pure function of the settings, the targets and what the simulator returns:
// the points come from counter-based streams keyed by (seed, wave, point, dimension), never by
// thread, so a calibration gives the same result at any thread count, and a calibration
// resumed from its completed waves gives the same result as one run straight through.
#pragma once

#include "scenarios/design.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cimsim {

// One target as the implausibility measure sees it: the case value is the interval
// [low, high] (low == high for a single value; +-inf for an open end), the tolerance its
// uncertainty (one standard deviation, in the quantity's units).
struct HmTarget {
  std::string name;
  double low = 0.0, high = 0.0;
  double tolerance = 0.0;
  // A share of runs (statistic share_of_runs): the simulator returns per run 1 when the
  // run's condition holds and 0 when not; the variance of a run is then p (1 - p).
  bool share = false;
};

struct HmSettings {
  std::vector<ParamRange> prior;  // the parameters and their prior box (wave 1 draws in it)
  std::size_t points = 64;        // points per wave
  std::size_t waves = 3;
  double cutoff = 3.0;            // non-implausible: max_j I_j <= cutoff
  double widen = 0.1;             // next box: accepted bounding box widened by this share of its width each side (at least one point spacing)
  std::uint64_t seed = 1;
};

// The implausibility of one target given one point's per-run values (NaN values are left out):
//   I = d(m, [low, high]) / sqrt(tol^2 + s^2 / n)
// with m the mean of the n values, s^2 their sample variance (a share: p (1 - p) with p = m),
// d the distance from m to the interval (0 inside). No values: +inf. A zero denominator: 0 when
// d = 0, else +inf.
struct HmMeasure {
  double mean = 0.0, sd = 0.0, implausibility = 0.0;
  std::size_t n = 0;
};
HmMeasure implausibility(const HmTarget& target, const std::vector<double>& values);

// One completed wave.
struct HmWave {
  std::vector<double> box_low, box_high;  // the box the points were drawn in (P each)
  std::vector<double> points;             // N x P, row-major
  std::vector<double> mean, sd;           // N x T: per point and target, over the point's runs
  std::vector<double> implausibility;     // N x T
  std::vector<double> max_implausibility; // N
  std::vector<std::uint8_t> accepted;     // N: max_implausibility <= cutoff
  std::size_t accepted_count() const;
};

// Simulates a wave: for each point (P values), per target, the per-run values
// (result[point][target][run]). `wave` is 0-based.
using HmSimulator =
    std::function<std::vector<std::vector<std::vector<double>>>(const std::vector<std::vector<double>>& points, std::size_t wave)>;

// The box wave `wave` (0-based) draws in: wave 0 the prior; later waves the bounding box of the
// previous wave's accepted points, each side moved out by the larger of `widen` x its width and
// one point spacing of the previous wave (its box's width / N^(1/P)), clipped to the prior;
// integer parameters rounded outwards to whole numbers.
void next_box(const HmSettings& s, const HmWave* previous, std::vector<double>& low, std::vector<double>& high);

// The N points of wave `wave` in the box: coordinate j of point i is uniform in [low_j, high_j]
// from the stream (seed, wave, i, j) (integers: floor onto {low, ..., high}).
std::vector<std::vector<double>> draw_points(const HmSettings& s, std::size_t wave, const std::vector<double>& low,
                                             const std::vector<double>& high);

// Runs the waves after `done` (completed waves, e.g. read back from a file to resume) up to
// s.waves, calling `on_wave` after each with every wave so far. Stops early after a wave that
// accepts no point (the next wave would have no box). Returns all waves.
std::vector<HmWave> history_match(const HmSettings& s, const std::vector<HmTarget>& targets, const HmSimulator& simulate,
                                  std::vector<HmWave> done = {},
                                  const std::function<void(const std::vector<HmWave>&)>& on_wave = {});

// The accepted point of the last wave with the smallest largest implausibility (ties: the
// first); -1 when the last wave accepted none.
long best_point(const HmWave& wave);

// The bounding box of a wave's accepted points (empty vectors when none).
void accepted_box(const HmWave& wave, std::size_t parameters, std::vector<double>& low, std::vector<double>& high);

}  // namespace cimsim
