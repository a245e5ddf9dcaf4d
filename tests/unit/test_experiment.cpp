// Experiments: fork at an intervention (bit-for-bit equal to straight runs where it must be),
// the checks on what a fork may change, sweep plans (grid, Saltelli order, CSV sample tables)
// and experiment files with their error messages.
#include "engine/ensemble.hpp"
#include "engine/error.hpp"
#include "engine/model/run.hpp"
#include "scenarios/experiment.hpp"
#include "scenarios/scenario_loader.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "input_files.hpp"

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace cimsim;
namespace sc = cimsim::scenarios;
namespace fs = std::filesystem;
using model::Event;

namespace {

model::Scenario small(const std::string& name, const std::vector<std::string>& sets = {}) {
  auto s = sc::load(name);
  sc::apply_set(s, "population.citizens=300");
  sc::apply_set(s, "run.horizon_years=4");
  for (const auto& a : sets) sc::apply_set(s, a);
  sc::check(s);
  return s;
}

const RecordSchema& schema() {
  static const RecordSchema s = model::make_schema(model::kMaxPillars, 4);
  return s;
}

// Runs every item of a plan for `replicates` seeds on 2 threads; results sorted by
// (scenario, replicate).
std::vector<RunResult> run_plan(const sc::Plan& plan, std::size_t replicates) {
  sc::PlanRunner runner(plan, schema());
  MemorySink sink;
  EnsembleOptions o;
  o.scenarios = plan.items.size();
  o.replicates = replicates;
  o.master_seed = 11;
  o.threads = 2;
  run_ensemble(o, [&](const RunContext& c) { return runner(c); }, sink);
  return sink.runs();
}

RunResult straight(const model::Scenario& s, std::uint64_t seed) {
  const Executor exec(1);
  return model::run(s, schema(), RunContext{RunKey{0, 0, seed}, exec, nullptr});
}

// Same bits in every series and summary.
bool same_bits(const RunResult& a, const RunResult& b) {
  if (a.series.size() != b.series.size() || a.summaries.size() != b.summaries.size()) return false;
  auto eq = [](const std::vector<double>& x, const std::vector<double>& y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
  };
  for (std::size_t i = 0; i < a.series.size(); ++i)
    if (!eq(a.series[i], b.series[i])) return false;
  for (std::size_t i = 0; i < a.summaries.size(); ++i)
    if (!eq(a.summaries[i], b.summaries[i])) return false;
  return eq(a.time, b.time);
}

Event event(model::ev::What what, int week) {
  Event e;
  e.what = what;
  e.week = week;
  e.label = model::event_type_name(e);
  e.origin = "test";
  return e;
}

sc::Plan fork_plan(const model::Scenario& base, const std::vector<model::Scenario>& variants, int week) {
  sc::Plan p;
  p.forks.push_back({0, week});
  p.items.push_back({base, 0});
  for (const auto& v : variants) {
    sc::check_fork(base, v, week, "test");
    p.items.push_back({v, 0});
  }
  return p;
}

fs::path write(const std::string& name, const std::string& text) { return cimsim::testing::write_file("exp", name, text); }
using cimsim::testing::error_of;

constexpr int kForkWeek = 100;

}  // namespace

// A fork continued without changes equals the straight run bit for bit, and so does a variant
// that only adds events from the fork on (events change nothing before their week).
TEST(Fork, ContinuedUnchangedOrWithLaterEventsEqualsTheStraightRun) {
  const auto base = small("staff-turnover");
  auto unchanged = base;
  unchanged.name = "unchanged";
  auto later = base;
  later.name = "weekly-meetings";
  later.events.push_back(
      event(model::ev::MeetingCadence{.body = model::ev::MeetingCadence::Body::working_groups, .weeks = 1}, kForkWeek));
  const auto runs = run_plan(fork_plan(base, {unchanged, later}, kForkWeek), 3);
  ASSERT_EQ(runs.size(), 9u);
  for (const auto& r : runs) {
    ASSERT_TRUE(r.ok) << r.error;
    const model::Scenario& s = r.key.scenario == 2 ? later : base;
    EXPECT_TRUE(same_bits(r, straight(s, r.key.seed)))
        << "scenario " << r.key.scenario << " replicate " << r.key.replicate;
  }
  // And the variant with the extra event does differ from the base after the fork.
  EXPECT_FALSE(same_bits(runs[0], runs[2]));
}

