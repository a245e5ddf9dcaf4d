// Model parameters: typed fields with default, unit, allowed range and source, declared in
// one table (param_table()). Scenario files and --set reach the fields only through it. Fields
// are grouped as the file keys are: key "trust.dissolve" is the field p.trust.dissolve.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cimsim::model {

inline constexpr int kSectors = 6;
enum Sector : std::uint8_t { government, civil_society, business, knowledge, funder, citizen };
// Sector coordinate names, in Sector order; staff of the backbone sit outside these.
const std::vector<std::string>& sector_names();

inline constexpr int kMaxPillars = 12;

struct Params {
  struct Run {
    int horizon_years = 10;
  } run;
  struct Population {
    int government = 12;
    int civil_society = 30;
    int business = 20;
    int knowledge = 8;
    int funder = 4;
    int citizens = 2000;
    int pillars = 4;
    int clusters = 8;                  // neighbourhoods / villages
    double lived_experience_share = 0.3;
  } population;
  struct Network {
    double citizen_degree = 10.0;
    double citizen_rewire = 0.1;
    double org_degree = 4.0;
    double citizen_org_link = 0.3;
  } network;
  struct Preconditions {
    double urgency_professional = 0.6;
    double urgency_citizen = 0.3;
    double urgency_recovery = 0.02;    // per week back towards the base level
    bool external_driver = false;
    double external_driver_strength = 0.2;
    int champions = 2;
    double champion_influence = 5.0;
    double champion_ties = 12.0;
    double champion_asks = 1.0;        // partners an active champion asks to join per week
  } preconditions;
  struct Engagement {
    double join_threshold = 0.5;
    double leave_threshold = 0.35;
    double rate = 0.05;
    double noise = 0.03;
    double w_urgency = 0.5;
    double w_progress = 0.8;
    double w_neighbours = 0.5;
    double w_outreach = 0.3;
    double w_ownership = 0.3;
    double w_champion = 0.4;
    double fatigue_rate = 0.02;
    double citizen_propensity = 1.3;
    double citizen_capacity = 0.2;     // an active citizen's effort relative to an organisation's
    double own_motive = 0.775;         // organisations: drive from their own agenda = own_motive x urgency
    double interest_threshold = 0.25;  // engagement from which an inactive agent counts as interested
    double invite_rate = 0.5;          // invitations per unit of capacity per week
    double invite_boost = 0.3;
    double invite_until = 0.35;        // the backbone invites to a working group while fewer are active
    double ownership_rate = 0.02;
  } engagement;
  struct Trust {
    double initial = 0.3;
    double gain = 0.08;
    double decay = 0.01;
    double dissolve = 0.05;
  } trust;
  struct Communication {
    int meeting_cadence_weeks = 2;     // working groups
    int steering_cadence_weeks = 4;
    int plenary_cadence_weeks = 13;
    int forum_cadence_weeks = 4;
    bool citizen_forums = true;
    double cadence_relax = 0.0;
    double brokerage_rate = 0.05;
    int update_cadence_weeks = 0;      // standing partner update; 0: none
    double update_gain = 0.5;          // share of the gap to full insight one update closes
    double insight_decay = 0.15;       // partners' insight lost per week without meeting or update
  } communication;
  struct Backbone {
    bool enabled = true;
    int staff = 5;
    double turnover_per_year = 0.12;
    int vacancy_weeks = 20;
    int ramp_up_weeks = 26;
    double staff_ties = 6.0;
    double lead_weight = 2.0;
    double vision_rate = 0.02;
    double vision_need = 1.0;
    double meeting_prep_weeks = 0.1;   // convener's staff-weeks per body meeting held
    double lead_process_skill = 0.85;  // the lead coordinator: a generalist process leader
    double specialist_process_skill = 0.1;
    double lead_domain_skill = 0.5;
    double specialist_domain_skill = 0.8;
    double style = 0.3;                // 0 convene and step back ... 1 hub and spoke
    double dominance = 0.2;
    double role_clarity = 0.8;
    int succession_overlap_weeks = 0;
    double f_vision = 0.2;
    double f_activities = 0.25;
    double f_measurement = 0.15;
    double f_public_will = 0.2;
    double f_policy = 0.1;
    double f_funding = 0.1;
  } backbone;
  struct Measurement {
    bool enabled = true;
    double coverage_target = 0.8;
    double learning_target = 0.7;
    double growth = 0.02;
    double decay = 0.005;
    int report_cadence_weeks = 13;
    double observation_noise = 0.02;
    double reporting_effort = 0.05;    // share of partners' effort spent reporting at full coverage
  } measurement;
  // Conditions the partner organisations run themselves, with or without a backbone
  // (docs/model.md 2, "partner capacity"): each costs every active organisation `effort` of its
  // own work and adds the partners' capacity to the function it stands for.
  struct Partners {
    bool common_agenda = false;
    bool measurement = false;
    bool activities = false;
    bool communication = false;
    double effort = 0.05;              // share of an active organisation's own work per condition it runs
    double process_skill = 0.4;        // process skill of a partner who convenes a body besides its own work
  } partners;
  struct Funding {
    double budget_staff_years = 6.0;
    double grant_share = 0.5;
    double funder_response = 0.02;
    double anchoring = 0.0;
  } funding;
  struct Cluster {
    double inclusiveness = 0.7;
  } cluster;
  struct Problem {
    double effort_effect = 0.0055;
    double half_saturation = 60.0;
    double coordination_gain = 12.0;
    double complementarity = 0.5;
    double duplication = 0.5;          // own work: overlap between uncoordinated agents of one sector on one pillar
    double lived_experience_weight = 0.3;
    double drift = 0.0005;
    double delay_months = 12.0;
    double goal = 0.6;
    int ceiling_pillars = 0;
    double ceiling = 0.5;
  } problem;
  struct Exogenous {
    double election_years = 0.0;       // 0: no scheduled elections
  } exogenous;
  struct Summary {
    double launch_share = 0.65;
    double collapse_share = 0.15;
  } summary;
};

