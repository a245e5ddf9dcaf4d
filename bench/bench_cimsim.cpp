// cimsim benchmark suite (Google Benchmark). bench/README.md describes each benchmark and
// records measured numbers; `bash bench/run.sh` reproduces them and prints the target ratios.
//
// Every benchmark builds what it needs (scenario, schema, model, network) before its timed
// loop. Thread counts are enforced the same way the ensemble runner does it: a
// tbb::global_control capping parallelism plus a tbb::task_arena of exactly that size.
//
// Families (registered in main(), in this order, so that the floor kernel and the ticks of
// one population size run back to back on the same cached model):
//   micro:  BM_Rng*, BM_NeighbourGather, BM_Commit, BM_Observe
//   floor:  BM_Floor/citizens:N/threads:T, BM_TrafficFloor/citizens:N/threads:T
//   macro:  BM_Build, BM_Tick/citizens:N/threads:T, BM_Run/threads:T, BM_Sink/hdf5:B
//   scale:  BM_Memory (heap bytes per agent and per tie), BM_CityScale (one run, peak RSS)
#include "analysis/hdf5_sink.hpp"
#include "engine/ensemble.hpp"
#include "engine/executor.hpp"
#include "engine/model/run.hpp"
#include "engine/network.hpp"
#include "engine/observer.hpp"
#include "engine/rng.hpp"
#include "scenarios/scenario_loader.hpp"

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>
#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

using namespace cimsim;
namespace sc = cimsim::scenarios;

namespace {

constexpr std::size_t kGrain = 4096;
constexpr std::uint64_t kSeed = 2024;
const std::vector<int> kCitizens = {1000, 10000, 100000, 1000000};

int all_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// Thread counts benchmarked: 1, 2 and all cores (on a 2-core machine just 1 and 2).
std::vector<std::int64_t> tick_threads() {
  std::vector<std::int64_t> t = {1, 2};
  if (all_threads() > 2) t.push_back(all_threads());
  return t;
}
// For whole runs, the doublings up to all cores as well (1, 2, 4, 8, 16 on 16 cores).
std::vector<std::int64_t> run_threads() {
  std::vector<std::int64_t> t;
  for (int k = 1; k < all_threads(); k *= 2) t.push_back(k);
  t.push_back(all_threads());
  if (t.size() == 1) t.push_back(2);  // a 1-core machine still measures 2 threads
  return t;
}

model::Scenario scenario(const std::string& name, const std::vector<std::string>& sets = {}) {
  auto s = sc::load(name);
  for (const auto& a : sets) sc::apply_set(s, a, "bench");
  sc::check(s);
  return s;
}
model::Scenario baseline_with(int citizens) { return scenario("baseline", {"population.citizens=" + std::to_string(citizens)}); }

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

// One model per population size, kept between benchmark invocations (a 10^6-citizen build
// takes seconds; Google Benchmark calls a function several times while calibrating). Only the
// size in use is kept. It is built and then advanced kWarmWeeks weeks (on all threads), so
// that the initiative is under way; the floor, gather, observer and commit benchmarks read its
// network, and every BM_Tick run starts from a copy of it, so that each thread count times the
// same weeks of the same run. The model refers to `exec`, which a benchmark re-assigns to set
// the thread count; results do not depend on it (the determinism tests check that).
constexpr int kWarmWeeks = 26;
struct Cached {
  int citizens = -1;
  model::Scenario s;
  Executor exec{1, kGrain};
  std::unique_ptr<model::Model> m;
};
Cached& cached(int citizens) {
  static Cached c;
  if (c.citizens != citizens) {
    c.m.reset();
    c.citizens = citizens;
    c.s = baseline_with(citizens);
    c.m = std::make_unique<model::Model>(c.s, replicate_seed(kSeed, 0), c.exec);
    const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    tbb::task_arena arena(threads);
    c.exec = Executor(threads, kGrain);
    arena.execute([&] {
      for (int w = 0; w < kWarmWeeks; ++w) c.m->step();
    });
    c.exec = Executor(1, kGrain);
  }
  return c;
}

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}
// CPU seconds used by the whole process (all threads), user + system.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}
double heap_in_use() {
  const struct mallinfo2 mi = mallinfo2();
  return static_cast<double>(mi.uordblks + mi.hblkhd);
}