// A parameter changed at the fork acts from the fork on: the history up to the fork is the
// base's, and the run differs from one with the parameter changed from the start.
TEST(Fork, ParameterChangeActsFromTheForkOn) {
  const auto base = small("baseline");
  auto decay = base;
  decay.name = "fast-decay";
  sc::apply_set(decay, "trust.decay=0.05");
  const auto runs = run_plan(fork_plan(base, {decay}, kForkWeek), 2);
  ASSERT_EQ(runs.size(), 4u);
  std::size_t trust = 0;  // trust_mean, found by name
  while (trust < schema().series.size() && schema().series[trust].name != "trust_mean") ++trust;
  ASSERT_LT(trust, schema().series.size());
  const std::size_t fork_month = (kForkWeek - 1) * 12 / model::kWeeksPerYear;
  for (std::size_t k = 0; k < 2; ++k) {
    const RunResult& b = runs[k];
    const RunResult& d = runs[2 + k];
    ASSERT_EQ(b.key.replicate, k);
    ASSERT_EQ(d.key.replicate, k);
    for (std::size_t m = 0; m <= fork_month; ++m)
      EXPECT_EQ(b.series[trust][m], d.series[trust][m]) << "month " << m << " is before the fork";
    EXPECT_LT(d.series[trust].back(), b.series[trust].back()) << "faster decay after the fork";
    EXPECT_FALSE(same_bits(d, straight(decay, d.key.seed))) << "not the same as decaying fast from the start";
  }
}

TEST(Fork, VariantsMayNotChangeThePopulationOrTheEventsBeforeTheFork) {
  const auto base = small("coordinator-leaves");
  auto bigger = base;
  bigger.name = "bigger";
  sc::apply_set(bigger, "population.citizens=400");
  std::string m = error_of([&] { sc::check_fork(base, bigger, kForkWeek, "exp.toml:3"); });
  // The variant is blamed where it set the key (here --set), not the experiment file.
  EXPECT_EQ(m.rfind("--set: ", 0), 0u) << m;
  EXPECT_NE(m.find("population.citizens"), std::string::npos) << m;

  auto early = base;
  early.name = "early";
  early.events.push_back(event(model::ev::Crisis{}, kForkWeek - 1));
  early.events.back().origin = "early.toml:7";
  m = error_of([&] { sc::check_fork(base, early, kForkWeek, "exp.toml:3"); });
  EXPECT_NE(m.find("early.toml:7"), std::string::npos) << m;
  EXPECT_NE(m.find("before the fork"), std::string::npos) << m;

  auto dropped = base;
  dropped.name = "dropped";
  dropped.events.clear();
  m = error_of([&] { sc::check_fork(base, dropped, kForkWeek, "exp.toml:3"); });
  EXPECT_NE(m.find("extend"), std::string::npos) << m;

  auto joiners = base;
  joiners.name = "joiners";
  joiners.events.push_back(event(model::ev::StakeholdersJoin{}, kForkWeek));
  m = error_of([&] { sc::check_fork(base, joiners, kForkWeek, "exp.toml:3"); });
  EXPECT_NE(m.find("stakeholders_join"), std::string::npos) << m;
}

// The built-in fork example: every variant extends coordinator-leaves and passes the checks.
TEST(Experiment, TurnoverResponsesExampleLoads) {
  const std::string path = std::string(CIMSIM_SOURCE_DIR) + "/scenarios/experiments/turnover-responses.toml";
  const auto spec = sc::load_experiment(path);
  ASSERT_TRUE(spec.fork.has_value());
  EXPECT_EQ(spec.fork->week, 160);  // month 37: round(37 x 52 / 12)
  const auto plan = sc::make_plan(spec, {});
  ASSERT_EQ(plan.items.size(), 5u);
  EXPECT_EQ(plan.items[0].scenario.name, "baseline");
  EXPECT_EQ(plan.items[1].scenario.name, "coordinator-leaves");
  EXPECT_EQ(plan.items[2].scenario.name, "coordinator-leaves-hire-fast");
  EXPECT_EQ(plan.items[1].fork, 0);
  EXPECT_EQ(plan.design, "none");
}