// A parameter's file key is its field path: key "trust.dissolve" is the field
// Params::trust.dissolve. ParamSpec reaches the field through an accessor that params.cpp builds
// from the same two tokens as the key (CIMSIM_PARAM(trust, dissolve)), so the two cannot differ.
struct ParamSpec {
  template <class T>
  using Accessor = T& (*)(Params&);
  using Field = std::variant<Accessor<int>, Accessor<double>, Accessor<bool>>;
  std::string key;          // dotted name used in scenario files and --set; equal to the field path
  Field field;
  double min, max;          // allowed range (inclusive); ignored for bool
  std::string unit;         // "1" when dimensionless
  std::string description;
  std::string source;       // seed line ("000:L668") or "assumed: <reason>"

  // Whether the field is a T (int, double or bool).
  template <class T>
  bool is() const noexcept {
    return std::holds_alternative<Accessor<T>>(field);
  }
  // Calls f with this parameter's field of p: an int&, double& or bool&.
  template <class F>
  decltype(auto) visit(Params& p, F&& f) const {
    return std::visit([&](auto get) -> decltype(auto) { return f(get(p)); }, field);
  }
  // The same, read-only: f gets a const int&, const double& or const bool&.
  template <class F>
  decltype(auto) visit(const Params& p, F&& f) const {
    // The accessor only forms a reference to the member; nothing is written through it.
    return std::visit([&](auto get) -> decltype(auto) { return f(std::as_const(get(const_cast<Params&>(p)))); },
                      field);
  }
  // The field's value in p as a double (exact for int and bool).
  double value(const Params& p) const {
    return visit(p, [](const auto& v) { return static_cast<double>(v); });
  }
};

// Every parameter, in documentation order.
const std::vector<ParamSpec>& param_table();
// Whether a parameter only sets the population or the initial state, so that a fork (Model::
// intervene) cannot change it: run.*, population.*, network.*, summary.*, initial urgency and
// champions, backbone.enabled, backbone.staff and engagement.citizen_capacity. The one list; the scenario loader's
// check_fork reads it.
bool fixed_at_fork(const std::string& key);
const ParamSpec* find_param(const std::string& key);

// Number of partners.* conditions that are on (each costs partners.effort of own work).
int partner_conditions(const Params& p) noexcept;
// Checks cross-field constraints the per-field ranges cannot express (e.g. leave < join).
// Returns an empty string when fine, else a message naming the keys.
std::string check_consistency(const Params& p);

}  // namespace cimsim::model
