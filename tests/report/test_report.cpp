// `cimsim report`: the configuration attribute loads back, the compare fallback follows contract
// B, the re-run for the network picture reproduces the recorded run, the page is self-contained
// (no script or stylesheet from the network), bad input exits 2 without touching files, and the
// page renders in headless Chromium without script errors (a screenshot is saved in the build
// directory). Also the Python (xarray + matplotlib) and R (hdf5r) examples on a small file.
#include "analysis/compare.hpp"
#include "analysis/ensemble_file.hpp"
#include "analysis/hdf5_read.hpp"
#include "analysis/report/report.hpp"
#include "app/network_picture.hpp"
#include "engine/error.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/targets.hpp"

#include "tests/shell.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cctype>
#include <sstream>
#include <set>
#include <string>

namespace {

namespace fs = std::filesystem;

using Result = cimsim::testing::ShellResult;
using cimsim::testing::sh;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string quote(const fs::path& p) {
  std::string q(1, '\'');  // appended piecewise: GCC 12 warns falsely (-Wrestrict) about "'" + s
  q += p.string();
  q += '\'';
  return q;
}

// The number of charts a report page holds.
std::size_t chart_count(const std::string& page) {
  std::size_t n = 0;
  for (auto p = page.find("class=\"chart\""); p != std::string::npos; p = page.find("class=\"chart\"", p + 1)) ++n;
  return n;
}

// Headless Chromium with its profile in `dir`, given time to draw every chart; append the action
// (--dump-dom, --screenshot=...) and the page.
std::string chromium_in(const fs::path& dir) {
  return "timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir=" +
         quote(dir / "profile") + " --virtual-time-budget=30000 ";
}

// A directory of its own per test (ctest runs tests in parallel), under the build directory.
fs::path work_dir() {
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(CIMSIM_BUILD_DIR) / "report-tests" / (std::string(info->test_suite_name()) + "." + info->name());
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// A small file: two scenarios (one with an event), 6 replicates, 200 citizens (about a second).
fs::path small_file(const fs::path& dir, const std::string& scenarios = "baseline staff-turnover",
                    const std::string& name = "small.h5") {
  const fs::path f = dir / name;
  const Result r = sh(std::string(CIMSIM_BINARY) + " run " + scenarios +
                      " -r 6 -t 2 -q --set population.citizens=200 -o " + quote(f));
  if (r.status != 0) ADD_FAILURE() << "cimsim run failed: " << r.output;
  return f;
}

bool png_file(const fs::path& p) {
  const std::string head = read_text(p).substr(0, 8);
  return fs::exists(p) && fs::file_size(p) > 1000 && head == "\x89PNG\r\n\x1a\n";
}

TEST(Report, ConfigurationAttributeLoadsBack) {
  const fs::path f = small_file(work_dir());
  const std::string config = cimsim::h5::read_string_attribute(f.string(), "/", "configuration");
  const auto list = cimsim::scenarios::load_configuration(config, "small.h5");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "baseline");
  EXPECT_EQ(list[1].name, "staff-turnover");
  // What is read back writes out to the same text: every parameter and event survived.
  std::string again;
  for (const auto& s : list) again += cimsim::scenarios::to_toml(s) + "\n";
  EXPECT_EQ(again, config);
  EXPECT_EQ(list[0].params.population.citizens, 200);
  EXPECT_FALSE(list[1].events.empty());
  EXPECT_THROW(cimsim::scenarios::load_configuration("horizon = 3\n", "x"), cimsim::InputError);
}

// The forest plot, goal curves and event dips come from `cimsim compare`: the
// result stored in the file when there is one, otherwise computed.
TEST(Report, UsesTheStoredOrComputedCompare) {
  const fs::path f = small_file(work_dir());
  EXPECT_FALSE(cimsim::report::stored_analysis(f.string(), "compare").has_value());
  cimsim::CompareOptions o;
  const nlohmann::json computed = cimsim::compare(cimsim::EnsembleFile(f.string()), o);
  EXPECT_EQ(cimsim::report::compare_for(f.string(), "baseline"), computed);
  const Result r = sh(std::string(CIMSIM_BINARY) + " compare " + quote(f) + " --store --format json");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto stored = cimsim::report::stored_analysis(f.string(), "compare");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(cimsim::report::compare_for(f.string(), "baseline"), *stored);
  EXPECT_EQ((*stored)["differences"], computed["differences"]);
  // Another baseline than the stored one's is computed afresh.
  EXPECT_EQ(cimsim::report::compare_for(f.string(), "staff-turnover")["baseline"], "staff-turnover");
}

TEST(Report, NetworkRerunReproducesTheRecordedRun) {
  const fs::path f = small_file(work_dir());
  const auto pic = cimsim::app::network_picture(f.string(), "staff-turnover", {0, 3, 10}, 50);
  EXPECT_TRUE(pic.reproduced);
  EXPECT_EQ(pic.years, (std::vector<double>{0, 3, 10}));
  // The chosen run's final outcome is the one closest to the scenario's median.
  const auto fin = cimsim::h5::read_numeric(f.string(), "final_outcome");
  std::vector<double> x(fin.values.begin() + 6, fin.values.begin() + 12);
  std::vector<double> sorted = x;
  std::sort(sorted.begin(), sorted.end());
  const double median = (sorted[2] + sorted[3]) / 2;
  for (double v : x) EXPECT_LE(std::abs(x[pic.realization] - median), std::abs(v - median));
  EXPECT_EQ(pic.citizens_total, 200u);
  EXPECT_LE(pic.citizens_shown, 50u);
  EXPECT_GT(pic.citizens_shown, 0u);
  EXPECT_FALSE(pic.ties.empty());
  bool staff = false;
  for (const auto& n : pic.nodes) staff = staff || n["group"] == "Backbone staff";
  EXPECT_TRUE(staff);
}

// Issue 14: the network picture marks the lead coordinator who leaves in a scheduled event, as
// the re-run shows it (with and without a successor), and marks nobody where no one leaves.
TEST(Report, NetworkMarksTheCoordinatorWhoLeaves) {
  const fs::path f = small_file(work_dir(), "baseline coordinator-leaves coordinator-leaves-with-successor");
  const auto base = cimsim::app::network_picture(f.string(), "baseline", {35.0 / 12.0, 4}, 50);
  EXPECT_FALSE(base.coordinator_leaves.has_value());
  for (const auto& n : base.nodes) EXPECT_EQ(n["mark"], "") << n;
  for (const auto& t : base.ties) EXPECT_EQ(t["mark"], "") << t;
  for (const char* scenario : {"coordinator-leaves", "coordinator-leaves-with-successor"}) {
    SCOPED_TRACE(scenario);
    const auto pic = cimsim::app::network_picture(f.string(), scenario, {35.0 / 12.0, 4}, 50);
    EXPECT_TRUE(pic.reproduced);
    ASSERT_TRUE(pic.coordinator_leaves.has_value());
    const auto& c = *pic.coordinator_leaves;
    EXPECT_EQ(c.week, 156);  // "at = year 3"
    EXPECT_EQ(c.label, "Lead coordinator (leaves in week 156, year 3)");
    EXPECT_GT(c.ties, 0u);
    // Before: exactly the coordinator's node is marked, and exactly the ties that touch it.
    std::size_t before_nodes = 0, gone_nodes = 0, gone_ties = 0, coordinator_ties = 0, touching = 0;
    double cx = -1, cy = -1;
    for (const auto& n : pic.nodes) {
      const bool marked = n["mark"] != "";
      if (n["year"].get<double>() < 3.0) {
        EXPECT_EQ(marked, n["id"] == c.agent) << n;
        before_nodes += marked;
        if (marked) cx = n["x"], cy = n["y"];
      } else if (n["mark"] == "gone") {
        ++gone_nodes;
        EXPECT_EQ(n["id"], c.agent);
        EXPECT_EQ(n["group"], c.label);
      } else {
        EXPECT_EQ(n["mark"], "") << n;
      }
    }
    EXPECT_EQ(before_nodes, 1u);
    EXPECT_EQ(gone_nodes, 1u);
    for (const auto& t : pic.ties) {
      const bool at_c = (t["x"] == cx && t["y"] == cy) || (t["x2"] == cx && t["y2"] == cy);
      if (t["year"].get<double>() < 3.0) {
        touching += at_c;
        coordinator_ties += t["mark"] == "coordinator";
        if (t["mark"] == "coordinator") {
          EXPECT_TRUE(at_c) << t;
        }
        EXPECT_NE(t["mark"], "gone");
      } else if (t["mark"] == "gone") {
        ++gone_ties;
        EXPECT_TRUE(t["x"] == cx && t["y"] == cy) << t;  // from the coordinator's place
        EXPECT_EQ(t["group"], c.ties_label);
      }
    }
    EXPECT_GT(coordinator_ties, 0u);
    EXPECT_EQ(coordinator_ties, touching);
    EXPECT_EQ(gone_ties, c.ties);
    std::printf("[ %s ] the lead coordinator leaves in week %d: %zu ties drawn the month before, %zu left with them\n",
                scenario, c.week, coordinator_ties, gone_ties);
  }
}

TEST(Report, PageIsSelfContained) {
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir);
  const Result r = sh(std::string(CIMSIM_BINARY) + " report " + quote(f));
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path html = dir / "small.html";  // default name
  ASSERT_TRUE(fs::exists(html));
  const std::string page = read_text(html);
  EXPECT_GT(page.size(), 500000u);  // the charting libraries are inline
  // Nothing is loaded from elsewhere: no script src, no stylesheet link, no http(s) source.
  std::string lower = page;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string markup;  // the page without the scripts' contents (the libraries' code mentions tags)
  for (std::size_t from = 0, open = lower.find("<script"); from != std::string::npos; open = lower.find("<script", from)) {
    const std::size_t body = open == std::string::npos ? open : lower.find('>', open) + 1;
    markup += lower.substr(from, body == std::string::npos ? body : body - from);
    from = body == std::string::npos ? body : lower.find("</script>", body);
  }
  EXPECT_GT(markup.size(), 1000u);
  EXPECT_LT(markup.size(), lower.size() / 2);
  for (const char* tag : {"<script", "<link", "<img", "<iframe"})
    for (auto p = markup.find(tag); p != std::string::npos; p = markup.find(tag, p + 1)) {
      const std::string open = markup.substr(p, markup.find('>', p) - p);
      EXPECT_EQ(open.find(" src="), std::string::npos) << open;
      EXPECT_EQ(open.find(" href="), std::string::npos) << open;
    }
  for (const char* link : {"src=http", "src=\"http", "src='http", "src=//", "src=\"//", "src='//", "href=http",
                           "href=\"http", "href='http", "href=//", "href=\"//", "href='//"})
    EXPECT_EQ(lower.find(link), std::string::npos) << link;
  for (const char* id : {"id=\"over-time\"", "id=\"differences\"", "id=\"goal\"", "id=\"events\"", "id=\"network\"",
                         "id=\"provenance\"", "id=\"fan-citizen_active_share\"", "id=\"troughs\"", "vega@", "vega-lite@"})
    EXPECT_NE(page.find(id), std::string::npos) << id;
  EXPECT_NE(page.find("Citizens still active, by scenario"), std::string::npos);
  EXPECT_NE(page.find("matched the progress recorded in the file"), std::string::npos);
  EXPECT_EQ(page.find("id=\"sensitivity\""), std::string::npos);  // no sweep in this file
}

