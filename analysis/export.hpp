// `cimsim export`: a cimsim output file as one tidy table (CSV, optionally gzip-compressed), the
// form NetLogo's BehaviorSpace table and Mesa's batch_run DataFrame give: one row per scenario x
// replicate x month (per = month) or per scenario x replicate (per = run), with columns
//   scenario, replicate, seed, status, <each swept parameter>, month (per month only),
//   <each variable>, per-sector/pillar/event variables as one column per coordinate value
//   (e.g. active_share_citizen, outcome_pillar_p1, event_trough_e0).
// Per run, time series give their value at the run's last month, as <name>_end.
// Values of runs that did not finish ok are empty (NA in R, NaN in pandas); such runs get one row
// (month empty) so that the table still counts them.
#pragma once

#include <string>
#include <vector>

namespace cimsim {

struct ExportOptions {
  std::string file;                    // cimsim output file (.h5)
  std::string out;                     // .csv, or .csv.gz for gzip; "-" for stdout
  std::vector<std::string> variables;  // empty: every variable of the file (per month: the series)
  std::string per = "month";           // "month" or "run"
  bool force = false;                  // overwrite an existing output
};

// Writes the table; returns the number of data rows. Throws InputError (exit 2) for a file that is
// not a cimsim output, an unknown variable (with the list of those available), an existing output
// without force, or an unwritable path.
std::size_t export_table(const ExportOptions& options);

// The header line the export would write (without newline); for tests and `--help` listings.
std::vector<std::string> export_columns(const ExportOptions& options);

}  // namespace cimsim
