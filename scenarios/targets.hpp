// Case target tables (scenarios/targets/<preset>.toml; docs/design/0005-case-targets.md): what
// each case reports, written as a measurable quantity of a preset's ensemble, the value or band
// the case gives, a tolerance, the seed line and whether the target calibrates or is held out.
// This file reads and checks the tables; analysis/targets.hpp evaluates them over runs.
#pragma once

#include "scenarios/design.hpp"
#include "scenarios/scenario_loader.hpp"

#include <string>
#include <vector>

namespace cimsim::scenarios {

// One quantity of one preset's output, reduced to a number per run.
struct TargetQuantity {
  std::string preset;       // built-in scenario name
  std::string variable;     // series or per-run summary name (engine/model/variables.hpp)
  bool summary = false;     // a per-run summary (no time)
  std::string sector;       // sector axis: a sector name, or "organisations" (the five organisation sectors)
  int pillar = 0;           // pillar axis: 1-based pillar
  int from_month = -1;      // series: the recorded months from..to (equal for `at`)
  int to_month = -1;
  std::string reduce;       // window: mean, min, max or sum ("" for `at`)
  bool count = false;       // the number of agents (share x agents present) instead of the share
  std::string origin;       // "file:line" of the target, for messages
};

struct Target {
  std::string name;
  std::string description;
  std::string statistic;    // median, count or share_of_runs
  TargetQuantity quantity;
  std::string condition_op; // share_of_runs: <, <=, >, >=
  double condition = 0.0;   // share_of_runs: the threshold of the per-run condition
  enum class Kind { value, band, ordering } kind = Kind::value;
  double value = 0.0;       // Kind::value
  double low = 0.0, high = 0.0;  // Kind::band (-inf / +inf for an open end)
  double tolerance = 0.0;
  std::string relation;     // Kind::ordering: >=, >, <=, <
  double factor = 1.0;      // Kind::ordering: this relation factor x the other side
  TargetQuantity than;      // Kind::ordering: the other side, same statistic
  std::string source;       // seed lines, e.g. "004:L553, L560"
  bool held_out = false;
  std::string origin;       // "file:line"
};

struct TargetTable {
  std::string preset;
  std::string description;
  std::string label;        // file, for messages
  std::vector<Target> targets;
  // [calibrate] parameters = {"key" = [low, high], ...}: the parameters `cimsim calibrate`
  // varies and their prior box, checked like a sweep's ranges (empty when the table has none).
  std::vector<ParamRange> calibrate;
};

// Target tables embedded at build time (scenarios/targets/*.toml), sorted by preset name.
const std::vector<BuiltinScenario>& builtin_target_tables();

// Reads a target table from TOML text; label names it in messages ("scenarios/targets/x.toml").
// Checks every key, type, variable, sector, preset, time (against the preset's horizon) and
// the seed-line format; throws InputError naming file:line, key and what is expected.
TargetTable load_targets_text(const std::string& text, const std::string& label);
// Reads a target table from a file.
TargetTable load_targets_file(const std::string& path);
// The built-in table of `preset`; InputError (naming `where`) when there is none.
TargetTable builtin_targets(const std::string& preset, const std::string& where);

// The statistic names, the reductions of a window, the pseudo-sector of all organisations.
inline constexpr const char* kOrganisations = "organisations";
// Variables whose value per sector is a share of that sector's agents, so that a count of
// agents is defined for them.
const std::vector<std::string>& agent_share_variables();

// "count of active_share[citizen] at month 24", "median of mean outcome over months 36-72".
std::string describe(const TargetQuantity& q, const std::string& statistic);

}  // namespace cimsim::scenarios
