// Every parameter has one name: its file key is its field path. Each key of param_table(), set
// the way scenario files and --set set it, must change exactly the field that the key names
// (read here directly, p.group.name) and no other.
#include "engine/model/params.hpp"
#include "scenarios/scenario_loader.hpp"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

namespace model = cimsim::model;
namespace sc = cimsim::scenarios;

namespace {

// The oracle: every field of Params by its path, read without param_table().
struct Field {
  const char* path;
  char type;  // 'i' int, 'd' double, 'b' bool
  double (*read)(const model::Params&);
};

template <class T>
constexpr char type_of() {
  return std::is_same_v<T, bool> ? 'b' : std::is_same_v<T, int> ? 'i' : 'd';
}

#define FIELD(group, name)                                                     \
  Field {                                                                      \
    #group "." #name, type_of<decltype(model::Params{}.group.name)>(),         \
        [](const model::Params& p) { return static_cast<double>(p.group.name); } \
  }
const std::vector<Field>& fields() {
  static const std::vector<Field> f = {
      FIELD(run, horizon_years), FIELD(population, government), FIELD(population, civil_society),
      FIELD(population, business), FIELD(population, knowledge), FIELD(population, funder),
      FIELD(population, citizens), FIELD(population, pillars), FIELD(population, clusters),
      FIELD(population, lived_experience_share), FIELD(network, citizen_degree), FIELD(network, citizen_rewire),
      FIELD(network, org_degree), FIELD(network, citizen_org_link), FIELD(preconditions, urgency_professional),
      FIELD(preconditions, urgency_citizen), FIELD(preconditions, urgency_recovery),
      FIELD(preconditions, external_driver), FIELD(preconditions, external_driver_strength),
      FIELD(preconditions, champions), FIELD(preconditions, champion_influence), FIELD(preconditions, champion_ties),
      FIELD(preconditions, champion_asks),
      FIELD(engagement, join_threshold), FIELD(engagement, leave_threshold), FIELD(engagement, rate),
      FIELD(engagement, noise), FIELD(engagement, w_urgency), FIELD(engagement, w_progress),
      FIELD(engagement, w_neighbours), FIELD(engagement, w_outreach), FIELD(engagement, w_ownership),
      FIELD(engagement, w_champion), FIELD(engagement, fatigue_rate), FIELD(engagement, citizen_propensity),
      FIELD(engagement, citizen_capacity), FIELD(engagement, own_motive), FIELD(engagement, interest_threshold),
      FIELD(engagement, invite_rate), FIELD(engagement, invite_boost), FIELD(engagement, invite_until),
      FIELD(engagement, ownership_rate), FIELD(trust, initial), FIELD(trust, gain), FIELD(trust, decay),
      FIELD(trust, dissolve), FIELD(communication, meeting_cadence_weeks),
      FIELD(communication, steering_cadence_weeks), FIELD(communication, plenary_cadence_weeks),
      FIELD(communication, forum_cadence_weeks), FIELD(communication, citizen_forums),
      FIELD(communication, cadence_relax), FIELD(communication, brokerage_rate),
      FIELD(communication, update_cadence_weeks), FIELD(communication, update_gain),
      FIELD(communication, insight_decay), FIELD(backbone, enabled),
      FIELD(backbone, staff), FIELD(backbone, turnover_per_year), FIELD(backbone, vacancy_weeks),
      FIELD(backbone, ramp_up_weeks), FIELD(backbone, staff_ties), FIELD(backbone, lead_weight),
      FIELD(backbone, vision_rate), FIELD(backbone, vision_need), FIELD(backbone, meeting_prep_weeks),
      FIELD(backbone, lead_process_skill), FIELD(backbone, specialist_process_skill),
      FIELD(backbone, lead_domain_skill), FIELD(backbone, specialist_domain_skill),
      FIELD(backbone, style), FIELD(backbone, dominance), FIELD(backbone, role_clarity),
      FIELD(backbone, succession_overlap_weeks), FIELD(backbone, f_vision), FIELD(backbone, f_activities),
      FIELD(backbone, f_measurement), FIELD(backbone, f_public_will), FIELD(backbone, f_policy),
      FIELD(backbone, f_funding), FIELD(measurement, enabled), FIELD(measurement, coverage_target),
      FIELD(measurement, learning_target), FIELD(measurement, growth), FIELD(measurement, decay),
      FIELD(measurement, report_cadence_weeks), FIELD(measurement, observation_noise),
      FIELD(measurement, reporting_effort),
      FIELD(partners, common_agenda), FIELD(partners, measurement), FIELD(partners, activities),
      FIELD(partners, communication), FIELD(partners, effort), FIELD(partners, process_skill),
      FIELD(funding, budget_staff_years), FIELD(funding, grant_share), FIELD(funding, funder_response),
      FIELD(funding, anchoring), FIELD(cluster, inclusiveness), FIELD(problem, effort_effect),
      FIELD(problem, half_saturation), FIELD(problem, coordination_gain), FIELD(problem, complementarity),
      FIELD(problem, duplication),
      FIELD(problem, lived_experience_weight), FIELD(problem, drift), FIELD(problem, delay_months),
      FIELD(problem, goal), FIELD(problem, ceiling_pillars), FIELD(problem, ceiling),
      FIELD(exogenous, election_years), FIELD(summary, launch_share), FIELD(summary, collapse_share),
  };
  return f;
}
#undef FIELD

std::map<std::string, double> read_all(const model::Params& p) {
  std::map<std::string, double> v;
  for (const Field& f : fields()) v[f.path] = f.read(p);
  return v;
}

// A value inside the parameter's range that differs from the default, as --set text.
std::string other_value(const model::ParamSpec& spec, const Field& f, double now) {
  if (f.type == 'b') return now != 0.0 ? "false" : "true";
  if (f.type == 'i') {
    long v = std::lround(spec.min + (spec.max - spec.min) * 0.375);
    if (static_cast<double>(v) == now) v = static_cast<double>(v + 1) <= spec.max ? v + 1 : v - 1;
    return std::to_string(v);
  }
  std::string text;
  for (double share : {0.375, 0.625}) {
    text = fmt::format("{:.6g}", spec.min + (spec.max - spec.min) * share);
    if (std::stod(text) != now) break;
  }
  return text;
}

}  // namespace