void network_counters(benchmark::State& state, const NetworkView& v) {
  state.counters["agents"] = static_cast<double>(v.agents());
  state.counters["ties"] = static_cast<double>(v.ties());
}

// ---------------------------------------------------------------- micro
// Uniform doubles from one Philox stream (batches of 1,024): the generator's raw rate.
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

// A fresh stream keyed by (seed, tick, agent, purpose, block) and one draw from it: arg 0 =
// one uniform, 1 = one normal (the engagement noise: one stream and one normal per agent).
void BM_RngKeyed(benchmark::State& state) {
  const bool normal = state.range(0) != 0;
  constexpr std::uint32_t kBatch = 1024;
  std::uint32_t tick = 1;
  for (auto _ : state) {
    double acc = 0.0;
    for (std::uint32_t a = 0; a < kBatch; ++a) {
      Rng r(kSeed, tick, a, purpose::kModelPurposeBase, a + 1);
      acc += normal ? r.normal() : r.uniform();
    }
    ++tick;
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetLabel(normal ? "normal" : "uniform");
}

// The engagement phase's read of the network: for every agent, the trust-weighted mean of its
// neighbours' engagement (neighbour ids, tie ids, trust per tie, value per neighbour).
void BM_NeighbourGather(benchmark::State& state) {
  Cached& c = cached(static_cast<int>(state.range(0)));
  const NetworkView& v = c.m->network();
  const std::vector<double>& value = c.m->engagement();
  const std::size_t n = v.agents();
  std::vector<double> out(n, 0.0);
  for (auto _ : state) {
    for (std::size_t a = 0; a < n; ++a) {
      double tw = 0.0, te = 0.0;
      for (std::uint32_t j = v.offsets[a]; j < v.offsets[a + 1]; ++j) {
        const double w = v.trust[v.tie_of[j]];
        tw += w;
        te += w * value[v.neighbour[j]];
      }
      out[a] = tw > 0.0 ? te / tw : 0.0;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(v.neighbour.size()));
  network_counters(state, v);
}

// The intent commit: removing 1% of the ties and adding as many new ones (citizen pairs),
// applied to the Boost graph in order, then the CSR view rebuilt (Network::apply + refresh),
// which is what phase_ties does when any tie changed. Restoring the network is not timed.
void BM_Commit(benchmark::State& state) {
  Cached& c = cached(static_cast<int>(state.range(0)));
  const NetworkView& v = c.m->network();
  Network base(v.agents());
  for (TieId e = 0; e < v.ties(); ++e) base.add_tie(v.tie_a[e], v.tie_b[e], v.trust[e], 0);
  base.refresh();
  std::vector<TieIntent> intents;
  Rng r(kSeed, 7, 0, purpose::kModelPurposeBase);
  const auto n = static_cast<std::uint32_t>(v.agents());
  for (TieId e = 0; e < v.ties(); e += 100) {
    intents.push_back({TieIntent::Kind::remove, v.tie_a[e], v.tie_b[e], 0.0f});
    const std::uint32_t a = r.below(n), b = r.below(n);
    intents.push_back({TieIntent::Kind::add, std::min(a, b), std::max(a, b), 0.3f});
  }
  std::sort(intents.begin(), intents.end(), [](const TieIntent& x, const TieIntent& y) { return x.a < y.a; });
  std::size_t changed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    auto net = std::make_unique<Network>(base);
    state.ResumeTiming();
    changed = net->apply(intents, 1);
    net->refresh();
    state.PauseTiming();
    net.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(intents.size()));
  state.counters["intents"] = static_cast<double>(intents.size());
  state.counters["changed"] = static_cast<double>(changed);
  network_counters(state, v);
}

// The observers: one monthly record, every probe of the schema read once (serial).
void BM_Observe(benchmark::State& state) {
  Cached& c = cached(static_cast<int>(state.range(0)));
  const RecordSchema schema = model::make_schema(model::kMaxPillars);
  const auto& probes = model::probes();
  std::vector<double> out(64, 0.0);
  for (auto _ : state) {
    for (const auto& p : probes) p.read(*c.m, std::span<double>(out.data(), schema.width(p.spec.axis)));
    benchmark::DoNotOptimize(out.data());
  }
  network_counters(state, c.m->network());
}

// ---------------------------------------------------------------- floor
// The memory-bound floor for one pass over the network: every half-edge of the CSR arrays
// read once, in order, summing the neighbour's engagement (8 bytes, random access). No
// writes, no branches, no RNG. 2 threads: tbb::parallel_reduce over kGrain-agent blocks.
// One floor pass over the view (call inside the arena of `threads` threads).
double floor_pass(const NetworkView& v, const std::vector<double>& value, int threads) {
  auto pass = [&](std::size_t b, std::size_t e) {
    double acc = 0.0;
    for (std::uint32_t j = v.offsets[b]; j < v.offsets[e]; ++j) acc += value[v.neighbour[j]];
    return acc;
  };
  const std::size_t n = v.agents();
  if (threads == 1) return pass(0, n);
  return tbb::parallel_reduce(
      tbb::blocked_range<std::size_t>(0, n, kGrain), 0.0,
      [&](const tbb::blocked_range<std::size_t>& r, double acc) { return acc + pass(r.begin(), r.end()); },
      [](double x, double y) { return x + y; });
}

void BM_Floor(benchmark::State& state) {
  Cached& c = cached(static_cast<int>(state.range(0)));
  const int threads = static_cast<int>(state.range(1));
  const NetworkView& v = c.m->network();
  const std::vector<double>& value = c.m->engagement();
  const std::size_t n = v.agents();
  Threads pool(threads);
  pool.run([&] {
    for (auto _ : state) benchmark::DoNotOptimize(floor_pass(v, value, threads));
  });
  const auto half_edges = static_cast<std::int64_t>(v.neighbour.size());
  state.SetItemsProcessed(state.iterations() * half_edges);
  // Bytes the pass must read: offsets (4/agent), neighbour ids (4/half-edge), value (8/half-edge).
  state.SetBytesProcessed(state.iterations() * (static_cast<std::int64_t>(n) * 4 + half_edges * 12));
  network_counters(state, v);
}

// The memory traffic of a tick without its arithmetic: the passes a tick makes (contact over
// the upper half-edges, the engagement signal, the engagement gather and per-agent update, the
// buffer swap, the activities gather over active agents), reading and writing arrays of the
// model's sizes and types in the same order and with the same prefetching, with trivial
// arithmetic and no random numbers. Its time over the floor's is how many floor passes the
// model's state layout costs before any of its rules: a lower bound for tick / floor.
void BM_TrafficFloor(benchmark::State& state) {
  Cached& c = cached(static_cast<int>(state.range(0)));
  const int threads = static_cast<int>(state.range(1));
  const NetworkView& v = c.m->network();
  const std::size_t n = v.agents();
  std::vector<float> trust(v.trust);
  std::vector<std::int32_t> last(v.last_contact);
  const std::vector<std::uint8_t>& sector = c.m->sector();
  const std::vector<std::uint8_t>& present = c.m->present();
  std::vector<std::uint8_t> active(c.m->active()), active_next(n), champion(n, 0);
  std::vector<double> engagement(c.m->engagement()), engagement_next(n), urgency(n, 0.3), base(n, 0.3),
      fatigue(n, 0.1), fatigue_next(n), ownership(n, 0.2);
  std::vector<std::int32_t> invited(n, -100);
  struct Signal {
    double engagement;
    std::uint32_t active_champion;
  };
  std::vector<Signal> signal(n);
  const Executor exec(threads, kGrain);
  Threads pool(threads);
  pool.run([&] {
    for (auto _ : state) {
      exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {  // contact
        for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
          TieId e = v.first_tie[a];
          for (std::uint32_t j = v.upper_begin(a); j < v.offsets[a + 1]; ++j, ++e) {
            const float grow = sector[v.neighbour[j]] == sector[a] ? 0.99f : 0.98f;
            trust[e] = trust[e] * grow + 0.01f;
            last[e] = last[e] + 1;
          }
        }
      });
      exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {  // signal
        for (std::size_t i = b0; i < b1; ++i)
          signal[i] = Signal{engagement[i], static_cast<std::uint32_t>(champion[i] && active[i])};
      });
      exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {  // engagement
        for (std::size_t i = b0; i < b1; ++i) {
          if (!present[i]) continue;
          if (i + 4 < b1) {
            const auto a = static_cast<AgentId>(i + 4);
            for (std::uint32_t j = v.offsets[a]; j < v.offsets[a + 1]; ++j) {
              __builtin_prefetch(&signal[v.neighbour[j]]);
              __builtin_prefetch(&trust[v.tie_of[j]]);
            }
          }
          double tw = 0.0, te = 0.0, exposure = 0.0;
          for (std::uint32_t j = v.offsets[i]; j < v.offsets[i + 1]; ++j) {
            const double tr = trust[v.tie_of[j]];
            const Signal& sg = signal[v.neighbour[j]];
            tw += tr;
            te += tr * sg.engagement;
            if (sg.active_champion != 0) exposure = std::max(exposure, tr);
          }
          const double x = 0.5 * engagement[i] + 0.1 * (tw > 0.0 ? te / tw : 0.0) + 0.1 * urgency[i] +
                           0.1 * ownership[i] + 0.1 * exposure - 0.1 * fatigue[i] + (invited[i] > 0 ? 0.1 : 0.0);
          engagement_next[i] = x;
          active_next[i] = x > 0.5;
          fatigue_next[i] = 0.9 * fatigue[i];
          urgency[i] += 0.01 * (base[i] - urgency[i]);
        }
      });
      exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {  // swap
        for (std::size_t i = b0; i < b1; ++i) {
          engagement[i] = engagement_next[i];
          active[i] = active_next[i];
          fatigue[i] = fatigue_next[i];
        }
      });
      exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {  // activities (active agents)
        double sum = 0.0;
        for (std::size_t i = b0; i < b1; ++i) {
          if (!active[i]) continue;
          for (std::uint32_t j = v.offsets[i]; j < v.offsets[i + 1]; ++j)
            if (active[v.neighbour[j]]) sum += trust[v.tie_of[j]];
        }
        benchmark::DoNotOptimize(sum);
      });
    }
  });
  network_counters(state, v);
}

