// The output file of `cimsim calibrate` (HDF5; docs/design/0006-calibration.md): the settings,
// the targets used, and per completed wave its box, points, per-target means, spreads and
// implausibilities, largest implausibility and acceptance. Written whole after every wave, to
// a temporary file beside the target that then replaces it by rename, so the file on disk
// always holds complete waves only; `cimsim calibrate --resume` reads it back.
#pragma once

#include "analysis/calibrate.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cimsim {

struct CalibrationRecord {
  // provenance and settings (root attributes)
  std::string preset, targets_file, command_line, version, sets;  // sets: the --set assignments, one per line
  double cutoff = 3.0, widen = 0.1;
  std::uint64_t seed = 1;
  std::uint64_t points = 0, replicates = 0, waves_requested = 0;
  // datasets: parameter (P) with prior_low, prior_high; target (T) with target_low,
  // target_high, target_tolerance, target_share (1 for a share of runs)
  std::vector<std::string> parameters;
  std::vector<double> prior_low, prior_high;
  std::vector<std::string> targets;
  std::vector<double> target_low, target_high, target_tolerance;
  std::vector<std::uint8_t> target_share;
  // groups wave_1, wave_2, ...
  std::vector<HmWave> waves;
};

// Writes the whole file (temporary file, then rename over `path`); throws InputError naming
// the path when it cannot be written.
void write_calibration(const std::string& path, const CalibrationRecord& record);
// Reads a file written by write_calibration; InputError naming the path when it is not one.
CalibrationRecord read_calibration(const std::string& path);

}  // namespace cimsim
