// `cimsim calibrate` (docs/design/0006-calibration.md): bad input exits 2 with one line naming
// the key or path and leaves no file; the result does not depend on the thread count; --resume
// of a finished file with more waves equals a direct run with that many waves; no
// non-implausible point exits 1 without a scenario file; a target file's [calibrate] table
// names the parameters when the command does not.
#include "cli_harness.hpp"

#include <string>
#include <vector>

using namespace cli_test;

namespace {

// Small runs: 200 citizens, two years; 8 points x 2 runs per wave.
const std::vector<std::string> kTiny = {"--set", "population.citizens=200", "--set", "run.horizon_years=2",
                                        "--points", "8", "-r", "2", "-q"};

const std::string kTable = R"(preset = "baseline"
[[targets]]
name = "interested-0"
variable = "interested_share"
sector = "citizen"
at = "month 0"
statistic = "median"
value = 0.25
tolerance = 0.05
source = "000:L266"
held_out = false

[[targets]]
name = "org-active"
variable = "active_share"
sector = "organisations"
window = ["month 6", "month 24"]
reduce = "mean"
statistic = "median"
band = [0.2, 0.6]
tolerance = 0.05
source = "000:L266"
held_out = false

[[targets]]
name = "held-out"
variable = "outcome"
at = "month 24"
statistic = "median"
value = 0.5
tolerance = 0.01
source = "000:L266"
held_out = true
)";

const std::vector<std::string> kParams = {"--parameters", "preconditions.urgency_citizen=0.05:0.6", "--parameters",
                                          "engagement.join_threshold=0.4:0.8"};

// Every dataset of a calibration file, as bytes (numbers) or joined text (strings).
std::vector<std::pair<std::string, std::string>> contents(const std::string& file) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& name : cimsim::h5::dataset_names(file)) {
    if (name == "parameter" || name == "target") {
      std::string s;
      for (const auto& x : cimsim::h5::read_strings(file, name)) s += x + "\n";
      out.push_back({name, s});
    } else {
      const auto raw = cimsim::h5::read_raw(file, name);
      out.push_back({name, std::string(raw.begin(), raw.end())});
    }
  }
  return out;
}

// The scenario file without its comment lines (which record the command).
std::string settings_lines(const std::string& text) {
  std::string out, line;
  std::istringstream in(text);
  while (std::getline(in, line))
    if (!line.starts_with("#")) out += line + "\n";
  return out;
}

}  // namespace

class CalibrateCli : public CliTest {
 protected:
  std::vector<std::string> args(const std::string& table, std::vector<std::string> extra) {
    std::vector<std::string> a = {"calibrate", "baseline", "--targets", table};
    a = concat(a, kTiny);
    return concat(a, extra);
  }
};

TEST_F(CalibrateCli, BadInputExitsTwoWithOneLineAndNoFile) {
  const std::string table = scenario_file("t.toml", kTable);
  expect_input_error(cimsim(args(table, {"--parameters", "engagement.nope=0:1", "-o", "c.h5"})),
                     {"--parameters", "key 'engagement.nope'", "unknown parameter"});
  expect_input_error(cimsim(args(table, {"--parameters", "engagement.join_threshold=0.8:0.4", "-o", "c.h5"})),
                     {"key 'engagement.join_threshold'", "low <= high"});
  expect_input_error(cimsim(args(table, {"--parameters", "engagement.join_threshold=0.5:1.5", "-o", "c.h5"})),
                     {"key 'engagement.join_threshold'", "range [0, 1]"});
  expect_input_error(cimsim(args(table, {"--parameters", "engagement.join_threshold=0.5", "-o", "c.h5"})),
                     {"--parameters", "KEY=LOW:HIGH"});
  expect_input_error(cimsim(args(table, {"-o", "c.h5"})), {"--parameters", "[calibrate]"});
  expect_input_error(cimsim(args(table, concat(kParams, {"-o", "/nonexistent-dir/c.h5"}))),
                     {"/nonexistent-dir/c.h5", "does not exist"});
  expect_input_error(cimsim(args(table, concat(kParams, {"-o", "c.h5", "--waves", "0"}))), {"--waves", "[1, 1000]"});
  // An existing output file (or scenario file) is kept unless --force.
  write_text(work_ / "c.h5", "keep");
  expect_input_error(cimsim(args(table, concat(kParams, {"-o", "c.h5"}))), {"c.h5", "already exists", "--force"}, {"c.h5"});
  EXPECT_EQ(read_text(work_ / "c.h5"), "keep");
  fs::remove(work_ / "c.h5");
  write_text(work_ / "c.toml", "keep");
  expect_input_error(cimsim(args(table, concat(kParams, {"-o", "c.h5"}))), {"c.toml", "already exists"}, {"c.toml"});
  EXPECT_EQ(read_text(work_ / "c.toml"), "keep");
}