// ---------------------------------------------------------------- macro
// Building a model (population and network; serial).
void BM_Build(benchmark::State& state) {
  const model::Scenario s = baseline_with(static_cast<int>(state.range(0)));
  const Executor exec(1, kGrain);
  std::size_t ties = 0, agents = 0;
  for (auto _ : state) {
    model::Model m(s, replicate_seed(kSeed, 0), exec);
    ties = m.network().ties();
    agents = m.agents();
    state.PauseTiming();  // freeing is not part of the build
    { [[maybe_unused]] auto gone = std::move(m); }
    state.ResumeTiming();
  }
  state.counters["agents"] = static_cast<double>(agents);
  state.counters["ties"] = static_cast<double>(ties);
}

// Ticks (Model::step: a week, all phases) of a copy of the cached model, from week
// kWarmWeeks + 1 on; a fixed number of iterations per size (tick_iterations), so that every
// thread count times the same weeks. The copy is made before the timed loop.
std::int64_t tick_iterations(int citizens) { return citizens >= 1000000 ? 13 : citizens >= 100000 ? 52 : 260; }
void BM_Tick(benchmark::State& state) {
  Cached& c = cached(static_cast<int>(state.range(0)));
  const int threads = static_cast<int>(state.range(1));
  Threads pool(threads);
  c.exec = Executor(threads, kGrain);
  model::Model work(*c.m);
  const int first_tick = work.tick() + 1;
  pool.run([&] {
    for (auto _ : state) work.step();
  });
  c.exec = Executor(1, kGrain);
  state.SetItemsProcessed(state.iterations());
  network_counters(state, work.network());
  state.counters["first_tick"] = first_tick;
}

