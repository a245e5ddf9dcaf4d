// CLI traps of issue 14 (item 5): one value per flag so positionals after --set/--sweep/--variant
// work; a warning naming both keys when the budget undoes backbone.staff; help on bare `cimsim`
// (exit 2), `--help` (exit 0) with the name `cimsim`, `-V`; `list`/`describe --format json`; a
// progress bar on a terminal and plain lines otherwise; the partial summary pairs only seeds
// completed in both scenarios.
#include "analysis/hdf5_read.hpp"
#include "analysis/summary.hpp"

#include "tests/shell.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

namespace fs = std::filesystem;

using Result = cimsim::testing::ShellResult;
using cimsim::testing::sh;

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class CliTraps : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("cimsim-traps-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string cimsim(const std::string& args) const { return "cd '" + dir_.string() + "' && " + CIMSIM_BINARY + " " + args; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

const std::string kSmall = " -r 2 -t 2 -q --set population.citizens=200 --set run.horizon_years=4 ";

TEST_F(CliTraps, PositionalScenariosAfterValueFlags) {
  Result r = sh(cimsim("run --set backbone.staff=4 coordinator-leaves baseline" + kSmall + "-o a.h5"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(cimsim::h5::read_strings(path("a.h5"), "scenario"), (std::vector<std::string>{"coordinator-leaves", "baseline"}));
  r = sh(cimsim("run --sweep trust.decay=0.01:0.02 baseline --levels 2" + kSmall + "-o b.h5"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(cimsim::h5::read_strings(path("b.h5"), "scenario"),
            (std::vector<std::string>{"sweep-00000", "sweep-00001", "baseline"}));
  r = sh(cimsim("run --fork coordinator-leaves --fork-at 'month 37' --variant coordinator-leaves-with-updates baseline" +
                kSmall + "-o c.h5"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto names = cimsim::h5::read_strings(path("c.h5"), "scenario");
  EXPECT_NE(std::find(names.begin(), names.end(), "baseline"), names.end()) << r.output;
  // describe too.
  r = sh(cimsim("describe --set backbone.staff=3 baseline"));
  EXPECT_EQ(r.status, 0) << r.output;
}

TEST_F(CliTraps, WarnsWhenTheBudgetUndoesTheStaffSetting) {
  Result r = sh(cimsim("run baseline --set backbone.staff=10" + kSmall + "-o w.h5"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "warning: backbone.staff = 10 but funding.budget_staff_years = 6")) << r.output;
  r = sh(cimsim("run baseline --set backbone.staff=10 --set funding.budget_staff_years=10" + kSmall + "-o x.h5"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(has(r.output, "warning")) << r.output;
  r = sh(cimsim("run baseline" + kSmall + "-o y.h5"));
  EXPECT_FALSE(has(r.output, "warning")) << "the built-in baseline is consistent\n" << r.output;
  std::ofstream(path("big.toml")) << "description = \"bigger\"\nextends = \"baseline\"\n[backbone]\nstaff = 10\n";
  r = sh(cimsim("validate big.toml"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "backbone.staff = 10") && has(r.output, "funding.budget_staff_years")) << r.output;
}

TEST_F(CliTraps, HelpVersionAndName) {
  Result r = sh(cimsim(""));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(has(r.output, "Usage: cimsim [OPTIONS] [SUBCOMMAND]")) << r.output;
  EXPECT_TRUE(has(r.output, "export")) << r.output;
  r = sh(cimsim("--help"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "Usage: cimsim ")) << r.output;
  EXPECT_FALSE(has(r.output, "Usage: /")) << r.output;
  r = sh(cimsim("run --help"));
  EXPECT_TRUE(has(r.output, "Usage: cimsim run")) << r.output;
  for (const char* v : {"-V", "--version"}) {
    r = sh(cimsim(v));
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output.rfind("cimsim ", 0), 0u) << r.output;
  }
  r = sh(cimsim("no-such-command"));
  EXPECT_EQ(r.status, 2) << r.output;
}

TEST_F(CliTraps, ListAndDescribeAsJson) {
  Result r = sh(cimsim("list --format json 2>/dev/null"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto list = nlohmann::json::parse(r.output);
  ASSERT_TRUE(list.is_array());
  EXPECT_EQ(list.at(0)["name"], "baseline");
  EXPECT_GE(list.size(), 20u);
  r = sh(cimsim("describe coordinator-leaves --set backbone.staff=3 --format json 2>/dev/null"));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto d = nlohmann::json::parse(r.output);
  EXPECT_EQ(d["name"], "coordinator-leaves");
  bool found = false;
  for (const auto& p : d["parameters"])
    if (p["key"] == "backbone.staff") {
      found = true;
      EXPECT_EQ(p["value"], 3);
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(d["events"].size(), 1u);
  EXPECT_FALSE(d["schedule"].empty());
}

TEST_F(CliTraps, ProgressBarOnATerminalPlainLinesOtherwise) {
  Result r = sh(cimsim("run baseline -r 4 -t 2 --set population.citizens=200 --set run.horizon_years=2 --progress -o p.h5"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "  runs 4/4 (100%)")) << r.output;
  EXPECT_FALSE(has(r.output, "[#")) << r.output;
  if (sh("command -v script").status != 0) GTEST_SKIP() << "util-linux `script` (a pseudo-terminal) is missing";
  r = sh("script -qec \"" + cimsim("run baseline -r 4 -t 2 --set population.citizens=200 --set run.horizon_years=2 -o t.h5") +
         "\" /dev/null");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "[##############################] 100%  runs 4/4")) << r.output;
  EXPECT_TRUE(has(r.output, "ETA")) << r.output;
}

// The summary's differences pair replicates completed in both scenarios only; it says how many.
TEST(SummaryPartial, DifferencesPairOnlySeedsCompletedInBoth) {
  cimsim::RecordSchema schema;
  schema.summaries = {{"final_outcome", "final outcome", "1", cimsim::Axis::none}};
  cimsim::SummarySink sink(schema, 2, 6);
  auto write = [&](std::size_t s, std::size_t r, double v) {
    cimsim::RunResult run;
    run.key = {s, r, 100 + r};
    run.ok = true;
    run.summaries = {{v}};
    sink.write(run);
  };
  for (std::size_t r = 0; r < 6; ++r) write(0, r, 0.5 + 0.01 * static_cast<double>(r));
  write(1, 0, 0.6);
  write(1, 1, 0.61);  // replicates 2-5 of scenario 1 never ran (interrupted)
  const std::string t = sink.difference_table({"a", "b"}, 0);
  // Paired over replicates 0 and 1 only: +0.100 each; unpaired means would give +0.080.
  EXPECT_TRUE(has(t, "+0.100 [+0.100, +0.100]*")) << t;
  EXPECT_EQ(t.substr(t.size() - 3), " 2\n") << t;
}

}  // namespace
