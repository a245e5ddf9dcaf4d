// The cimsim command-line interface, run as a child process: error messages and exit status
// for bad input (and that bad input leaves no file behind), successful runs, default output
// names, interruption by SIGINT/SIGTERM, help/list/describe/validate, several scenarios in
// one file, and that the thread count does not change the data; `cimsim compare` and
// `cimsim sensitivity` (bad input, results, --store).
#include "scenarios/design.hpp"
#include "analysis/hdf5_read.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli_harness.hpp"

namespace {

using namespace cli_test;

// ---- bad input ----------------------------------------------------------------------------

TEST_F(CliTest, UnknownScenarioSuggestsNearest) {
  const Result r = cimsim(concat({"run", "baseine", "-o", "out.h5"}, kSmall));
  expect_input_error(r, {"unknown scenario 'baseine'", "did you mean 'baseline'"});
  // Also without -o: the default output name must not be created either.
  expect_input_error(cimsim({"run", "baseine"}), {"unknown scenario 'baseine'", "did you mean 'baseline'"});
}

TEST_F(CliTest, MisspelledSetKeySuggestsNearest) {
  const Result r = cimsim(concat({"run", "-o", "out.h5", "--set", "backbone.staf=3"}, kSmall));
  expect_input_error(r, {"--set", "backbone.staf", "unknown parameter", "did you mean 'backbone.staff'"});
}

TEST_F(CliTest, MisspelledKeyInFileNamesFileLineAndSuggests) {
  const std::string f = scenario_file("typo.toml", "description = \"typo\"\n\n[run]\nhorizon_years = 2\n\n"
                                                   "[backbone]\nstaf = 3\n");
  const Result r = cimsim(concat({"run", f, "-o", "out.h5"}, kSmall));
  expect_input_error(r, {f + ":7", "backbone.staf", "did you mean 'backbone.staff'"});
}

TEST_F(CliTest, ValueOutOfRange) {
  expect_input_error(cimsim(concat({"run", "-o", "out.h5", "--set", "trust.decay=2"}, kSmall)),
                     {"--set", "trust.decay", "out of range", "[0, 1]"});
  const std::string f = scenario_file("range.toml", "[run]\nhorizon_years = 2\n[trust]\ndecay = 2\n");
  expect_input_error(cimsim(concat({"run", f, "-o", "out.h5"}, kSmall)),
                     {f + ":4", "trust.decay", "out of range", "[0, 1]"});
  const std::string g = scenario_file("range2.toml", "[backbone]\nstaff = 1000\n");
  expect_input_error(cimsim(concat({"run", g, "-o", "out.h5"}, kSmall)),
                     {g + ":2", "backbone.staff", "out of range", "[0, 200]"});
}

TEST_F(CliTest, WrongType) {
  expect_input_error(cimsim(concat({"run", "-o", "out.h5", "--set", "backbone.staff=abc"}, kSmall)),
                     {"--set", "backbone.staff", "abc", "expected an integer"});
  expect_input_error(cimsim(concat({"run", "-o", "out.h5", "--set", "backbone.staff=2.5"}, kSmall)),
                     {"--set", "backbone.staff", "2.5", "expected an integer"});
  const std::string f = scenario_file("type.toml", "[run]\nhorizon_years = 2\n\n[backbone]\nstaff = \"five\"\n");
  expect_input_error(cimsim(concat({"run", f, "-o", "out.h5"}, kSmall)),
                     {f + ":5", "backbone.staff", "five", "expected an integer"});
}

TEST_F(CliTest, MalformedToml) {
  const std::string f = scenario_file("broken.toml", "description = \"broken\"\n[run\nhorizon_years = 2\n");
  expect_input_error(cimsim(concat({"run", f, "-o", "out.h5"}, kSmall)), {f + ":2", "malformed TOML"});
}

TEST_F(CliTest, UnwritableOutputPath) {
  expect_input_error(cimsim(concat({"run", "-o", "/nonexistent-dir/x.h5"}, kSmall)),
                     {"/nonexistent-dir/x.h5", "does not exist"});
  EXPECT_FALSE(fs::exists("/nonexistent-dir"));
  // Unwritable even for root (CI runs as root).
  expect_input_error(cimsim(concat({"run", "-o", "/proc/self/x.h5"}, kSmall)), {"/proc/self/x.h5"});
  // A directory is not an output file.
  expect_input_error(cimsim(concat({"run", "-o", work_.string()}, kSmall)), {work_.string()});
}

TEST_F(CliTest, NonPositiveReplicatesAndThreads) {
  expect_input_error(cimsim({"run", "-r", "0", "-o", "out.h5"}), {"--replicates", "0"});
  expect_input_error(cimsim({"run", "-r", "-3", "-o", "out.h5"}), {"--replicates", "-3"});
  expect_input_error(cimsim({"run", "-r", "2", "-t", "0", "-o", "out.h5"}), {"--threads", "0"});
  expect_input_error(cimsim({"run", "-r", "2", "-t", "-2", "-o", "out.h5"}), {"--threads", "-2"});
}

TEST_F(CliTest, ExistingOutputNeedsForce) {
  const std::string precious = "precious bytes, not an HDF5 file\n";
  write_text(work_ / "out.h5", precious);
  const Result r = cimsim(concat({"run", "-o", "out.h5"}, kSmall));
  expect_input_error(r, {"out.h5", "already exists", "--force"}, {"out.h5"});
  EXPECT_EQ(read_text(work_ / "out.h5"), precious);

  const Result f = cimsim(concat({"run", "-q", "--force", "-o", "out.h5"}, kSmall));
  EXPECT_EQ(f.status, 0) << f;
  EXPECT_EQ(work_files(), std::vector<std::string>{"out.h5"});
  const std::string bytes = read_text(work_ / "out.h5");
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89HDF\r\n\x1a\n", 8)) << "overwritten with an HDF5 file";
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("out.h5"), "/", "complete"), "true");
}

