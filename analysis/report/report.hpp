// `cimsim report`: one self-contained HTML page (all scripts inline, works offline) that shows
// an output file to the people in a workshop: fan charts over time, differences from the
// baseline, time to goal, event troughs, sensitivity (when the file holds a sweep), how well a
// case preset matches its case (when the file holds one with a target table), the
// collaboration network of one representative run, and the file's provenance.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cimsim::model {
struct Scenario;
}

namespace cimsim::report {

// A snapshot of the collaboration network of one run (drawn by app/network_picture.cpp).
struct NetworkPicture {
  std::string scenario;
  std::size_t realization = 0;
  std::uint64_t seed = 0;
  bool reproduced = false;   // the re-run matched the file's recorded outcome
  std::size_t citizens_total = 0, citizens_shown = 0;
  std::size_t without_ties = 0;  // nodes with no tie at any snapshot (drawn in a row below)
  nlohmann::json nodes;      // [{year, id, x, y, group}]: nodes drawn at each snapshot; a node
                             // keeps its position across snapshots
  nlohmann::json ties;       // [{year, x, y, x2, y2, group}]
  std::vector<double> years;
  // The lead coordinator (backbone staff slot 0) when they leave in one of the scenario's
  // scheduled staff_turnover events, as the re-run shows it: filled the week before, and the
  // week of the event either vacant or holding none of the ties formed before it (a successor's
  // inherited ties are new ties). Nodes and ties then carry "mark": in snapshots before `week`
  // the coordinator's node and ties are "coordinator"; from `week` on, a "gone" node marks
  // where they were and "gone" ties are the ties they held the week before (which left with
  // them). Without a departure there is no mark.
  struct Departure {
    std::uint32_t agent = 0;  // the slot's agent id (a successor or new hire keeps it)
    int week = 0;             // the event's week
    std::size_t ties = 0;     // ties they held the week before (to nodes drawn)
    std::string label;        // legend text, e.g. "Lead coordinator (leaves in week 156, year 3)"
    std::string ties_label;   // legend text of the "gone" ties
  };
  std::optional<Departure> coordinator_leaves;
};

// Draws the network picture of a run (it re-runs the model, which the analysis layer does not:
// the CLI passes app::network_picture).
using NetworkDrawer = std::function<NetworkPicture(const std::string& file, const std::string& scenario,
                                                   const std::vector<double>& years, std::size_t max_citizens)>;

struct Options {
  std::string file;                     // the cimsim output file (.h5)
  std::string out;                      // the HTML to write; default: FILE with .html
  bool force = false;                   // overwrite an existing report
  std::string baseline = "baseline";    // reference for the differences (first scenario if absent)
  std::vector<double> network_years = {0, 3, 10};  // snapshot times of the network picture
  std::string network_scenario;         // default: the baseline
  std::size_t network_citizens = 150;   // at most this many citizens are drawn (the first, neighbours on the ring)
  std::string compare_json;             // path to `cimsim compare --format json` output (optional)
  std::string sensitivity_json;         // path to `cimsim sensitivity --format json` output (optional)
  NetworkDrawer draw_network;           // empty: no network picture
};

// One key outcome of the fan charts and the forest plot.
struct Variable {
  std::string name;       // as in the compare JSON, e.g. "citizen_active_share"
  std::string dataset;    // dataset in the file (from compare_variables())
  std::string sector;     // on the sector axis, or "" (from compare_variables())
  std::string title;      // plain title: what the chart shows
  std::string axis;       // short axis title with units
  std::string what;       // one sentence: what is measured
  bool percent = false;   // show as a percentage
};
const std::vector<Variable>& key_variables();

// "How well this preset matches its case": a scenario of the file that is a preset with a
// built-in target table (scenarios/targets/<name>.toml), its targets judged over the file's runs
// by the rules of `cimsim targets` (analysis/targets.hpp).
struct CaseMatch {
  std::string preset;
  std::string description;   // the table's
  std::size_t runs = 0;      // completed runs of the preset in the file
  std::size_t planned = 0;   // realizations in the file
  // How the file's scenario differs from the built-in preset ("key = value (preset: value)",
  // and a line when the events differ): empty when it was run as the preset ships.
  std::vector<std::string> changed;
  struct Row {
    std::string name, role, quantity, source, description;
    std::string case_text;   // as `cimsim targets` prints it
    std::string simulated;   // "median [5%, 95%]", or empty when not evaluated
    std::string result;      // "met", "MISSED", or why it is not evaluated ("not in this file: ...")
    bool evaluated = false;
    bool met = false;
  };
  std::vector<Row> rows;
  // One per time series target: the simulated fan of its quantity over months and the case's
  // value or band at its month(s).
  struct Series {
    std::string target;      // target name
    std::string title, subtitle, axis;
    bool percent = false;
    nlohmann::json fan;      // [{month, q05, q50, q95}]
    nlohmann::json marks;    // [{month, month2, value, lo, hi, label}]: the case (month2 > month: a window)
    std::string caption;
  };
  std::vector<Series> series;
};

// Everything a page is drawn from.
struct Inputs {
  std::string file;
  std::vector<std::string> scenarios;
  std::size_t realizations = 0;
  std::vector<double> months;
  nlohmann::json provenance;              // root attributes, {name: value}
  nlohmann::json fans;                    // [{variable, scenario, year, q05, q25, q50, q75, q95}]
  std::vector<std::string> labels;        // per scenario: its name, sweep points with their values
  nlohmann::json paired;                  // paired differences over time (charts.hpp paired_rows)
  nlohmann::json compare;                 // what `cimsim compare` prints
  std::optional<nlohmann::json> sensitivity;  // what `cimsim sensitivity` prints, for a sweep
  std::string sensitivity_note;           // why there is none, when the file holds a sweep
  std::string design;                     // root attribute `design` ("" when absent)
  double goal = 0.0;                      // the baseline's goal (progress), 0 if unknown
  std::optional<NetworkPicture> network;
  // The baseline and the first scenario with a scheduled event, just before and a year after it
  // (side by side), when there is such a scenario.
  std::optional<NetworkPicture> before_after_base, before_after_event;
  double event_year = 0.0;
  std::string network_note;               // why there is no picture, when there is none
  std::vector<CaseMatch> cases;           // presets of the file with a target table
};

// Reads the file and computes what the page needs (the network through o.draw_network).
Inputs gather(const Options& o);
// The page: pure function of the inputs (the charting libraries are embedded).
std::string render_html(const Inputs& in);
// gather + render_html, written to a temporary file and renamed; returns the path written.
std::string write_report(const Options& o);

// ---- case_match.cpp: the presets of the file that have a target table, judged over its runs
// (empty when none has one, or the configuration cannot be read back).
std::vector<CaseMatch> case_matches(const std::string& file, const std::vector<model::Scenario>& config);

// ---- the analyses (analyses.cpp): `cimsim compare` and `cimsim sensitivity`
// A result stored in the file under /analysis/<group> (analysis/hdf5_store.hpp), if any.
std::optional<nlohmann::json> stored_analysis(const std::string& file, const std::string& group);
// The compare JSON: the stored one when it has this baseline, otherwise computed.
nlohmann::json compare_for(const std::string& file, const std::string& baseline);
// The sensitivity JSON of a file that holds a sweep: the stored one, otherwise computed.
std::optional<nlohmann::json> sensitivity_for(const std::string& file);

}  // namespace cimsim::report
