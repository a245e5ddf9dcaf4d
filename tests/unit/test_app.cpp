// The application layer's library (app/run_experiment.hpp) and the model's replay
// (engine/model/replay.hpp), called directly rather than through the CLI.
#include "app/run_experiment.hpp"
#include "engine/executor.hpp"
#include "engine/model/replay.hpp"
#include "scenarios/experiment.hpp"
#include "scenarios/scenario_loader.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace {

using namespace cimsim;

scenarios::Plan small_plan() {
  scenarios::ExperimentSpec spec;
  spec.scenarios = {"baseline", "staff-turnover"};
  return scenarios::make_plan(spec, {"run.horizon_years=4"});
}

// Bit-identical (NaN, a missing value, equals NaN).
bool same_bits(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].size() != b[i].size() || std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(double)) != 0)
      return false;
  return true;
}

std::vector<RunResult> run_plan(const scenarios::Plan& plan, int threads) {
  MemorySink sink;
  app::RunSettings s;
  s.replicates = 2;
  s.seed = 7;
  s.threads = threads;
  const EnsembleReport rep = app::run_experiment(plan, &sink, s);
  EXPECT_EQ(rep.total, 4u);
  EXPECT_EQ(rep.completed, 4u);
  EXPECT_EQ(rep.failed, 0u);
  return sink.runs();
}

TEST(RunExperiment, RunsEveryItemAndReplicateTheSameAtAnyThreadCount) {
  const scenarios::Plan plan = small_plan();
  ASSERT_EQ(plan.items.size(), 2u);
  const auto one = run_plan(plan, 1);
  const auto three = run_plan(plan, 3);
  ASSERT_EQ(one.size(), 4u);
  ASSERT_EQ(three.size(), 4u);
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_TRUE(one[i].ok) << one[i].error;
    EXPECT_EQ(one[i].key.scenario, i / 2);
    EXPECT_EQ(one[i].key.replicate, i % 2);
    EXPECT_EQ(one[i].time, three[i].time);
    EXPECT_TRUE(same_bits(one[i].series, three[i].series)) << "run " << i;
    EXPECT_TRUE(same_bits(one[i].summaries, three[i].summaries)) << "run " << i;
  }
  EXPECT_EQ(one[0].time.size(), 49u);           // months 0..48 of a four-year run
  EXPECT_FALSE(same_bits(one[0].series, one[1].series));      // replicates draw different seeds
  EXPECT_EQ(app::schema_for(plan).series.size(), one[0].series.size());
}

TEST(Replay, StepsToTheWeekAndAgreesWithOnePassOverSeveralWeeks) {
  model::Scenario s = scenarios::load("baseline");
  scenarios::apply_set(s, "run.horizon_years=2");
  const Executor exec(3, 4096);
  const auto at30 = model::replay(s, 11, 30, exec);
  EXPECT_EQ(at30->tick(), 30);
  EXPECT_EQ(model::replay(s, 11, 0, exec)->tick(), 0);

  std::vector<int> ticks;
  std::vector<double> outcomes;
  std::vector<std::size_t> ties;
  model::replay(s, 11, {0, 30, 104}, exec, [&](const model::Model& m) {
    ticks.push_back(m.tick());
    outcomes.push_back(m.outcome());
    ties.push_back(m.network().ties());
  });
  EXPECT_EQ(ticks, (std::vector<int>{0, 30, 104}));
  EXPECT_EQ(outcomes[1], at30->outcome());
  EXPECT_EQ(ties[1], at30->network().ties());
  EXPECT_EQ(outcomes[2], model::replay(s, 11, 104, exec)->outcome());
  EXPECT_NE(outcomes[2], model::replay(s, 12, 104, exec)->outcome());  // another seed, another run

  EXPECT_THROW(model::replay(s, 11, 105, exec), std::invalid_argument);  // past the horizon
  EXPECT_THROW(model::replay(s, 11, {30, 10}, exec, [](const model::Model&) {}), std::invalid_argument);
}

}  // namespace
