#include "ensemble.hpp"

#include "parallel_tbb.hpp"
#include "rng.hpp"

#include <cmath>
#include <exception>
#include <mutex>
#include <new>
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

RunKey item_key(const EnsembleOptions& opt, std::size_t index) noexcept {
  RunKey key;
  key.replicate = index / opt.scenarios;
  key.scenario = index % opt.scenarios;
  key.seed = replicate_seed(opt.master_seed, key.replicate);
  return key;
}

bool run_item(const EnsembleOptions& opt, const RunFunction& run, const Executor& exec, std::size_t index,
              const std::atomic<bool>* stop, RunResult& out) {
  const RunKey key = item_key(opt, index);
  try {
    out = run(RunContext{key, exec, stop});
    out.key = key;
    if (!all_series_finite(out)) throw ModelErrorProxy();  // models report their own NaN
    out.ok = true;
  } catch (const RunCancelled&) {
    return false;
  } catch (const ModelErrorProxy&) {
    out = RunResult{};
    out.key = key;
    out.error = "infinite value in recorded output";
  } catch (const std::bad_alloc&) {
    out = RunResult{};
    out.key = key;
    out.error = "out of memory (std::bad_alloc)";
  } catch (const std::exception& e) {
    out = RunResult{};
    out.key = key;
    out.error = e.what();
  } catch (...) {
    out = RunResult{};
    out.key = key;
    out.error = "unknown exception";
  }
  return true;
}

EnsembleReport run_ensemble(const EnsembleOptions& opt, const RunFunction& run, Sink& sink,
                            const std::atomic<bool>* stop,
                            const std::function<void(std::size_t, std::size_t)>& progress) {
  std::atomic<std::size_t> next{0};
  return run_ensemble_claiming(
      opt, run, sink, [&] { return next.fetch_add(1); }, stop, progress);
}

EnsembleReport run_ensemble_claiming(const EnsembleOptions& opt, const RunFunction& run, Sink& sink,
                                     const std::function<std::size_t()>& next_item, const std::atomic<bool>* stop,
                                     const std::function<void(std::size_t, std::size_t)>& progress) {
  EnsembleReport report;
  report.total = opt.scenarios * opt.replicates;
  std::atomic<std::size_t> completed{0}, failed{0};
  std::atomic<bool> cut{false}, exhausted{false};
  std::mutex progress_mutex;
  const Executor exec(opt.threads, opt.grain);

  // One task per item; each claims the next item not yet taken (by any thread or process).
  auto one = [&](std::size_t) {
    if (stop != nullptr && stop->load()) {
      cut = true;
      return;
    }
    if (exhausted.load()) return;
    const std::size_t index = next_item();
    if (index >= report.total) {
      exhausted = true;
      return;
    }
    RunResult result;
    if (!run_item(opt, run, exec, index, stop, result)) {
      cut = true;
      return;
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
  tbb_glue::execute_with_threads(opt.threads, [&] { tbb_glue::for_each_index(report.total, one, false); });
  report.completed = completed;
  report.failed = failed;
  report.interrupted = cut;
  return report;
}

}  // namespace cimsim