// A file with a sweep design gets the sensitivity section, computed by `cimsim
// sensitivity`; with too few sweep points the section says why and the rest is still written.
TEST(Report, SweepFileGetsSensitivityBars) {
  const fs::path dir = work_dir();
  auto sweep = [&](const std::string& name, const std::string& params, const std::string& values) {
    const fs::path f = small_file(dir, "baseline staff-turnover funding-cut", name);
    const Result r = sh("/usr/bin/python3 -c \"import h5py, numpy as np\nwith h5py.File('" + f.string() +
                        "', 'a') as h:\n  h.attrs['design'] = 'lhs'\n  h.create_dataset('swept_parameter', data=np.array(" + params +
                        ", dtype=h5py.string_dtype()))\n  h.create_dataset('scenario_parameter', data=np.array(" + values +
                        "))\"");
    EXPECT_EQ(r.status, 0) << r.output;
    const Result rep = sh(std::string(CIMSIM_BINARY) + " report " + quote(f));
    EXPECT_EQ(rep.status, 0) << rep.output;
    return read_text(fs::path(f).replace_extension(".html"));
  };
  // Three points, one parameter: elementary effects, drawn as bars.
  std::string page = sweep("one.h5", "['backbone.staff']", "[[4.0], [6.0], [8.0]]");
  EXPECT_NE(page.find("id=\"sensitivity-bars\""), std::string::npos);
  // Sweep points are shown by their values (issue 14), e.g. in the forest plots and fan charts.
  EXPECT_NE(page.find("staff-turnover (backbone.staff=6)"), std::string::npos);
  // Three points cannot carry two parameters: the section says why, the rest is written.
  page = sweep("two.h5", "['backbone.staff', 'funding.budget']", "[[4.0, 1.0], [6.0, 0.5], [8.0, 0.8]]");
  EXPECT_EQ(page.find("id=\"sensitivity-bars\""), std::string::npos);
  EXPECT_NE(page.find("The sensitivity analysis could not be computed"), std::string::npos);
  EXPECT_NE(page.find("id=\"fan-outcome\""), std::string::npos);
}