TEST_F(CliTest, EventAfterHorizon) {
  const std::string f = scenario_file(
      "late.toml", "[run]\nhorizon_years = 2\n[[events]]\ntype = \"staff_turnover\"\nat = \"year 3\"\nfraction = 0.5\n");
  expect_input_error(cimsim({"run", f, "-r", "2", "-t", "1", "-o", "out.h5"}), {f + ":5", "after the horizon"});
  expect_input_error(cimsim({"validate", f}), {f + ":5", "after the horizon"});
  // A built-in whose event a --set horizon cuts off is rejected the same way.
  expect_input_error(cimsim(concat({"run", "staff-turnover", "-o", "out.h5"}, kSmall)), {"after the horizon"});
}

TEST_F(CliTest, ExtendsCycle) {
  const std::string a = scenario_file("a.toml", "extends = \"b.toml\"\n[run]\nhorizon_years = 2\n");
  const std::string b = scenario_file("b.toml", "extends = \"a.toml\"\n[backbone]\nstaff = 3\n");
  expect_input_error(cimsim(concat({"run", a, "-o", "out.h5"}, kSmall)), {"cycle in extends", "a.toml", "b.toml"});
  // A file extending itself.
  const std::string s = scenario_file("self.toml", "extends = \"self.toml\"\n");
  expect_input_error(cimsim(concat({"run", s, "-o", "out.h5"}, kSmall)), {"cycle in extends", "self.toml"});
  // A file extending a built-in is fine.
  const std::string ok = scenario_file("ok.toml", "extends = \"baseline\"\n[backbone]\nstaff = 3\n");
  const Result r = cimsim({"validate", ok});
  EXPECT_EQ(r.status, 0) << r;
}

// ---- successful runs -----------------------------------------------------------------------

TEST_F(CliTest, SmallRunWritesFileAndSummary) {
  const Result r = cimsim(concat({"run", "baseline", "-o", "out.h5"}, kSmall));
  ASSERT_EQ(r.status, 0) << r;
  EXPECT_TRUE(contains(r.out, "wrote out.h5")) << r;
  EXPECT_TRUE(contains(r.out, "baseline")) << r;
  EXPECT_TRUE(contains(r.out, "scenario")) << r;
  EXPECT_TRUE(contains(r.out, "outcome")) << r;
  EXPECT_EQ(work_files(), std::vector<std::string>{"out.h5"}) << "no temporary file left";
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("out.h5"), "/", "complete"), "true");
  const auto status = cimsim::h5::read_numeric(work("out.h5"), "status");
  EXPECT_EQ(status.shape, (std::vector<std::uint64_t>{1, 2}));
  for (double s : status.values) EXPECT_EQ(s, 1.0);

  // -q: no table (and no progress), still the "wrote" line.
  const Result q = cimsim(concat({"run", "baseline", "-q", "-o", "quiet.h5"}, kSmall));
  ASSERT_EQ(q.status, 0) << q;
  EXPECT_EQ(q.out, "wrote quiet.h5\n") << q;
  EXPECT_EQ(q.err, "") << q;
  EXPECT_EQ(work_files(), (std::vector<std::string>{"out.h5", "quiet.h5"}));

  // An absolute output path is printed as given.
  const Result a = cimsim(concat({"run", "-q", "-o", work("abs.h5")}, kSmall));
  ASSERT_EQ(a.status, 0) << a;
  EXPECT_EQ(a.out, "wrote " + work("abs.h5") + "\n") << a;
}

TEST_F(CliTest, DefaultOutputName) {
  const Result r = cimsim(concat({"run"}, kSmall));
  ASSERT_EQ(r.status, 0) << r;
  const auto files = work_files();
  ASSERT_EQ(files.size(), 1u) << r;
  const std::string& name = files.front();
  EXPECT_EQ(name.rfind("cimsim-baseline-", 0), 0u) << name;
  EXPECT_TRUE(name.ends_with(".h5")) << name;
  EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
  EXPECT_TRUE(contains(r.out, "wrote " + name + "\n")) << r;
  EXPECT_EQ(cimsim::h5::read_string_attribute(work(name), "/", "complete"), "true");
}

// ---- interruption --------------------------------------------------------------------------

class CliInterruptTest : public CliTest, public ::testing::WithParamInterface<int> {};

TEST_P(CliInterruptTest, LeavesReadablePartialFile) {
  const int sig = GetParam();
  // About 0.05-0.1 s per run and 2000 runs: minutes in all, so the signal comes mid-run.
  const std::vector<std::string> args = {"run",   "baseline", "-r",    "2000", "-t", "1", "-o", "out.h5", "--set",
                                         "population.citizens=2000", "--set", "run.horizon_years=2", "--progress"};
  const fs::path out = base_ / "long.out", err = base_ / "long.err";
  const pid_t pid = spawn(concat({CIMSIM_BINARY}, args), work_, out, err);
  const fs::path tmp = work_ / ("out.h5.tmp-" + std::to_string(pid));

  // Signal once the temporary file exists and the first run has been reported (--progress
  // prints a line per completed run).
  bool started = false;
  const Result r = signal_when(pid, sig, out, err, [&] {
    return fs::exists(tmp) && read_text(err).find("runs 1/2000") != std::string::npos;
  }, started);
  ASSERT_TRUE(started) << "temporary file " << tmp << " or the first completed run never appeared\n" << r;
  ASSERT_NE(r.status, -1) << "cimsim did not end within 60 s of the signal\n" << r;

  EXPECT_EQ(r.status, 128 + sig) << r;
  EXPECT_TRUE(contains(r.err, "interrupted")) << r;
  EXPECT_TRUE(contains(r.out, "Partial results: interrupted after")) << r;
  EXPECT_EQ(work_files(), std::vector<std::string>{"out.h5"}) << "the file is in place and no temporary is left";
  ASSERT_TRUE(fs::exists(work_ / "out.h5"));

  const std::string file = work("out.h5");
  EXPECT_EQ(cimsim::h5::read_string_attribute(file, "/", "complete"), "false");
  const auto st = cimsim::h5::read_numeric(file, "status");
  ASSERT_EQ(st.shape, (std::vector<std::uint64_t>{1, 2000}));
  const auto ok = std::count(st.values.begin(), st.values.end(), 1.0);
  const auto not_run = std::count(st.values.begin(), st.values.end(), 0.0);
  EXPECT_GE(ok, 1) << "at least one run completed before the signal";
  EXPECT_GE(not_run, 1) << "the signal stopped the ensemble early";
  EXPECT_EQ(ok + not_run, static_cast<std::ptrdiff_t>(st.values.size())) << "no failed runs";
}

