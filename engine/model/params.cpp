#include "params.hpp"

#include <algorithm>

namespace cimsim::model {

const std::vector<std::string>& sector_names() {
  static const std::vector<std::string> names = {"government", "civil_society", "business",
                                                 "knowledge",  "funder",        "citizen"};
  return names;
}

namespace {
// A row's key and accessor from the same tokens: key "group.name" reaches p.group.name.
#define CIMSIM_PARAM(group, name) \
  #group "." #name, +[](Params& p) -> decltype((p.group.name)) { return p.group.name; }
std::vector<ParamSpec> build_table() {
  const std::string big = "assumed: calibration default, no number in the seeds";
  return {
      {CIMSIM_PARAM(run, horizon_years), 1, 50, "year", "Length of a run.",
       "000:L266 (collective impact takes a decade or more)"},

      {CIMSIM_PARAM(population, government), 0, 2000, "organisations", "Municipal/government units.",
       "000:L544 (Malmö: about 300 actors in all); split assumed"},
      {CIMSIM_PARAM(population, civil_society), 0, 5000, "organisations", "Civil society organisations.",
       "000:L544; split assumed"},
      {CIMSIM_PARAM(population, business), 0, 5000, "organisations", "Businesses.", "000:L544; split assumed"},
      {CIMSIM_PARAM(population, knowledge), 0, 1000, "organisations", "Knowledge institutions.",
       "000:L544; split assumed"},
      {CIMSIM_PARAM(population, funder), 0, 500, "organisations", "Funders (philanthropy, public funds).",
       "000:L544; split assumed"},
      {CIMSIM_PARAM(population, citizens), 0, 2000000, "people", "Citizens, each an agent.",
       "model-brief section 2 (10^5-10^6 at city scale); default small for speed"},
      {CIMSIM_PARAM(population, pillars), 1, kMaxPillars, "pillars", "Pillars (transition areas, working groups).",
       "000:L506 (Malmö: 7); default 4 assumed"},
      {CIMSIM_PARAM(network, citizen_degree), 2, 100, "ties per citizen",
       "Mean degree of the citizens' small-world social network.", "assumed: typical small-world degree"},
      {CIMSIM_PARAM(network, citizen_rewire), 0, 1, "1",
       "Watts-Strogatz rewiring probability of the citizens' network.", "assumed"},
      {CIMSIM_PARAM(network, org_degree), 0, 50, "ties per organisation",
       "Mean number of initial ties of an organisation to other organisations.",
       "004:L191 (each organisation starts with its own agenda, few ties); number assumed"},
      {CIMSIM_PARAM(network, citizen_org_link), 0, 1, "1",
       "Probability that a citizen is tied to a local organisation (school, club, housing).",
       "000:L1061; number assumed"},
      {CIMSIM_PARAM(population, clusters), 1, 10000, "clusters",
       "Local clusters (neighbourhoods, villages): contiguous stretches of the citizens' ring; a citizen's local organisation is one of its cluster.",
       "000:L966 (Skive: two clusters of 4 and 2 villages); default assumed"},
      {CIMSIM_PARAM(population, lived_experience_share), 0, 1, "1",
       "Share of citizens and civil society organisations with lived experience of the problem.",
       "000:L307; 004:L111; number assumed"},

      {CIMSIM_PARAM(preconditions, urgency_professional), 0, 1, "1",
       "Perceived urgency of organisations at the start.", "000:L423 (professionals feel it more)"},
      {CIMSIM_PARAM(preconditions, urgency_citizen), 0, 1, "1", "Perceived urgency of citizens at the start.",
       "000:L423"},
      {CIMSIM_PARAM(preconditions, urgency_recovery), 0, 1, "per week",
       "Rate at which perceived urgency returns to its base level after a shock.", "assumed"},
      {CIMSIM_PARAM(preconditions, external_driver), 0, 1, "",
       "Whether an external driver (regulation, national programme) raises organisations' urgency from the start.",
       "000:L421"},
      {CIMSIM_PARAM(preconditions, external_driver_strength), 0, 1, "1",
       "Urgency an external driver adds for organisations.", "000:L421; number assumed"},
      {CIMSIM_PARAM(preconditions, champions), 0, 100, "organisations",
       "Organisations led by a champion (high influence, start engaged).", "000:L144-L162"},
      {CIMSIM_PARAM(preconditions, champion_influence), 1, 100, "1",
       "Influence of a champion relative to an ordinary organisation.", "000:L144; number assumed"},
      {CIMSIM_PARAM(preconditions, champion_ties), 0, 1000, "ties",
       "Extra ties of a champion to other organisations (champions expand the network).", "000:L156; number assumed"},
      {CIMSIM_PARAM(preconditions, champion_asks), 0, 100, "per week",
       "Inactive partner organisations an active champion asks to join the initiative per week (most trusted first).",
       "000:L156; number assumed"},

      {CIMSIM_PARAM(engagement, join_threshold), 0, 1, "1", "Engagement above which an agent becomes active.",
       "model-brief section 2 (hysteresis); number assumed"},
      {CIMSIM_PARAM(engagement, leave_threshold), 0, 1, "1",
       "Engagement below which an active agent becomes inactive (below join_threshold).", "assumed"},
      {CIMSIM_PARAM(engagement, rate), 0, 1, "per week", "Speed at which engagement follows its drivers.",
       "assumed"},
      {CIMSIM_PARAM(engagement, noise), 0, 1, "1", "Standard deviation of weekly engagement shocks.",
       "assumed"},
      {CIMSIM_PARAM(engagement, w_urgency), 0, 5, "1", "Weight of perceived urgency in engagement.", "000:L423"},
      {CIMSIM_PARAM(engagement, w_progress), 0, 5, "1", "Weight of visible progress (small wins) in engagement.",
       "000:L812; 004:L97"},
      {CIMSIM_PARAM(engagement, w_neighbours), 0, 5, "1",
       "Weight of the trust-weighted engagement of an agent's ties (snowball).", "000:L1059"},
      {CIMSIM_PARAM(engagement, w_outreach), 0, 5, "1", "Weight of backbone outreach (public will).",
       "000:L252 (build public will)"},
      {CIMSIM_PARAM(engagement, w_ownership), 0, 5, "1",
       "Weight of ownership of the agenda in organisations' engagement.", "000:L800, L1309"},
      {CIMSIM_PARAM(engagement, w_champion), 0, 5, "1",
       "Weight of exposure to an active champion (trust on the strongest tie to one).", "000:L156"},
      {CIMSIM_PARAM(engagement, fatigue_rate), 0, 1, "per week",
       "Growth of fatigue while active without visible progress.", "assumed"},
      {CIMSIM_PARAM(engagement, citizen_propensity), 0, 2, "1",
       "Multiplier on citizens' engagement drive (competing obligations lower it).", "000:L423, L705; number assumed"},
      {CIMSIM_PARAM(engagement, citizen_capacity), 0, 1, "1",
       "Effort per week of an active citizen at full engagement, relative to an organisation's.",
       "000:L1059 (30 active villagers run the working groups); number assumed"},
      {CIMSIM_PARAM(engagement, own_motive), 0, 1, "1",
       "Organisations work on the problem on their own agenda with drive own_motive x perceived urgency, also without "
       "an initiative; their drive is the larger of this and the initiative's pull.",
       "004:L191, L1386; 000:L90 (isolated impact: organisations working on their own agendas); number assumed"},
      {CIMSIM_PARAM(engagement, interest_threshold), 0, 1, "1",
       "Engagement from which an inactive agent counts as interested (aware and positive, not yet acting).",
       "000:L1059 (at least 70 interested, 30 active); number assumed"},
      {CIMSIM_PARAM(engagement, invite_rate), 0, 10, "invitations per week",
       "Invitations the backbone extends per week at full public-will capacity (x4 scale), while a working group is below engagement.invite_until.",
       "000:L542 (high-leverage actors approached directly); number assumed"},
      {CIMSIM_PARAM(engagement, invite_boost), 0, 1, "1",
       "Share of the gap to full engagement an invitation closes.", "assumed"},
      {CIMSIM_PARAM(engagement, invite_until), 0, 1, "1",
       "Share of a working group's present organisations active from which the backbone stops inviting to that "
       "group (it approaches a selected group of key actors; the rest volunteer).",
       "000:L542-L544; number assumed"},
      {CIMSIM_PARAM(engagement, ownership_rate), 0, 1, "per week",
       "Speed at which ownership follows its target.", "assumed"},

      {CIMSIM_PARAM(trust, initial), 0, 1, "1", "Trust on a new tie.", "assumed"},
      {CIMSIM_PARAM(trust, gain), 0, 1, "per contact", "Share of the gap to full trust closed by one contact.",
       "assumed"},
      {CIMSIM_PARAM(trust, decay), 0, 1, "per week", "Relative trust lost per week without contact.", "assumed"},
      {CIMSIM_PARAM(trust, dissolve), 0, 1, "1", "Trust below which a tie dissolves.", "assumed"},
      {CIMSIM_PARAM(communication, meeting_cadence_weeks), 1, 52, "week",
       "Weeks between working-group meetings (also staff contact with partners).",
       "000:L605-L610 (Malmö: weekly team, fortnightly check-ins, monthly coordinators)"},
      {CIMSIM_PARAM(communication, steering_cadence_weeks), 1, 52, "week",
       "Weeks between steering-group meetings.", "000:L868 (several times a year); default assumed"},
      {CIMSIM_PARAM(communication, plenary_cadence_weeks), 1, 520, "week",
       "Weeks between occasions where any two active organisations meet (also without a backbone).",
       "004:L191, L1386 (low baseline of cross-sector contact); number assumed"},
      {CIMSIM_PARAM(communication, forum_cadence_weeks), 1, 52, "week",
       "Weeks between citizen forums.", "000:L1109-L1111; number assumed"},
      {CIMSIM_PARAM(communication, citizen_forums), 0, 1, "", "Whether citizen forums are held.", "000:L1111"},
      {CIMSIM_PARAM(communication, cadence_relax), 0, 10, "1",
       "How far trust stretches meeting intervals (interval x (1 + relax x trust)).", "000:L867"},
      {CIMSIM_PARAM(communication, brokerage_rate), 0, 1, "per staff per week",
       "Probability that a staff member introduces two of its partners to each other.", "000:L641; number assumed"},
      {CIMSIM_PARAM(communication, update_cadence_weeks), 0, 52, "week",
       "Weeks between the backbone's standing update to partners (a newsletter or update round that runs as a "
       "routine, not through one person); 0: none.",
       "000:L874 (\"a monthly update ... could have prevented this\"), 000:L235; default none as in Mechelen"},
      {CIMSIM_PARAM(communication, update_gain), 0, 1, "1",
       "Share of the gap to full insight into the project and their role that one standing update closes for every "
       "partner (the update runs as a routine while any staff are in post).",
       "000:L874 (\"a monthly update ... could have prevented this\"); number assumed"},
      {CIMSIM_PARAM(communication, insight_decay), 0, 1, "per week",
       "Relative loss per week of a partner's insight into the project and its role when it neither attends a "
       "meeting of its bodies nor receives an update.",
       "000:L874, L911 (communication came to a standstill, partners lost insight); number assumed"},

      {CIMSIM_PARAM(backbone, enabled), 0, 1, "", "Whether a backbone organisation exists.", "000:L252"},
      {CIMSIM_PARAM(backbone, staff), 0, 200, "people", "Staff positions of the backbone.",
       "000:L162, L467; Malmö about 20 (000 section 4.1); default assumed"},
      {CIMSIM_PARAM(backbone, turnover_per_year), 0, 5, "per year",
       "Hazard of a staff member leaving.", "000:L668 (key-person risk); number assumed"},
      {CIMSIM_PARAM(backbone, vacancy_weeks), 0, 520, "week", "Time to fill a vacant staff position.", "assumed"},
      {CIMSIM_PARAM(backbone, ramp_up_weeks), 0, 520, "week", "Time for a new staff member to reach full capacity.",
       "000:L1277; number assumed"},
      {CIMSIM_PARAM(backbone, staff_ties), 0, 200, "ties per staff member",
       "Personal ties a staff member builds to partners when hired.", "000:L668, L1279; number assumed"},
      {CIMSIM_PARAM(backbone, lead_weight), 1, 10, "1",
       "Capacity and ties of the lead coordinator (slot 0 is the lead) relative to other staff.", "000:L668; number assumed"},
      {CIMSIM_PARAM(backbone, vision_rate), 0, 1, "per week",
       "Pull of backbone vision work on members' concerns towards the common agenda.", "000:L252; number assumed"},
      {CIMSIM_PARAM(backbone, vision_need), 0, 100, "staff equivalents",
       "Vision-and-strategy capacity at which members fully weigh the common agenda in their work.",
       "000:L250; number assumed"},
      {CIMSIM_PARAM(backbone, meeting_prep_weeks), 0, 10, "staff-weeks",
       "Aligned-activities time the convener needs per body meeting (preparation, chairing, follow-up).",
       "000:L246, L252; number assumed (about half a day)"},
      {CIMSIM_PARAM(backbone, lead_process_skill), 0, 1, "1",
       "Mean process skill of a lead coordinator (a generalist who can lead a multi-stakeholder process); drawn per "
       "person with standard deviation 0.1.",
       "000:L666, L1279; number assumed"},
      {CIMSIM_PARAM(backbone, specialist_process_skill), 0, 1, "1",
       "Mean process skill of the other staff (domain specialists); drawn per person with standard deviation 0.1.",
       "000:L665-L668 (many specialists, few generalists who could lead the process); number assumed"},
      {CIMSIM_PARAM(backbone, lead_domain_skill), 0, 1, "1",
       "Mean domain skill of a lead coordinator; drawn per person with standard deviation 0.1.",
       "000:L1279 (substantive knowledge and process competence); number assumed"},
      {CIMSIM_PARAM(backbone, specialist_domain_skill), 0, 1, "1",
       "Mean domain skill of the other staff; drawn per person with standard deviation 0.1.",
       "000:L665, L1279; number assumed"},
      {CIMSIM_PARAM(backbone, style), 0, 1, "1",
       "Facilitation style: 0 convene and step back, 1 hub and spoke (staff broker every tie themselves).",
       "000:L641 vs L855"},
      {CIMSIM_PARAM(backbone, dominance), 0, 1, "1", "How far the backbone imposes its plan; lowers ownership.",
       "000:L254"},
      {CIMSIM_PARAM(backbone, role_clarity), 0, 1, "1", "Clarity of roles; unclear roles waste capacity.",
       "000:L912"},
      {CIMSIM_PARAM(backbone, succession_overlap_weeks), 0, 520, "week",
       "Handover of a departing staff member to a successor (0: no successor, a vacancy).", "000:L668"},
      {CIMSIM_PARAM(backbone, f_vision), 0, 1, "1", "Share of capacity for guiding vision and strategy.",
       "000:L250 (Turner et al. 2012); share assumed"},
      {CIMSIM_PARAM(backbone, f_activities), 0, 1, "1", "Share of capacity for supporting aligned activities.",
       "000:L250; share assumed"},
      {CIMSIM_PARAM(backbone, f_measurement), 0, 1, "1", "Share of capacity for shared measurement.",
       "000:L250; share assumed"},
      {CIMSIM_PARAM(backbone, f_public_will), 0, 1, "1", "Share of capacity for building public will (outreach, invitations).",
       "000:L250; share assumed"},
      {CIMSIM_PARAM(backbone, f_policy), 0, 1, "1", "Share of capacity for advancing policy.", "000:L250; share assumed"},
      {CIMSIM_PARAM(backbone, f_funding), 0, 1, "1", "Share of capacity for mobilising funding.", "000:L250; share assumed"},

      {CIMSIM_PARAM(measurement, enabled), 0, 1, "", "Whether a shared measurement system runs from the start.",
       "000:L187-L222"},
      {CIMSIM_PARAM(measurement, coverage_target), 0, 1, "1", "Coverage the system reaches with investment.",
       "000:L827 (Mechelen: 86 indicators); number assumed"},
      {CIMSIM_PARAM(measurement, learning_target), 0, 1, "1",
       "Learning use the system reaches with investment (0: data without learning).", "000:L835, L930"},
      {CIMSIM_PARAM(measurement, growth), 0, 1, "per week", "Growth rate of coverage and learning use.",
       "assumed"},
      {CIMSIM_PARAM(measurement, decay), 0, 1, "per week", "Decay of coverage and learning use without investment.",
       "assumed"},
      {CIMSIM_PARAM(measurement, report_cadence_weeks), 1, 52, "week", "Weeks between progress reports.",
       "000:L126 (weekly or fortnightly reporting advised); default quarterly assumed"},
      {CIMSIM_PARAM(measurement, reporting_effort), 0, 1, "1",
       "Share of active organisations' effort spent on collecting and reporting data, at full coverage.",
       "000:L197, L212 (data systems take effort; learning should come first); number assumed"},
      {CIMSIM_PARAM(measurement, observation_noise), 0, 1, "1",
       "Standard deviation of observed outcome without measurement (shrinks with coverage).", "assumed"},

      {CIMSIM_PARAM(partners, common_agenda), 0, 1, "",
       "Whether the partner organisations run a common agenda process themselves (agree on an agenda and align "
       "their work to it), with or without a backbone.",
       "000:L303 (organisations often work on only one or two of the conditions)"},
      {CIMSIM_PARAM(partners, measurement), 0, 1, "",
       "Whether the partners run the shared measurement system themselves (needs measurement.enabled).",
       "000:L187-L222, L303"},
      {CIMSIM_PARAM(partners, activities), 0, 1, "",
       "Whether the partners divide the tasks among themselves (a plan of mutually reinforcing activities, each "
       "organisation taking on what it does best).",
       "000:L229 (not all doing the same thing, each the task it excels in), L303"},
      {CIMSIM_PARAM(partners, communication), 0, 1, "",
       "Whether the partners convene their working groups and steering group themselves (continuous "
       "communication), with or without a backbone.",
       "000:L303, L874"},
      {CIMSIM_PARAM(partners, effort), 0, 1, "1",
       "Share of an active organisation's own work spent on each condition the partners run themselves.",
       "000:L252 (planning and supporting the initiative needs dedicated staff); number assumed"},
      {CIMSIM_PARAM(partners, process_skill), 0, 1, "1",
       "Process skill of a partner who convenes a body besides its own work (a lead coordinator has "
       "backbone.lead_process_skill).",
       "000:L665-L668 (few can lead a multi-stakeholder process); number assumed"},

      {CIMSIM_PARAM(funding, budget_staff_years), 0, 1000, "staff-years per year",
       "Budget of the backbone at full support.", "000:L162, L467; number assumed"},
      {CIMSIM_PARAM(funding, grant_share), 0, 1, "1", "Share of the budget from a time-limited grant.",
       "000:L764 (Mechelen: Flemish government 80%)"},
      {CIMSIM_PARAM(funding, funder_response), 0, 1, "per week",
       "Speed at which funders' support follows observed progress.", "assumed"},
      {CIMSIM_PARAM(funding, anchoring), 0, 1, "1",
       "Share of a grant that is kept (anchored elsewhere) when it ends.", "004:L1471"},

      {CIMSIM_PARAM(cluster, inclusiveness), 0, 1, "1",
       "Inclusive, non-hierarchical local coordination (1) vs top-down (0): members asking citizens (snowball) and citizens' voice at forums.",
       "000:L1059, L1157, L1160-L1165"},

      {CIMSIM_PARAM(problem, effort_effect), 0, 1, "per week",
       "Progress per week at full, fully coordinated, saturated effort.", big},
      {CIMSIM_PARAM(problem, half_saturation), 0.001, 1e7, "effort units",
       "Effective effort at which a pillar gets half its maximal progress rate.", big},
      {CIMSIM_PARAM(problem, coordination_gain), 0, 20, "1",
       "Extra effectiveness of effort made inside trusted, coordinated working groups.", "000:L229; number assumed"},
      {CIMSIM_PARAM(problem, complementarity), 0, 10, "1",
       "Extra effect of effort spread over several sectors in one pillar (mutually reinforcing activities).",
       "000:L229; number assumed"},
      {CIMSIM_PARAM(problem, duplication), 0, 10, "1",
       "Overlap of uncoordinated own work: the own work of m active agents of one sector in one working group counts "
       "1 / (1 + duplication (m - 1)).",
       "000:L229 (not all doing the same thing); 004:L191; number assumed"},
      {CIMSIM_PARAM(problem, lived_experience_weight), 0, 1, "1",
       "Pull of active agents with lived experience on the agenda towards the true needs.", "000:L307"},
      {CIMSIM_PARAM(problem, drift), 0, 1, "per week", "Relative loss of progress per week (the problem worsens).",
       "model-brief section 2; number assumed"},
      {CIMSIM_PARAM(problem, delay_months), 0, 120, "month", "Time constant of the delay from effort to outcome.",
       "000:L266; 004:L372"},
      {CIMSIM_PARAM(problem, goal), 0, 1, "1", "Outcome level counted as reaching the goal.", "assumed"},
      {CIMSIM_PARAM(problem, ceiling_pillars), 0, kMaxPillars, "pillars",
       "Pillars whose levers a higher level of government holds (progress capped at problem.ceiling).",
       "000:L701; 004:L691-L698"},
      {CIMSIM_PARAM(problem, ceiling), 0, 1, "1", "Progress cap on those pillars until the ceiling is lifted.",
       "assumed"},
      {CIMSIM_PARAM(exogenous, election_years), 0, 50, "year",
       "Interval between elections (0: none scheduled).", "004:L694 (seven municipal elections before 2050)"},
      {CIMSIM_PARAM(summary, launch_share), 0, 1, "1",
       "Share of organisations active at once that counts as launched (active mass): above the share that works "
       "on its own agenda without an initiative (about a quarter).",
       "000:L144-L162; number assumed"},
      {CIMSIM_PARAM(summary, collapse_share), 0, 1, "1",
       "Share of organisations active below which a launched initiative counts as collapsed.", "assumed"},
  };
}
#undef CIMSIM_PARAM
}  // namespace

const std::vector<ParamSpec>& param_table() {
  static const std::vector<ParamSpec> table = build_table();
  return table;
}

const ParamSpec* find_param(const std::string& key) {
  for (const ParamSpec& s : param_table())
    if (s.key == key) return &s;
  return nullptr;
}

int partner_conditions(const Params& p) noexcept {
  return int{p.partners.common_agenda} + int{p.partners.measurement} + int{p.partners.activities} +
         int{p.partners.communication};
}

std::string check_consistency(const Params& p) {
  if (p.engagement.leave_threshold >= p.engagement.join_threshold)
    return "engagement.leave_threshold must be below engagement.join_threshold (hysteresis)";
  const long orgs = static_cast<long>(p.population.government) + p.population.civil_society + p.population.business +
                    p.population.knowledge + p.population.funder;
  if (orgs == 0) return "the population needs at least one organisation";
  if (p.partners.effort * partner_conditions(p) > 1.0)
    return "partners.effort times the number of partners.* conditions that are on must be at most 1 (the share of "
           "own work they take)";
  if (p.preconditions.champions > orgs) return "preconditions.champions exceeds the number of organisations";
  if (p.population.citizens > 0 && p.network.citizen_degree >= p.population.citizens)
    return "network.citizen_degree must be below population.citizens";
  return {};
}

bool fixed_at_fork(const std::string& key) {
  static const std::vector<std::string> keys = {
      "preconditions.urgency_professional", "preconditions.urgency_citizen", "preconditions.champions",
      "preconditions.champion_influence",   "preconditions.champion_ties",   "backbone.enabled",
      "backbone.staff",
      "engagement.citizen_capacity"};
  for (const char* group : {"run.", "population.", "network.", "summary."})
    if (key.starts_with(group)) return true;
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace cimsim::model
