#include "engine/ensemble.hpp"
#include "engine/observer.hpp"
#include "engine/rng.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using namespace cimsim;

namespace {
struct Toy {
  double x = 0;
  double v[2] = {0, 0};
};

RecordSchema toy_schema() {
  RecordSchema s;
  s.series = {{"x", "toy value", "1", Axis::none}, {"v", "toy vector", "1", Axis::sector}};
  s.sectors = {"a", "b"};
  return s;
}
}  // namespace

TEST(Recorder, ProbesReadStateAtEachRecord) {
  const RecordSchema schema = toy_schema();
  const std::vector<Probe<Toy>> probes = {
      {schema.series[0], [](const Toy& t, std::span<double> o) { o[0] = t.x; }},
      {schema.series[1], [](const Toy& t, std::span<double> o) { o[0] = t.v[0], o[1] = t.v[1]; }}};
  Recorder<Toy> rec(schema, probes, 3);
  Toy t;
  for (int i = 0; i < 3; ++i) {
    t.x = i;
    t.v[0] = 10 + i;
    t.v[1] = 20 + i;
    rec.record(t, i);
  }
  const RunResult& r = rec.result();
  EXPECT_EQ(r.time, (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(r.series[0], (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(r.series[1], (std::vector<double>{10, 20, 11, 21, 12, 22}));
}

TEST(MemorySink, ReturnsRunsOrderedByScenarioAndReplicate) {
  MemorySink sink;
  for (std::size_t s : {1u, 0u})
    for (std::size_t r : {2u, 0u, 1u}) {
      RunResult x;
      x.key = {s, r, 0};
      sink.write(x);
    }
  const auto runs = sink.runs();
  ASSERT_EQ(runs.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(runs[i].key.scenario, i / 3);
    EXPECT_EQ(runs[i].key.replicate, i % 3);
  }
}

TEST(Ensemble, FailedRunsAreRecordedAndOthersContinue) {
  MemorySink sink;
  EnsembleOptions o;
  o.scenarios = 2;
  o.replicates = 5;
  o.master_seed = 3;
  o.threads = 2;
  std::size_t progress_calls = 0;
  const auto rep = run_ensemble(
      o,
      [](const RunContext& c) {
        if (c.key.replicate == 1 && c.key.scenario == 0) throw std::runtime_error("boom");
        RunResult r;
        r.series = {{c.key.replicate == 3 && c.key.scenario == 1 ? HUGE_VAL : 1.0}};
        return r;
      },
      sink, nullptr, [&](std::size_t, std::size_t) { ++progress_calls; });
  EXPECT_EQ(rep.total, 10u);
  EXPECT_EQ(rep.completed, 10u);
  EXPECT_EQ(rep.failed, 2u);
  EXPECT_EQ(progress_calls, 10u);
  const auto runs = sink.runs();
  ASSERT_EQ(runs.size(), 10u);
  EXPECT_FALSE(runs[1].ok);
  EXPECT_EQ(runs[1].error, "boom");
  EXPECT_FALSE(runs[5 + 3].ok);
  EXPECT_NE(runs[5 + 3].error.find("infinite"), std::string::npos);
  EXPECT_TRUE(runs[0].ok);
  // Common random numbers: replicate k has the same seed in every scenario.
  EXPECT_EQ(runs[2].key.seed, runs[7].key.seed);
  EXPECT_EQ(runs[2].key.seed, replicate_seed(3, 2));
}

TEST(Ensemble, StopFlagEndsTheEnsembleEarly) {
  MemorySink sink;
  std::atomic<bool> stop{false};
  EnsembleOptions o;
  o.replicates = 50;
  o.threads = 1;
  const auto rep = run_ensemble(
      o,
      [&](const RunContext& c) {
        if (c.key.replicate == 4) stop = true;
        if (c.stop_requested()) throw RunCancelled{};
        return RunResult{};
      },
      sink, &stop);
  EXPECT_TRUE(rep.interrupted);
  EXPECT_LT(rep.completed, 50u);
  EXPECT_EQ(sink.runs().size(), rep.completed);
}