INSTANTIATE_TEST_SUITE_P(Signals, CliInterruptTest, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& param) {
                           return std::string(param.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

// ---- experiments -----------------------------------------------------------------------------

// An experiment file with a CSV sweep and a fork: sweep points come first with their parameter
// values as coordinates, then the fork's base and variant; bad experiment input leaves nothing.
TEST_F(CliTest, ExperimentFileWithSweepAndFork) {
  write_text(in_ / "points.csv", "backbone.staff,trust.decay\n2,0.01\n6,0.02\n");
  write_text(in_ / "respond.toml", "description = \"hire at once\"\nextends = \"coordinator-leaves\"\n"
                                    "[[events]]\ntype = \"vacancies_filled\"\nat = \"month 37\"\n");
  const std::string exp = scenario_file("exp.toml", "title = \"test\"\nreplicates = 2\n"
                                                    "[sweep]\ndesign = \"csv\"\nfile = \"points.csv\"\n"
                                                    "[fork]\nscenario = \"coordinator-leaves\"\nat = \"month 37\"\n"
                                                    "variants = [\"respond.toml\"]\n");
  const std::vector<std::string> small = {"--set", "population.citizens=200", "--set", "run.horizon_years=4"};
  const Result r = cimsim(concat({"run", "--experiment", exp, "-t", "2", "-o", "exp.h5"}, small));
  ASSERT_EQ(r.status, 0) << r;
  const std::string f = work("exp.h5");
  EXPECT_EQ(cimsim::h5::read_strings(f, "scenario"),
            (std::vector<std::string>{"sweep-00000", "sweep-00001", "coordinator-leaves", "respond"}));
  EXPECT_EQ(cimsim::h5::read_strings(f, "swept_parameter"), (std::vector<std::string>{"backbone.staff", "trust.decay"}));
  const auto v = cimsim::h5::read_numeric(f, "scenario_parameter");
  ASSERT_EQ(v.shape, (std::vector<std::uint64_t>{4, 2}));
  EXPECT_EQ(v.values[0], 2.0);
  EXPECT_EQ(v.values[3], 0.02);
  EXPECT_TRUE(std::isnan(v.values[4]) && std::isnan(v.values[7]));
  EXPECT_EQ(cimsim::h5::read_string_attribute(f, "/", "design"), "csv");
  EXPECT_TRUE(contains(cimsim::h5::read_string_attribute(f, "/", "fork"), "respond continue")) << r;
  EXPECT_EQ(cimsim::h5::read_numeric(f, "status").values, std::vector<double>(8, 1.0));

  const std::string bad = scenario_file("bad.toml", "replicates = 2\n[fork]\nscenario = \"coordinator-leaves\"\n"
                                                    "at = \"month 37\"\nvariants = [\"no-such-variant\"]\n");
  expect_input_error(cimsim(concat({"run", "--experiment", bad, "-o", "bad.h5"}, small)),
                     {"unknown scenario 'no-such-variant'"}, {"exp.h5"});
  expect_input_error(cimsim(concat({"run", "--sweep", "backbone.staf=1:3", "-o", "bad.h5"}, small)),
                     {"backbone.staf", "did you mean 'backbone.staff'"}, {"exp.h5"});
  expect_input_error(cimsim(concat({"run", "--sweep", "backbone.staff=1-3", "-o", "bad.h5"}, small)),
                     {"KEY=LOW:HIGH"}, {"exp.h5"});
}

// ---- resume --------------------------------------------------------------------------------

// An ensemble stopped by SIGINT and completed with --resume equals in data the same command run
// without interruption; a different command cannot resume the file and leaves it as it was.
TEST_F(CliTest, ResumeCompletesAnInterruptedFileIdenticallyInData) {
  const std::vector<std::string> args = {"run", "baseline", "staff-turnover", "-r", "120", "-t", "1",
                                         "--set", "population.citizens=300", "--set", "run.horizon_years=3",
                                         "--progress", "-o"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = args;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  const fs::path out = base_ / "long.out", err = base_ / "long.err";
  const pid_t pid = spawn(concat({CIMSIM_BINARY}, with({"part.h5"})), work_, out, err);
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  // Progress lines come at most every 0.1 s: wait for the second one (several runs done).
  auto some_done = [&] {
    const std::string e = read_text(err);
    const auto first = e.find("runs ");
    return first != std::string::npos && e.find("runs ", first + 1) != std::string::npos;
  };
  while (!some_done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ::kill(pid, SIGINT);
  ASSERT_TRUE(wait_for(pid, 60s).has_value());
  const std::string part = work("part.h5");
  ASSERT_EQ(cimsim::h5::read_string_attribute(part, "/", "complete"), "false") << read_text(err);
  const auto before = cimsim::h5::read_numeric(part, "status").values;
  const auto done = std::count(before.begin(), before.end(), 1.0);
  ASSERT_GE(done, 2);
  ASSERT_LT(done, 240) << "the signal came after the last run";

  // Another command cannot resume it, and the file stays as it was.
  Result bad = cimsim(with({"part.h5", "--resume", "part.h5", "--set", "trust.decay=0.02"}));
  EXPECT_EQ(bad.status, 2) << bad;
  EXPECT_TRUE(contains(bad.err, "different experiment")) << bad;
  EXPECT_EQ(cimsim::h5::read_numeric(part, "status").values, before);

  Result resumed = cimsim({"run", "baseline", "staff-turnover", "-r", "120", "-t", "2", "--set", "population.citizens=300",
                        "--set", "run.horizon_years=3", "--resume", "part.h5"});
  ASSERT_EQ(resumed.status, 0) << resumed;
  EXPECT_TRUE(contains(resumed.err, "to run")) << resumed;
  Result full = cimsim(with({"full.h5"}));
  ASSERT_EQ(full.status, 0) << full;
  EXPECT_EQ(cimsim::h5::read_string_attribute(part, "/", "complete"), "true");
  std::size_t compared = 0;
  for (const auto& name : cimsim::h5::dataset_names(work("full.h5"))) {
    if (name == "scenario" || name == "sector" || name == "pillar" || name == "event" || name == "event_label" ||
        name == "status_message" || name == "parameter" || name == "parameter_unit")
      continue;  // strings: compared below
    EXPECT_EQ(cimsim::h5::read_raw(part, name), cimsim::h5::read_raw(work("full.h5"), name)) << name;
    ++compared;
  }
  EXPECT_GT(compared, 20u);
  EXPECT_EQ(cimsim::h5::read_strings(part, "status_message"), cimsim::h5::read_strings(work("full.h5"), "status_message"));
  EXPECT_EQ(cimsim::h5::read_strings(part, "parameter"), cimsim::h5::read_strings(work("full.h5"), "parameter"));
  // Resuming a complete file does nothing.
  Result again = cimsim({"run", "baseline", "staff-turnover", "-r", "120", "-t", "2", "--set", "population.citizens=300",
                      "--set", "run.horizon_years=3", "--resume", "part.h5"});
  EXPECT_EQ(again.status, 0) << again;
  EXPECT_TRUE(contains(again.out, "nothing to do")) << again;
}

// ---- help, version, list, describe, validate -----------------------------------------------

TEST_F(CliTest, HelpVersionListDescribeValidate) {
  {
    const Result r = cimsim({"--help"});
    EXPECT_EQ(r.status, 0) << r;
    for (const char* s : {"run", "list", "describe", "validate", "--version", "--help"})
      EXPECT_TRUE(contains(r.out, s)) << "top-level help lacks " << s << "\n" << r;
  }
  {
    const Result r = cimsim({"run", "--help"});
    EXPECT_EQ(r.status, 0) << r;
    for (const char* s : {"--replicates", "--threads", "--seed", "--out", "--set", "--force", "--quiet", "scenarios"})
      EXPECT_TRUE(contains(r.out, s)) << "run --help lacks " << s << "\n" << r;
  }
  {
    const Result r = cimsim({"list", "--help"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "List the built-in scenarios")) << r;
  }
  {
    const Result r = cimsim({"describe", "--help"});
    EXPECT_EQ(r.status, 0) << r;
    for (const char* s : {"scenario", "--set"}) EXPECT_TRUE(contains(r.out, s)) << "describe --help lacks " << s << r;
  }
  {
    const Result r = cimsim({"validate", "--help"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, "files")) << r;
  }
  {
    const Result r = cimsim({"--version"});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_EQ(r.out.rfind("cimsim 0.1.0", 0), 0u) << r;
  }
  {
    const Result r = cimsim({"list"});
    EXPECT_EQ(r.status, 0) << r;
    std::istringstream lines(r.out);
    std::vector<std::string> names;
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string name, description;
      words >> name;
      std::getline(words, description);
      names.push_back(name);
      EXPECT_GT(description.size(), 10u) << "no description for " << name << "\n" << r;
    }
    // Exactly the files of scenarios/builtin/, in name order.
    std::vector<std::string> files;
    for (const auto& f : fs::directory_iterator(fs::path(CIMSIM_SOURCE_DIR) / "scenarios" / "builtin"))
      if (f.path().extension() == ".toml") files.push_back(f.path().stem().string());
    std::sort(files.begin(), files.end());
    EXPECT_EQ(names, files) << r;
    for (const char* must : {"baseline", "isolated-impact", "staff-turnover"})
      EXPECT_NE(std::find(names.begin(), names.end(), must), names.end()) << must;
  }
  {
    const Result r = cimsim({"describe", "staff-turnover"});
    EXPECT_EQ(r.status, 0) << r;
    for (const char* s : {"staff-turnover", "backbone.staff", "people", "per week", "[0, 200]", "staff_turnover",
                          "week  156", "fraction 0.5"})
      EXPECT_TRUE(contains(r.out, s)) << "describe lacks " << s << "\n" << r;
    // The phase schedule, in order.
    std::size_t pos = 0;
    int i = 1;
    for (const char* phase :
         {"events", "contact", "ties", "agenda", "activities", "problem", "measurement", "engagement", "backbone",
          "funding", "observe"}) {
      const std::string item = std::to_string(i++) + ". " + phase + " ";
      const auto at = r.out.find(item, pos);
      EXPECT_NE(at, std::string::npos) << "schedule lacks '" << item << "' (in order)\n" << r;
      if (at != std::string::npos) pos = at;
    }
  }
  expect_input_error(cimsim({"describe", "nope"}), {"unknown scenario 'nope'"});
  {
    const std::string good = scenario_file("good.toml", "description = \"fine\"\nextends = \"baseline\"\n\n"
                                                        "[backbone]\nstaff = 3\n");
    const Result r = cimsim({"validate", good});
    EXPECT_EQ(r.status, 0) << r;
    EXPECT_TRUE(contains(r.out, good + ": ok")) << r;
    const Result builtin = cimsim({"validate", "staff-turnover"});
    EXPECT_EQ(builtin.status, 0) << builtin;
    const std::string bad = scenario_file("bad.toml", "[backbone]\nstaff = -1\n");
    expect_input_error(cimsim({"validate", bad}), {bad + ":2", "backbone.staff", "out of range"});
    // Several files: each good one is reported, the first bad one ends it with one message.
    const Result both = cimsim({"validate", good, bad});
    EXPECT_EQ(both.status, 2) << both;
    EXPECT_EQ(both.out, good + ": ok (scenario good, 0 event(s))\n") << both;
    EXPECT_EQ(both.err.rfind("cimsim: error: " + bad + ":2", 0), 0u) << both;
    EXPECT_EQ(count(both.err, "\n"), 1u) << both;
  }
  EXPECT_TRUE(work_files().empty());
}

// ---- several scenarios, determinism --------------------------------------------------------

// staff-turnover's event is in year 3, so these runs last four years.
const std::vector<std::string> kTwoScenarios = {"run",   "baseline", "staff-turnover",          "-q",
                                                "--set", "population.citizens=200", "--set", "run.horizon_years=4"};

TEST_F(CliTest, TwoScenariosInOneFileShareSeeds) {
  const Result r = cimsim(concat(kTwoScenarios, {"-r", "3", "-t", "2", "-o", "two.h5"}));
  ASSERT_EQ(r.status, 0) << r;
  const std::string file = work("two.h5");
  EXPECT_EQ(cimsim::h5::read_strings(file, "scenario"), (std::vector<std::string>{"baseline", "staff-turnover"}));
  const auto seed = cimsim::h5::read_numeric(file, "seed");
  ASSERT_EQ(seed.shape, (std::vector<std::uint64_t>{2, 3}));
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(seed.values[k], seed.values[3 + k]) << "realization " << k;
  EXPECT_NE(seed.values[0], seed.values[1]);
  EXPECT_NE(seed.values[1], seed.values[2]);
  const auto status = cimsim::h5::read_numeric(file, "status");
  for (double s : status.values) EXPECT_EQ(s, 1.0);
  EXPECT_EQ(work_files(), std::vector<std::string>{"two.h5"});

  // The same scenario twice is an input error.
  expect_input_error(cimsim(concat({"run", "baseline", "baseline", "-o", "twice.h5"}, kSmall)),
                     {"'baseline' is named twice"}, {"two.h5"});
}

// Every dataset of every file equals the first file's, bit for bit (numeric) or as strings.
// Root attributes are not compared: created, history, command_line, threads and processes
// describe the invocation, not the data.
void expect_same_data(const std::vector<std::string>& files) {
  const auto names = cimsim::h5::dataset_names(files[0]);
  ASSERT_FALSE(names.empty());
  EXPECT_NE(std::find(names.begin(), names.end(), "status"), names.end());
  std::size_t numeric = 0;
  for (std::size_t i = 1; i < files.size(); ++i) {
    SCOPED_TRACE(files[i]);
    ASSERT_EQ(cimsim::h5::dataset_names(files[i]), names);
    for (const auto& n : names) {
      std::vector<unsigned char> a;
      bool is_numeric = true;
      try {
        a = cimsim::h5::read_raw(files[0], n);
      } catch (const std::runtime_error&) {
        is_numeric = false;  // a string dataset: compared as strings
      }
      if (is_numeric) {
        ++numeric;
        EXPECT_TRUE(a == cimsim::h5::read_raw(files[i], n)) << "dataset '" << n << "' differs";
      } else {
        EXPECT_EQ(cimsim::h5::read_strings(files[0], n), cimsim::h5::read_strings(files[i], n))
            << "dataset '" << n << "' differs";
      }
    }
  }
  EXPECT_GE(numeric, 4u);
}

TEST_F(CliTest, ThreadCountDoesNotChangeData) {
  std::vector<std::string> files;
  for (const char* t : {"1", "2", "4"}) {
    const std::string name = std::string("t") + t + ".h5";
    const Result r = cimsim(concat(kTwoScenarios, {"-r", "3", "-t", t, "-o", name}));
    ASSERT_EQ(r.status, 0) << r;
    files.push_back(work(name));
  }
  EXPECT_EQ(cimsim::h5::read_string_attribute(files[0], "/", "threads"), "1");
  EXPECT_EQ(cimsim::h5::read_string_attribute(files[2], "/", "threads"), "4");
  expect_same_data(files);
}

// ---- MPI ----------------------------------------------------------------------------------

TEST_F(MpiTest, TwoProcessesWriteTheDataOfOneProcess) {
  const std::vector<std::string> run = concat(kTwoScenarios, {"-r", "5", "-t", "2"});
  const Result one = cimsim(concat(run, {"-o", "one.h5"}));
  ASSERT_EQ(one.status, 0) << one;
  const Result two = command(concat(concat(mpirun(2), {CIMSIM_BINARY}), concat(run, {"-o", "two.h5"})), 300s);
  ASSERT_EQ(two.status, 0) << two;
  EXPECT_EQ(work_files(), (std::vector<std::string>{"one.h5", "two.h5"})) << "one output file, written by rank 0";
  EXPECT_EQ(count(two.out, "wrote two.h5"), 1u) << "only rank 0 reports";
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("two.h5"), "/", "processes"), "2");
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("two.h5"), "/", "complete"), "true");
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("one.h5"), "/", "configuration"),
            cimsim::h5::read_string_attribute(work("two.h5"), "/", "configuration"));
  expect_same_data({work("one.h5"), work("two.h5")});
}