// Where a tick's time goes: the ticks of BM_Tick (same copy, same weeks), each phase timed
// (Model::step_timed); counter <phase>_ms is that phase's mean wall time per tick, and
// <phase>_floors the same in floor passes (BM_Floor at this size and thread count, timed
// here before the ticks).
void BM_TickPhases(benchmark::State& state) {
  Cached& c = cached(static_cast<int>(state.range(0)));
  const int threads = static_cast<int>(state.range(1));
  Threads pool(threads);
  c.exec = Executor(threads, kGrain);
  model::Model work(*c.m);
  const auto& phases = model::Model::phase_info();
  std::vector<double> seconds(phases.size(), 0.0);
  const NetworkView& v = c.m->network();
  double floor_s = 0.0;
  pool.run([&] {
    constexpr int kFloorPasses = 10;
    const auto f0 = std::chrono::steady_clock::now();
    for (int k = 0; k < kFloorPasses; ++k) benchmark::DoNotOptimize(floor_pass(v, c.m->engagement(), threads));
    floor_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - f0).count() / kFloorPasses;
    for (auto _ : state) work.step_timed([&](std::size_t k, double s) { seconds[k] += s; });
  });
  c.exec = Executor(1, kGrain);
  const auto ticks = static_cast<double>(state.iterations());
  for (std::size_t k = 0; k < phases.size(); ++k) {
    state.counters[phases[k].name + "_ms"] = 1e3 * seconds[k] / ticks;
    state.counters[phases[k].name + "_floors"] = seconds[k] / ticks / floor_s;
  }
  state.counters["floor_ms"] = 1e3 * floor_s;
}

