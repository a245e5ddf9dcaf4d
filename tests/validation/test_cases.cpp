// Issue 12: does each case preset reproduce its case? `cimsim targets PRESET -r 100` for every
// case preset (label `cases`, run in the release pass only: about a minute on 2 cores). Every
// target's case value, simulated median [5%, 95%] and met / MISSED is printed, held-out ones
// included; they are reported, not asserted (they test the model, and a miss is a finding).
// Asserted: every calibration target is met for the presets that reproduce their case, and for
// the one that does not yet, that it still misses one (so that the list below is corrected when
// it is fixed). Do not move a preset between the lists, or change a target, to make this pass.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>

namespace {

struct Case {
  const char* preset;
  bool reproduced;  // every calibration target met (calibrated presets say so in their file)
};

constexpr std::array<Case, 8> kCases = {{{"bo-trygt", true},
                                         {"dk2020", true},
                                         {"hjem-til-alle", true},
                                         {"malmo-climate", true},
                                         {"mechelen-arsenaal", true},
                                         {"skive-rodding-lihme", true},
                                         {"skive-sydvestsalling", true},
                                         {"tondermarsk", true}}};

void PrintTo(const Case& c, std::ostream* os) { *os << c.preset; }

std::string run(const std::string& command, int& status) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  status = ::pclose(p);
  return out;
}

class Cases : public ::testing::TestWithParam<Case> {};

TEST_P(Cases, CalibrationTargetsAt100Seeds) {
  const Case c = GetParam();
  int status = -1;
  const std::string out =
      run(std::string(CIMSIM_BINARY) + " targets " + c.preset + " -r 100 -t 2 --format json 2>/dev/null", status);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  const int code = WEXITSTATUS(status);
  ASSERT_TRUE(code == 0 || code == 1) << "exit " << code << "\n" << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  ASSERT_EQ(j.at("replicates").get<int>(), 100);
  ASSERT_FALSE(j.at("targets").empty());
  int calibration = 0, calibration_met = 0, held = 0, held_met = 0;
  for (const auto& t : j.at("targets")) {
    const bool met = t.at("met").get<bool>(), held_out = t.at("held_out").get<bool>();
    std::printf("%s: %-28s %-11s case %-24s simulated %.4g [%.4g, %.4g]  %s  (%s)\n", c.preset,
                t.at("name").get<std::string>().c_str(), held_out ? "held out" : "calibration",
                t.at("case_value").dump().c_str(), t.at("median").get<double>(), t.at("low").get<double>(),
                t.at("high").get<double>(), met ? "met" : "MISSED", t.at("source").get<std::string>().c_str());
    (held_out ? held : calibration) += 1;
    (held_out ? held_met : calibration_met) += met ? 1 : 0;
    if (c.reproduced && !held_out) {
      EXPECT_TRUE(met) << c.preset << ": calibration target " << t.at("name");
    }
  }
  std::printf("%s: calibration %d of %d met, held out %d of %d met\n", c.preset, calibration_met, calibration, held_met,
              held);
  EXPECT_EQ(code, calibration_met + held_met == calibration + held ? 0 : 1) << "exit status agrees with the table";
  if (!c.reproduced) {
    EXPECT_LT(calibration_met, calibration) << c.preset << " now meets every calibration target: mark it reproduced";
  }
}

INSTANTIATE_TEST_SUITE_P(Presets, Cases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& i) {
                           std::string n = i.param.preset;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