TEST(Report, BadInputExitsTwoAndTouchesNothing) {
  const fs::path dir = work_dir();
  Result r = sh(std::string(CIMSIM_BINARY) + " report " + quote(dir / "missing.h5"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("missing.h5"), std::string::npos) << r.output;
  const fs::path f = small_file(dir);
  const fs::path out = dir / "keep.html";
  { std::ofstream(out) << "mine"; }
  r = sh(std::string(CIMSIM_BINARY) + " report " + quote(f) + " -o " + quote(out));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  EXPECT_EQ(read_text(out), "mine");
  for (const char* option : {"--network-scenario", "--baseline"}) {
    r = sh(std::string(CIMSIM_BINARY) + " report " + quote(f) + " -o " + quote(dir / "x.html") + " " + option + " nope");
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find(std::string(option) + ": no scenario 'nope'"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir / "x.html"));
  }
  r = sh(std::string(CIMSIM_BINARY) + " report " + quote(f) + " -o " + quote(dir / "x.html") + " --compare-json " +
         quote(out));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("not valid JSON"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "x.html"));
}

// The real test of a page: a browser draws every chart and no script fails. The page sets its
// title to "cimsim report: N charts rendered" once every chart is drawn and to
// "cimsim report: errors" (with the messages in #status) otherwise.
TEST(Report, RendersInHeadlessChromium) {
  if (sh("command -v chromium").status != 0) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir);
  const fs::path html = dir / "report.html";
  // With a sensitivity result so that every kind of chart is drawn.
  const Result r = sh(std::string(CIMSIM_BINARY) + " report " + quote(f) + " -o " + quote(html) + " --sensitivity-json " +
                      quote(fs::path(CIMSIM_SOURCE_DIR) / "tests/report/sensitivity_saltelli.json"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string page = read_text(html);
  const std::size_t charts = chart_count(page);
  ASSERT_GE(charts, 14u);

  const std::string chromium = chromium_in(dir);
  const Result dom = sh(chromium + "--dump-dom " + quote(html) + " 2>/dev/null");
  ASSERT_EQ(dom.status, 0) << dom.output.substr(0, 2000);
  auto between = [&](const std::string& after, const std::string& until) {
    const auto a = dom.output.find(after);
    if (a == std::string::npos) return std::string("(none)");
    const auto b = dom.output.find(until, a + after.size());
    return dom.output.substr(a + after.size(), b - a - after.size());
  };
  const std::string status = between("id=\"status\"", "</p>");
  EXPECT_EQ(between("<title>", "</title>"), "cimsim report: " + std::to_string(charts) + " charts rendered")
      << "status: " << status;
  EXPECT_NE(dom.output.find("data-state=\"done\""), std::string::npos);

  const fs::path shot = fs::path(CIMSIM_BUILD_DIR) / "report_screenshot.png";
  fs::remove(shot);
  const Result s = sh(chromium + "--window-size=1280,6200 --screenshot=" + quote(shot) + " " + quote(html));
  EXPECT_EQ(s.status, 0) << s.output.substr(0, 2000);
  EXPECT_TRUE(png_file(shot)) << shot;
}

// Issue 14: every key variable gets all scenarios overlaid beside the paired difference from the
// baseline over time, with its interval and the scheduled event as a vertical rule; axis formats
// fit the values; shares are in percentage points; the practical size is stated; the page draws
// in headless Chromium.
TEST(Report, EffectChartsShowTheDifferenceOverTime) {
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir, "baseline coordinator-leaves coordinator-leaves-with-successor");
  const fs::path html = dir / "effects.html";
  Result r = sh(std::string(CIMSIM_BINARY) + " report " + quote(f) + " -o " + quote(html));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string page = read_text(html);
  const std::string open = "<script type=\"application/json\" id=\"cimsim-charts\">";
  const auto a = page.find(open);
  ASSERT_NE(a, std::string::npos);
  const auto b = page.find("</script>", a);
  const nlohmann::json charts = nlohmann::json::parse(page.substr(a + open.size(), b - a - open.size()));
  for (const char* name : {"outcome", "citizen_active_share", "trust_mean", "partner_tie_share"}) {
    const std::string id = std::string("effect-") + name;
    ASSERT_TRUE(charts.contains(id)) << id;
    const auto& spec = charts[id];
    ASSERT_EQ(spec["hconcat"].size(), 2u) << id;
    const auto& right = spec["hconcat"][1];
    // Two scenarios against the baseline, every month, with lo <= diff <= hi.
    std::set<std::string> scenarios;
    double max_abs = 0.0;
    for (const auto& row : right["data"]["values"]) {
      scenarios.insert(row["scenario"].get<std::string>());
      EXPECT_LE(row["lo"].get<double>(), row["diff"].get<double>());
      EXPECT_LE(row["diff"].get<double>(), row["hi"].get<double>());
      max_abs = std::max({max_abs, std::abs(row["lo"].get<double>()), std::abs(row["hi"].get<double>())});
    }
    EXPECT_EQ(scenarios, (std::set<std::string>{"coordinator-leaves", "coordinator-leaves-with-successor"})) << id;
    // The event (the coordinator leaves at week 156, month 36) is a vertical rule at year 3.
    bool rule = false;
    for (const auto& layer : right["layer"])
      if (layer.contains("data") && layer["mark"]["type"] == "rule")
        for (const auto& e : layer["data"]["values"]) rule = rule || e["year"].get<double>() == 3.0;
    EXPECT_TRUE(rule) << id;
    // The axis shows two significant digits of the largest value (no axis of '+0.000' ticks).
    const std::string format = right["layer"][0]["encoding"]["y"]["axis"]["format"];
    const int decimals = std::stoi(format.substr(2));
    EXPECT_GE(std::pow(10.0, -decimals), max_abs > 0 ? max_abs / 100.0 : 0.0) << id << " " << format << " " << max_abs;
    EXPECT_LE(std::pow(10.0, -decimals), max_abs / 10.0 * 1.0001) << id << " " << format << " " << max_abs;
    const std::string axis = right["layer"][0]["encoding"]["y"]["title"];
    const bool share = std::string(name) == "citizen_active_share" || std::string(name) == "partner_tie_share";
    EXPECT_EQ(axis.find("percentage points") != std::string::npos, share) << axis;
  }
  // The network section shows the baseline and the scenario with the event side by side, before and after it.
  ASSERT_TRUE(charts.contains("network-before-after"));
  EXPECT_EQ(charts["network-before-after"]["vconcat"].size(), 2u);
  EXPECT_EQ(charts["network-before-after"]["vconcat"][0]["hconcat"].size(), 2u);
  EXPECT_FALSE(charts["network-before-after"]["datasets"]["nodes1"].empty());
  EXPECT_NE(page.find("Practical size: coordinator-leaves: progress after"), std::string::npos);
  EXPECT_NE(page.find("the goal (median)"), std::string::npos);
  EXPECT_NE(page.find("is at least 1% of the baseline"), std::string::npos);

  if (sh("command -v chromium").status != 0) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  const Result dom = sh(chromium_in(dir) + "--dump-dom " + quote(html) + " 2>/dev/null");
  ASSERT_EQ(dom.status, 0);
  const std::size_t n = chart_count(page);
  EXPECT_NE(dom.output.find("<title>cimsim report: " + std::to_string(n) + " charts rendered</title>"), std::string::npos)
      << dom.output.substr(0, 3000);

  // The drawn network section: in the before-and-after chart, coordinator-leaves' lead coordinator
  // and their ties are marked before the event and their place and lost ties after it; nothing is
  // marked in the baseline (its own picture, the network-picture chart, nor its row here).
  auto figure = [&](const std::string& id) {
    const auto at = dom.output.find("id=\"" + id + "\"");
    if (at == std::string::npos) return std::string();
    return dom.output.substr(at, dom.output.find("</figure>", at) - at);
  };
  auto count = [](const std::string& text, const std::string& what) {
    std::size_t k = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++k;
    return k;
  };
  const std::string pair = figure("network-before-after"), single = figure("network-picture");
  ASSERT_FALSE(pair.empty());
  ASSERT_FALSE(single.empty());
  EXPECT_EQ(count(pair, "aria-label=\"the lead coordinator, who leaves in week 156\""), 1u);
  EXPECT_GT(count(pair, "aria-label=\"a tie of the lead coordinator who leaves\""), 0u);
  EXPECT_EQ(count(pair, "aria-label=\"where the lead coordinator was before leaving in week 156\""), 1u);
  EXPECT_GT(count(pair, "aria-label=\"a tie that left with the lead coordinator in week 156\""), 0u);
  EXPECT_NE(pair.find(">Lead coordinator (leaves in week 156, year 3)<"), std::string::npos);  // the legend
  EXPECT_NE(pair.find(">coordinator (leaves week 156)<"), std::string::npos);
  EXPECT_NE(pair.find(">coordinator left (week 156)<"), std::string::npos);
  EXPECT_NE(pair.find("No coordinator leaves in baseline"), std::string::npos);
  EXPECT_NE(pair.find("In coordinator-leaves the lead coordinator leaves in week 156"), std::string::npos);
  for (const char* marked : {"lead coordinator", "Lead coordinator", "coordinator left", "leaves week"})
    EXPECT_EQ(single.find(marked), std::string::npos) << marked;
  EXPECT_NE(single.find("No coordinator leaves in baseline"), std::string::npos);
}