TEST_F(MpiTest, BadInputStopsEveryProcess) {
  const Result first = cimsim(concat(kTwoScenarios, {"-r", "2", "-o", "taken.h5"}));
  ASSERT_EQ(first.status, 0) << first;
  // The output exists (rank 0 refuses it); every process must stop, none waits for work.
  const Result r = command(concat(concat(mpirun(2), {CIMSIM_BINARY}), concat(kTwoScenarios, {"-r", "2", "-o", "taken.h5"})), 120s);
  EXPECT_NE(r.status, 0) << r;
  EXPECT_NE(r.status, -1) << "the job hung";
  EXPECT_TRUE(contains(r.err, "cimsim: error:")) << r;
  EXPECT_EQ(work_files(), (std::vector<std::string>{"taken.h5"})) << "no temporary file left";
}

TEST_F(MpiTest, InterruptWritesThePartialFile) {
  // Ctrl-C on mpirun: it passes the signal on, every rank stops between ticks, and rank 0
  // renames the file with the runs finished so far and complete = "false".
  const std::vector<std::string> args =
      concat(concat(mpirun(2), {CIMSIM_BINARY}),
             {"run", "baseline", "-r", "2000", "-t", "1", "-o", "out.h5", "--set", "population.citizens=2000", "--set",
              "run.horizon_years=2", "--progress"});
  const fs::path out = base_ / "mpi.out", err = base_ / "mpi.err";
  const pid_t pid = spawn(args, work_, out, err);
  bool started = false;
  const Result r = signal_when(pid, SIGINT, out, err, [&] {  // two runs reported (lines are >= 0.1 s apart)
    const std::string text = read_text(err);
    const auto at = text.rfind("runs ");
    return at != std::string::npos && std::atoi(text.c_str() + at + 5) >= 2;
  }, started);
  ASSERT_TRUE(started) << r;
  ASSERT_NE(r.status, -1) << "mpirun did not end within 60 s of the signal\n" << r;
  EXPECT_NE(r.status, 0) << r;
  EXPECT_EQ(work_files(), std::vector<std::string>{"out.h5"}) << "the file is in place and no temporary is left\n" << r;
  const std::string file = work("out.h5");
  ASSERT_TRUE(fs::exists(file)) << r;
  EXPECT_EQ(cimsim::h5::read_string_attribute(file, "/", "complete"), "false");
  const auto st = cimsim::h5::read_numeric(file, "status");
  const auto ok = std::count(st.values.begin(), st.values.end(), 1.0);
  const auto not_run = std::count(st.values.begin(), st.values.end(), 0.0);
  EXPECT_GE(ok, 2);
  EXPECT_GE(not_run, 1);
  EXPECT_EQ(ok + not_run, static_cast<std::ptrdiff_t>(st.values.size())) << "no failed runs";
}

}  // namespace

