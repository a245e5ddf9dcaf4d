// Ensembles over several processes with MPI (built only when CMake finds MPI; the CLI uses it
// when started by mpirun/srun). Rank 0 owns the work queue and the output: every process,
// rank 0 included, runs items on its own TBB threads; the other ranks ask rank 0 for the next
// (scenario, replicate) item, run it, and send the RunResult back (encode/decode), and rank 0
// writes every result to its sink. A run's result does not depend on where it ran, so the
// output holds the same data as a single-process run of the same command.
#pragma once

#include "engine/ensemble.hpp"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace cimsim::mpi {

// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMI/PMIx).
bool launched() noexcept;

// MPI for the lifetime of the object: initialised (MPI_THREAD_SERIALIZED) when launched(),
// finalised by the destructor. Without a launcher it is a one-process job and does nothing.
class Session {
 public:
  Session(int* argc, char*** argv);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  bool active() const noexcept { return size_ > 1; }
  // True on every rank when `ok` is true on every rank (collective; a no-op in a one-process job).
  bool all(bool ok) const;
  // The lowest rank on which `failed` is true, or size() when none (collective): which process
  // reports a failure that several may share.
  int first(bool failed) const;
  // Rank 0's `values` on every rank, size included (collective).
  void broadcast(std::vector<double>& values) const;
  // Ends every process of the job with `status` (MPI_Abort): for a process that can no longer
  // take part in a collective step, which the others would otherwise wait for forever.
  [[noreturn]] void abort(int status) const;

 private:
  bool initialised_ = false;
  int rank_ = 0, size_ = 1;
};

// Runs the ensemble over every process of the session. On rank 0 `sink` receives every result
// (from any rank) on the calling thread or rank 0's workers, serialised by the sink, and the
// report covers the whole job; on other ranks `sink` is not used and the report covers the
// runs of that rank. `progress(done, total)` is called on rank 0 only. When the stop flag is
// set on a rank, that rank takes no more items and drops its runs in progress; rank 0 stops
// handing out items once its own flag is set. Collective: every rank must call it. An error
// that breaks the job (e.g. writing the output fails) aborts every process (MPI_Abort, status 3).
EnsembleReport run_ensemble(const Session& session, const EnsembleOptions& opt, const RunFunction& run, Sink* sink,
                            const std::atomic<bool>* stop,
                            const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace cimsim::mpi
