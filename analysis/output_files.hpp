// File-level safety of cimsim's output: names of temporary and interrupted files, temporary
// files left by killed processes, the disk space and memory a run will need, and the OS
// reason behind a failed write. Used by the HDF5 sink and by `cimsim run`.
#pragma once

#include "engine/observer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cimsim {

struct OutputLayout;

// "X.h5.tmp-PID" -> true and `final_path` = "X.h5".
bool is_temporary_name(const std::string& path, std::string* final_path = nullptr);

// Temporary files "PATH.tmp-PID" beside `path` whose process no longer runs (a killed run).
std::vector<std::string> stale_temporaries(const std::string& path);

// A name for the incomplete result of an interrupted overwrite of `path` that names no
// existing file: "X.interrupted.h5", then "X.interrupted-2.h5", ...
std::string interrupted_name(const std::string& path);

// Bytes of the data a file of this layout holds once every run is written (about the file's
// size), and the bytes `cimsim run` keeps in memory per run besides the file (summary table,
// bookkeeping). Saturate at UINT64_MAX instead of overflowing.
std::uint64_t output_bytes(const RecordSchema& schema, const OutputLayout& layout);
std::uint64_t memory_bytes_per_run(const RecordSchema& schema);

// Throws InputError(where, "", ...) naming the size and the limit when `bytes` exceed the
// space free on the file system of `path`'s directory (where it can be found out).
void check_output_space(const std::string& path, std::uint64_t bytes, const std::string& where);
// Throws InputError(where, "", ...) when `bytes` exceed the memory this process may use (the
// physical memory, or a lower address-space or data limit of `ulimit`).
void check_memory(std::uint64_t bytes, const std::string& where);

// "4.2 GB" style text of a byte count.
std::string human_bytes(std::uint64_t bytes);

}  // namespace cimsim
