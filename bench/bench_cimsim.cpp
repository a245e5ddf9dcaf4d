// cimsim benchmark suite (Google Benchmark). bench/README.md describes each benchmark and
// records measured numbers; `bash bench/run.sh` reproduces them.
//
// Every benchmark builds what it needs (scenario, schema, model, network) before its timed
// loop. Thread counts are enforced the same way the ensemble runner does it: a
// tbb::global_control capping parallelism plus a tbb::task_arena of exactly that size.
#include "engine/ensemble.hpp"
#include "engine/executor.hpp"
#include "engine/model/model.hpp"
#include "engine/network.hpp"
#include "engine/observer.hpp"
#include "engine/rng.hpp"
#include "scenarios/scenario_loader.hpp"

#include <benchmark/benchmark.h>
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_reduce.h>
#include <tbb/task_arena.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace cimsim;
namespace sc = cimsim::scenarios;

namespace {

// Citizen counts for the two population sizes. The baseline has 74 organisations and 5
// backbone staff, so 30 citizens give 109 agents ("~100") and 100,000 give 100,079.
constexpr int kSmallCitizens = 30;
constexpr int kLargeCitizens = 100000;
// Horizon of whole runs at the large population (the baseline's own is 10 years).
constexpr int kLargeHorizonYears = 1;
constexpr std::size_t kGrain = 4096;
constexpr std::uint64_t kSeed = 2024;

model::Scenario baseline(int citizens, int horizon_years = 0) {
  auto s = sc::load("baseline");
  sc::apply_set(s, "population.citizens=" + std::to_string(citizens), "bench");
  if (horizon_years > 0) sc::apply_set(s, "run.horizon_years=" + std::to_string(horizon_years), "bench");
  sc::check(s);
  return s;
}

// Runs fn inside an arena of exactly `threads` threads (as run_ensemble does).
class Threads {
 public:
  explicit Threads(int threads)
      : limit_(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads)), arena_(threads) {}
  template <class F>
  void run(F&& f) {
    arena_.execute(std::forward<F>(f));
  }

 private:
  tbb::global_control limit_;
  tbb::task_arena arena_;
};

