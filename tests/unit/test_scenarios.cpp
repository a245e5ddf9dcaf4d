#include "engine/error.hpp"
#include "scenarios/scenario_loader.hpp"

#include <gtest/gtest.h>

#include "input_files.hpp"

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
namespace sc = cimsim::scenarios;
using cimsim::InputError;

namespace {
fs::path write(const std::string& name, const std::string& text) { return cimsim::testing::write_file("scen", name, text); }
using cimsim::testing::error_of;
}  // namespace

TEST(Scenarios, BuiltinsLoadAndPassChecks) {
  ASSERT_FALSE(sc::builtins().empty());
  for (const auto& b : sc::builtins()) {
    const auto s = sc::load(b.name);
    EXPECT_EQ(s.name, b.name);
    EXPECT_FALSE(s.description.empty()) << b.name;
    EXPECT_NO_THROW(sc::check(s)) << b.name;
  }
}

TEST(Scenarios, ExtendsInheritsAndOverrides) {
  const auto p = write("child.toml", "extends = \"baseline\"\ndescription = \"child\"\n[backbone]\nstaff = 9\n");
  const auto s = sc::load(p.string());
  EXPECT_EQ(s.name, "child");
  EXPECT_EQ(s.params.backbone.staff, 9);
  EXPECT_EQ(s.params.run.horizon_years, sc::load("baseline").params.run.horizon_years);
  const auto g = write("grandchild.toml", "extends = \"child.toml\"\n[population]\ncitizens = 50\n");
  const auto t = sc::load(g.string());
  EXPECT_EQ(t.params.backbone.staff, 9);
  EXPECT_EQ(t.params.population.citizens, 50);
  EXPECT_EQ(t.description, "child");
}

TEST(Scenarios, StaffTurnoverHasItsEventAtYearThree) {
  const auto s = sc::load("staff-turnover");
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].week, 3 * 52);
  EXPECT_DOUBLE_EQ(std::get<cimsim::model::ev::StaffTurnover>(s.events[0].what).fraction, 0.5);
}

