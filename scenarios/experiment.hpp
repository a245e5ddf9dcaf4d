// Experiments: what one `cimsim run` computes, beyond a list of scenarios.
//  - a parameter sweep over a base scenario (full grid, Latin hypercube, Saltelli design for
//    Sobol' indices, or a sample table read from CSV), each point a scenario "sweep-NNNNN"
//    with its parameter values as coordinates in the output;
//  - a fork at an intervention: a scenario runs up to a time, its state is kept, and several
//    variant scenarios continue from that same state (plus the base itself, unchanged);
//  - plain scenarios compared against a baseline.
// An experiment comes from a TOML file (`cimsim run --experiment FILE`) or from CLI flags;
// both fill an ExperimentSpec, which make_plan() turns into the list of output scenarios.
#pragma once

#include "scenarios/design.hpp"
#include "engine/ensemble.hpp"
#include "engine/model/run.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace cimsim::scenarios {

struct SweepSpec {
  std::string where;               // origin for messages ("file:line" or "--sweep")
  std::string base = "baseline";   // the scenario every point starts from
  std::string design;              // "grid", "lhs", "saltelli" or "csv"
  std::vector<ParamRange> ranges;  // grid, lhs, saltelli: key = [low, high]
  std::size_t levels = 3;          // grid: values per parameter
  std::size_t points = 0;          // lhs: points; saltelli: base sample N (N x (k + 2) points)
  std::uint64_t seed = 1;          // design seed (lhs, saltelli)
  std::string csv;                 // csv: path of the sample table
};

struct ForkSpec {
  std::string where;
  std::string base;                   // scenario run up to the fork
  int week = 0;                       // variants take over at the start of this week
  std::vector<std::string> variants;  // scenario names or files (usually extending `base`)
};

struct ExperimentSpec {
  std::string source;                  // the experiment file ("" for CLI flags)
  std::string title;
  std::string baseline;                // compared against; "" = "baseline" when present
  std::vector<std::string> scenarios;  // plain scenarios (names or paths)
  std::optional<SweepSpec> sweep;
  std::optional<ForkSpec> fork;
  long long replicates = 0;            // 0: not set (the CLI default applies)
  std::optional<std::uint64_t> seed;
};

// A sweep range for `key` (a numeric parameter other than run.*; the range within the
// parameter's limits). Throws InputError naming `where` and the key.
ParamRange sweep_range(const std::string& key, double lo, double hi, const std::string& where);

// Reads an experiment file; relative scenario and CSV paths are taken relative to it. Throws
// InputError naming file, line and key for unknown keys, wrong types and bad values.
ExperimentSpec load_experiment(const std::string& path);

// The output scenarios of an experiment, in output order: sweep points first (for Saltelli
// in the order A, B, AB_1 .. AB_k that `cimsim sensitivity` reads back), then the plain
// scenarios, then each fork's base followed by its variants.
struct Plan {
  struct Item {
    model::Scenario scenario;
    int fork = -1;  // index into forks, or -1 for a straight run
  };
  struct Fork {
    std::size_t base_item;  // the item that is the fork's base (continued unchanged)
    int week;               // first week of the variants
  };
  std::vector<Item> items;
  std::vector<Fork> forks;
  std::string design = "none";          // none, grid, lhs, saltelli, csv
  std::size_t saltelli_n = 0;
  std::vector<std::string> parameters;  // swept keys
  std::vector<double> values;           // items x parameters, NaN off the sweep
  std::string baseline;                 // name of the reference scenario, "" if none
};

// `sets` ("key=value", from --set) apply to every scenario before sweep values; a --set of a
// swept key is an error. Checks every scenario (sc::check) and every fork (check_fork).
Plan make_plan(const ExperimentSpec& spec, const std::vector<std::string>& sets);

// The run function for run_ensemble over a plan: straight runs for plain items; for a fork,
// the base runs once per replicate up to the fork, that state is kept, and every member of
// the fork continues from a copy of it. Thread-safe. It keeps a reference to `plan`, which
// must outlive it (a temporary plan does not compile), and its own copy of `schema`.
class PlanRunner {
 public:
  PlanRunner(const Plan& plan, const RecordSchema& schema);
  PlanRunner(Plan&&, const RecordSchema&) = delete;
  RunResult operator()(const RunContext& ctx);
  // Says that the run ctx.key will not be asked for (its result is already known, e.g. when
  // resuming), so that a fork's kept state is freed once every other member has taken it.
  void skip(const RunContext& ctx);

 private:
  struct Snapshot {
    std::once_flag once;
    std::unique_ptr<model::RunState> state;
    std::size_t left = 0;  // members still to copy it (guarded by mutex_)
  };
  std::shared_ptr<Snapshot> snapshot(std::size_t fork, std::size_t replicate);
  void release(std::size_t fork, std::size_t replicate);

  const Plan& plan_;
  const RecordSchema schema_;
  std::vector<std::size_t> members_;  // per fork: number of items
  std::mutex mutex_;
  std::map<std::pair<std::size_t, std::size_t>, std::shared_ptr<Snapshot>> snapshots_;
};

}  // namespace cimsim::scenarios