// Issue 12: a file that holds a preset with a target table gets "How well this preset matches its
// case": the table of `cimsim targets` (same runs, same numbers), a row per target, the number of
// runs used, and a chart per time series target with the case drawn over the simulated fan; an
// ordering whose other preset is not in the file says so; the page draws in headless Chromium.
TEST(Report, CaseMatchSectionShowsEveryTarget) {
  const fs::path dir = work_dir();
  const fs::path f = dir / "dk2020.h5";
  Result r = sh(std::string(CIMSIM_BINARY) + " run dk2020 -r 4 -t 2 -q -o " + quote(f));
  ASSERT_EQ(r.status, 0) << r.output;
  const fs::path html = dir / "dk2020.html";
  r = sh(std::string(CIMSIM_BINARY) + " report " + quote(f) + " -o " + quote(html));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string page = read_text(html);
  EXPECT_NE(page.find("<section id=\"case-dk2020\">"), std::string::npos);
  EXPECT_NE(page.find("How well this preset matches its case: dk2020"), std::string::npos);
  EXPECT_NE(page.find("4 of 4 runs of dk2020 in this file completed and are used"), std::string::npos);

  // The same numbers as `cimsim targets dk2020` over the same 4 seeds.
  const Result targets = sh(std::string(CIMSIM_BINARY) + " targets dk2020 -r 4 -t 2 2>/dev/null");
  ASSERT_TRUE(targets.status == 0 || targets.status == 1) << targets.output;
  const auto config = cimsim::scenarios::load_configuration(
      cimsim::h5::read_string_attribute(f.string(), "/", "configuration"), "configuration");
  const auto cases = cimsim::report::case_matches(f.string(), config);
  ASSERT_EQ(cases.size(), 1u);
  const auto table = cimsim::scenarios::builtin_targets("dk2020", "test");
  ASSERT_EQ(cases[0].rows.size(), table.targets.size());
  EXPECT_EQ(cases[0].runs, 4u);
  EXPECT_TRUE(cases[0].changed.empty()) << "run as the preset ships: " << cases[0].changed.front();
  EXPECT_EQ(page.find("data-changed="), std::string::npos);
  const std::string open = "<script type=\"application/json\" id=\"cimsim-charts\">";
  const auto a = page.find(open);
  ASSERT_NE(a, std::string::npos);
  const nlohmann::json charts =
      nlohmann::json::parse(page.substr(a + open.size(), page.find("</script>", a) - a - open.size()));
  std::size_t series = 0;
  for (std::size_t i = 0; i < table.targets.size(); ++i) {
    const auto& t = table.targets[i];
    const auto& row = cases[0].rows[i];
    EXPECT_EQ(row.name, t.name);
    EXPECT_TRUE(row.evaluated) << t.name << ": " << row.result;
    EXPECT_NE(page.find("data-target=\"" + t.name + "\""), std::string::npos) << t.name;
    // The targets table prints "name  role  case  simulated  result  source" on one line.
    std::istringstream lines(targets.output);
    std::string line;
    bool found = false;
    while (std::getline(lines, line))
      if (line.rfind(t.name + " ", 0) == 0)
        found = line.find("  " + row.case_text + "  ") != std::string::npos &&
                line.find("  " + row.simulated + "  ") != std::string::npos &&
                line.find("  " + row.result + "  ") != std::string::npos;
    EXPECT_TRUE(found) << t.name << ": " << row.case_text << " | " << row.simulated << " | " << row.result << "\n"
                       << targets.output;
    if (t.quantity.summary || t.quantity.from_month < 0) continue;
    ++series;
    const std::string id = "target-dk2020-" + t.name;
    ASSERT_TRUE(charts.contains(id)) << id;
    // The fan covers every month of the run; the case is a red mark at the target's month.
    const auto& layers = charts[id]["layer"];
    EXPECT_EQ(layers[0]["data"]["values"].size(), 12u * 8u + 1u) << id;
    bool mark = false;
    for (const auto& layer : layers)
      if (layer["mark"]["type"] == "rect")
        for (const auto& m : layer["data"]["values"])
          mark = mark || (m["x0"].get<double>() < t.quantity.from_month && m["x1"].get<double>() > t.quantity.to_month);
    EXPECT_TRUE(mark) << id;
  }
  EXPECT_GE(series, 3u);
  EXPECT_EQ(cases[0].series.size(), series);

  // skive-sydvestsalling without skive-rodding-lihme: the ordering is "not in this file".
  const fs::path skive = dir / "skive.h5";
  r = sh(std::string(CIMSIM_BINARY) + " run skive-sydvestsalling -r 4 -t 2 -q --set population.citizens=300 -o " +
         quote(skive));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto skive_cases = cimsim::report::case_matches(
      skive.string(), cimsim::scenarios::load_configuration(
                          cimsim::h5::read_string_attribute(skive.string(), "/", "configuration"), "configuration"));
  ASSERT_EQ(skive_cases.size(), 1u);
  const auto skive_table = cimsim::scenarios::builtin_targets("skive-sydvestsalling", "test");
  ASSERT_EQ(skive_cases[0].rows.size(), skive_table.targets.size());
  std::size_t elsewhere = 0;
  for (const auto& row : skive_cases[0].rows)
    if (row.result.rfind("not in this file", 0) == 0) ++elsewhere;
    else EXPECT_TRUE(row.evaluated) << row.name << ": " << row.result;
  EXPECT_EQ(elsewhere, 1u);
  const fs::path skive_html = dir / "skive.html";
  r = sh(std::string(CIMSIM_BINARY) + " report " + quote(skive) + " -o " + quote(skive_html));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(read_text(skive_html).find("not in this file (skive-rodding-lihme was not run)"), std::string::npos);
  // Run with --set: the section says that it judges these settings, not the preset as it ships.
  EXPECT_EQ(skive_cases[0].changed, std::vector<std::string>{"population.citizens = 300 (preset: 1500)"});
  EXPECT_NE(read_text(skive_html).find("data-changed=\"skive-sydvestsalling\""), std::string::npos);
  EXPECT_NE(read_text(skive_html).find("population.citizens = 300 (preset: 1500)"), std::string::npos);
  // With both clusters in the file, each section judges its ordering against the other's runs.
  const fs::path both = dir / "skive-both.h5";
  r = sh(std::string(CIMSIM_BINARY) + " run skive-sydvestsalling skive-rodding-lihme -r 4 -t 2 -q "
         "--set population.citizens=300 -o " + quote(both));
  ASSERT_EQ(r.status, 0) << r.output;
  const auto both_cases = cimsim::report::case_matches(
      both.string(), cimsim::scenarios::load_configuration(
                         cimsim::h5::read_string_attribute(both.string(), "/", "configuration"), "configuration"));
  ASSERT_EQ(both_cases.size(), 2u);
  for (const auto& c : both_cases)
    for (const auto& row : c.rows) EXPECT_TRUE(row.evaluated) << c.preset << " " << row.name << ": " << row.result;

  if (sh("command -v chromium").status != 0) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  const std::size_t n = chart_count(page);
  const std::string chromium = chromium_in(dir);
  const Result dom = sh(chromium + "--dump-dom " + quote(html) + " 2>/dev/null");
  ASSERT_EQ(dom.status, 0);
  EXPECT_NE(dom.output.find("<title>cimsim report: " + std::to_string(n) + " charts rendered</title>"), std::string::npos)
      << dom.output.substr(dom.output.find("id=\"status\""), 2000);
  const fs::path shot = fs::path(CIMSIM_BUILD_DIR) / "report_case_match_screenshot.png";
  fs::remove(shot);
  const Result s = sh(chromium + "--window-size=1280,9000 --screenshot=" + quote(shot) + " " + quote(html));
  EXPECT_EQ(s.status, 0) << s.output.substr(0, 2000);
  EXPECT_TRUE(png_file(shot)) << shot;
}

