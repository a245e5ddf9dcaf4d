// Test helpers for input files: a per-process temporary folder, files written into it, and the
// message of an expected InputError.
#pragma once

#include "engine/error.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cimsim::testing {

// tag keeps the folders of different test files apart.
inline std::filesystem::path temp_dir(const std::string& tag) {
  const auto d = std::filesystem::temp_directory_path() / ("cimsim-" + tag + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d;
}

inline std::filesystem::path write_file(const std::string& tag, const std::string& name, const std::string& text) {
  const auto p = temp_dir(tag) / name;
  std::ofstream(p) << text;
  return p;
}

// Runs f, expects an InputError, returns its message.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError thrown";
  return {};
}

}  // namespace cimsim::testing