TEST_F(CalibrateCli, SameResultAtAnyThreadCountAndScenarioReadsBack) {
  const std::string table = scenario_file("t.toml", kTable);
  const Result a = cimsim(args(table, concat(kParams, {"--waves", "2", "-t", "1", "-o", "a.h5"})));
  ASSERT_EQ(a.status, 0) << a;
  const Result b = cimsim(args(table, concat(kParams, {"--waves", "2", "-t", "2", "-o", "b.h5"})));
  ASSERT_EQ(b.status, 0) << b;
  const auto ca = contents(work("a.h5")), cb = contents(work("b.h5"));
  ASSERT_GE(ca.size(), 10u);
  EXPECT_EQ(ca, cb);
  EXPECT_EQ(settings_lines(read_text(work_ / "a.toml")), settings_lines(read_text(work_ / "b.toml")));
  const std::string toml = read_text(work_ / "a.toml");
  EXPECT_TRUE(contains(toml, "extends = \"baseline\"")) << toml;
  EXPECT_TRUE(contains(toml, "# accepted per wave: ")) << toml;
  EXPECT_TRUE(contains(toml, "interested-0: 0.25 +/- 0.05")) << toml;
  EXPECT_TRUE(contains(toml, "# command: ")) << toml;
  EXPECT_FALSE(contains(toml, "#   held-out:")) << "held-out targets are not used: " << toml;
  // The scenario runs as it is.
  const Result v = cimsim({"validate", work("a.toml")});
  EXPECT_EQ(v.status, 0) << v;
  EXPECT_EQ(cimsim::h5::read_string_attribute(work("a.h5"), "/", "preset"), "baseline");
}

TEST_F(CalibrateCli, ResumeWithMoreWavesEqualsADirectRun) {
  const std::string table = scenario_file("t.toml", kTable);
  ASSERT_EQ(cimsim(args(table, concat(kParams, {"--waves", "1", "-o", "r.h5"}))).status, 0);
  const Result r = cimsim(args(table, concat(kParams, {"--waves", "3", "--resume", "r.h5"})));
  ASSERT_EQ(r.status, 0) << r;
  ASSERT_EQ(cimsim(args(table, concat(kParams, {"--waves", "3", "-o", "d.h5"}))).status, 0);
  const auto cr = contents(work("r.h5")), cd = contents(work("d.h5"));
  EXPECT_EQ(cr, cd);
  EXPECT_EQ(cimsim::h5::read_numeric(work("r.h5"), "wave_3/points").shape, (std::vector<std::uint64_t>{8, 2}));
  EXPECT_EQ(settings_lines(read_text(work_ / "r.toml")), settings_lines(read_text(work_ / "d.toml")));
  // Resuming with other settings is refused, and the file is left as it was.
  const auto before = contents(work("r.h5"));
  const Result bad = cimsim(args(table, concat(kParams, {"--waves", "4", "--resume", "r.h5", "-s", "2"})));
  EXPECT_EQ(bad.status, 2) << bad;
  EXPECT_TRUE(contains(bad.err, "--resume")) << bad;
  EXPECT_EQ(contents(work("r.h5")), before);
}

TEST_F(CalibrateCli, NoNonImplausiblePointExitsOneWithoutScenario) {
  std::string t = kTable;
  t.replace(t.find("value = 0.25"), 12, "value = 0.99");  // the initial interest cannot reach 0.99 in this prior
  t.replace(t.find("tolerance = 0.05"), 16, "tolerance = 0.001");
  const std::string table = scenario_file("t.toml", t);
  const Result r = cimsim(args(table, {"--parameters", "preconditions.urgency_citizen=0.05:0.2", "-o", "n.h5"}));
  EXPECT_EQ(r.status, 1) << r;
  EXPECT_TRUE(contains(r.out, "no point of wave 1 is non-implausible")) << r;
  EXPECT_TRUE(fs::exists(work_ / "n.h5"));
  EXPECT_FALSE(fs::exists(work_ / "n.toml"));
}

