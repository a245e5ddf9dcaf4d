// HDF5 output that is also a valid netCDF-4 file (dimension scales through the HDF5
// high-level H5DS API), so that xarray.open_dataset(path, engine="netcdf4") opens it.
//
// Layout (dimensions in order):
//   scenario (string coordinate), realization (int, standard_name "realization"),
//   time (months since start), sector (string coordinate), pillar (string coordinate)
//   <series var>   (scenario, realization, time[, sector|pillar])   double, NaN = missing
//   <summary var>  (scenario, realization[, sector|pillar])         double, NaN = missing
//   seed           (scenario, realization)  uint64: the run's seed
//   status         (scenario, realization)  int8: 0 not_run, 1 ok, 2 failed (CF flag_values)
//   status_message (scenario, realization)  string: the error of a failed run, else ""
//   event_label    (scenario, event)        string: scheduled event in each event slot
//   scenario_parameter (scenario, swept_parameter) double: swept parameter values (sweeps only)
//   parameter_value (scenario, parameter)  double: every parameter of every scenario (bool 0/1),
//   parameter_unit  (parameter)            string: its unit
// Every variable has long_name and units. Global attributes hold provenance.
//
// Written safely: everything goes to a temporary file "PATH.tmp-PID" beside the final path,
// flushed after every run, which finish() renames into place. Without finish() (exception,
// full disk) the temporary file is removed by the destructor and the final path is untouched;
// a killed process leaves it (every run it holds is readable: `cimsim run --resume` takes it).
// A failure the OS reports (no space, quota, permissions) is an InputError naming the path
// and the OS reason.
#pragma once

#include "engine/observer.hpp"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cimsim {

struct OutputLayout {
  std::vector<std::string> scenarios;  // scenario names, coordinate of `scenario`
  std::size_t replicates = 0;          // size of `realization`
  std::vector<double> time;            // months since start, coordinate of `time`
  // Per scenario, the labels of its scheduled events (variable `event_label(scenario, event)`),
  // when the schema has an event axis.
  std::vector<std::vector<std::string>> event_labels;
  // Swept parameters (coordinate `parameter`) and their value per scenario, row-major
  // [scenario][parameter], NaN for scenarios off the sweep (variable `scenario_parameter`).
  // Empty when the file holds no sweep.
  std::vector<std::string> parameters;
  std::vector<double> scenario_parameter;
  // Every parameter of the model (coordinate `parameter`), its unit and its value in each
  // scenario, row-major [scenario][parameter] (variable `parameter_value`). Empty: not written.
  std::vector<std::string> all_parameters;
  std::vector<std::string> parameter_units;
  std::vector<double> parameter_values;
  // Global attributes (provenance): written as string attributes.
  std::map<std::string, std::string> attributes;
};

class Hdf5Sink final : public Sink {
 public:
  // Throws InputError("<path>", "", ...) if the file exists and !overwrite, or the
  // directory cannot be written. Creates the temporary file and every dataset at once.
  Hdf5Sink(std::string path, const RecordSchema& schema, OutputLayout layout, bool overwrite);
  ~Hdf5Sink() override;
  Hdf5Sink(const Hdf5Sink&) = delete;
  Hdf5Sink& operator=(const Hdf5Sink&) = delete;

  // Thread-safe (serialised by a mutex). Writes the run's slice and flushes the file.
  void write(const RunResult& run) override;

  // Writes the global attributes `complete` ("true"/"false"), `runs_completed`, `runs_total`,
  // closes the file and renames it to the final path. An incomplete file does not replace an
  // existing one (an interrupted --force run keeps the old, complete file): it goes to a free
  // name "X.interrupted.h5" instead (written_path()), unless replace_incomplete(true) said that
  // the existing file may go (it is the incomplete file being resumed).
  void finish(bool complete);
  void replace_incomplete(bool yes) noexcept;

  const std::string& path() const noexcept;
  // Where finish() put the file: path(), or the free name of an interrupted overwrite.
  const std::string& written_path() const noexcept;
  const std::string& temporary_path() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Called first in main(), before any other HDF5 call: HDF5 does not tear itself down at exit.
// A file whose writes failed (disk full) cannot be closed without crashing HDF5 1.10, so the
// sink leaves it open; the process's end releases it.
void hdf5_skip_shutdown_at_exit() noexcept;

// Checks that `path` could be created as an output file (directory exists and is writable,
// and the file is absent unless overwrite). Throws InputError otherwise. Leaves nothing behind.
void check_output_path(const std::string& path, bool overwrite);

}  // namespace cimsim
