// Evaluates a case target table (scenarios/targets.hpp) over the runs of its presets: per
// target the simulated statistic with its 90% interval and whether the case's value is met.
// The rules are in docs/design/0005-case-targets.md; they are pure functions of the runs (sorted
// by replicate), so the result does not depend on threads or processes.
#pragma once

#include "analysis/ensemble_file.hpp"
#include "engine/model/model.hpp"
#include "engine/observer.hpp"
#include "scenarios/targets.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace cimsim {

// The ensemble of one preset: its resolved scenario (after --set), the schema its runs were
// recorded with, and its runs in replicate order.
struct PresetRuns {
  model::Scenario scenario;
  const RecordSchema* schema = nullptr;
  std::vector<RunResult> runs;
};

struct TargetResult {
  std::string name;
  std::string quantity;     // describe(), with the condition for share_of_runs
  nlohmann::json case_value;  // a number, [low, high] (null for an open end), or a string for an ordering
  std::string case_text;    // the same for the table: "20 +/- 3", "[95, 100] +/- 5", ">= 3 x 2.0 (skive-rodding-lihme)"
  double median = 0.0;      // median across runs (count: of the count; share_of_runs: the share)
  double low = 0.0, high = 0.0;  // 5% and 95% quantiles across runs (share_of_runs: 90% Wilson interval)
  double other = 0.0;       // ordering: the other side's statistic
  bool met = false;
  bool held_out = false;
  std::string source;
  std::size_t runs_used = 0;  // runs with a value (missing values are left out of median and quantiles)
};

// The number of agents of `sector` (a sector name or "organisations") present at record month
// `month` of a run of `scenario`: the population plus the stakeholders_join events recorded by
// then (an event at week w is first seen by the record of month (w - 1) * 12 / 52 + 1).
double agents_present(const model::Scenario& scenario, const std::string& sector, int month);

// The per-run values of a quantity (NaN where missing), one per run in `runs` order.
// Throws InputError (naming the target's origin) when a time is past the runs' end.
std::vector<double> per_run_values(const scenarios::TargetQuantity& q, const PresetRuns& runs);

// ---- runs read back from an output file (the report), so that they are judged by the same rules
// The schema the file's runs were recorded with: the model's variables, the file's pillar and
// event widths.
RecordSchema file_schema(const EnsembleFile& file);
// The completed runs of scenario `name` in `file` as PresetRuns (in replicate order), with the
// series and summaries named in `variables` filled from the file's arrays (a series' record m is
// the file's month m; months the file lacks are NaN); `scenario` is the file's resolved scenario
// (its configuration attribute) and `schema` must outlive the result.
PresetRuns preset_runs_from_file(const EnsembleFile& file, const std::string& name, const model::Scenario& scenario,
                                 const RecordSchema& schema, const std::vector<std::string>& variables);
// The variables a table reads (both sides of orderings).
std::vector<std::string> table_variables(const scenarios::TargetTable& table);

// Evaluates every target; `runs` holds every preset the table names (its own and those of
// ordering targets).
std::vector<TargetResult> evaluate_targets(const scenarios::TargetTable& table,
                                           const std::map<std::string, PresetRuns>& runs);

// The simulated column of the table: "median [low, high]" ("n/a" for a missing value).
std::string simulated_text(const TargetResult& r);

// {"preset", "replicates", "targets": [{"name", "quantity", "case_value", "median", "low", "high",
// "met", "held_out", "source"}, ...]}
nlohmann::json targets_json(const std::string& preset, std::size_t replicates, const std::vector<TargetResult>& results);
// The plain-text table `cimsim targets` prints, with a last line counting met targets.
std::string targets_table(const std::string& preset, std::size_t replicates, const std::vector<TargetResult>& results);

}  // namespace cimsim
