// Hdf5Sink + h5 reader: layout, values, missing runs, attributes, file safety, and that
// xarray opens the result (tests/output/check_xarray.py).
#include "analysis/hdf5_read.hpp"
#include "analysis/hdf5_sink.hpp"
#include "engine/error.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace cimsim {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kScenarios = 2, kReplicates = 3, kTimes = 5;

RecordSchema make_schema() {
  RecordSchema s;
  s.series = {{"outcome", "overall outcome of the initiative", "1", Axis::none},
              {"engagement", "share of actors engaged", "1", Axis::sector},
              {"outcome_pillar", "outcome per pillar", "1", Axis::pillar}};
  s.summaries = {{"final_outcome", "outcome at the end of the run", "1", Axis::none}};
  s.sectors = {"government", "citizens"};
  s.pillars = {"energy", "mobility", "food"};
  return s;
}

OutputLayout make_layout() {
  OutputLayout l;
  l.scenarios = {"baseline", "policy"};
  l.replicates = kReplicates;
  l.time = {0.0, 1.0, 2.0, 3.0, 4.0};
  l.attributes = {{"title", "cimsim test output"}, {"cimsim_version", "0.1.0"}, {"git_revision", "abc123"}};
  return l;
}

std::uint64_t seed_of(std::size_t s, std::size_t r) { return 0xFEDCBA9876543210ULL + 7 * s + r; }

// Known values: outcome = 1000 s + 100 r + t; engagement = that + 0.1 (k + 1); pillar = -(that) - k.
double base(std::size_t s, std::size_t r, std::size_t t) { return 1000.0 * static_cast<double>(s) + 100.0 * static_cast<double>(r) + static_cast<double>(t); }
double engagement(std::size_t s, std::size_t r, std::size_t t, std::size_t k) {
  return base(s, r, t) + 0.1 * static_cast<double>(k + 1);
}
double pillar(std::size_t s, std::size_t r, std::size_t t, std::size_t k) {
  return -base(s, r, t) - static_cast<double>(k);
}
double final_outcome(std::size_t s, std::size_t r) { return 10.0 * static_cast<double>(s) + static_cast<double>(r) + 0.5; }

RunResult make_run(std::size_t s, std::size_t r, std::size_t records = kTimes) {
  RunResult run;
  run.key = {s, r, seed_of(s, r)};
  run.ok = true;
  run.series.resize(3);
  for (std::size_t t = 0; t < records; ++t) {
    run.time.push_back(static_cast<double>(t));
    run.series[0].push_back(base(s, r, t));
    for (std::size_t k = 0; k < 2; ++k) run.series[1].push_back(engagement(s, r, t, k));
    for (std::size_t k = 0; k < 3; ++k) run.series[2].push_back(pillar(s, r, t, k));
  }
  run.summaries = {{final_outcome(s, r)}};
  return run;
}

RunResult failed_run(std::size_t s, std::size_t r, std::string error) {
  RunResult run;
  run.key = {s, r, seed_of(s, r)};
  run.ok = false;
  run.error = std::move(error);
  return run;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> temp_files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) out.push_back(e.path());
  return out;
}

class Hdf5SinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("cimsim_h5_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(counter++) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string file(const std::string& name = "out.h5") const { return (dir_ / name).string(); }

  // The standard scenario: all runs written except (1, 2); (1, 1) failed; (0, 2) has a
  // shorter horizon (3 records).
  std::string write_standard(bool complete = true, bool threaded = false) {
    const std::string path = file();
    Hdf5Sink sink(path, make_schema(), make_layout(), false);
    std::vector<RunResult> runs = {make_run(0, 0), make_run(0, 1), make_run(0, 2, 3), make_run(1, 0),
                                   failed_run(1, 1, "model error: stock went negative")};
    if (threaded) {
      std::vector<std::thread> threads;
      for (const auto& run : runs) threads.emplace_back([&sink, &run] { sink.write(run); });
      for (auto& t : threads) t.join();
    } else {
      for (const auto& run : runs) sink.write(run);
    }
    EXPECT_TRUE(fs::exists(sink.temporary_path()));
    EXPECT_FALSE(fs::exists(path));
    sink.finish(complete);
    EXPECT_TRUE(fs::exists(path));
    EXPECT_FALSE(fs::exists(sink.temporary_path()));
    return path;
  }

  fs::path dir_;
};

