#include "ensemble.hpp"

#include "rng.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <exception>
#include <mutex>
#include <string>

namespace cimsim {

namespace {
struct ModelErrorProxy {};
}  // namespace

bool all_series_finite(const RunResult& r) noexcept {
  for (const auto& col : r.series)
    for (double x : col)
      if (std::isinf(x)) return false;
  return true;
}

EnsembleReport run_ensemble(const EnsembleOptions& opt, const RunFunction& run, Sink& sink,
                            const std::atomic<bool>* stop,
                            const std::function<void(std::size_t, std::size_t)>& progress) {
  EnsembleReport report;
  report.total = opt.scenarios * opt.replicates;
  std::atomic<std::size_t> completed{0}, failed{0};
  std::atomic<bool> cut{false};
  std::mutex progress_mutex;
  const Executor exec(opt.threads > 1, opt.grain);

  auto one = [&](std::size_t index) {
    if (stop != nullptr && stop->load()) {
      cut = true;
      return;
    }
    // Replicate-major order: replicate k of every scenario shares seed k (common random numbers).
    RunKey key;
    key.replicate = index / opt.scenarios;
    key.scenario = index % opt.scenarios;
    key.seed = replicate_seed(opt.master_seed, key.replicate);
    RunResult result;
    try {
      result = run(RunContext{key, exec, stop});
      result.key = key;
      if (!all_series_finite(result)) throw ModelErrorProxy();  // models report their own NaN
      result.ok = true;
    } catch (const RunCancelled&) {
      cut = true;
      return;
    } catch (const ModelErrorProxy&) {
      result = RunResult{};
      result.key = key;
      result.error = "infinite value in recorded output";
    } catch (const std::exception& e) {
      result = RunResult{};
      result.key = key;
      result.error = e.what();
    } catch (...) {
      result = RunResult{};
      result.key = key;
      result.error = "unknown exception";
    }
    if (!result.ok) ++failed;
    sink.write(result);
    const std::size_t done = ++completed;
    if (progress) {
      std::lock_guard lock(progress_mutex);
      progress(done, report.total);
    }
  };

  // Exactly opt.threads threads, even above the core count (the determinism tests use that).
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(opt.threads));
  tbb::task_arena arena(opt.threads);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, report.total, [&](std::size_t i) { one(i); });
  });
  report.completed = completed;
  report.failed = failed;
  report.interrupted = cut;
  return report;
}

}  // namespace cimsim
