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

TEST(RunEncoding, RoundTripsEveryField) {
  RunResult r;
  r.key = {3, 17, 0x0123456789abcdefull};
  r.ok = false;
  r.error = "non-finite value of outcome at month 7";
  r.time = {0.0, 1.0, 2.0};
  r.series = {{0.5, kMissing, -1e300}, {}, {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}};
  r.summaries = {{42.0}, {kMissing, 0.25}};
  const std::vector<unsigned char> bytes = encode(r);
  const RunResult back = decode(bytes.data(), bytes.size());
  EXPECT_EQ(back.key.scenario, 3u);
  EXPECT_EQ(back.key.replicate, 17u);
  EXPECT_EQ(back.key.seed, r.key.seed);
  EXPECT_FALSE(back.ok);
  EXPECT_EQ(back.error, r.error);
  EXPECT_EQ(back.time, r.time);
  ASSERT_EQ(back.series.size(), 3u);
  EXPECT_TRUE(std::isnan(back.series[0][1]));
  EXPECT_EQ(back.series[0][2], -1e300);
  EXPECT_TRUE(back.series[1].empty());
  EXPECT_EQ(back.series[2], r.series[2]);
  ASSERT_EQ(back.summaries.size(), 2u);
  EXPECT_EQ(back.summaries[0], r.summaries[0]);
  EXPECT_TRUE(std::isnan(back.summaries[1][0]));
  // A cut-off or padded encoding is rejected, not misread.
  EXPECT_THROW(decode(bytes.data(), bytes.size() - 1), std::runtime_error);
  std::vector<unsigned char> longer = bytes;
  longer.push_back(0);
  EXPECT_THROW(decode(longer.data(), longer.size()), std::runtime_error);
}

TEST(Ensemble, ClaimingRunsEachClaimedItemOnce) {
  // Items handed out by a queue (as the MPI runner's rank 0 does): every item once, and the
  // results equal run_ensemble's.
  EnsembleOptions o;
  o.scenarios = 2;
  o.replicates = 5;
  o.threads = 2;
  const RunFunction fn = [](const RunContext& c) {
    RunResult r;
    r.summaries = {{static_cast<double>(c.key.seed % 1000)}};
    return r;
  };
  MemorySink a, b;
  run_ensemble(o, fn, a);
  std::atomic<std::size_t> next{0};
  const auto rep = run_ensemble_claiming(o, fn, b, [&] { return next.fetch_add(1); });
  EXPECT_EQ(rep.completed, 10u);
  EXPECT_FALSE(rep.interrupted);
  const auto ra = a.runs(), rb = b.runs();
  ASSERT_EQ(ra.size(), rb.size());
  for (std::size_t i = 0; i < ra.size(); ++i) {
    EXPECT_EQ(ra[i].key.scenario, rb[i].key.scenario);
    EXPECT_EQ(ra[i].key.replicate, rb[i].key.replicate);
    EXPECT_EQ(ra[i].summaries, rb[i].summaries);
  }
}