// ---- compare and sensitivity ------------------------------------------------------------------

namespace {

// Every numeric dataset of a file, as raw bytes.
std::vector<std::pair<std::string, std::vector<unsigned char>>> numeric_data(const std::string& path) {
  std::vector<std::pair<std::string, std::vector<unsigned char>>> out;
  for (const auto& name : cimsim::h5::dataset_names(path)) {
    if (name.rfind("analysis/", 0) == 0) continue;
    try {
      out.emplace_back(name, cimsim::h5::read_raw(path, name));
    } catch (const std::runtime_error&) {  // string datasets
      out.emplace_back(name, std::vector<unsigned char>{});
    }
  }
  return out;
}

// Runs /usr/bin/python3 on a script (a path in the source tree, or absolute) with arguments (each quoted); stdout is
// discarded. Returns the exit status.
int python(const std::string& script, const std::vector<std::string>& args) {
  std::string cmd = "/usr/bin/python3 '";
  if (script.front() != '/') {  // relative to the source tree
    cmd += CIMSIM_SOURCE_DIR;
    cmd += "/";
  }
  cmd += script;
  cmd += "'";
  for (const auto& a : args) {
    cmd += " '";
    cmd += a;
    cmd += "'";
  }
  cmd += " >/dev/null";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

const std::string kFixture = "tests/cli/make_sweep_fixture.py";

// Like kSmall, but four years (the built-in staff events are in year 3) and six replicates.
const std::vector<std::string> kFourYears = {"--set", "population.citizens=200", "--set", "run.horizon_years=4",
                                             "-r",    "6",
                                             "-t",    "1"};

}  // namespace

TEST_F(CliTest, CompareReportsPairedDifferencesAndStoresThem) {
  const Result run = cimsim(concat({"run", "baseline", "coordinator-leaves", "-q", "-o", "two.h5"}, kFourYears));
  ASSERT_EQ(run.status, 0) << run;

  const Result t = cimsim({"compare", "two.h5"});
  ASSERT_EQ(t.status, 0) << t;
  std::printf("%s", t.out.c_str());
  EXPECT_TRUE(contains(t.out, "coordinator-leaves vs baseline")) << t;
  EXPECT_TRUE(contains(t.out, "year 3")) << t;  // default --at: 3 and the horizon (4); 5 is past it
  EXPECT_TRUE(contains(t.out, "year 4")) << t;
  EXPECT_FALSE(contains(t.out, "year 5")) << t;
  EXPECT_TRUE(contains(t.out, "Overall progress on the problem")) << t;
  EXPECT_TRUE(contains(t.out, "launch failed")) << t;
  EXPECT_TRUE(contains(t.out, "staff_turnover at week")) << t;

  const Result j = cimsim({"compare", "two.h5", "--format", "json", "--at", "2", "--at", "4"});
  ASSERT_EQ(j.status, 0) << j;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["baseline"], "baseline");
  EXPECT_EQ(doc["at_years"], nlohmann::json::array({2.0, 4.0}));
  EXPECT_EQ(doc["variables"].size(), 5u);
  ASSERT_EQ(doc["differences"].size(), 5u * 2u);  // 5 variables x 2 horizons x 1 scenario
  for (const auto& d : doc["differences"]) {
    EXPECT_EQ(d["scenario"], "coordinator-leaves");
    EXPECT_EQ(d["n"], 6);
    EXPECT_NEAR(d["diff"].get<double>(), d["scenario_mean"].get<double>() - d["baseline_mean"].get<double>(), 1e-12);
    EXPECT_LE(d["lo"].get<double>(), d["hi"].get<double>());
  }
  ASSERT_EQ(doc["scenarios"].size(), 2u);
  const auto& cl = doc["scenarios"][1];
  EXPECT_EQ(cl["name"], "coordinator-leaves");
  EXPECT_EQ(cl["runs"], 6);
  EXPECT_EQ(cl["failed"], 0);
  for (const char* p : {"p_launch_failure", "p_collapse"}) {
    EXPECT_GE(cl[p]["estimate"].get<double>(), cl[p]["lo"].get<double>());
    EXPECT_LE(cl[p]["estimate"].get<double>(), cl[p]["hi"].get<double>());
  }
  EXPECT_TRUE(cl["time_to_goal"].contains("median_months"));
  EXPECT_EQ(cl["time_to_goal"]["km"][0], nlohmann::json::array({0.0, 1.0}));
  ASSERT_EQ(cl["events"].size(), 1u);
  EXPECT_EQ(cl["events"][0]["recovery_months"]["runs"], 6);
  EXPECT_LE(cl["events"][0]["recovery_months"]["dipped"].get<int>(), 6);
  // Against the baseline with the same seeds, losing the coordinator leaves the initiative behind.
  const auto& gap = cl["events"][0]["gap_to_baseline"];
  ASSERT_TRUE(gap.is_object()) << cl;
  EXPECT_LT(gap["trough"]["hi"].get<double>(), 0.0) << gap;
  EXPECT_EQ(gap["level_again_months"]["runs"], 6);
  EXPECT_TRUE(contains(t.out, "lowest gap to baseline")) << t;
  EXPECT_TRUE(doc["scenarios"][0]["events"].empty());  // the baseline has no scheduled event

