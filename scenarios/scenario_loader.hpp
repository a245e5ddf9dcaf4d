// Scenario files (TOML) and --set overrides, mapped onto the model's typed parameters through
// the parameter table. Every problem is reported as an InputError naming file, line, key and
// what was expected.
#pragma once

#include "engine/model/model.hpp"

#include <string>
#include <vector>

namespace cimsim::scenarios {

struct BuiltinScenario {
  std::string name;
  std::string text;  // the TOML file's contents, embedded at build time
};

// Built-in scenarios, sorted by name.
const std::vector<BuiltinScenario>& builtins();
// The scenario `cimsim run` uses when none is named.
inline constexpr const char* kDefaultScenario = "baseline";

// Loads a scenario by built-in name or by path to a .toml file (anything containing '/' or
// ending in .toml is a path). Resolves `extends` chains (built-in names or paths relative to
// the extending file), rejecting cycles.
model::Scenario load(const std::string& name_or_path);

// Loads a scenario from TOML text (label names it in messages, e.g. "file.h5:configuration").
// `extends` may name built-in scenarios only.
model::Scenario load_text(const std::string& name, const std::string& text, const std::string& label);

// Reads back the `configuration` attribute of an output file: the to_toml() text of each
// scenario, each starting with its "# scenario NAME" line, in file order.
std::vector<model::Scenario> load_configuration(const std::string& text, const std::string& label);

// Applies "key=value" (value in TOML syntax: 3, 0.5, true). where names the origin for
// messages, e.g. "--set".
void apply_set(model::Scenario& s, const std::string& assignment, const std::string& where = "--set");

// Checks cross-field constraints; throws InputError naming the scenario.
void check(const model::Scenario& s);

// The fully resolved configuration as TOML text (every parameter, events), for provenance.
std::string to_toml(const model::Scenario& s);

// One line per event for `cimsim describe`: "week  156  staff_turnover  fraction 0.5, ...".
std::string describe_event(const model::Event& e);

// One-line description from the scenario file.
std::string describe_line(const model::Scenario& s);

// A time written as in event files ("week N", "month N", "year N") in weeks (>= 1); where
// names the origin for messages.
int parse_time(const std::string& text, const std::string& where);

// Checks that `variant` can take over from `base` at the start of week `week` (a fork at an
// intervention): parameters that only set the population or the initial state are equal,
// and the variant's events begin with every event of the base, the others being at week
// `week` or later, or hazards. Throws InputError naming `where` and the key otherwise.
void check_fork(const model::Scenario& base, const model::Scenario& variant, int week, const std::string& where);

// Parameters a fork may not change (population, network, run length, initial state).
bool fixed_at_fork(const std::string& key);

// Closest candidate by edit distance, or "" if none is close.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace cimsim::scenarios