TEST(Params, EveryKeyIsAFieldPathAndEveryFieldHasItsKey) {
  std::set<std::string> keys, paths;
  for (const auto& spec : model::param_table()) EXPECT_TRUE(keys.insert(spec.key).second) << "duplicate key " << spec.key;
  for (const Field& f : fields()) paths.insert(f.path);
  EXPECT_EQ(keys, paths);
  std::printf("%zu parameters in the table, %zu fields in Params\n", keys.size(), paths.size());
}

TEST(Params, EveryKeyRoundTripsToItsField) {
  const model::Params defaults;
  const auto before = read_all(defaults);
  for (const Field& f : fields()) {
    const model::ParamSpec* spec = model::find_param(f.path);
    ASSERT_NE(spec, nullptr) << f.path;
    // the type the table declares is the field's type
    EXPECT_EQ(spec->is<bool>(), f.type == 'b') << f.path;
    EXPECT_EQ(spec->is<int>(), f.type == 'i') << f.path;
    EXPECT_EQ(spec->is<double>(), f.type == 'd') << f.path;
    EXPECT_EQ(spec->value(defaults), f.read(defaults)) << f.path;

    // set via the key (as scenario files and --set do), read via the field
    model::Scenario s;
    const std::string text = other_value(*spec, f, f.read(defaults));
    sc::apply_set(s, std::string(f.path) + "=" + text);
    const auto after = read_all(s.params);
    const double expected = f.type == 'b' ? (text == "true" ? 1.0 : 0.0) : std::stod(text);
    EXPECT_NE(expected, before.at(f.path)) << f.path;
    EXPECT_EQ(after.at(f.path), expected) << f.path << " set to " << text;
    for (const auto& [path, v] : after)
      if (path != f.path) {
        EXPECT_EQ(v, before.at(path)) << "setting " << f.path << " changed " << path;
      }
    EXPECT_EQ(spec->value(s.params), expected) << f.path;

    // the table's accessor writes the same field
    model::Params p;
    spec->visit(p, [](auto& field) { field = static_cast<std::remove_reference_t<decltype(field)>>(1); });
    EXPECT_EQ(f.read(p), 1.0) << f.path;
  }
}