EnsembleOptions ensemble(std::size_t replicates, int threads) {
  EnsembleOptions o;
  o.scenarios = 1;
  o.replicates = replicates;
  o.master_seed = kSeed;
  o.threads = threads;
  o.grain = kGrain;
  return o;
}

// Counts the runs it is given and drops them. A MemorySink copies every run's series into one
// vector under a lock: with 16 threads that copying, not the runs, set the pace (16 threads
// gave 11.8x one thread through a MemorySink; `cimsim run` writing HDF5 gave 15.8x on the
// same kind of machine, bench/README.md).
class CountingSink final : public Sink {
 public:
  void write(const RunResult&) override { runs_.fetch_add(1, std::memory_order_relaxed); }
  std::size_t runs() const noexcept { return runs_.load(); }

 private:
  std::atomic<std::size_t> runs_{0};
};

// Whole runs of the unmodified baseline scenario (2,000 citizens, 10 years) through
// run_ensemble into a CountingSink, parallel across runs: runs/s. An iteration is an ensemble of
// 16 x threads replicates, so that every thread does about 16 runs and the wait for the last
// run (runs differ in length by seed) is a small part of it; with 4 x threads, 16 threads lost
// a quarter of their time waiting for the slowest run (bench/README.md). The counter
// cpu_utilisation is the process's CPU time over (wall time x threads): 1 when every thread
// was busy throughout.
void BM_Run(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const model::Scenario s = scenario("baseline");
  const RecordSchema schema = model::make_schema(model::kMaxPillars);
  const EnsembleOptions o = ensemble(static_cast<std::size_t>(16 * threads), threads);
  const RunFunction fn = [&](const RunContext& c) { return model::run(s, schema, c); };
  std::size_t failed = 0;
  double cpu = 0.0, wall = 0.0;
  for (auto _ : state) {
    CountingSink sink;
    const double c0 = process_cpu_seconds();
    const auto w0 = std::chrono::steady_clock::now();
    failed += run_ensemble(o, fn, sink).failed;
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    cpu += process_cpu_seconds() - c0;
    if (sink.runs() != o.replicates) state.SkipWithError("runs missing");
  }
  if (failed > 0) state.SkipWithError("some runs failed");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(o.replicates));
  state.counters["runs_per_iter"] = static_cast<double>(o.replicates);
  state.counters["cpu_utilisation"] = wall > 0.0 ? cpu / (wall * threads) : 0.0;
}