  const Result c = cimsim({"compare", "two.h5", "--format", "csv"});
  ASSERT_EQ(c.status, 0) << c;
  EXPECT_EQ(c.out.rfind("scenario,measure,variable,at_years,estimate,lo,hi,n,baseline_mean,scenario_mean\n", 0), 0u);
  EXPECT_TRUE(contains(c.out, "coordinator-leaves,difference,outcome,4,")) << c;
  EXPECT_TRUE(contains(c.out, "baseline,p_launch_failure,")) << c;

  // --store: the result goes into /analysis/compare; run data stay byte-identical; storing
  // again replaces the group; xarray still opens the file and the group.
  const auto before = numeric_data(work("two.h5"));
  for (int i = 0; i < 2; ++i) {
    const Result st = cimsim({"compare", "two.h5", "--store", "--format", "json"});
    ASSERT_EQ(st.status, 0) << st;
    EXPECT_TRUE(contains(st.err, "/analysis/compare")) << st;
  }
  EXPECT_EQ(numeric_data(work("two.h5")), before);
  const auto stored = cimsim::h5::read_strings(work("two.h5"), "analysis/compare/json");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(stored[0]), nlohmann::json::parse(cimsim({"compare", "two.h5", "--format", "json"}).out));
  EXPECT_EQ(work_files(), std::vector<std::string>{"two.h5"}) << "no temporary file left";
  EXPECT_EQ(python("tests/output/check_xarray.py", {work("two.h5"), "--expect-analysis", "compare"}), 0);
}