TEST(Scenarios, UnknownKeyNamesFileLineAndSuggests) {
  const auto p = write("typo.toml", "description = \"x\"\n\n[backbone]\nstaf = 3\n");
  const std::string m = error_of([&] { sc::load(p.string()); });
  EXPECT_NE(m.find("typo.toml:4"), std::string::npos) << m;
  EXPECT_NE(m.find("backbone.staf"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'backbone.staff'"), std::string::npos) << m;
}

TEST(Scenarios, OutOfRangeAndWrongType) {
  const auto p = write("range.toml", "[backbone]\nstaff = 1000\n");
  const std::string m = error_of([&] { sc::load(p.string()); });
  EXPECT_NE(m.find("range.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("[0, 200]"), std::string::npos) << m;
  const auto q = write("type.toml", "[backbone]\nstaff = \"five\"\n");
  const std::string n = error_of([&] { sc::load(q.string()); });
  EXPECT_NE(n.find("not an integer"), std::string::npos) << n;
  const auto r = write("frac.toml", "[backbone]\nstaff = 2.5\n");
  EXPECT_NE(error_of([&] { sc::load(r.string()); }).find("not an integer"), std::string::npos);
}

TEST(Scenarios, MalformedTomlNamesTheLine) {
  const auto p = write("bad.toml", "description = \"x\"\n[backbone\nstaff = 3\n");
  const std::string m = error_of([&] { sc::load(p.string()); });
  EXPECT_NE(m.find("bad.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("malformed TOML"), std::string::npos) << m;
}

TEST(Scenarios, CycleInExtendsIsRejected) {
  write("a.toml", "extends = \"b.toml\"\n");
  const auto b = write("b.toml", "extends = \"a.toml\"\n");
  const std::string m = error_of([&] { sc::load(b.string()); });
  EXPECT_NE(m.find("cycle in extends"), std::string::npos) << m;
  EXPECT_NE(m.find("a.toml:1"), std::string::npos) << m;  // the extends line that closes the cycle
}

TEST(Scenarios, UnknownScenarioSuggestsAName) {
  const std::string m = error_of([&] { sc::load("baseine"); });
  EXPECT_NE(m.find("unknown scenario 'baseine'"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'baseline'"), std::string::npos) << m;
}

TEST(Scenarios, EventsAreValidated) {
  const auto p = write("ev.toml", "[[events]]\ntype = \"staff_turnvoer\"\nat = \"year 3\"\nfraction = 0.5\n");
  const std::string m = error_of([&] { sc::load(p.string()); });
  EXPECT_NE(m.find("ev.toml:2"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'staff_turnover'"), std::string::npos) << m;
  const auto late = write("late.toml", "[run]\nhorizon_years = 2\n[[events]]\ntype = \"staff_turnover\"\n"
                                       "at = \"year 3\"\nfraction = 0.5\n");
  const auto s = sc::load(late.string());
  const std::string n = error_of([&] { sc::check(s); });
  EXPECT_NE(n.find("after the horizon"), std::string::npos) << n;
  EXPECT_NE(n.find("late.toml:5"), std::string::npos) << n;
}

// Partner updates can be stopped with weeks = 0; a meeting body cannot.
TEST(Scenarios, MeetingCadenceZeroOnlyStopsUpdates) {
  const auto ok = write("upd.toml", "[[events]]\ntype = \"meeting_cadence\"\nat = \"year 1\"\nbody = \"updates\"\n"
                                    "weeks = 0\n");
  const auto s = sc::load(ok.string());
  ASSERT_EQ(s.events.size(), 1u);
  const auto& cadence = std::get<cimsim::model::ev::MeetingCadence>(s.events[0].what);
  EXPECT_EQ(cadence.body, cimsim::model::ev::MeetingCadence::Body::updates);
  EXPECT_EQ(cadence.weeks, 0);
  EXPECT_NE(sc::to_toml(s).find("body = \"updates\"\nweeks = 0"), std::string::npos) << sc::to_toml(s);
  const auto bad = write("wg0.toml", "[[events]]\ntype = \"meeting_cadence\"\nat = \"year 1\"\n"
                                     "body = \"working_groups\"\nweeks = 0\n");
  const std::string m = error_of([&] { sc::load(bad.string()); });
  EXPECT_NE(m.find("wg0.toml:5"), std::string::npos) << m;
  EXPECT_NE(m.find("weeks"), std::string::npos) << m;
}

TEST(Scenarios, SetOverridesWithTypeAndRangeChecks) {
  auto s = sc::load("baseline");
  sc::apply_set(s, "backbone.staff=8");
  sc::apply_set(s, "trust.decay=0.02");
  sc::apply_set(s, "backbone.enabled=false");
  EXPECT_EQ(s.params.backbone.staff, 8);
  EXPECT_DOUBLE_EQ(s.params.trust.decay, 0.02);
  EXPECT_FALSE(s.params.backbone.enabled);
  EXPECT_NE(error_of([&] { sc::apply_set(s, "backbone.staf=8"); }).find("did you mean 'backbone.staff'"),
            std::string::npos);
  EXPECT_NE(error_of([&] { sc::apply_set(s, "trust.decay=2"); }).find("out of range"), std::string::npos);
  EXPECT_NE(error_of([&] { sc::apply_set(s, "trust.decay=abc"); }).find("is not a value"), std::string::npos);
  EXPECT_NE(error_of([&] { sc::apply_set(s, "nonsense"); }).find("key=value"), std::string::npos);
}

TEST(Scenarios, ConsistencyIsChecked) {
  auto s = sc::load("baseline");
  sc::apply_set(s, "engagement.leave_threshold=0.9");
  EXPECT_NE(error_of([&] { sc::check(s); }).find("leave_threshold"), std::string::npos);
}

TEST(Scenarios, ResolvedTomlRoundTrips) {
  auto s = sc::load("staff-turnover");
  sc::apply_set(s, "trust.decay=0.0123");
  const auto p = write("roundtrip.toml", sc::to_toml(s));
  const auto t = sc::load(p.string());
  auto body = [](const std::string& text) { return text.substr(text.find('\n')); };  // skip the name line
  EXPECT_EQ(body(sc::to_toml(t)), body(sc::to_toml(s)));
  EXPECT_DOUBLE_EQ(t.params.trust.decay, 0.0123);
  ASSERT_EQ(t.events.size(), 1u);
  EXPECT_EQ(t.events[0].week, s.events[0].week);
}

TEST(Scenarios, EveryParameterHasUnitRangeAndSource) {
  for (const auto& p : cimsim::model::param_table()) {
    EXPECT_FALSE(p.description.empty()) << p.key;
    EXPECT_FALSE(p.source.empty()) << p.key;
    EXPECT_NE(p.key.find('.'), std::string::npos) << p.key;
    EXPECT_LE(p.min, p.max) << p.key;
  }
}