TEST_F(CalibrateCli, ParametersFromTheTargetFile) {
  const std::string table =
      scenario_file("t.toml", kTable + "\n[calibrate]\nparameters = { \"preconditions.urgency_citizen\" = [0.05, 0.6] }\n");
  const Result r = cimsim(args(table, {"--waves", "1", "-o", "p.h5"}));
  ASSERT_EQ(r.status, 0) << r;
  EXPECT_EQ(cimsim::h5::read_strings(work("p.h5"), "parameter"), std::vector<std::string>{"preconditions.urgency_citizen"});
}

// ---- MPI: `mpirun -n 2 cimsim calibrate` (skipped when cimsim was built without MPI) --------

class CalibrateMpi : public MpiTest {
 protected:
  std::vector<std::string> mpi_args(const std::string& table, std::vector<std::string> extra) {
    return concat(concat(mpirun(2), {CIMSIM_BINARY, "calibrate", "baseline", "--targets", table}), concat(kTiny, extra));
  }
};

TEST_F(CalibrateMpi, TwoProcessesWriteTheResultOfOne) {
  const std::string table = scenario_file("t.toml", kTable);
  const std::vector<std::string> run = concat(kParams, {"--waves", "2", "-t", "1"});
  const Result one = cimsim(concat({"calibrate", "baseline", "--targets", table}, concat(kTiny, concat(run, {"-o", "one.h5"}))));
  ASSERT_EQ(one.status, 0) << one;
  const Result two = command(mpi_args(table, concat(run, {"-o", "two.h5"})), 300s);
  ASSERT_EQ(two.status, 0) << two;
  EXPECT_EQ(work_files(), (std::vector<std::string>{"one.h5", "one.toml", "two.h5", "two.toml"}))
      << "one file of each, written by rank 0";
  EXPECT_EQ(count(two.out, "wrote two.h5"), 1u) << "only rank 0 reports";
  EXPECT_EQ(contents(work("one.h5")), contents(work("two.h5")));
  for (const char* a : {"preset", "targets_file", "cimsim_version", "sets"})
    EXPECT_EQ(cimsim::h5::read_string_attribute(work("one.h5"), "/", a), cimsim::h5::read_string_attribute(work("two.h5"), "/", a))
        << a;
  // The scenario file is the same but for the output's name (in the command and the header).
  std::string expected = read_text(work_ / "one.toml");
  for (std::size_t at = expected.find("one.h5"); at != std::string::npos; at = expected.find("one.h5", at))
    expected.replace(at, 6, "two.h5");
  EXPECT_EQ(read_text(work_ / "two.toml"), expected);

  // --resume under MPI: rank 0 reads the file; one wave resumed to two equals the direct run.
  ASSERT_EQ(cimsim(concat({"calibrate", "baseline", "--targets", table}, concat(kTiny, concat(kParams, {"--waves", "1", "-o", "r.h5"})))).status, 0);
  const Result r = command(mpi_args(table, concat(run, {"--resume", "r.h5"})), 300s);
  ASSERT_EQ(r.status, 0) << r;
  EXPECT_EQ(contents(work("r.h5")), contents(work("one.h5")));
  EXPECT_EQ(settings_lines(read_text(work_ / "r.toml")), settings_lines(read_text(work_ / "one.toml")));
}

TEST_F(CalibrateMpi, BadInputStopsEveryProcessWithOneMessage) {
  const std::string table = scenario_file("t.toml", kTable);
  // Every process meets the unknown parameter; one of them says so.
  const Result r = command(mpi_args(table, {"--parameters", "engagement.nope=0:1", "-o", "c.h5"}), 120s);
  EXPECT_NE(r.status, -1) << "the job hung\n" << r;
  EXPECT_NE(r.status, 0) << r;
  EXPECT_EQ(count(r.err, "cimsim: error:"), 1u) << r;
  EXPECT_TRUE(contains(r.err, "unknown parameter")) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(work_files(), std::vector<std::string>{}) << "no file written";
  // Only rank 0 looks at the output: the others must stop too, and the file is kept.
  write_text(work_ / "c.h5", "keep");
  const Result e = command(mpi_args(table, concat(kParams, {"-o", "c.h5"})), 120s);
  EXPECT_NE(e.status, -1) << "the job hung\n" << e;
  EXPECT_NE(e.status, 0) << e;
  EXPECT_EQ(count(e.err, "cimsim: error:"), 1u) << e;
  EXPECT_TRUE(contains(e.err, "already exists")) << e;
  EXPECT_EQ(work_files(), std::vector<std::string>{"c.h5"});
  EXPECT_EQ(read_text(work_ / "c.h5"), "keep");
}