std::size_t at(std::size_t s, std::size_t r, std::size_t t = 0, std::size_t k = 0, std::size_t times = kTimes,
               std::size_t width = 1) {
  return ((s * kReplicates + r) * times + t) * width + k;
}

TEST_F(Hdf5SinkTest, WritesLayoutValuesAndMissingRuns) {
  const std::string path = write_standard();

  const auto names = h5::dataset_names(path);
  for (const char* n : {"scenario", "realization", "time", "sector", "pillar", "outcome", "engagement",
                        "outcome_pillar", "final_outcome", "seed", "status", "status_message"})
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;

  EXPECT_EQ(h5::read_strings(path, "scenario"), (std::vector<std::string>{"baseline", "policy"}));
  EXPECT_EQ(h5::read_strings(path, "sector"), (std::vector<std::string>{"government", "citizens"}));
  EXPECT_EQ(h5::read_strings(path, "pillar"), (std::vector<std::string>{"energy", "mobility", "food"}));
  const auto realization = h5::read_numeric(path, "realization");
  EXPECT_EQ(realization.shape, (std::vector<std::uint64_t>{kReplicates}));
  EXPECT_EQ(realization.values, (std::vector<double>{0, 1, 2}));
  const auto time = h5::read_numeric(path, "time");
  EXPECT_EQ(time.values, (std::vector<double>{0, 1, 2, 3, 4}));

  const auto outcome = h5::read_numeric(path, "outcome");
  const auto eng = h5::read_numeric(path, "engagement");
  const auto pil = h5::read_numeric(path, "outcome_pillar");
  const auto fin = h5::read_numeric(path, "final_outcome");
  ASSERT_EQ(outcome.shape, (std::vector<std::uint64_t>{2, 3, 5}));
  ASSERT_EQ(eng.shape, (std::vector<std::uint64_t>{2, 3, 5, 2}));
  ASSERT_EQ(pil.shape, (std::vector<std::uint64_t>{2, 3, 5, 3}));
  ASSERT_EQ(fin.shape, (std::vector<std::uint64_t>{2, 3}));

  for (std::size_t s = 0; s < kScenarios; ++s)
    for (std::size_t r = 0; r < kReplicates; ++r) {
      const bool written_ok = !(s == 1 && r >= 1);
      const std::size_t records = (s == 0 && r == 2) ? 3 : kTimes;
      for (std::size_t t = 0; t < kTimes; ++t) {
        const bool present = written_ok && t < records;
        SCOPED_TRACE("s=" + std::to_string(s) + " r=" + std::to_string(r) + " t=" + std::to_string(t));
        if (present) {
          EXPECT_EQ(outcome.values[at(s, r, t)], base(s, r, t));
          for (std::size_t k = 0; k < 2; ++k)
            EXPECT_EQ(eng.values[at(s, r, t, k, kTimes, 2)], engagement(s, r, t, k));
          for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(pil.values[at(s, r, t, k, kTimes, 3)], pillar(s, r, t, k));
        } else {
          EXPECT_TRUE(std::isnan(outcome.values[at(s, r, t)]));
          for (std::size_t k = 0; k < 2; ++k) EXPECT_TRUE(std::isnan(eng.values[at(s, r, t, k, kTimes, 2)]));
          for (std::size_t k = 0; k < 3; ++k) EXPECT_TRUE(std::isnan(pil.values[at(s, r, t, k, kTimes, 3)]));
        }
      }
      const double f = fin.values[s * kReplicates + r];
      if (written_ok)
        EXPECT_EQ(f, final_outcome(s, r));
      else
        EXPECT_TRUE(std::isnan(f));
    }

  const auto status = h5::read_numeric(path, "status");
  EXPECT_EQ(status.shape, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(status.values, (std::vector<double>{1, 1, 1, 1, 2, 0}));
  EXPECT_EQ(h5::read_strings(path, "status_message"),
            (std::vector<std::string>{"", "", "", "", "model error: stock went negative", ""}));

  // Seeds exactly (beyond double precision): raw uint64.
  const auto raw = h5::read_raw(path, "seed");
  ASSERT_EQ(raw.size(), kScenarios * kReplicates * sizeof(std::uint64_t));
  std::vector<std::uint64_t> seeds(kScenarios * kReplicates);
  std::memcpy(seeds.data(), raw.data(), raw.size());
  for (std::size_t s = 0; s < kScenarios; ++s)
    for (std::size_t r = 0; r < kReplicates; ++r)
      EXPECT_EQ(seeds[s * kReplicates + r], (s == 1 && r == 2) ? 0U : seed_of(s, r));
}

TEST_F(Hdf5SinkTest, WritesAttributes) {
  const std::string path = write_standard();
  for (const auto& name : h5::dataset_names(path)) {
    EXPECT_TRUE(h5::has_attribute(path, name, "long_name")) << name;
    EXPECT_TRUE(h5::has_attribute(path, name, "units")) << name;
    EXPECT_FALSE(h5::read_string_attribute(path, name, "long_name").empty()) << name;
  }
  EXPECT_EQ(h5::read_string_attribute(path, "engagement", "long_name"), "share of actors engaged");
  EXPECT_EQ(h5::read_string_attribute(path, "engagement", "units"), "1");
  EXPECT_TRUE(h5::has_attribute(path, "engagement", "_FillValue"));
  EXPECT_TRUE(std::isnan(h5::read_numeric(path, "outcome").values.back()));  // fill, run (1, 2)
  EXPECT_EQ(h5::read_string_attribute(path, "realization", "standard_name"), "realization");
  EXPECT_EQ(h5::read_string_attribute(path, "time", "units"), "month");
  EXPECT_EQ(h5::read_string_attribute(path, "time", "long_name"), "time since the start of the initiative");
  EXPECT_EQ(h5::read_string_attribute(path, "status", "flag_meanings"), "not_run ok failed");
  EXPECT_TRUE(h5::has_attribute(path, "status", "flag_values"));

  EXPECT_EQ(h5::read_string_attribute(path, "/", "title"), "cimsim test output");
  EXPECT_EQ(h5::read_string_attribute(path, "/", "cimsim_version"), "0.1.0");
  EXPECT_EQ(h5::read_string_attribute(path, "/", "git_revision"), "abc123");
  EXPECT_EQ(h5::read_string_attribute(path, "/", "Conventions"), "CF-1.8");
  EXPECT_EQ(h5::read_string_attribute(path, "/", "complete"), "true");
  EXPECT_EQ(h5::read_string_attribute(path, "/", "runs_completed"), "5");
  EXPECT_EQ(h5::read_string_attribute(path, "/", "runs_total"), "6");
  EXPECT_FALSE(h5::has_attribute(path, "/", "no_such_attribute"));
}

TEST_F(Hdf5SinkTest, ConcurrentWritesGiveTheSameFile) {
  const std::string path = write_standard(true, true);
  EXPECT_EQ(h5::read_numeric(path, "status").values, (std::vector<double>{1, 1, 1, 1, 2, 0}));
  const auto outcome = h5::read_numeric(path, "outcome");
  EXPECT_EQ(outcome.values[at(1, 0, 4)], base(1, 0, 4));
  EXPECT_EQ(h5::read_string_attribute(path, "/", "runs_completed"), "5");
}

TEST_F(Hdf5SinkTest, IncompleteFinishIsMarked) {
  const std::string path = file();
  {
    Hdf5Sink sink(path, make_schema(), make_layout(), false);
    sink.write(make_run(0, 0));
    sink.finish(false);
  }
  EXPECT_EQ(h5::read_string_attribute(path, "/", "complete"), "false");
  EXPECT_EQ(h5::read_string_attribute(path, "/", "runs_completed"), "1");
  EXPECT_EQ(h5::read_string_attribute(path, "/", "runs_total"), "6");
  EXPECT_TRUE(temp_files_in(dir_).empty());
}

TEST_F(Hdf5SinkTest, ExistingFileWithoutOverwriteIsUntouched) {
  const std::string path = file();
  { std::ofstream(path) << "keep me"; }
  try {
    Hdf5Sink sink(path, make_schema(), make_layout(), false);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), path);
    EXPECT_NE(std::string(e.what()).find("already exists"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_text(path), "keep me");
  EXPECT_TRUE(temp_files_in(dir_).empty());
  EXPECT_THROW(check_output_path(path, false), InputError);
  EXPECT_NO_THROW(check_output_path(path, true));
}

TEST_F(Hdf5SinkTest, ExistingFileWithOverwriteIsReplacedOnlyAtFinish) {
  const std::string path = file();
  { std::ofstream(path) << "old"; }
  {
    Hdf5Sink sink(path, make_schema(), make_layout(), true);
    sink.write(make_run(0, 0));
    EXPECT_EQ(read_text(path), "old");
    sink.finish(true);
  }
  EXPECT_EQ(h5::read_string_attribute(path, "/", "complete"), "true");
  EXPECT_TRUE(temp_files_in(dir_).empty());
}

TEST_F(Hdf5SinkTest, FileAppearingDuringTheRunIsNotOverwritten) {
  const std::string path = file();
  Hdf5Sink sink(path, make_schema(), make_layout(), false);
  sink.write(make_run(0, 0));
  { std::ofstream(path) << "someone else's"; }
  EXPECT_THROW(sink.finish(true), InputError);
  EXPECT_EQ(read_text(path), "someone else's");
  // The finished results are kept in the temporary file.
  ASSERT_TRUE(fs::exists(sink.temporary_path()));
  EXPECT_EQ(h5::read_string_attribute(sink.temporary_path(), "/", "complete"), "true");
}

TEST_F(Hdf5SinkTest, MissingDirectoryThrows) {
  const std::string path = (dir_ / "no_such_dir" / "out.h5").string();
  try {
    Hdf5Sink sink(path, make_schema(), make_layout(), false);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), path);
    EXPECT_NE(std::string(e.what()).find("cannot write here"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "no_such_dir"));
}

