// `cimsim export`: the tidy table reads back in pandas (values identical to the HDF5 file, per
// month and per run, plain and gzip, swept parameters as columns) and in R (read.csv, the R
// example), and bad requests exit 2 without writing anything.
#include "tests/shell.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

using Result = cimsim::testing::ShellResult;
using cimsim::testing::sh;

std::string quote(const fs::path& p) {
  std::string q(1, '\'');
  q += p.string();
  q += '\'';
  return q;
}

const std::string kCimsim = CIMSIM_BINARY;
const fs::path kSource = CIMSIM_SOURCE_DIR;

fs::path work_dir() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::temp_directory_path() / ("cimsim-export-" + std::string(info->name()) + "-" +
                                                    std::to_string(static_cast<long long>(::getpid())));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Two scenarios, one with an event, 4 replicates, a small population (about a second).
fs::path small_file(const fs::path& dir, const std::string& extra = "baseline coordinator-leaves") {
  const fs::path f = dir / "small.h5";
  const Result r = sh(kCimsim + " run " + extra + " -r 4 -t 2 -q --set population.citizens=200 -o " + quote(f));
  EXPECT_EQ(r.status, 0) << r.output;
  return f;
}

TEST(Export, PandasReadsTheMonthlyTableWithTheFilesValues) {
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir);
  const fs::path csv = dir / "table.csv";
  Result r = sh(kCimsim + " export " + quote(f) + " -o " + quote(csv));
  ASSERT_EQ(r.status, 0) << r.output;
  r = sh("/usr/bin/python3 " + quote(kSource / "tests/output/check_export.py") + " " + quote(f) + " " + quote(csv));
  EXPECT_EQ(r.status, 0) << r.output << "\n(needs python3-pandas, python3-h5py: scripts/setup.sh)";
  std::cout << r.output;
  // The example script reads it as well.
  r = sh("/usr/bin/python3 " + quote(kSource / "analysis/python/from_table.py") + " " + quote(csv) + " -o " +
         quote(dir / "p.png"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("mean difference from baseline"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(dir / "p.png"));
  fs::remove_all(dir);
}

TEST(Export, PerRunGzipAndSweptParametersAsColumns) {
  const fs::path dir = work_dir();
  const fs::path f = dir / "sweep.h5";
  Result r = sh(kCimsim + " run baseline --sweep backbone.staff=2:6 --levels 2 -r 3 -t 2 -q "
                          "--set population.citizens=200 -o " + quote(f));
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path gz = dir / "runs.csv.gz";
  r = sh(kCimsim + " export " + quote(f) + " -o " + quote(gz) + " --per run");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(sh("gzip -t " + quote(gz)).status, 0);
  r = sh("/usr/bin/python3 " + quote(kSource / "tests/output/check_export.py") + " " + quote(f) + " " + quote(gz) +
         " --per run --param backbone.staff");
  EXPECT_EQ(r.status, 0) << r.output;
  std::cout << r.output;
  const fs::path csv = dir / "months.csv";
  r = sh(kCimsim + " export " + quote(f) + " -o " + quote(csv) + " --variables outcome,active_share");
  ASSERT_EQ(r.status, 0) << r.output;
  r = sh("/usr/bin/python3 " + quote(kSource / "tests/output/check_export.py") + " " + quote(f) + " " + quote(csv) +
         " --param backbone.staff");
  EXPECT_EQ(r.status, 0) << r.output;
  std::ifstream in(csv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header.rfind("scenario,replicate,seed,status,backbone.staff,month,outcome,active_share_government,", 0), 0u)
      << header;
  fs::remove_all(dir);
}

TEST(Export, RReadsTheTableWithReadCsv) {
  ASSERT_EQ(sh("command -v Rscript").status, 0) << "Rscript is missing: run scripts/setup.sh (r-base-core)";
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir);
  const fs::path csv = dir / "table.csv";
  Result r = sh(kCimsim + " export " + quote(f) + " -o " + quote(csv));
  ASSERT_EQ(r.status, 0) << r.output;
  // Rows as the export reports them; R must see the same number, the same scenarios, numeric values.
  const std::string rows = r.output.substr(r.output.find("wrote ") + 6, r.output.find(" rows") - r.output.find("wrote ") - 6);
  r = sh("Rscript -e " + std::string("'d <- read.csv(\"") + csv.string() +
         "\"); stopifnot(is.numeric(d$outcome), is.numeric(d$active_share_citizen), is.numeric(d$month), "
         "all(d$status == \"ok\")); cat(nrow(d), sort(unique(d$scenario)), \"\\n\")'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find(rows + " baseline coordinator-leaves"), std::string::npos) << r.output << " rows " << rows;
  const fs::path png = dir / "r.png";
  r = sh("Rscript " + quote(kSource / "analysis/R/from_table.R") + " " + quote(csv) + " " + quote(png));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("read " + rows + " rows"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(png));
  std::cout << r.output;
  fs::remove_all(dir);
}

TEST(Export, BadRequestsExitTwoAndWriteNothing) {
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir, "baseline");
  const fs::path csv = dir / "t.csv";
  Result r = sh(kCimsim + " export " + quote(f) + " -o " + quote(csv) + " --variables outcome,nonsense");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("'nonsense' is not a variable"), std::string::npos) << r.output;
  r = sh(kCimsim + " export " + quote(f) + " -o " + quote(csv) + " --variables final_outcome");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--per run"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(csv));
  r = sh(kCimsim + " export " + quote(dir / "missing.h5") + " -o " + quote(csv));
  EXPECT_EQ(r.status, 2) << r.output;
  ASSERT_EQ(sh(kCimsim + " export " + quote(f) + " -o " + quote(csv)).status, 0);
  r = sh(kCimsim + " export " + quote(f) + " -o " + quote(csv));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

// Every parameter of every scenario is a variable over (scenario, parameter) that xarray selects by
// key; sweep points hold their swept values there too.
TEST(ParametersInTheData, XarraySelectsEveryParameterOfEveryScenario) {
  const fs::path dir = work_dir();
  const fs::path f = dir / "p.h5";
  Result r = sh(kCimsim + " run baseline coordinator-leaves --sweep trust.decay=0.01:0.02 --levels 2 -r 2 -t 2 -q "
                          "--set population.citizens=200 --set backbone.staff=4 -o " + quote(f));
  ASSERT_EQ(r.status, 0) << r.output;
  r = sh("/usr/bin/python3 " + quote(kSource / "tests/output/check_xarray.py") + " " + quote(f) +
         " --expect-parameter backbone.staff=4@baseline --expect-parameter backbone.staff=4@sweep-00001"
         " --expect-parameter trust.decay=0.02@sweep-00001 --expect-parameter trust.decay=0.01@sweep-00000"
         " --expect-parameter population.citizens=200@coordinator-leaves");
  EXPECT_EQ(r.status, 0) << r.output;
  // Sweep points are shown by their values in compare's table and JSON.
  r = sh(kCimsim + " compare " + quote(f));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("sweep-00001 (trust.decay=0.02) vs baseline"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nsweep-00000 (trust.decay=0.01)  "), std::string::npos) << r.output;
  // A wrong expectation fails (the check can fail).
  r = sh("/usr/bin/python3 " + quote(kSource / "tests/output/check_xarray.py") + " " + quote(f) +
         " --expect-parameter backbone.staff=5@baseline");
  EXPECT_NE(r.status, 0) << r.output;
  fs::remove_all(dir);
}

}  // namespace