// A Saltelli sweep: N x (k + 2) points in the A, B, AB_i order, values applied to each point.
TEST(Experiment, SaltelliSweepPlanFollowsTheDesign) {
  sc::ExperimentSpec x;
  sc::SweepSpec w;
  w.design = "saltelli";
  w.points = 8;
  w.seed = 3;
  w.ranges = {sc::sweep_range("backbone.staff", 1, 9, "t"), sc::sweep_range("trust.decay", 0.005, 0.02, "t")};
  x.sweep = w;
  x.scenarios = {"baseline"};
  const auto plan = sc::make_plan(x, {"population.citizens=300"});
  const auto design = saltelli_design(w.ranges, 8, 3);
  ASSERT_EQ(design.size(), 8u * 4u);
  ASSERT_EQ(plan.items.size(), design.size() + 1);
  EXPECT_EQ(plan.design, "saltelli");
  EXPECT_EQ(plan.saltelli_n, 8u);
  EXPECT_EQ(plan.baseline, "baseline");
  for (std::size_t i = 0; i < design.size(); ++i) {
    const auto& s = plan.items[i].scenario;
    EXPECT_EQ(s.name, fmt::format("sweep-{:05d}", i));
    EXPECT_EQ(s.params.backbone.staff, static_cast<int>(design[i][0]));
    EXPECT_EQ(s.params.trust.decay, design[i][1]);
    EXPECT_EQ(s.params.population.citizens, 300) << "--set applies to sweep points";
    EXPECT_EQ(plan.values[i * 2], design[i][0]);
    EXPECT_EQ(plan.values[i * 2 + 1], design[i][1]);
  }
  EXPECT_TRUE(std::isnan(plan.values[design.size() * 2])) << "the baseline is off the sweep";
  EXPECT_NE(error_of([&] { sc::make_plan(x, {"backbone.staff=3"}); }).find("also swept"), std::string::npos);
}

TEST(Experiment, CsvSampleTableWithLineNumbersInErrors) {
  const auto csv = write("points.csv", "backbone.staff,trust.decay\n2,0.01\n6,0.02\n");
  const auto exp = write("csv.toml", "replicates = 3\n[sweep]\ndesign = \"csv\"\nfile = \"points.csv\"\n");
  const auto spec = sc::load_experiment(exp.string());
  EXPECT_EQ(spec.replicates, 3);
  const auto plan = sc::make_plan(spec, {});
  ASSERT_EQ(plan.items.size(), 2u);
  EXPECT_EQ(plan.design, "csv");
  EXPECT_EQ(plan.parameters, (std::vector<std::string>{"backbone.staff", "trust.decay"}));
  EXPECT_EQ(plan.items[1].scenario.params.backbone.staff, 6);
  EXPECT_EQ(plan.values, (std::vector<double>{2, 0.01, 6, 0.02}));

  write("bad.csv", "backbone.staff,trust.decay\n2,0.01\n2.5,0.02\n");
  const auto bad = write("bad.toml", "[sweep]\ndesign = \"csv\"\nfile = \"bad.csv\"\n");
  std::string m = error_of([&] { sc::make_plan(sc::load_experiment(bad.string()), {}); });
  EXPECT_NE(m.find("bad.csv:3"), std::string::npos) << m;
  EXPECT_NE(m.find("backbone.staff"), std::string::npos) << m;

  write("unknown.csv", "backbone.staf\n2\n");
  const auto unk = write("unknown.toml", "[sweep]\ndesign = \"csv\"\nfile = \"unknown.csv\"\n");
  m = error_of([&] { sc::make_plan(sc::load_experiment(unk.string()), {}); });
  EXPECT_NE(m.find("did you mean 'backbone.staff'"), std::string::npos) << m;

  write("short.csv", "backbone.staff,trust.decay\n2\n");
  const auto shrt = write("short.toml", "[sweep]\ndesign = \"csv\"\nfile = \"short.csv\"\n");
  m = error_of([&] { sc::make_plan(sc::load_experiment(shrt.string()), {}); });
  EXPECT_NE(m.find("short.csv:2"), std::string::npos) << m;
}

TEST(Experiment, FileErrorsNameLineAndKey) {
  const auto typo = write("typo.toml", "scenarios = [\"baseline\"]\nreplicate = 5\n");
  std::string m = error_of([&] { sc::load_experiment(typo.string()); });
  EXPECT_NE(m.find("typo.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'replicates'"), std::string::npos) << m;

  const auto range = write("range.toml", "[sweep]\ndesign = \"lhs\"\npoints = 4\n[sweep.parameters]\n"
                                         "\"backbone.staff\" = [1, 500]\n");
  m = error_of([&] { sc::load_experiment(range.string()); });
  EXPECT_NE(m.find("range.toml:5"), std::string::npos) << m;
  EXPECT_NE(m.find("backbone.staff"), std::string::npos) << m;

  const auto design = write("design.toml", "[sweep]\ndesign = \"sobol\"\n");
  m = error_of([&] { sc::load_experiment(design.string()); });
  EXPECT_NE(m.find("design.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("saltelli"), std::string::npos) << m;

  const auto late = write("late.toml", "[fork]\nscenario = \"baseline\"\nat = \"year 30\"\nvariants = [\"staff-turnover\"]\n");
  m = error_of([&] { sc::make_plan(sc::load_experiment(late.string()), {}); });
  EXPECT_NE(m.find("after the horizon"), std::string::npos) << m;

  const auto empty = write("empty.toml", "title = \"nothing\"\n");
  m = error_of([&] { sc::load_experiment(empty.string()); });
  EXPECT_NE(m.find("nothing to run"), std::string::npos) << m;
}