TEST_F(CliTest, CompareLeavesOutFailedRuns) {
  ASSERT_EQ(cimsim(concat({"run", "baseline", "staff-turnover", "-q", "-o", "f.h5"}, kFourYears)).status, 0);
  // Mark one run of staff-turnover as failed, as the sink records a run that threw.
  write_text(in_ / "fail.py", "import h5py, sys\nwith h5py.File(sys.argv[1], 'r+') as f:\n    f['status'][1, 0] = 2\n");
  ASSERT_EQ(python((in_ / "fail.py").string(), {work("f.h5")}), 0);
  const Result t = cimsim({"compare", "f.h5"});
  ASSERT_EQ(t.status, 0) << t;
  EXPECT_TRUE(contains(t.out, "1 run(s) failed")) << t;
  const auto doc = nlohmann::json::parse(cimsim({"compare", "f.h5", "--format", "json"}).out);
  EXPECT_EQ(doc["scenarios"][1]["failed"], 1);
  EXPECT_EQ(doc["scenarios"][1]["ok"], 5);
  EXPECT_EQ(doc["scenarios"][1]["events"][0]["recovery_months"]["runs"], 5);
  for (const auto& d : doc["differences"]) EXPECT_EQ(d["n"], 5) << "the pair with the failed run is left out";
}

TEST_F(CliTest, CompareBadInput) {
  expect_input_error(cimsim({"compare", "missing.h5"}), {"missing.h5", "no such file"});
  write_text(work_ / "text.h5", "not hdf5\n");
  expect_input_error(cimsim({"compare", "text.h5"}), {"text.h5", "not an HDF5"}, {"text.h5"});
  ASSERT_EQ(cimsim(concat({"run", "baseline", "-q", "-o", "one.h5"}, kSmall)).status, 0);
  const std::vector<std::string> files = {"one.h5", "text.h5"};
  expect_input_error(cimsim({"compare", "one.h5", "--baseline", "nope"}), {"--baseline", "'nope'", "baseline"}, files);
  const Result only = cimsim({"compare", "one.h5"});  // not an error: the baseline's own summary
  EXPECT_EQ(only.status, 0) << only;
  EXPECT_TRUE(contains(only.out, "only the baseline")) << only;
  expect_input_error(cimsim({"compare", "one.h5", "--at", "7"}), {"--at", "month 84"}, files);
  const Result f = cimsim({"compare", "one.h5", "--format", "xml"});  // a usage error, as CLI11 reports them
  EXPECT_EQ(f.status, 2) << f;
  EXPECT_TRUE(contains(f.err, "--format")) << f;
}

