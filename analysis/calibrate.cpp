#include "analysis/calibrate.hpp"

#include "engine/rng.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace cimsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// Stream purpose of the calibration's points: (seed, tick = wave, agent = point, purpose + j).
constexpr std::uint32_t kPointPurpose = 0xCA1B0000u;

}  // namespace

HmMeasure implausibility(const HmTarget& t, const std::vector<double>& values) {
  HmMeasure m;
  double sum = 0.0;
  for (double x : values)
    if (!std::isnan(x)) sum += x, ++m.n;
  if (m.n == 0) {
    m.mean = m.sd = std::numeric_limits<double>::quiet_NaN();
    m.implausibility = kInf;
    return m;
  }
  const double n = static_cast<double>(m.n);
  m.mean = sum / n;
  double var = 0.0;
  if (t.share) {
    var = m.mean * (1.0 - m.mean);
  } else if (m.n > 1) {
    for (double x : values)
      if (!std::isnan(x)) var += (x - m.mean) * (x - m.mean);
    var /= n - 1.0;
  }
  m.sd = std::sqrt(var);
  const double d = m.mean < t.low ? t.low - m.mean : m.mean > t.high ? m.mean - t.high : 0.0;
  const double denom = std::sqrt(t.tolerance * t.tolerance + var / n);
  m.implausibility = d == 0.0 ? 0.0 : denom > 0.0 ? d / denom : kInf;
  return m;
}

std::size_t HmWave::accepted_count() const {
  return static_cast<std::size_t>(std::count(accepted.begin(), accepted.end(), std::uint8_t{1}));
}

void accepted_box(const HmWave& w, std::size_t P, std::vector<double>& low, std::vector<double>& high) {
  low.clear(), high.clear();
  for (std::size_t i = 0; i < w.accepted.size(); ++i) {
    if (!w.accepted[i]) continue;
    if (low.empty()) low.assign(P, kInf), high.assign(P, -kInf);
    for (std::size_t j = 0; j < P; ++j) {
      low[j] = std::min(low[j], w.points[i * P + j]);
      high[j] = std::max(high[j], w.points[i * P + j]);
    }
  }
}

void next_box(const HmSettings& s, const HmWave* prev, std::vector<double>& low, std::vector<double>& high) {
  const std::size_t P = s.prior.size();
  low.resize(P), high.resize(P);
  for (std::size_t j = 0; j < P; ++j) low[j] = s.prior[j].lo, high[j] = s.prior[j].hi;
  if (prev == nullptr) return;
  std::vector<double> a, b;
  accepted_box(*prev, P, a, b);
  if (a.empty()) throw std::logic_error("next_box: the previous wave accepted no point");
  // One point spacing of the previous wave: N points in P dimensions lie about width / N^(1/P)
  // apart along each axis, so the region's edge can be that far beyond the outermost accepted point.
  const double per_axis = std::pow(static_cast<double>(prev->accepted.size()), -1.0 / static_cast<double>(P));
  for (std::size_t j = 0; j < P; ++j) {
    const ParamRange& r = s.prior[j];
    const double margin = std::max(s.widen * (b[j] - a[j]), per_axis * (prev->box_high[j] - prev->box_low[j]));
    double lo = std::max(r.lo, a[j] - margin), hi = std::min(r.hi, b[j] + margin);
    if (r.integer) lo = std::max(r.lo, std::floor(lo)), hi = std::min(r.hi, std::ceil(hi));
    low[j] = lo, high[j] = hi;
  }
}

std::vector<std::vector<double>> draw_points(const HmSettings& s, std::size_t wave, const std::vector<double>& low,
                                             const std::vector<double>& high) {
  const std::size_t P = s.prior.size();
  std::vector<std::vector<double>> out(s.points, std::vector<double>(P));
  for (std::size_t i = 0; i < s.points; ++i)
    for (std::size_t j = 0; j < P; ++j) {
      Rng rng(s.seed, static_cast<std::uint32_t>(wave), static_cast<std::uint32_t>(i),
              kPointPurpose + static_cast<std::uint32_t>(j));
      ParamRange r = s.prior[j];
      r.lo = low[j], r.hi = high[j];
      out[i][j] = scale_to_range(r, rng.uniform());
    }
  return out;
}

long best_point(const HmWave& w) {
  long best = -1;
  for (std::size_t i = 0; i < w.accepted.size(); ++i)
    if (w.accepted[i] && (best < 0 || w.max_implausibility[i] < w.max_implausibility[static_cast<std::size_t>(best)]))
      best = static_cast<long>(i);
  return best;
}

std::vector<HmWave> history_match(const HmSettings& s, const std::vector<HmTarget>& targets, const HmSimulator& simulate,
                                  std::vector<HmWave> waves, const std::function<void(const std::vector<HmWave>&)>& on_wave) {
  const std::size_t P = s.prior.size(), T = targets.size();
  while (waves.size() < s.waves) {
    if (!waves.empty() && waves.back().accepted_count() == 0) break;
    const std::size_t w = waves.size();
    HmWave wave;
    next_box(s, waves.empty() ? nullptr : &waves.back(), wave.box_low, wave.box_high);
    const auto points = draw_points(s, w, wave.box_low, wave.box_high);
    const auto values = simulate(points, w);
    if (values.size() != points.size()) throw std::logic_error("history_match: the simulator returned a wrong number of points");
    const std::size_t N = points.size();
    wave.points.resize(N * P);
    wave.mean.resize(N * T), wave.sd.resize(N * T), wave.implausibility.resize(N * T);
    wave.max_implausibility.assign(N, 0.0);
    wave.accepted.assign(N, 0);
    for (std::size_t i = 0; i < N; ++i) {
      std::copy(points[i].begin(), points[i].end(), wave.points.begin() + static_cast<long>(i * P));
      if (values[i].size() != T) throw std::logic_error("history_match: the simulator returned a wrong number of targets");
      for (std::size_t t = 0; t < T; ++t) {
        const HmMeasure m = implausibility(targets[t], values[i][t]);
        wave.mean[i * T + t] = m.mean, wave.sd[i * T + t] = m.sd, wave.implausibility[i * T + t] = m.implausibility;
        wave.max_implausibility[i] = std::max(wave.max_implausibility[i], m.implausibility);
      }
      wave.accepted[i] = wave.max_implausibility[i] <= s.cutoff ? 1 : 0;
    }
    waves.push_back(std::move(wave));
    if (on_wave) on_wave(waves);
  }
  return waves;
}

}  // namespace cimsim