// The default `cimsim run` (baseline, 20 replicates, all threads) into a MemorySink (arg 0)
// or into an HDF5 file (arg 1: Hdf5Sink created, every run written and flushed, renamed).
void BM_Sink(benchmark::State& state) {
  const bool hdf5 = state.range(0) != 0;
  const int threads = all_threads();
  const model::Scenario s = scenario("baseline");
  const RecordSchema schema = model::make_schema(s.params.population.pillars);
  const EnsembleOptions o = ensemble(20, threads);
  const RunFunction fn = [&](const RunContext& c) { return model::run(s, schema, c); };
  OutputLayout layout;
  layout.scenarios = {s.name};
  layout.event_labels.emplace_back();
  layout.replicates = o.replicates;
  layout.time = model::record_months(s.params.run.horizon_years);
  layout.attributes = {{"title", "cimsim benchmark"}};
  const std::string path =
      (std::filesystem::temp_directory_path() / ("cimsim-bench-" + std::to_string(getpid()) + ".h5")).string();
  std::size_t failed = 0;
  for (auto _ : state) {
    if (hdf5) {
      Hdf5Sink file(path, schema, layout, true);
      failed += run_ensemble(o, fn, file).failed;
      file.finish(true);
    } else {
      auto sink = std::make_unique<MemorySink>();
      failed += run_ensemble(o, fn, *sink).failed;
      state.PauseTiming();
      sink.reset();
      state.ResumeTiming();
    }
  }
  std::filesystem::remove(path);
  if (failed > 0) state.SkipWithError("some runs failed");
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(o.replicates));
  state.SetLabel(hdf5 ? "hdf5" : "memory");
  state.counters["threads"] = threads;
}

// The machine's own scaling for work that shares nothing: T threads each draw 2^25 uniforms
// from their own stream (no memory traffic, no synchronisation until the end). Runs/s of an
// ensemble cannot scale better than this; on a machine whose cores slow down when all are
// busy (turbo, shared power budget) it is below T.
void BM_ComputeScaling(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  constexpr int kDraws = 1 << 25;  // about 0.2 s: thread start-up is noise
  Threads pool(threads);
  std::vector<double> task_s(static_cast<std::size_t>(threads), 0.0);
  pool.run([&] {
    for (auto _ : state) {
      tbb::parallel_for(0, threads, [&](int k) {
        const auto t0 = std::chrono::steady_clock::now();
        Rng r(kSeed, 7, static_cast<std::uint32_t>(k), purpose::kModelPurposeBase);
        double acc = 0.0;
        for (int i = 0; i < kDraws; ++i) acc += r.uniform();
        benchmark::DoNotOptimize(acc);
        task_s[static_cast<std::size_t>(k)] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      });
    }
  });
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(threads) * kDraws);
  // Mean wall time of one thread's share: equal at every thread count on a machine whose
  // cores keep their speed when all are busy.
  double sum = 0.0;
  for (double x : task_s) sum += x;
  state.counters["task_ms"] = 1e3 * sum / (static_cast<double>(threads) * static_cast<double>(state.iterations()));
}

// ---------------------------------------------------------------- scale
// Heap bytes per agent and per tie: the heap in use (glibc mallinfo2) after building a model
// of 10^5 citizens at mean degree 10 and at 20; two equations give both unknowns. Includes
// everything the model holds (agent arrays, Boost graph, CSR view, scratch).
void BM_Memory(benchmark::State& state) {
  double per_agent = 0.0, per_tie = 0.0, agents = 0.0;
  for (auto _ : state) {
    double heap[2], ties[2];
    for (int k = 0; k < 2; ++k) {
      const model::Scenario s =
          scenario("baseline", {"population.citizens=100000", "network.citizen_degree=" + std::to_string(10 * (k + 1))});
      const Executor exec(1, kGrain);
      malloc_trim(0);
      const double before = heap_in_use();
      model::Model m(s, replicate_seed(kSeed, 0), exec);
      heap[k] = heap_in_use() - before;
      ties[k] = static_cast<double>(m.network().ties());
      agents = static_cast<double>(m.agents());
    }
    per_tie = (heap[1] - heap[0]) / (ties[1] - ties[0]);
    per_agent = (heap[0] - per_tie * ties[0]) / agents;
  }
  state.counters["bytes_per_agent"] = per_agent;
  state.counters["bytes_per_tie"] = per_tie;
  state.counters["agents"] = agents;
}

