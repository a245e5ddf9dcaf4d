// Runs a shell command for the tests and captures what it prints (stdout and stderr together).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace cimsim::testing {

struct ShellResult {
  int status;          // exit status; -1 when the command could not run or ended on a signal
  std::string output;  // stdout and stderr
};

inline ShellResult sh(const std::string& command) {
  std::FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, ""};
  std::string out;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

}  // namespace cimsim::testing
