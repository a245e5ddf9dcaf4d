// The case target tables (scenarios/targets/*.toml, docs/design/0005-case-targets.md): one per
// case preset, each with at least three targets and at least one held out, all loading; and the
// number of agents present, which counts of agents divide by, follows the join events.
#include "analysis/targets.hpp"
#include "engine/error.hpp"
#include "engine/executor.hpp"
#include "engine/model/run.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/targets.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sc = cimsim::scenarios;

TEST(CaseTargets, EveryCasePresetHasATableWithThreeTargetsOneHeldOut) {
  const std::vector<std::string> cases = {"bo-trygt",          "dk2020",           "hjem-til-alle",
                                          "malmo-climate",     "mechelen-arsenaal", "skive-rodding-lihme",
                                          "skive-sydvestsalling", "tondermarsk"};
  std::vector<std::string> tables;
  for (const auto& b : sc::builtin_target_tables()) tables.push_back(b.name);
  EXPECT_EQ(tables, cases);
  for (const auto& name : cases) {
    SCOPED_TRACE(name);
    const sc::TargetTable t = sc::builtin_targets(name, "test");
    EXPECT_EQ(t.preset, name);
    EXPECT_GE(t.targets.size(), 3u);
    EXPECT_TRUE(std::any_of(t.targets.begin(), t.targets.end(), [](const sc::Target& g) { return g.held_out; }));
    EXPECT_TRUE(std::any_of(t.targets.begin(), t.targets.end(), [](const sc::Target& g) { return !g.held_out; }));
  }
}

TEST(CaseTargets, ErrorsNameFileLineAndKey) {
  try {
    sc::load_targets_text("preset = \"dk2020\"\n[[targets]]\nname = \"a\"\nvariable = \"outcome\"\nstatistic = \"median\"\nat = \"week 3\"\n", "x.toml");
    FAIL() << "no error";
  } catch (const cimsim::InputError& e) {
    EXPECT_EQ(e.where(), "x.toml:6");
    EXPECT_EQ(e.key(), "targets[1].at");
  }
}

// A preset with scheduled joins (as DK2020 was before its joins became a process): 25
// government agents, +44 at year 1, +31 at year 2.
cimsim::model::Scenario scheduled_joins() {
  return sc::load_text("joins", R"(extends = "dk2020"
[population]
government = 25
[[events]]
type = "stakeholders_join"
at = "year 1"
sector = "government"
count = 44
[[events]]
type = "stakeholders_join"
at = "year 2"
sector = "government"
count = 31
)", "joins.toml");
}

TEST(CaseTargets, AgentsPresentFollowJoinEvents) {
  auto dk = scheduled_joins();
  // Only the scheduled joins count; the preset's recruitment candidates are not present.
  EXPECT_EQ(cimsim::agents_present(dk, "government", 0), 25.0);
  EXPECT_EQ(cimsim::agents_present(dk, "government", 11), 25.0);
  EXPECT_EQ(cimsim::agents_present(dk, "government", 12), 69.0);
  EXPECT_EQ(cimsim::agents_present(dk, "government", 24), 100.0);
  EXPECT_EQ(cimsim::agents_present(dk, "organisations", 24), 100.0 + 1 + 0 + 2 + 1);
  EXPECT_EQ(cimsim::agents_present(dk, "citizen", 24), 0.0);
}

// The `members` record is what counts of agents divide by; with scheduled joins it equals the
// population plus the joins recorded by then, month by month (the rule for older files).
TEST(CaseTargets, MembersRecordMatchesTheScheduledJoins) {
  auto dk = scheduled_joins();
  std::erase_if(dk.events, [](const cimsim::model::Event& e) { return e.is<cimsim::model::ev::Recruitment>(); });
  const cimsim::RecordSchema schema = cimsim::model::make_schema(cimsim::model::kMaxPillars);
  std::size_t k = 0;
  while (k < schema.series.size() && schema.series[k].name != "members") ++k;
  ASSERT_LT(k, schema.series.size());
  const cimsim::Executor exec(1);
  const cimsim::RunResult r = cimsim::model::run(dk, schema, cimsim::RunContext{cimsim::RunKey{0, 0, 7}, exec, nullptr});
  const std::size_t w = schema.width(cimsim::Axis::sector);
  const auto& names = cimsim::model::sector_names();
  for (int month = 0; month <= 36; ++month)
    for (std::size_t s = 0; s < w; ++s)
      EXPECT_EQ(r.series[k][static_cast<std::size_t>(month) * w + s], cimsim::agents_present(dk, names[s], month))
          << names[s] << " month " << month;
}