// One whole run of the city-scale scenario (10^6 citizens, 300 organisations, 10 years) at all
// threads into a MemorySink, and the process's peak resident set size. Run it in a process of
// its own (run.sh does) so that the peak is this run's.
void BM_CityScale(benchmark::State& state) {
  const int threads = all_threads();
  const model::Scenario s = scenario("city-scale");
  const RecordSchema schema = model::make_schema(s.params.population.pillars);
  const EnsembleOptions o = ensemble(1, threads);
  const RunFunction fn = [&](const RunContext& c) { return model::run(s, schema, c); };
  std::size_t failed = 0;
  for (auto _ : state) {
    MemorySink sink;
    failed += run_ensemble(o, fn, sink).failed;
  }
  if (failed > 0) state.SkipWithError("the run failed");
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.counters["threads"] = threads;
  state.counters["citizens"] = s.params.population.citizens;
}

void register_all() {
  using benchmark::RegisterBenchmark;
  RegisterBenchmark("BM_Rng", BM_Rng);
  RegisterBenchmark("BM_RngKeyed", BM_RngKeyed)->ArgName("normal")->Arg(0)->Arg(1);
  RegisterBenchmark("BM_NeighbourGather", BM_NeighbourGather)->ArgName("citizens")->Arg(100000)->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("BM_Commit", BM_Commit)->ArgName("citizens")->Arg(100000)->Unit(benchmark::kMicrosecond);
  RegisterBenchmark("BM_Observe", BM_Observe)->ArgName("citizens")->Arg(100000)->Unit(benchmark::kMicrosecond);
  for (int n : kCitizens) {
    RegisterBenchmark("BM_Build", BM_Build)->ArgName("citizens")->Arg(n)->Unit(benchmark::kMillisecond);
    RegisterBenchmark("BM_Floor", BM_Floor)
        ->ArgNames({"citizens", "threads"})
        ->ArgsProduct({{n}, tick_threads()})
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    RegisterBenchmark("BM_TrafficFloor", BM_TrafficFloor)
        ->ArgNames({"citizens", "threads"})
        ->ArgsProduct({{n}, tick_threads()})
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    RegisterBenchmark("BM_Tick", BM_Tick)
        ->ArgNames({"citizens", "threads"})
        ->ArgsProduct({{n}, tick_threads()})
        ->Iterations(tick_iterations(n))
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
    if (n == 1000000) {
      RegisterBenchmark("BM_TickPhases", BM_TickPhases)
          ->ArgNames({"citizens", "threads"})
          ->ArgsProduct({{n}, tick_threads()})
          ->Iterations(tick_iterations(n))
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
      RegisterBenchmark("BM_Observe", BM_Observe)->ArgName("citizens")->Arg(n)->Unit(benchmark::kMicrosecond);
      RegisterBenchmark("BM_Commit", BM_Commit)->ArgName("citizens")->Arg(n)->Unit(benchmark::kMicrosecond);
    }
  }
  auto* run = RegisterBenchmark("BM_Run", BM_Run)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);
  for (std::int64_t t : run_threads()) run->Arg(t);
  auto* ceiling = RegisterBenchmark("BM_ComputeScaling", BM_ComputeScaling)->ArgName("threads")->UseRealTime()->Unit(benchmark::kMillisecond);
  for (std::int64_t t : run_threads()) ceiling->Arg(t);
  RegisterBenchmark("BM_Sink", BM_Sink)->ArgName("hdf5")->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMillisecond);
  RegisterBenchmark("BM_Memory", BM_Memory)->Iterations(1)->Unit(benchmark::kMillisecond);
  RegisterBenchmark("BM_CityScale", BM_CityScale)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("cimsim_git_rev", CIMSIM_BENCH_GIT_REV);
  benchmark::AddCustomContext("compiler", __VERSION__);
  benchmark::AddCustomContext("hardware_concurrency", std::to_string(std::thread::hardware_concurrency()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
