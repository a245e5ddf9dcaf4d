// `cimsim calibrate` recovers known parameters (issue 12; docs/design/0006-calibration.md): a
// synthetic target table is made from a run of baseline with parameter values chosen here
// (the medians `cimsim targets --format json` reports for them, with tolerances), and the
// calibration of those two parameters from a wider prior must end with an accepted box that
// holds the chosen values and is at most half the prior's width in each dimension.
// Small population and two years, so that it takes seconds; label validation.
#include "../cli/cli_harness.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <limits>

using namespace cli_test;

namespace {

const std::vector<std::string> kSmallCase = {"--set", "population.citizens=200", "--set", "run.horizon_years=2"};

std::string g17(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

// Two targets: the initial interest of citizens (moved by preconditions.urgency_citizen) and the
// mean share of active organisations over months 6-24 (moved by engagement.join_threshold).
std::string table(double interested, double active) {
  return R"(preset = "baseline"
[[targets]]
name = "interested-0"
variable = "interested_share"
sector = "citizen"
at = "month 0"
statistic = "median"
value = )" + g17(interested) +
         R"(
tolerance = 0.02
source = "000:L266"
held_out = false

[[targets]]
name = "org-active"
variable = "active_share"
sector = "organisations"
window = ["month 6", "month 24"]
reduce = "mean"
statistic = "median"
value = )" + g17(active) +
         R"(
tolerance = 0.03
source = "000:L266"
held_out = false
)";
}

}  // namespace

class CalibrateRecovery : public CliTest {};

TEST_F(CalibrateRecovery, RecoversTwoKnownParametersOfASyntheticTargetSet) {
  const double true_urgency = 0.3, true_join = 0.6;
  const double prior[2][2] = {{0.05, 0.6}, {0.4, 0.8}};
  // The synthetic case: medians of 16 runs at the chosen values.
  const std::string probe = scenario_file("probe.toml", table(0.5, 0.5));
  const Result t = cimsim(concat({"targets", "baseline", "--targets", probe, "-r", "16", "-s", "99", "--format", "json",
                                  "--set", "preconditions.urgency_citizen=" + g17(true_urgency), "--set",
                                  "engagement.join_threshold=" + g17(true_join)},
                                 kSmallCase));
  ASSERT_TRUE(t.status == 0 || t.status == 1) << t;
  const auto j = nlohmann::json::parse(t.out);
  const double interested = j["targets"][0]["median"], active = j["targets"][1]["median"];
  std::printf("synthetic targets from urgency_citizen = %g, join_threshold = %g: interested-0 = %.4f, org-active = %.4f\n",
              true_urgency, true_join, interested, active);
  const std::string syn = scenario_file("synthetic.toml", table(interested, active));

  const Result c = cimsim(concat({"calibrate", "baseline", "--targets", syn, "--parameters",
                                  "preconditions.urgency_citizen=" + g17(prior[0][0]) + ":" + g17(prior[0][1]),
                                  "--parameters", "engagement.join_threshold=" + g17(prior[1][0]) + ":" + g17(prior[1][1]),
                                  "--points", "48", "-r", "16", "--waves", "4", "-s", "1", "-t", "2", "-q", "-o", "cal.h5"},
                                 kSmallCase),
                          std::chrono::seconds(300));
  ASSERT_EQ(c.status, 0) << c;
  std::printf("%s", c.out.c_str());
  const auto points = cimsim::h5::read_numeric(work("cal.h5"), "wave_4/points");
  const auto accepted = cimsim::h5::read_numeric(work("cal.h5"), "wave_4/accepted");
  double lo[2] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
  double hi[2] = {-lo[0], -lo[1]};
  std::size_t n = 0;
  for (std::size_t i = 0; i < accepted.values.size(); ++i) {
    if (accepted.values[i] == 0) continue;
    ++n;
    for (int d = 0; d < 2; ++d) {
      lo[d] = std::min(lo[d], points.values[i * 2 + d]);
      hi[d] = std::max(hi[d], points.values[i * 2 + d]);
    }
  }
  ASSERT_GT(n, 0u);
  const double truth[2] = {true_urgency, true_join};
  const char* names[2] = {"preconditions.urgency_citizen", "engagement.join_threshold"};
  for (int d = 0; d < 2; ++d) {
    const double share = (hi[d] - lo[d]) / (prior[d][1] - prior[d][0]);
    std::printf("%s: true %g, accepted box [%.4f, %.4f] (%zu points), %.0f%% of the prior's width\n", names[d], truth[d], lo[d],
                hi[d], n, 100 * share);
    EXPECT_LE(lo[d], truth[d]) << names[d];
    EXPECT_GE(hi[d], truth[d]) << names[d];
    EXPECT_LE(share, 0.5) << names[d];
  }
}