TEST_F(Hdf5SinkTest, UnwritableDirectoryThrows) {
  // /proc/self cannot be written even by root (CI runs as root), so this part always runs.
  EXPECT_THROW(check_output_path("/proc/self/cimsim-out.h5", true), InputError);
  EXPECT_THROW(check_output_path("/proc/self/cimsim-out.h5", false), InputError);
  EXPECT_THROW(Hdf5Sink("/proc/self/cimsim-out.h5", make_schema(), make_layout(), true), InputError);
  // A read-only directory stops only non-root users (root bypasses permission bits).
  if (::geteuid() != 0) {
    const fs::path ro = dir_ / "ro";
    fs::create_directory(ro);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    EXPECT_THROW(check_output_path((ro / "out.h5").string(), true), InputError);
    fs::permissions(ro, fs::perms::owner_all);
  }
}

TEST_F(Hdf5SinkTest, DirectoryAsPathThrows) {
  EXPECT_THROW(check_output_path(dir_.string(), true), InputError);
  EXPECT_THROW(check_output_path(dir_.string() + "/", true), InputError);
}

TEST_F(Hdf5SinkTest, DestroyWithoutFinishLeavesNothing) {
  const std::string path = file();
  std::string tmp;
  {
    Hdf5Sink sink(path, make_schema(), make_layout(), false);
    tmp = sink.temporary_path();
    EXPECT_EQ(tmp, path + ".tmp-" + std::to_string(::getpid()));
    sink.write(make_run(0, 0));
    EXPECT_TRUE(fs::exists(tmp));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(tmp));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(Hdf5SinkTest, KilledWriterLeavesReadableTemporaryFile) {
  const std::string path = file();
  int status = 0;
  const pid_t killed = ::fork();
  ASSERT_GE(killed, 0);
  if (killed == 0) {
    // Simulates a kill: the process ends without finish() and without destroying the sink.
    try {
      auto* sink = new Hdf5Sink(path, make_schema(), make_layout(), false);
      sink->write(make_run(0, 1));
      sink->write(failed_run(1, 0, "boom"));
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  ASSERT_EQ(::waitpid(killed, &status, 0), killed);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  const std::string tmp = path + ".tmp-" + std::to_string(killed);
  ASSERT_TRUE(fs::exists(tmp));
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(h5::read_numeric(tmp, "status").values, (std::vector<double>{0, 1, 0, 2, 0, 0}));
  EXPECT_EQ(h5::read_numeric(tmp, "outcome").values[at(0, 1, 4)], base(0, 1, 4));
  EXPECT_EQ(h5::read_strings(tmp, "status_message")[3], "boom");
  EXPECT_FALSE(h5::has_attribute(tmp, "/", "complete"));
}

TEST_F(Hdf5SinkTest, RejectsRunsThatDoNotFit) {
  const std::string path = file();
  Hdf5Sink sink(path, make_schema(), make_layout(), false);
  EXPECT_THROW(sink.write(make_run(2, 0)), std::out_of_range);
  EXPECT_THROW(sink.write(make_run(0, 3)), std::out_of_range);
  EXPECT_THROW(sink.write(make_run(0, 0, kTimes + 1)), std::invalid_argument);
  RunResult bad = make_run(0, 0);
  bad.series[1].pop_back();
  EXPECT_THROW(sink.write(bad), std::invalid_argument);
  bad = make_run(0, 0);
  bad.summaries.clear();
  EXPECT_THROW(sink.write(bad), std::invalid_argument);
  sink.finish(true);
  EXPECT_THROW(sink.write(make_run(0, 0)), std::logic_error);
  EXPECT_EQ(h5::read_numeric(path, "status").values, (std::vector<double>(6, 0.0)));
  EXPECT_EQ(h5::read_string_attribute(path, "/", "runs_completed"), "0");
}

TEST_F(Hdf5SinkTest, RejectsBadSchemas) {
  RecordSchema dup = make_schema();
  dup.summaries.push_back({"outcome", "again", "1", Axis::none});
  EXPECT_THROW(Hdf5Sink(file("a.h5"), dup, make_layout(), false), std::invalid_argument);
  RecordSchema reserved = make_schema();
  reserved.series.push_back({"seed", "clash", "1", Axis::none});
  EXPECT_THROW(Hdf5Sink(file("b.h5"), reserved, make_layout(), false), std::invalid_argument);
  RecordSchema no_sectors = make_schema();
  no_sectors.sectors.clear();
  EXPECT_THROW(Hdf5Sink(file("c.h5"), no_sectors, make_layout(), false), std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(Hdf5SinkTest, ReaderErrorsNameFileAndDataset) {
  const std::string path = write_standard();
  try {
    (void)h5::read_numeric(path, "no_such_variable");
    FAIL() << "expected runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no_such_variable"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)h5::read_numeric(path, "scenario"), std::runtime_error);
  EXPECT_THROW((void)h5::read_strings(path, "outcome"), std::runtime_error);
  EXPECT_THROW((void)h5::read_numeric(file("missing.h5"), "outcome"), std::runtime_error);
  EXPECT_THROW((void)h5::read_string_attribute(path, "/", "nope"), std::runtime_error);
}

// Runs tests/output/check_xarray.py on a file; 0 when xarray is happy with it.
int run_check(const std::string& path, const std::string& extra) {
#ifdef CIMSIM_SOURCE_DIR
  const std::string script = std::string(CIMSIM_SOURCE_DIR) + "/tests/output/check_xarray.py";
#else
  const std::string script;
  ADD_FAILURE() << "CIMSIM_SOURCE_DIR is not defined: add target_compile_definitions(<test target> PRIVATE "
                   "CIMSIM_SOURCE_DIR=\"${PROJECT_SOURCE_DIR}\")";
  return -1;
#endif
  const int status = std::system(("/usr/bin/python3 '" + script + "' '" + path + "' " + extra).c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool python_has_xarray() {
  const int status = std::system("/usr/bin/python3 -c 'import xarray, netCDF4' >/dev/null 2>&1");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST_F(Hdf5SinkTest, XarrayOpensTheFile) {
  ASSERT_TRUE(python_has_xarray())
      << "/usr/bin/python3 cannot import xarray and netCDF4: run scripts/setup.sh (python3-xarray, python3-netcdf4)";
  const std::string path = write_standard();
  EXPECT_EQ(run_check(path, "--expect-scenarios baseline,policy --expect-replicates 3"), 0);
  EXPECT_NE(run_check(path, "--expect-scenarios baseline,other"), 0);
}

TEST_F(Hdf5SinkTest, XarrayOpensAFileWithoutSectorsOrPillars) {
  ASSERT_TRUE(python_has_xarray())
      << "/usr/bin/python3 cannot import xarray and netCDF4: run scripts/setup.sh (python3-xarray, python3-netcdf4)";
  RecordSchema schema;
  schema.series = {{"outcome", "overall outcome", "1", Axis::none}};
  const std::string path = file();
  {
    Hdf5Sink sink(path, schema, make_layout(), false);
    RunResult run;
    run.key = {1, 2, 42};
    run.ok = true;
    run.time = {0, 1};
    run.series = {{0.5, 0.25}};
    sink.write(run);
    sink.finish(true);
  }
  const auto names = h5::dataset_names(path);
  EXPECT_EQ(std::find(names.begin(), names.end(), "sector"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "pillar"), names.end());
  EXPECT_EQ(run_check(path, "--expect-replicates 3"), 0);
}

}  // namespace
}  // namespace cimsim
