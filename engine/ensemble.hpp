// Runs every (scenario x replicate) pair of an ensemble on a TBB arena of the requested
// size. Runs are independent; a run that throws (models throw ModelError on a NaN state) or
// records an infinite value is recorded as failed with its message and does not stop the
// others. NaN in a record means "missing" (e.g. padding of a pillar axis). Large runs may use the same
// arena for their own parallel loops (nested parallelism through the Executor).
#pragma once

#include "executor.hpp"
#include "observer.hpp"

#include <atomic>
#include <cstdint>
#include <functional>

namespace cimsim {

// Thrown by a run that saw the stop flag between ticks; the run is dropped, not failed.
struct RunCancelled {};

struct RunContext {
  RunKey key;
  const Executor& exec;
  const std::atomic<bool>* stop;  // may be null
  bool stop_requested() const noexcept { return stop != nullptr && stop->load(std::memory_order_relaxed); }
};

using RunFunction = std::function<RunResult(const RunContext&)>;

struct EnsembleOptions {
  std::size_t scenarios = 1;
  std::size_t replicates = 1;
  std::uint64_t master_seed = 1;
  int threads = 1;
  std::size_t grain = 4096;  // agents per chunk inside a run
};

struct EnsembleReport {
  std::size_t total = 0;
  std::size_t completed = 0;  // ok or failed, written to the sink
  std::size_t failed = 0;
  bool interrupted = false;   // the stop flag cut the ensemble short
};

// progress(done, total) is called after each run, serialised, from worker threads.
EnsembleReport run_ensemble(const EnsembleOptions& opt, const RunFunction& run, Sink& sink,
                            const std::atomic<bool>* stop = nullptr,
                            const std::function<void(std::size_t, std::size_t)>& progress = {});

// As run_ensemble, but each task claims its item through next_item(), which returns an index
// below scenarios x replicates, or any larger value when none is left; so items can come from
// a queue shared with other processes (the MPI runner). Results do not depend on which
// thread or process runs an item.
EnsembleReport run_ensemble_claiming(const EnsembleOptions& opt, const RunFunction& run, Sink& sink,
                                     const std::function<std::size_t()>& next_item,
                                     const std::atomic<bool>* stop = nullptr,
                                     const std::function<void(std::size_t, std::size_t)>& progress = {});

// The key of item `index` of an ensemble: replicate-major order (replicate k of every
// scenario shares seed k: common random numbers).
RunKey item_key(const EnsembleOptions& opt, std::size_t index) noexcept;

// Runs item `index` into `out`: ok, or failed with its message (exceptions and infinite values
// are caught). Returns false, leaving `out` unspecified, when the run saw the stop flag and was
// cancelled. run_ensemble and the MPI runner both run their items through this.
bool run_item(const EnsembleOptions& opt, const RunFunction& run, const Executor& exec, std::size_t index,
              const std::atomic<bool>* stop, RunResult& out);

// False when a series value of the run is infinite (NaN is "missing" and allowed).
bool all_series_finite(const RunResult& r) noexcept;

}  // namespace cimsim
