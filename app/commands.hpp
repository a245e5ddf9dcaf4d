// The commands of the CLI other than `run` (run_experiment.hpp): list, describe, validate,
// compare, sensitivity, report. Each prints its result and returns the exit status; bad input
// throws InputError (the CLI's main turns it into exit status 2).
#pragma once

#include "analysis/compare.hpp"
#include "analysis/report/report.hpp"
#include "analysis/sensitivity.hpp"
#include "engine/model/model.hpp"

#include <cstdint>
#include <exception>
#include <string>
#include <vector>

namespace cimsim::app {

// Options of an analysis command (compare, sensitivity) on one output file.
template <class Options>
struct AnalysisCli {
  std::string file;
  Options options;
  std::string format = "table";
  bool store = false;
};

// Prints an error the way every command reports it ("cimsim: error: ..." for bad input and
// running out of memory, "cimsim: internal error: ..." otherwise), flushes stderr, and returns
// the exit status: 2 for bad input (InputError), 3 otherwise.
int report_error(const std::exception_ptr& error);

int cmd_list(const std::string& format);  // format: table or json
int cmd_describe(const std::string& name, const std::vector<std::string>& sets, bool markdown, const std::string& format);
int cmd_validate_experiment(const std::string& file);
int cmd_validate(const std::vector<std::string>& files, const std::vector<std::string>& sets);
// --store keeps the JSON under /analysis/compare (or /analysis/sensitivity) in the file.
int cmd_compare(const AnalysisCli<CompareOptions>& c, const std::string& command_line);
int cmd_sensitivity(const AnalysisCli<SensitivityOptions>& c, const std::string& command_line);
// Writes the HTML report; the network picture re-runs one run (network_picture.hpp).
int cmd_report(report::Options o);

// `cimsim targets PRESET`: runs the preset's ensemble in memory and prints, per case target
// (scenarios/targets/PRESET.toml or --targets FILE), the case value, the simulated median and
// 90% interval and met / missed. Returns 0 when every target is met, 1 when any is missed
// (docs/design/0005-case-targets.md); bad input throws InputError (exit status 2).
struct TargetsOptions {
  std::string preset;
  long long replicates = 100;
  long long threads = 0;  // 0: all cores
  std::uint64_t seed = 1;
  std::string format = "table";  // table or json
  std::string targets;           // a target file instead of the built-in table
  std::vector<std::string> sets; // --set key=value, applied to every preset run
};
int cmd_targets(const TargetsOptions& o);

// Warnings on stderr for settings another parameter silently undoes
// (scenarios::parameter_warnings), once per message with the scenarios it concerns.
void print_warnings(const std::vector<model::Scenario>& scenarios);

// "cimsim VERSION (GIT_REVISION, BUILD_TYPE[, MPI])", as --version prints it.
std::string version_line();

}  // namespace cimsim::app
