// compare's horizons and event measures (issue 14, item 4): default years avoid scheduled events,
// the dip against the baseline separates leaving with and without a successor, and the CSV says
// what the table says.
#include "analysis/compare.hpp"
#include "analysis/ensemble_file.hpp"

#include "tests/shell.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using Result = cimsim::testing::ShellResult;
using cimsim::testing::sh;

class CompareMeasures : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("cimsim-compare-measures-" + std::to_string(static_cast<long long>(::getpid())));
    fs::create_directories(dir_);
    file_ = (dir_ / "coord.h5").string();
    const Result r = sh(std::string(CIMSIM_BINARY) + " run baseline coordinator-leaves coordinator-leaves-with-successor "
                        "-r 40 -t 2 -q --set population.citizens=300 --set run.horizon_years=8 -o '" + file_ + "'");
    ASSERT_EQ(r.status, 0) << r.output;
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static fs::path dir_;
  static std::string file_;
};
fs::path CompareMeasures::dir_;
std::string CompareMeasures::file_;

const json& event_of(const json& result, const std::string& scenario) {
  for (const auto& s : result["scenarios"])
    if (s["name"] == scenario) return s["events"].at(0);
  throw std::runtime_error("no scenario " + scenario);
}

void default_years_avoid_events(const std::string& file_) {
  const json j = cimsim::compare(cimsim::EnsembleFile(file_), {});
  // The coordinator leaves at week 156 = month 36: year 3 moves to year 4.
  EXPECT_EQ(j["at_years"], json::array({4.0, 5.0, 8.0})) << j["at_years"];
  EXPECT_NE(j.value("at_years_moved", std::string()).find("year 3 -> 4"), std::string::npos);
  const Result t = sh(std::string(CIMSIM_BINARY) + " compare '" + file_ + "'");
  EXPECT_NE(t.output.find("Years moved off scheduled events"), std::string::npos) << t.output;
  // Explicit years are kept as given.
  cimsim::CompareOptions o;
  o.at_years = {3.0};
  EXPECT_EQ(cimsim::compare(cimsim::EnsembleFile(file_), o)["at_years"], json::array({3.0}));
}

void dip_separates_a_successor(const std::string& file_) {
  const json j = cimsim::compare(cimsim::EnsembleFile(file_), {});
  const json& none = event_of(j, "coordinator-leaves")["gap_to_baseline"];
  const json& succ = event_of(j, "coordinator-leaves-with-successor")["gap_to_baseline"];
  const double d0 = none["dip"]["estimate"], d1 = succ["dip"]["estimate"];
  std::cout << "dip vs baseline: without successor " << d0 << " [" << none["dip"]["lo"] << ", " << none["dip"]["hi"]
            << "], with successor " << d1 << " [" << succ["dip"]["lo"] << ", " << succ["dip"]["hi"] << "]; lowest gap "
            << none["trough"]["estimate"] << " vs " << succ["trough"]["estimate"] << "\n";
  // The gaps differ, and so do the dips, in the same direction, with intervals apart.
  EXPECT_LT(none["trough"]["estimate"].get<double>(), succ["trough"]["estimate"].get<double>());
  EXPECT_LT(d0, d1);
  EXPECT_LT(none["dip"]["hi"].get<double>(), succ["dip"]["lo"].get<double>());
  EXPECT_LT(d0, 0.0);
}

void csv_and_table_agree(const std::string& file_) {
  const json j = cimsim::compare(cimsim::EnsembleFile(file_), {});
  const std::string csv = cimsim::compare_csv(j);
  const std::string table = cimsim::compare_table(j);
  for (const char* scenario : {"coordinator-leaves", "coordinator-leaves-with-successor"}) {
    const json& rec = event_of(j, scenario)["recovery_months"];
    const std::string want = rec["median_when_dipped"].is_number()
                                 ? std::to_string(static_cast<long long>(rec["median_when_dipped"].get<double>()))
                                 : std::string();
    const std::string line = std::string(scenario) + ",event_median_months_to_recover,staff_turnover at week 156,," + want +
                             ",,," + std::to_string(rec["dipped"].get<std::size_t>()) + ",,";
    EXPECT_NE(csv.find(line), std::string::npos) << line << "\n" << csv;
    // The table's row for the scenario ends with the same number.
    std::istringstream in(table);
    std::string row;
    bool found = false;
    while (std::getline(in, row))
      if (row.rfind(std::string(scenario) + " ", 0) == 0 && row.find("runs") == std::string::npos &&
          row.find('/') != std::string::npos && row.find("staff_turnover") != std::string::npos &&
          row.find("week 156  36     -0") != std::string::npos && row.size() > want.size() &&
          row.compare(row.size() - want.size(), want.size(), want) == 0)
        found = true;
    EXPECT_TRUE(found || want.empty()) << scenario << ": " << want << "\n" << table;
  }
}

// One ensemble (3 scenarios x 40 runs) for all three checks: each test process would run it again.
TEST_F(CompareMeasures, HorizonsDipAndCsv) {
  {
    SCOPED_TRACE("default years avoid the event month");
    default_years_avoid_events(file_);
  }
  {
    SCOPED_TRACE("the dip against the baseline separates a successor");
    dip_separates_a_successor(file_);
  }
  {
    SCOPED_TRACE("CSV and table give the same months to recover");
    csv_and_table_agree(file_);
  }
}

}  // namespace
