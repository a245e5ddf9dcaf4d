// `cimsim run` as a library: running an experiment's plan over an ensemble of seeds
// (run_experiment), and the whole command (run_command): the experiment from the command line,
// provenance, the output file, resuming, MPI set-up, progress and the summary tables. The CLI's
// main only parses and dispatches; tests and other callers use the same functions.
#pragma once

#include "analysis/resume.hpp"
#include "engine/ensemble.hpp"
#include "engine/observer.hpp"
#include "scenarios/experiment.hpp"
#ifdef CIMSIM_HAVE_MPI
#include "engine/distributed.hpp"
#endif

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace cimsim::app {

// The processes of this invocation: one, or those started by mpirun/srun when built with MPI.
class Processes {
 public:
#ifdef CIMSIM_HAVE_MPI
  Processes() : session_(nullptr, nullptr) {}
  int rank() const noexcept { return session_.rank(); }
  int size() const noexcept { return session_.size(); }
  bool all(bool ok) const { return session_.all(ok); }
  int first(bool failed) const { return session_.first(failed); }
  void broadcast(std::vector<double>& values) const { session_.broadcast(values); }
  [[noreturn]] void abort(int status) const { session_.abort(status); }
  const mpi::Session& session() const noexcept { return session_; }

 private:
  mpi::Session session_;
#else
  int rank() const noexcept { return 0; }
  int size() const noexcept { return 1; }
  bool all(bool ok) const { return ok; }
  int first(bool failed) const { return failed ? 0 : 1; }
  void broadcast(std::vector<double>&) const {}
  [[noreturn]] void abort(int status) const { std::_Exit(status); }
#endif
};

// How a plan is run.
struct RunSettings {
  std::size_t replicates = 20;           // seeds per scenario
  std::uint64_t seed = 1;                // master seed
  int threads = 1;                       // worker threads of this process
  const StoredRuns* stored = nullptr;    // resuming: runs already in the file are taken from it
  const std::atomic<bool>* stop = nullptr;  // set: stop claiming runs (interrupt)
  std::function<void(std::size_t, std::size_t)> progress;  // (done, total)
  const Processes* processes = nullptr;  // several (MPI): rank 0 owns the sink; null: this one
};

// The record schema of a plan's runs (as many pillars and events as its largest scenario).
RecordSchema schema_for(const scenarios::Plan& plan);

// Runs every item of `plan` settings.replicates times, each run's result to `sink` (on MPI rank 0;
// the other ranks pass nullptr). Results do not depend on threads or processes.
EnsembleReport run_experiment(const scenarios::Plan& plan, Sink* sink, const RunSettings& settings = {});

// The options of `cimsim run`, as on the command line.
struct RunOptions {
  std::vector<std::string> scenarios;
  long long replicates = 20;
  long long threads = 0;  // 0: all cores
  std::uint64_t seed = 1;
  std::string out;
  std::vector<std::string> sets;
  bool force = false;
  bool quiet = false;
  bool progress = false;
  // experiments
  std::string experiment;              // experiment file
  std::string baseline;                // reference scenario
  std::vector<std::string> sweep;      // KEY=LOW:HIGH
  std::string sweep_scenario = "baseline";
  std::string design;                  // grid, lhs, saltelli (csv: --sample)
  long long points = 0, levels = 3;
  std::uint64_t design_seed = 1;
  std::string sample;                  // csv sample table
  std::string fork;                    // scenario run up to --fork-at
  std::string fork_at;
  std::vector<std::string> variants;
  std::string resume;                  // file to complete
  bool replicates_given = false, seed_given = false;
};

// The experiment the command line describes: an experiment file, plus any scenarios, sweep and
// fork given as flags (takes replicates and seed from the file unless given).
scenarios::ExperimentSpec experiment_from(RunOptions& o);

// `cimsim run`: writes the output file and prints progress and the summary. Returns the exit
// status (0 ok, 1 some runs failed, 2 another MPI process failed to set up, 128+signal when
// interrupted); bad input throws InputError.
int run_command(RunOptions o, const std::string& command_line);

// The current UTC time, ISO 8601 (compact: for file names).
std::string iso_time_utc(bool compact);

}  // namespace cimsim::app
