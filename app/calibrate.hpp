// `cimsim calibrate PRESET`: history matching of a case preset against the calibration targets
// of its target table (docs/design/0006-calibration.md). The algorithm is analysis/calibrate.hpp;
// this runs it on the model: every point of a wave is the preset with the point's parameter
// values (after --set), run R times through the ensemble runner on all cores, and under mpirun
// on every process (rank 0 alone runs the algorithm, reads and writes the files).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cimsim::app {

struct CalibrateOptions {
  std::string preset;
  std::string targets;                  // target file ("" : the preset's built-in table)
  std::vector<std::string> parameters;  // KEY=LOW:HIGH ("" : the table's [calibrate] parameters)
  std::vector<std::string> sets;        // --set key=value, applied to every point first
  long long points = 64;
  long long replicates = 16;
  long long waves = 3;
  double cutoff = 3.0;
  long long threads = 0;  // 0: all cores
  std::uint64_t seed = 1;
  std::string out;           // HDF5 file ("" : cimsim-calibrate-<preset>-<UTC time>.h5)
  std::string scenario_out;  // calibrated scenario ("" : the output file with .toml)
  std::string resume;        // continue this file after its last complete wave
  bool force = false;
  bool quiet = false;
  bool progress = false;
};

// Returns 0 when the last wave accepted a point (the scenario file is written), 1 when no point
// is non-implausible (no scenario file), 128+signal when interrupted (the file keeps the
// completed waves: --resume continues it); bad input throws InputError (exit status 2).
int cmd_calibrate(const CalibrateOptions& o, const std::string& command_line);

}  // namespace cimsim::app
