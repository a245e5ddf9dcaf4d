// Shared by the CLI tests: runs cimsim as a child process in a fresh directory per test and
// checks exit status, messages and the files left behind.
#pragma once

#include "analysis/hdf5_read.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cli_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A small, fast run (about 0.05 s): 200 citizens, two years, two replicates, one thread.
inline const std::vector<std::string> kSmall = {"--set", "population.citizens=200", "--set", "run.horizon_years=2",
                                         "-r",    "2",
                                         "-t",    "1"};

inline std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

inline std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + needle.size())) ++n;
  return n;
}

// Starts `all` (program path, then its arguments) in cwd; stdout and stderr go to the given
// files, stdin is /dev/null. Returns the child's pid.
inline pid_t spawn(std::vector<std::string> all, const fs::path& cwd, const fs::path& out, const fs::path& err) {
  // Everything the child needs is prepared before fork(): after it only async-signal-safe calls.
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string cwd_s = cwd.string(), out_s = out.string(), err_s = err.string();

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int in_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(out_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err_s.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(126);
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(126);
    if (::chdir(cwd_s.c_str()) != 0) ::_exit(126);
    // The child starts with default signal handling, whatever the test runner set.
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits at most `limit` for the child. Returns its exit status, or 128 + signal if a signal
// ended it; std::nullopt (after killing it) if it did not end in time.
inline std::optional<int> wait_for(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return std::nullopt;
    }
    if (r < 0) return std::nullopt;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return std::nullopt;
    }
    std::this_thread::sleep_for(5ms);
  }
}

struct Result {
  int status = -1;  // exit status; 128 + signal if killed; -1 if it did not end in time
  std::string out, err;
};

inline std::ostream& operator<<(std::ostream& o, const Result& r) {
  return o << "exit status " << r.status << "\n--- stdout ---\n" << r.out << "--- stderr ---\n" << r.err;
}

// Waits (at most 120 s, for slow sanitizer builds) until ready(), sends `sig` to the child and
// collects it within 60 s (status -1 if it did not end). ready_seen: ready() held in time.
inline Result signal_when(pid_t pid, int sig, const fs::path& out, const fs::path& err, const std::function<bool()>& ready,
                   bool& ready_seen) {
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (!ready() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ready_seen = ready();
  ::kill(pid, sig);
  Result r;
  r.status = wait_for(pid, 60s).value_or(-1);
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

// Each test gets a fresh directory: base_/work is the child's working directory and holds
// outputs only (so that its contents can be checked), base_/in holds scenario files, and the
// captured stdout/stderr live in base_ itself.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "-" + info->name();
    std::replace(name.begin(), name.end(), '/', '_');  // parameterised tests: "Signals/X.Y/SIGINT"
    base_ = fs::temp_directory_path() / ("cimsim-cli-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(base_);
    work_ = base_ / "work";
    in_ = base_ / "in";
    fs::create_directories(work_);
    fs::create_directories(in_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  Result cimsim(const std::vector<std::string>& args, std::chrono::milliseconds limit = 120s) {
    return command(concat({CIMSIM_BINARY}, args), limit);
  }
  // Any program (path first), run like cimsim().
  Result command(const std::vector<std::string>& args, std::chrono::milliseconds limit = 120s) {
    const int n = calls_++;
    const fs::path out = base_ / ("call" + std::to_string(n) + ".out");
    const fs::path err = base_ / ("call" + std::to_string(n) + ".err");
    Result r;
    const pid_t pid = spawn(args, work_, out, err);
    r.status = wait_for(pid, limit).value_or(-1);
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
  }

  // A scenario file in base_/in; returns its absolute path.
  std::string scenario_file(const std::string& name, const std::string& text) {
    const fs::path p = in_ / name;
    write_text(p, text);
    return p.string();
  }

  // Sorted names in the working directory.
  std::vector<std::string> work_files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(work_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string work(const std::string& name) const { return (work_ / name).string(); }

  // Bad input: exit status 2, exactly one message on stderr, starting "cimsim: error:" and
  // containing every needle, nothing on stdout, and nothing written to the working directory.
  void expect_input_error(const Result& r, std::initializer_list<std::string> needles,
                          const std::vector<std::string>& files_before = {}) {
    SCOPED_TRACE(testing::Message() << r);
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err.rfind("cimsim: error: ", 0), 0u) << "stderr must start with 'cimsim: error: '";
    EXPECT_EQ(count(r.err, "cimsim: error:"), 1u);
    EXPECT_EQ(count(r.err, "\n"), 1u) << "one message, on one line";
    for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "stderr lacks: " << n;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(work_files(), files_before) << "bad input must leave no output (nor a temporary) file";
  }

  fs::path base_, work_, in_;
  int calls_ = 0;
};

inline bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// mpirun with the flags a CI container needs: root allowed, more processes than cores allowed.
inline std::vector<std::string> mpirun(int processes) {
  return {CIMSIM_MPIEXEC, "--oversubscribe", "-n", std::to_string(processes)};
}

// Tests of cimsim under mpirun (cimsim run here, cimsim calibrate in test_calibrate.cpp); skipped
// when cimsim was built without MPI.
class MpiTest : public CliTest {
 protected:
  void SetUp() override {
    if (std::string(CIMSIM_MPIEXEC).empty()) GTEST_SKIP() << "cimsim was built without MPI";
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    ::setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
    // Open MPI keeps some allocations until the process ends, which LeakSanitizer reports in
    // the sanitizer build: leak checking is off for the processes these tests start (ASan's
    // other checks and UBSan stay on; the single-process tests check cimsim's own leaks).
    const char* asan = std::getenv("ASAN_OPTIONS");
    saved_asan_ = asan != nullptr ? std::optional<std::string>(asan) : std::nullopt;
    ::setenv("ASAN_OPTIONS", (saved_asan_.value_or("") + ":detect_leaks=0").c_str(), 1);
    changed_asan_ = true;
    CliTest::SetUp();
  }
  void TearDown() override {
    if (changed_asan_ && saved_asan_) ::setenv("ASAN_OPTIONS", saved_asan_->c_str(), 1);
    else if (changed_asan_) ::unsetenv("ASAN_OPTIONS");
    CliTest::TearDown();
  }
  std::optional<std::string> saved_asan_;
  bool changed_asan_ = false;
};

}  // namespace cli_test
