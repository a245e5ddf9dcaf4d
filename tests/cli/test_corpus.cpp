// The hostile-input corpus of tests/corpus/cases.toml (issue 15): every case is refused with
// exit status 2, one message naming file, line and key, and leaves no file behind.
#include "cli_harness.hpp"

#include <toml++/toml.h>

#include <map>

namespace {

using namespace cli_test;

struct Case {
  std::string name;
  std::vector<std::string> args, needles, files;
  std::map<std::string, std::string> setup;
};

std::vector<std::string> strings(const toml::table& t, const char* key) {
  std::vector<std::string> out;
  if (const toml::array* a = t[key].as_array())
    for (const auto& x : *a) out.push_back(x.value_or(std::string()));
  return out;
}

std::vector<Case> load_cases() {
  const std::string dir = std::string(CIMSIM_SOURCE_DIR) + "/tests/corpus";
  std::vector<Case> cases;
  const toml::table doc = toml::parse_file(dir + "/cases.toml");
  for (const auto& node : *doc["case"].as_array()) {
    const toml::table& t = *node.as_table();
    Case c;
    c.name = t["name"].value_or(std::string());
    for (std::string a : strings(t, "args")) {
      if (a.rfind("@/", 0) == 0) a = dir + "/inputs/" + a.substr(2);
      c.args.push_back(a);
    }
    if (!c.args.empty() && c.args.front() == "run") {  // small runs, unless the case sets the horizon
      c.args = concat(c.args, {"--set", "population.citizens=200"});
      if (std::none_of(c.args.begin(), c.args.end(), [](const std::string& a) { return contains(a, "run.horizon_years"); }))
        c.args = concat(c.args, {"--set", "run.horizon_years=2"});
    }
    c.needles = strings(t, "stderr");
    c.files = strings(t, "files");
    if (const toml::table* s = t["setup"].as_table())
      for (const auto& [k, v] : *s) c.setup[std::string(k.str())] = v.value_or(std::string());
    cases.push_back(c);
  }
  return cases;
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class Corpus : public CliTest, public ::testing::WithParamInterface<Case> {};

TEST_P(Corpus, RefusedWithOneClearMessageAndNothingLeft) {
  const Case& c = GetParam();
  for (const auto& [name, text] : c.setup) write_text(work_ / name, text);
  const Result r = cimsim(c.args);
  SCOPED_TRACE(testing::Message() << r);
  std::vector<std::string> files = c.files;
  std::sort(files.begin(), files.end());
  // expect_input_error checks exit 2, one line "cimsim: error: ...", every needle, empty stdout.
  std::vector<std::string> needles = c.needles;
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.rfind("cimsim: error: ", 0), 0u);
  EXPECT_EQ(count(r.err, "\n"), 1u) << "one message, on one line";
  for (const auto& n : needles) EXPECT_TRUE(contains(r.err, n)) << "stderr lacks: " << n;
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(contains(r.err, "internal error")) << "bad input is not an internal error";
  EXPECT_EQ(work_files(), files) << "files left in the working directory";
  for (const auto& [name, text] : c.setup) EXPECT_EQ(read_text(work_ / name), text) << name << " must be unchanged";
}

INSTANTIATE_TEST_SUITE_P(Cases, Corpus, ::testing::ValuesIn(load_cases()),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           std::string n = p.param.name;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