// --- RNG: uniform doubles from one Philox stream.
void BM_Rng(benchmark::State& state) {
  Rng r(kSeed, 1, 42, purpose::kModelPurposeBase);
  constexpr int kBatch = 1024;
  for (auto _ : state) {
    double acc = 0.0;
    for (int i = 0; i < kBatch; ++i) acc += r.uniform();
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_Rng);

// --- One tick (Model::step). The model is built before the timed loop and its state advances
// across iterations; when it reaches the scenario's horizon (520 weeks) it is rebuilt with the
// timer paused, so every timed tick is one a real run of the baseline would take.
// Args: citizens, threads.
void BM_Tick(benchmark::State& state) {
  const int citizens = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const model::Scenario s = baseline(citizens);
  Threads pool(threads);
  const Executor exec(threads > 1, kGrain);
  std::unique_ptr<model::Model> m;
  int rebuilds = 0;
  auto build = [&] { m = std::make_unique<model::Model>(s, replicate_seed(kSeed, 0), exec); };
  pool.run(build);
  const std::size_t ties_start = m->network().ties();
  pool.run([&] {
    for (auto _ : state) {
      if (m->tick() >= m->ticks_total()) {
        state.PauseTiming();
        m.reset();
        build();
        ++rebuilds;
        state.ResumeTiming();
      }
      m->step();
    }
  });
  state.SetItemsProcessed(state.iterations());
  state.counters["agents"] = static_cast<double>(m->agents());
  state.counters["ties_start"] = static_cast<double>(ties_start);
  state.counters["rebuilds"] = rebuilds;
}
BENCHMARK(BM_Tick)
    ->ArgNames({"citizens", "threads"})
    ->ArgsProduct({{kSmallCitizens, kLargeCitizens}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// --- Whole runs of the baseline scenario through run_ensemble (build, every tick, recording).
// Args: citizens, threads. Small: the baseline's 10-year horizon and 2*threads replicates per
// iteration. Large: a 1-year horizon (52 ticks), one replicate per iteration, so its threads
// work inside the run (nested parallelism through the Executor).
void BM_Run(benchmark::State& state) {
  const int citizens = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  const bool large = citizens >= 10000;
  const model::Scenario s = baseline(citizens, large ? kLargeHorizonYears : 0);
  const RecordSchema schema = model::make_schema(model::kMaxPillars);
  EnsembleOptions o;
  o.scenarios = 1;
  o.replicates = large ? 1 : static_cast<std::size_t>(2 * threads);
  o.master_seed = kSeed;
  o.threads = threads;
  o.grain = kGrain;
  const RunFunction fn = [&](const RunContext& c) { return model::run(s, schema, c); };
  std::size_t failed = 0;
  for (auto _ : state) {
    auto sink = std::make_unique<MemorySink>();
    const EnsembleReport rep = run_ensemble(o, fn, *sink);
    failed += rep.failed;
    state.PauseTiming();  // freeing the recorded runs is not part of a run
    sink.reset();
    state.ResumeTiming();
  }
  if (failed > 0) state.SkipWithError("some runs failed");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(o.replicates));
  state.counters["agents"] = static_cast<double>(model::Model(s, kSeed, Executor(false, kGrain)).agents());
  state.counters["horizon_years"] = s.params.horizon_years;
  state.counters["runs_per_iter"] = static_cast<double>(o.replicates);
}
BENCHMARK(BM_Run)
    ->ArgNames({"citizens", "threads"})
    ->ArgsProduct({{kSmallCitizens, kLargeCitizens}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// --- One pass over the network view: for every agent, the sum of its neighbours'
// engagement, written to an output array. CSR gather (offsets + neighbour ids + random reads
// of an 8-byte value): the memory-bound floor of any phase that looks at neighbours.
// Args: threads (chunks of kGrain agents, as the Executor cuts them).
void BM_NeighbourGather(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const model::Scenario s = baseline(kLargeCitizens);
  const Executor exec(false, kGrain);
  const model::Model m(s, replicate_seed(kSeed, 0), exec);
  const NetworkView& v = m.network();
  const std::vector<double>& value = m.engagement();
  const std::size_t n = v.agents();
  std::vector<double> out(n, 0.0);
  auto gather = [&](std::size_t b, std::size_t e) {
    double total = 0.0;
    for (std::size_t a = b; a < e; ++a) {
      double acc = 0.0;
      for (std::uint32_t j = v.offsets[a]; j < v.offsets[a + 1]; ++j) acc += value[v.neighbour[j]];
      out[a] = acc;
      total += acc;
    }
    return total;
  };
  Threads pool(threads);
  pool.run([&] {
    for (auto _ : state) {
      double total;
      if (threads == 1) {
        total = gather(0, n);
      } else {
        total = tbb::parallel_reduce(
            tbb::blocked_range<std::size_t>(0, n, kGrain), 0.0,
            [&](const tbb::blocked_range<std::size_t>& r, double acc) { return acc + gather(r.begin(), r.end()); },
            [](double x, double y) { return x + y; });
      }
      benchmark::DoNotOptimize(total);
      benchmark::ClobberMemory();
    }
  });
  const auto half_edges = static_cast<std::int64_t>(v.neighbour.size());
  state.SetItemsProcessed(state.iterations() * half_edges);
  // Bytes the pass must touch: offsets (4/agent), neighbour ids (4/half-edge), the gathered
  // value (8/half-edge, random), the output (8/agent).
  state.SetBytesProcessed(state.iterations() *
                          (static_cast<std::int64_t>(n) * 12 + half_edges * 12));
  state.counters["agents"] = static_cast<double>(n);
  state.counters["half_edges"] = static_cast<double>(half_edges);
}
BENCHMARK(BM_NeighbourGather)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("cimsim_git_rev", CIMSIM_BENCH_GIT_REV);
  benchmark::AddCustomContext("compiler", __VERSION__);
  benchmark::AddCustomContext("hardware_concurrency", std::to_string(std::thread::hardware_concurrency()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
