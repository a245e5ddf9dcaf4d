// Statistics for comparing scenarios and for sensitivity analysis: survival curves, interval
// estimates for proportions and paired differences, Sobol' indices, Morris elementary effects.
// Pure functions of their inputs (bootstrap resamples use fixed counter-based streams, so every
// interval is reproducible).
#pragma once

#include "analysis/summary.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cimsim {

// A point estimate with an interval (lo, hi).
struct Interval {
  double estimate, lo, hi;
};

// Two-sided standard normal quantile for a confidence level, e.g. 1.959964 for 0.95.
double normal_quantile_two_sided(double level);

// --- Kaplan-Meier ------------------------------------------------------------------------------

// Product-limit estimate of S(t) = P(T > t) from right-censored data.
struct Survival {
  std::vector<double> time;       // distinct event times, ascending
  std::vector<double> survival;   // S just after time[i]
  std::vector<std::size_t> at_risk, events;  // at each time[i]
  std::size_t n = 0, n_events = 0;
  double median = 0;  // smallest t with S(t) <= 0.5; NaN if the curve stays above 0.5
  // S(t) for any t (1 before the first event time).
  double at(double t) const;
};
// time[i]: event or censoring time of unit i; event[i]: true if the event was observed at
// time[i], false if the unit was censored then. A unit censored at an event time counts as
// at risk at that time (the usual convention). NaN times are skipped.
Survival kaplan_meier(const std::vector<double>& time, const std::vector<bool>& event);

// --- Proportions and paired differences --------------------------------------------------------

// Wilson score interval (without continuity correction) for `successes` out of `trials`;
// estimate = successes/trials. NaN for 0 trials.
Interval wilson_interval(std::size_t successes, std::size_t trials, double level = 0.95);

// Mean of x - y over pairs (x[i], y[i]) where both are present (not NaN), with a percentile
// paired-bootstrap interval (resampling pairs; bootstrap_mean of the differences).
struct PairedDifference {
  double x_mean, y_mean;  // means over the pairs used
  Estimate diff;          // diff.n = pairs used
};
PairedDifference paired_difference(const std::vector<double>& x, const std::vector<double>& y, double level = 0.95,
                                   std::size_t resamples = 2000);

// --- Sobol' indices from a Saltelli sample -----------------------------------------------------

struct SobolIndex {
  Interval first, total;  // S1 and ST with bootstrap percentile intervals
};
// y: model outputs for the N*(k+2) rows of saltelli_design, in its order (A, B, AB_1..AB_k).
// S1 by Saltelli et al. (2010) eq. (b): mean(f_B (f_ABi - f_A)) / V; ST by Jansen (1999):
// mean((f_A - f_ABi)^2) / 2 / V; V = variance of the 2N outputs of A and B. Intervals resample
// the N base rows (the same rows for A, B and every AB_i). NaN outputs are not allowed.
std::vector<SobolIndex> sobol_indices(const std::vector<double>& y, std::size_t n, std::size_t k, double level = 0.95,
                                      std::size_t resamples = 1000);

// --- Morris-style elementary effects from grid or scattered points -----------------------------

// Per parameter: mean, mean of absolute value and standard deviation of the elementary effects.
// An elementary effect is the change in output per change of the parameter across its full
// range (columns are scaled to [0, 1] by their observed min and max), so the three numbers are
// in output units.
struct MorrisEffect {
  double mu, mu_star, sigma;
  std::size_t effects;  // elementary effects used
};
// x[p][j]: value of parameter j at point p; y[p]: output there.
// Method: where pairs of points differ in parameter j only (a grid), the effects are the finite
// differences between neighbouring levels of j (Morris 1991 on a grid). Where no such pairs
// exist (Latin hypercube, scattered points), each point's effects are the slopes of a local
// least-squares plane through the point and its 2k+2 nearest neighbours (scaled coordinates).
// Throws std::invalid_argument for fewer than k+2 points or mismatched sizes. `used`, if given,
// is set to the method applied.
enum class MorrisMethod { grid_differences, local_regression };
std::vector<MorrisEffect> morris_effects(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                                         MorrisMethod* used = nullptr);

}  // namespace cimsim