// A file without a preset that has a target table (the baseline) has no such section, and no error.
TEST(Report, NoCaseMatchSectionWithoutATargetTable) {
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir, "baseline");
  const auto config = cimsim::scenarios::load_configuration(
      cimsim::h5::read_string_attribute(f.string(), "/", "configuration"), "configuration");
  EXPECT_TRUE(cimsim::report::case_matches(f.string(), config).empty());
  const fs::path html = dir / "baseline.html";
  const Result r = sh(std::string(CIMSIM_BINARY) + " report " + quote(f) + " -o " + quote(html));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string page = read_text(html);
  EXPECT_EQ(page.find("matches its case"), std::string::npos);
  EXPECT_EQ(page.find("id=\"case-"), std::string::npos);
}

TEST(AnalysisExamples, PythonFanChartWithXarray) {
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir);
  const fs::path png = dir / "fan.png";
  const Result r = sh("/usr/bin/python3 " + quote(fs::path(CIMSIM_SOURCE_DIR) / "analysis/python/fan_chart.py") + " " +
                      quote(f) + " -s baseline staff-turnover -v active_share -o " + quote(png));
  ASSERT_EQ(r.status, 0) << r.output << "\n(needs python3-xarray, python3-netcdf4, python3-matplotlib: scripts/setup.sh)";
  EXPECT_TRUE(png_file(png));
}

TEST(AnalysisExamples, RReadsOutputWithHdf5r) {
  ASSERT_EQ(sh("command -v Rscript").status, 0) << "Rscript is missing: run scripts/setup.sh (r-base-core, r-cran-hdf5r)";
  const fs::path dir = work_dir();
  const fs::path f = small_file(dir);
  const fs::path png = dir / "outcome.png";
  const Result r = sh("Rscript " + quote(fs::path(CIMSIM_SOURCE_DIR) / "analysis/R/read_output.R") + " " + quote(f) + " " +
                      quote(png));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("staff-turnover"), std::string::npos) << r.output;
  EXPECT_TRUE(png_file(png));
}

}  // namespace
