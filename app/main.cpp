// cimsim command-line interface: parses the command line, calls the command (app/commands.hpp,
// app/run_experiment.hpp) and turns errors into exit statuses (2: bad input, 3: internal error).
#include "analysis/export.hpp"
#include "app/calibrate.hpp"
#include "app/commands.hpp"
#include "analysis/hdf5_sink.hpp"
#include "app/run_experiment.hpp"
#include "engine/error.hpp"
#include "app/workshop/server.hpp"

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

using namespace cimsim;
using namespace cimsim::app;

namespace {

// The command-line parser's message in cimsim's words where it has a raw one.
std::string cli_message(const std::string& raw) {
  const std::string repeated = ": At Most 1 required but received ";
  if (const auto at = raw.find(repeated); at != std::string::npos)
    return raw.substr(0, at) + " is given " + raw.substr(at + repeated.size()) + " times: give it once";
  return raw;
}

// One rule for seeds, on the command line and in experiment files: an integer in
// [0, 9223372036854775807] (what a TOML integer holds).
std::string seed_rule(std::string& text) {
  std::size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || used == 0 || v < 0)
    return "'" + text + "' is not a seed: expected an integer in [0, 9223372036854775807]";
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  hdf5_skip_shutdown_at_exit();
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"cimsim: agent-based simulation of collective impact initiatives", "cimsim"};
  app.set_version_flag("-V,--version", version_line());
  app.require_subcommand(0, 1);  // bare `cimsim`: help (below)

  RunOptions ro;
  auto* run = app.add_subcommand("run", "Run scenarios as an ensemble of seeds and write one HDF5/netCDF-4 file");
  run->add_option("scenarios", ro.scenarios,
                  "Built-in scenario names or paths to .toml files (default: baseline)");
  run->add_option("-r,--replicates", ro.replicates, "Replicates (seeds) per scenario")->capture_default_str();
  run->add_option("-t,--threads", ro.threads, "Worker threads (default: all cores)");
  run->add_option("-s,--seed", ro.seed, "Master seed; replicate k uses a seed derived from it and k")
      ->check(CLI::Validator(seed_rule, "SEED"))
      ->capture_default_str();
  run->add_option("-o,--out", ro.out, "Output file (default: cimsim-<scenario>-<UTC time>.h5)");
  run->add_option("--set", ro.sets, "Override a parameter in every scenario: key=value (one per --set; repeat the flag)")
      ->allow_extra_args(false);
  run->add_flag("-f,--force", ro.force, "Overwrite an existing output file");
  run->add_flag("-q,--quiet", ro.quiet, "No progress or summary table");
  run->add_flag("--progress", ro.progress, "Report progress also when stderr is not a terminal (one line per update)");
  run->add_option("-e,--experiment", ro.experiment, "Experiment file (TOML): scenarios, sweep, fork, replicates");
  run->add_option("--baseline", ro.baseline, "Reference scenario of the comparison (default: baseline, if run)");
  run->add_option("--sweep", ro.sweep, "Sweep a parameter over a range: KEY=LOW:HIGH (one per --sweep; repeat the flag)")
      ->allow_extra_args(false);
  run->add_option("--sweep-scenario", ro.sweep_scenario, "Scenario every sweep point starts from")->capture_default_str();
  run->add_option("--design", ro.design, "Sweep design: grid (default), lhs or saltelli");
  run->add_option("--points", ro.points, "Points of an lhs design; base sample size N of a saltelli design");
  run->add_option("--levels", ro.levels, "Values per parameter of a grid design")->capture_default_str();
  run->add_option("--design-seed", ro.design_seed, "Seed of the lhs and saltelli designs")
      ->check(CLI::Validator(seed_rule, "SEED"))
      ->capture_default_str();
  run->add_option("--sample", ro.sample, "Sweep over the rows of a CSV table (header: parameter keys)");
  run->add_option("--fork", ro.fork, "Scenario to run up to --fork-at; the variants continue from its state");
  run->add_option("--fork-at", ro.fork_at, "Time of the fork: \"year 3\", \"month 30\" or \"week 100\"");
  run->add_option("--variant", ro.variants, "Scenario that continues from the fork (one per --variant; repeat the flag)")
      ->allow_extra_args(false);
  run->add_option("--resume", ro.resume,
                  "Complete an interrupted output file: repeat the command that wrote it and add --resume FILE");

  auto* list = app.add_subcommand("list", "List the built-in scenarios");
  std::string list_format = "table", describe_format = "table";
  list->add_option("--format", list_format, "Output format")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  std::string describe_name;
  std::vector<std::string> describe_sets;
  auto* describe = app.add_subcommand("describe", "Show a scenario's resolved parameters with units, and the schedule");
  describe->add_option("scenario", describe_name, "Scenario name or .toml path")->required();
  describe->add_option("--set", describe_sets, "Override a parameter: key=value (one per --set; repeat the flag)")
      ->allow_extra_args(false);
  bool describe_markdown = false;
  describe->add_flag("--markdown", describe_markdown, "Print only the parameter table, as Markdown");
  describe->add_option("--format", describe_format, "Output format")
      ->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand("validate", "Check scenario files (or an experiment file, --experiment) without running them");
  std::string validate_experiment;
  validate->add_option("files", validate_files, "Scenario files or names");
  validate->add_option("-e,--experiment", validate_experiment, "Check an experiment file (and its scenarios and table)");

  AnalysisCli<CompareOptions> cc;
  auto* cmp = app.add_subcommand("compare", "Compare scenarios in an output file with a baseline scenario");
  cmp->add_option("file", cc.file, "Output file of `cimsim run` (.h5)")->required();
  cmp->add_option("--baseline", cc.options.baseline, "Scenario to compare against")->capture_default_str();
  cmp->add_option("--at", cc.options.at_years, "Years at which to compare (repeatable; default: 3, 5 and the horizon)")
      ->expected(1, -1);
  cmp->add_option("--format", cc.format, "Output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  cmp->add_flag("--store", cc.store, "Also store the result in the file, in group /analysis/compare");

  AnalysisCli<SensitivityOptions> sc_;
  auto* sens = app.add_subcommand("sensitivity", "Which swept parameters move an output (Sobol' indices or Morris effects)");
  sens->add_option("file", sc_.file, "Output file of `cimsim run --experiment` with a sweep design (.h5)")->required();
  sens->add_option("--output", sc_.options.output,
                   "Per-run summary (final_outcome, launched, months_collapsed, time_to_goal) or series "
                   "(outcome, trust_mean, citizen_active_share, ...) to analyse")
      ->capture_default_str();
  sens->add_option("--at", sc_.options.at_years, "For a series: the year at which to read it (default: the horizon)");
  sens->add_option("--format", sc_.format, "Output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  sens->add_flag("--store", sc_.store, "Also store the result in the file, in group /analysis/sensitivity");

  ExportOptions xo;
  auto* export_cmd = app.add_subcommand("export", "Write an output file as one tidy table (CSV; .csv.gz compressed) for pandas, R or a spreadsheet");
  export_cmd->add_option("file", xo.file, "Output file of `cimsim run` (.h5)")->required();
  export_cmd->add_option("-o,--out", xo.out, "Table to write: .csv, or .csv.gz for gzip; - for standard output")->required();
  export_cmd->add_option("--variables", xo.variables,
                         "Variables to include (repeatable or comma-separated; default: every time series, or with "
                         "--per run every variable)")->delimiter(',')->allow_extra_args(false);
  export_cmd->add_option("--per", xo.per, "One row per month of each run, or one per run")
      ->check(CLI::IsMember({"month", "run"}))->capture_default_str();
  export_cmd->add_flag("-f,--force", xo.force, "Overwrite an existing table");

  report::Options rep;
  auto* report_cmd = app.add_subcommand("report", "Write one self-contained HTML report (charts, works offline) of an output file");
  report_cmd->add_option("file", rep.file, "cimsim output file (.h5)")->required();
  report_cmd->add_option("-o,--out", rep.out, "HTML file to write (default: the output file's name with .html)");
  report_cmd->add_flag("-f,--force", rep.force, "Overwrite an existing report");
  report_cmd->add_option("--baseline", rep.baseline, "Scenario the others are compared with (default: baseline, "
                                                     "or the first scenario)")->capture_default_str();
  report_cmd->add_option("--network-scenario", rep.network_scenario, "Scenario whose network is drawn (default: the baseline)");
  report_cmd->add_option("--network-years", rep.network_years, "Years at which the network is drawn")
      ->capture_default_str()->delimiter(',');
  report_cmd->add_option("--network-citizens", rep.network_citizens,
                         "Citizens drawn at most (neighbours of each other; 0: no network picture)")->capture_default_str();
  report_cmd->add_option("--compare-json", rep.compare_json, "Use this `cimsim compare --format json` output");
  report_cmd->add_option("--sensitivity-json", rep.sensitivity_json, "Use this `cimsim sensitivity --format json` output");

  TargetsOptions to;
  auto* targets_cmd = app.add_subcommand("targets", "Run a case preset and check it against its case's targets (exit 0: all met, "
                                                    "1: some missed; docs/design/0005-case-targets.md)");
  targets_cmd->add_option("preset", to.preset, "Case preset (a built-in scenario with a table in scenarios/targets/)")->required();
  targets_cmd->add_option("-r,--replicates", to.replicates, "Replicates (seeds) of each preset")->capture_default_str();
  targets_cmd->add_option("-t,--threads", to.threads, "Worker threads (default: all cores)");
  targets_cmd->add_option("-s,--seed", to.seed, "Master seed; replicate k uses a seed derived from it and k")
      ->check(CLI::Validator(seed_rule, "SEED"))
      ->capture_default_str();
  targets_cmd->add_option("--format", to.format, "Output format")->check(CLI::IsMember({"table", "json"}))->capture_default_str();
  targets_cmd->add_option("--targets", to.targets, "Target file (TOML) instead of the built-in table of the preset");
  targets_cmd->add_option("--set", to.sets, "Override a parameter in every preset run: key=value (one per --set; repeat the flag)")
      ->allow_extra_args(false);

  CalibrateOptions co;
  auto* calibrate_cmd = app.add_subcommand("calibrate", "History matching of a case preset against its calibration targets: "
                                                        "waves of points, each run R times; writes the non-implausible points "
                                                        "(HDF5) and a calibrated scenario (docs/design/0006-calibration.md)");
  calibrate_cmd->add_option("preset", co.preset, "Case preset (a built-in scenario with a target table)")->required();
  calibrate_cmd->add_option("--targets", co.targets, "Target file (TOML; default: the preset's built-in table); only targets "
                                                     "with held_out = false are used");
  calibrate_cmd->add_option("--parameters", co.parameters,
                            "Parameter to calibrate and its prior range: KEY=LOW:HIGH (repeat the flag; default: the target "
                            "file's [calibrate] parameters)")
      ->allow_extra_args(false);
  calibrate_cmd->add_option("--points", co.points, "Points per wave")->capture_default_str();
  calibrate_cmd->add_option("-r,--replicates", co.replicates, "Runs (seeds) per point")->capture_default_str();
  calibrate_cmd->add_option("--waves", co.waves, "Waves")->capture_default_str();
  calibrate_cmd->add_option("--cutoff", co.cutoff, "Largest implausibility of a non-implausible point")->capture_default_str();
  calibrate_cmd->add_option("-t,--threads", co.threads, "Worker threads (default: all cores)");
  calibrate_cmd->add_option("-s,--seed", co.seed, "Seed of the points; run k of every point uses the seed derived from it and k")
      ->check(CLI::Validator(seed_rule, "SEED"))
      ->capture_default_str();
  calibrate_cmd->add_option("--set", co.sets, "Override a parameter of the preset first: key=value (repeat the flag)")
      ->allow_extra_args(false);
  calibrate_cmd->add_option("-o,--out", co.out, "HDF5 file of the waves (default: cimsim-calibrate-<preset>-<UTC time>.h5)");
  calibrate_cmd->add_option("--scenario-out", co.scenario_out, "Calibrated scenario file (default: the output file with .toml)");
  calibrate_cmd->add_option("--resume", co.resume, "Continue this file after its last complete wave (same command; --waves may grow)");
  calibrate_cmd->add_flag("-f,--force", co.force, "Overwrite existing output files");
  calibrate_cmd->add_flag("-q,--quiet", co.quiet, "No progress");
  calibrate_cmd->add_flag("--progress", co.progress, "Report progress also when stderr is not a terminal");

  workshop::ServeOptions ws;
  auto* workshop_cmd = app.add_subcommand("workshop", "Live simulation in the browser for a workshop: play, sliders, events with "
                                                      "their counterfactual, participants (README: Workshop)");
  workshop_cmd->add_option("scenario", ws.session.scenario, "Built-in scenario name or .toml file")->capture_default_str();
  workshop_cmd->add_option("--port", ws.port, "Port to listen on (default: a free one)");
  workshop_cmd->add_option("--host", ws.host, "Address to listen on (0.0.0.0: every network; default: this machine only)")
      ->capture_default_str();
  workshop_cmd->add_flag("--open", ws.open, "Open the page in the default browser");
  workshop_cmd->add_option("-s,--seed", ws.session.seed, "Master seed")->capture_default_str();
  workshop_cmd->add_option("--ensemble", ws.session.ensemble, "Further seeds of each branch run in the background (0: none)")
      ->capture_default_str();
  workshop_cmd->add_option("--ensemble-threads", ws.session.ensemble_threads,
                           "Threads for them (default: all cores but one)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "cimsim: error: " << cli_message(e.what()) << " (cimsim --help, or cimsim <command> --help, shows the usage)\n";
    return 2;
  }

  if (app.get_subcommands().empty()) {  // bare `cimsim`: a misuse, answered with the help
    std::cout << app.help();
    return 2;
  }
  try {
    if (run->parsed()) {
      if (run->count("--threads") > 0 && ro.threads <= 0)
        throw InputError("--threads", "", "must be a positive integer, got " + std::to_string(ro.threads));
      ro.replicates_given = run->count("--replicates") > 0;
      ro.seed_given = run->count("--seed") > 0;
      return run_command(ro, command_line);
    }
    if (list->parsed()) return cmd_list(list_format);
    if (cmp->parsed()) return cmd_compare(cc, command_line);
    if (sens->parsed()) return cmd_sensitivity(sc_, command_line);
    if (describe->parsed()) return cmd_describe(describe_name, describe_sets, describe_markdown, describe_format);
    if (validate->parsed()) {
      if (validate_files.empty() && validate_experiment.empty())
        throw InputError("validate", "", "expected scenario files or names, or --experiment FILE");
      if (!validate_experiment.empty()) cmd_validate_experiment(validate_experiment);
      return cmd_validate(validate_files, {});
    }
    if (export_cmd->parsed()) {
      const std::size_t rows = export_table(xo);
      if (xo.out != "-") std::cerr << "cimsim: wrote " << rows << " rows to " << xo.out << "\n";
      return 0;
    }
    if (report_cmd->parsed()) return cmd_report(rep);
    if (targets_cmd->parsed()) {
      if (targets_cmd->count("--threads") > 0 && to.threads <= 0)
        throw InputError("--threads", "", "must be a positive integer, got " + std::to_string(to.threads));
      return cmd_targets(to);
    }
    if (calibrate_cmd->parsed()) {
      if (calibrate_cmd->count("--threads") > 0 && co.threads <= 0)
        throw InputError("--threads", "", "must be a positive integer, got " + std::to_string(co.threads));
      return cmd_calibrate(co, command_line);
    }
    if (workshop_cmd->parsed()) {
      ws.command_line = command_line;
      return workshop::serve(ws);
    }
  } catch (const std::exception&) {
    return report_error(std::current_exception());
  }
  return 0;
}