TEST_F(CliTest, SensitivityNeedsASweep) {
  ASSERT_EQ(cimsim(concat({"run", "baseline", "-q", "-o", "one.h5"}, kSmall)).status, 0);
  expect_input_error(cimsim({"sensitivity", "one.h5"}), {"one.h5", "no parameter sweep", "--experiment"}, {"one.h5"});
  expect_input_error(cimsim({"sensitivity", "missing.h5"}), {"missing.h5", "no such file"}, {"one.h5"});
  // design "none": a sweep file layout without a design.
  write_text(in_ / "p.csv", "a,b\n0,0\n1,0\n0,1\n1,1\n");
  ASSERT_EQ(python(kFixture, {work("none.h5"), "none", (in_ / "p.csv").string(), "linear"}), 0);
  expect_input_error(cimsim({"sensitivity", "none.h5"}), {"none.h5", "design is \"none\""}, {"none.h5", "one.h5"});
  ASSERT_EQ(python(kFixture, {work("grid.h5"), "grid", (in_ / "p.csv").string(), "linear"}), 0);
  expect_input_error(cimsim({"sensitivity", "grid.h5", "--output", "nothing"}), {"--output", "'nothing'"},
                     {"grid.h5", "none.h5", "one.h5"});
}

namespace {
// Writes the design's points as CSV with a header of parameter keys.
void write_points(const fs::path& p, const std::vector<cimsim::ParamRange>& r, const cimsim::Design& d) {
  std::ostringstream s;
  s.precision(17);
  for (std::size_t j = 0; j < r.size(); ++j) s << (j ? "," : "") << r[j].key;
  s << "\n";
  for (const auto& row : d) {
    for (std::size_t j = 0; j < row.size(); ++j) s << (j ? "," : "") << row[j];
    s << "\n";
  }
  write_text(p, s.str());
}
}  // namespace

TEST_F(CliTest, SensitivityFindsTheIshigamiIndices) {
  // A Saltelli sweep over the Ishigami function written in the layout `cimsim run --experiment`
  // uses, so that the answer is known: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244.
  const double pi = std::acos(-1.0);
  const std::vector<cimsim::ParamRange> r = {{"x1", -pi, pi}, {"x2", -pi, pi}, {"x3", -pi, pi}};
  const std::size_t n = 2048;
  write_points(in_ / "points.csv", r, cimsim::saltelli_design(r, n, 11));
  ASSERT_EQ(python(kFixture, {work("ishigami.h5"), "saltelli", (in_ / "points.csv").string(), "ishigami",
                             std::to_string(n)}),
            0);
  const auto before = numeric_data(work("ishigami.h5"));
  const Result j = cimsim({"sensitivity", "ishigami.h5", "--format", "json", "--store"});
  ASSERT_EQ(j.status, 0) << j;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["design"], "saltelli");
  EXPECT_EQ(doc["output"], "final_outcome");
  EXPECT_EQ(doc["failed_runs"], 1);
  const double s1[] = {0.3139, 0.4424, 0.0}, st[] = {0.5576, 0.4424, 0.2437};
  ASSERT_EQ(doc["parameters"].size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& p = doc["parameters"][i];
    EXPECT_EQ(p["name"], r[i].key);
    std::printf("  %s: S1 %.3f [%.3f, %.3f]  ST %.3f [%.3f, %.3f]\n", r[i].key.c_str(), p["S1"]["estimate"].get<double>(),
                p["S1"]["lo"].get<double>(), p["S1"]["hi"].get<double>(), p["ST"]["estimate"].get<double>(),
                p["ST"]["lo"].get<double>(), p["ST"]["hi"].get<double>());
    EXPECT_NEAR(p["S1"]["estimate"].get<double>(), s1[i], 0.04);
    EXPECT_NEAR(p["ST"]["estimate"].get<double>(), st[i], 0.04);
  }
  EXPECT_EQ(numeric_data(work("ishigami.h5")), before);
  const auto stored = cimsim::h5::read_strings(work("ishigami.h5"), "analysis/sensitivity/json");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(stored[0]), doc);

  const Result t = cimsim({"sensitivity", "ishigami.h5"});
  ASSERT_EQ(t.status, 0) << t;
  std::printf("%s", t.out.c_str());
  EXPECT_TRUE(contains(t.out, "total (ST)")) << t;
  EXPECT_LT(t.out.find("x1"), t.out.find("x3")) << "most influential (largest ST) first";
  // A series at a time works too (the fixture's outcome grows linearly to final_outcome).
  const Result at = cimsim({"sensitivity", "ishigami.h5", "--output", "outcome", "--at", "1", "--format", "csv"});
  ASSERT_EQ(at.status, 0) << at;
  EXPECT_EQ(at.out.rfind("parameter,index,estimate,lo,hi\nx1,S1,", 0), 0u) << at;
}

TEST_F(CliTest, SensitivityMorrisEffectsOnAGrid) {
  // y = 1*a + 2*b + 3*c on a grid over [0, 1]^3: mu* = 1, 2, 3 and sigma = 0.
  const std::vector<cimsim::ParamRange> r = {{"a", 0.0, 1.0}, {"b", 0.0, 1.0}, {"c", 0.0, 1.0}};
  write_points(in_ / "grid.csv", r, cimsim::grid_design(r, {3, 3, 2}));
  ASSERT_EQ(python(kFixture, {work("grid.h5"), "grid", (in_ / "grid.csv").string(), "linear"}), 0);
  const Result j = cimsim({"sensitivity", "grid.h5", "--format", "json"});
  ASSERT_EQ(j.status, 0) << j;
  const auto doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["method"], "grid differences");
  EXPECT_EQ(doc["points"], 18);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(doc["parameters"][i]["mu_star"].get<double>(), static_cast<double>(i + 1), 1e-9);
    EXPECT_NEAR(doc["parameters"][i]["sigma"].get<double>(), 0.0, 1e-9);
  }
  const Result t = cimsim({"sensitivity", "grid.h5"});
  ASSERT_EQ(t.status, 0) << t;
  std::printf("%s", t.out.c_str());
  EXPECT_LT(t.out.find("\nc "), t.out.find("\na ")) << "most influential (largest mu*) first";
}
