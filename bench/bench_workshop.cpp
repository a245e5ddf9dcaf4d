// `cimsim workshop` speed (bench/README.md, "Workshop"): simulated weeks per second of the live
// run with both branches and the frame it streams, with and without the background ensemble;
// the latency of an event's fork; the cost of one frame. Not timed tests: numbers to record.
#include "app/workshop/session.hpp"

#include <benchmark/benchmark.h>

#include <thread>

namespace {

using namespace cimsim::workshop;

SessionOptions options(int ensemble) {
  SessionOptions o;
  o.scenario = "baseline";
  o.seed = 1;
  o.ensemble = ensemble;
  o.ensemble_threads = 0;  // all cores but one, as `cimsim workshop`
  o.start_thread = false;  // the benchmark steps by hand
  return o;
}

const nlohmann::json kEvent = {{"type", "staff_turnover"}, {"role", "lead_coordinator"}};

// One simulated week of both branches plus the frame the server would send for it (series,
// bands and network as JSON text), while the ensemble (arg: seeds per branch) runs behind.
void BM_WorkshopWeek(benchmark::State& st) {
  Session s(options(static_cast<int>(st.range(0))));
  s.step_weeks(10);
  s.press_event(kEvent);
  std::size_t bytes = 0;
  for (auto _ : st) {
    if (s.week() >= 515) {
      st.PauseTiming();
      s.reset(std::nullopt);
      s.step_weeks(10);
      s.press_event(kEvent);
      st.ResumeTiming();
    }
    s.step_weeks(1);
    bytes += s.series().dump().size() + s.network().dump().size();
  }
  st.SetItemsProcessed(st.iterations());  // items/s = simulated weeks per second
  st.counters["frame_bytes"] = static_cast<double>(bytes) / static_cast<double>(st.iterations());
  st.counters["ensemble_done"] = static_cast<double>(s.ensemble_done());
}
BENCHMARK(BM_WorkshopWeek)->Arg(0)->Arg(12)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

// Pressing an event at week 150: copy of the run, intervention, restart of the ensemble (the old
// one is cancelled and joined), the caption; what stands between the click and the next frame.
void BM_WorkshopFork(benchmark::State& st) {
  Session s(options(static_cast<int>(st.range(0))));
  for (auto _ : st) {
    st.PauseTiming();
    s.reset(std::nullopt);
    s.step_weeks(150);
    st.ResumeTiming();
    benchmark::DoNotOptimize(s.press_event(kEvent));
  }
}
BENCHMARK(BM_WorkshopFork)->Arg(0)->Arg(12)->Unit(benchmark::kMillisecond)->Iterations(20)->UseRealTime();

// One frame at week 300 with both branches and a finished ensemble of 12 seeds.
void BM_WorkshopFrame(benchmark::State& st) {
  SessionOptions o = options(12);
  Session s(o);
  s.step_weeks(150);
  s.press_event(kEvent);
  s.step_weeks(150);
  s.wait_ensemble(600000);
  for (auto _ : st) benchmark::DoNotOptimize(s.series().dump().size() + s.network().dump().size());
}
BENCHMARK(BM_WorkshopFrame)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
