#include "params.hpp"

namespace cimsim::model {

const std::vector<std::string>& sector_names() {
  static const std::vector<std::string> names = {"government", "civil_society", "business",
                                                 "knowledge",  "funder",        "citizen"};
  return names;
}

namespace {
using P = Params;
std::vector<ParamSpec> build_table() {
  const std::string big = "assumed: calibration default, no number in the seeds";
  return {
      {"run.horizon_years", &P::horizon_years, 1, 50, "year", "Length of a run.",
       "000:L266 (collective impact takes a decade or more)"},

      {"population.government", &P::n_government, 0, 2000, "organisations", "Municipal/government units.",
       "000:L544 (Malmö: about 300 actors in all); split assumed"},
      {"population.civil_society", &P::n_civil_society, 0, 5000, "organisations", "Civil society organisations.",
       "000:L544; split assumed"},
      {"population.business", &P::n_business, 0, 5000, "organisations", "Businesses.", "000:L544; split assumed"},
      {"population.knowledge", &P::n_knowledge, 0, 1000, "organisations", "Knowledge institutions.",
       "000:L544; split assumed"},
      {"population.funder", &P::n_funder, 0, 500, "organisations", "Funders (philanthropy, public funds).",
       "000:L544; split assumed"},
      {"population.citizens", &P::n_citizens, 0, 2000000, "people", "Citizens, each an agent.",
       "model-brief section 2 (10^5-10^6 at city scale); default small for speed"},
      {"population.pillars", &P::pillars, 1, kMaxPillars, "pillars", "Pillars (transition areas, working groups).",
       "000:L506 (Malmö: 7); default 4 assumed"},
      {"network.citizen_degree", &P::citizen_degree, 2, 100, "ties per citizen",
       "Mean degree of the citizens' small-world social network.", "assumed: typical small-world degree"},
      {"network.citizen_rewire", &P::citizen_rewire, 0, 1, "1",
       "Watts-Strogatz rewiring probability of the citizens' network.", "assumed"},
      {"network.org_degree", &P::org_degree, 0, 50, "ties per organisation",
       "Mean number of initial ties of an organisation to other organisations.",
       "004:L191 (each organisation starts with its own agenda, few ties); number assumed"},
      {"network.citizen_org_link", &P::citizen_org_link, 0, 1, "1",
       "Probability that a citizen is tied to a local organisation (school, club, housing).",
       "000:L1061; number assumed"},

      {"preconditions.urgency_professional", &P::urgency_professional, 0, 1, "1",
       "Perceived urgency of organisations at the start.", "000:L423 (professionals feel it more)"},
      {"preconditions.urgency_citizen", &P::urgency_citizen, 0, 1, "1", "Perceived urgency of citizens at the start.",
       "000:L423"},
      {"preconditions.champions", &P::champions, 0, 100, "organisations",
       "Organisations led by a champion (high influence, start engaged).", "000:L144-L162"},
      {"preconditions.champion_influence", &P::champion_influence, 1, 100, "1",
       "Influence of a champion relative to an ordinary organisation.", "000:L144; number assumed"},

      {"engagement.join_threshold", &P::join_threshold, 0, 1, "1", "Engagement above which an agent becomes active.",
       "model-brief section 2 (hysteresis); number assumed"},
      {"engagement.leave_threshold", &P::leave_threshold, 0, 1, "1",
       "Engagement below which an active agent becomes inactive (below join_threshold).", "assumed"},
      {"engagement.rate", &P::engagement_rate, 0, 1, "per week", "Speed at which engagement follows its drivers.",
       "assumed"},
      {"engagement.noise", &P::engagement_noise, 0, 1, "1", "Standard deviation of weekly engagement shocks.",
       "assumed"},
      {"engagement.w_urgency", &P::w_urgency, 0, 5, "1", "Weight of perceived urgency in engagement.", "000:L423"},
      {"engagement.w_progress", &P::w_progress, 0, 5, "1", "Weight of visible progress (small wins) in engagement.",
       "000:L812; 004:L97"},
      {"engagement.w_neighbours", &P::w_neighbours, 0, 5, "1",
       "Weight of the trust-weighted engagement of an agent's ties (snowball).", "000:L1059"},
      {"engagement.w_outreach", &P::w_outreach, 0, 5, "1", "Weight of backbone outreach (public will).",
       "000:L252 (build public will)"},
      {"engagement.fatigue_rate", &P::fatigue_rate, 0, 1, "per week",
       "Growth of fatigue while active without visible progress.", "assumed"},

      {"trust.initial", &P::trust_initial, 0, 1, "1", "Trust on a new tie.", "assumed"},
      {"trust.gain", &P::trust_gain, 0, 1, "per contact", "Share of the gap to full trust closed by one contact.",
       "assumed"},
      {"trust.decay", &P::trust_decay, 0, 1, "per week", "Relative trust lost per week without contact.", "assumed"},
      {"trust.dissolve", &P::tie_dissolve, 0, 1, "1", "Trust below which a tie dissolves.", "assumed"},
      {"communication.meeting_cadence_weeks", &P::meeting_cadence_weeks, 1, 52, "week",
       "Weeks between working-group meetings.", "000:L605-L619 (weekly to monthly)"},
      {"communication.brokerage_rate", &P::brokerage_rate, 0, 1, "per staff per week",
       "Probability that a staff member introduces two of its partners to each other.", "000:L641; number assumed"},

      {"backbone.enabled", &P::backbone, 0, 1, "", "Whether a backbone organisation exists.", "000:L252"},
      {"backbone.staff", &P::backbone_staff, 0, 200, "people", "Staff positions of the backbone.",
       "000:L162, L467; Malmö about 20 (000 section 4.1); default assumed"},
      {"backbone.turnover_per_year", &P::staff_turnover_per_year, 0, 5, "per year",
       "Hazard of a staff member leaving.", "000:L668 (key-person risk); number assumed"},
      {"backbone.vacancy_weeks", &P::vacancy_weeks, 0, 520, "week", "Time to fill a vacant staff position.", "assumed"},
      {"backbone.ramp_up_weeks", &P::ramp_up_weeks, 0, 520, "week", "Time for a new staff member to reach full capacity.",
       "000:L1277; number assumed"},
      {"backbone.staff_ties", &P::staff_ties, 0, 200, "ties per staff member",
       "Personal ties a staff member builds to partners when hired.", "000:L668, L1279; number assumed"},
      {"backbone.vision_rate", &P::vision_rate, 0, 1, "per week",
       "Pull of backbone vision work on members' concerns towards the common agenda.", "000:L252; number assumed"},

      {"problem.effort_effect", &P::effort_effect, 0, 1, "per week",
       "Progress per week at full, fully coordinated, saturated effort.", big},
      {"problem.half_saturation", &P::half_saturation, 0.001, 1e7, "effort units",
       "Effective effort at which a pillar gets half its maximal progress rate.", big},
      {"problem.coordination_gain", &P::coordination_gain, 0, 20, "1",
       "Extra effectiveness of effort made inside trusted, coordinated working groups.", "000:L229; number assumed"},
      {"problem.drift", &P::drift, 0, 1, "per week", "Relative loss of progress per week (the problem worsens).",
       "model-brief section 2; number assumed"},
      {"problem.delay_months", &P::delay_months, 0, 120, "month", "Time constant of the delay from effort to outcome.",
       "000:L266; 004:L372"},
      {"problem.goal", &P::goal, 0, 1, "1", "Outcome level counted as reaching the goal.", "assumed"},
      {"summary.launch_share", &P::launch_share, 0, 1, "1",
       "Share of organisations active at once that counts as launched (active mass).", "000:L144-L162; number assumed"},
      {"summary.collapse_share", &P::collapse_share, 0, 1, "1",
       "Share of organisations active below which a launched initiative counts as collapsed.", "assumed"},
  };
}
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

std::string check_consistency(const Params& p) {
  if (p.leave_threshold >= p.join_threshold)
    return "engagement.leave_threshold must be below engagement.join_threshold (hysteresis)";
  const long orgs = static_cast<long>(p.n_government) + p.n_civil_society + p.n_business + p.n_knowledge + p.n_funder;
  if (orgs == 0) return "the population needs at least one organisation";
  if (p.champions > orgs) return "preconditions.champions exceeds the number of organisations";
  if (p.n_citizens > 0 && p.citizen_degree >= p.n_citizens)
    return "network.citizen_degree must be below population.citizens";
  return {};
}

}  // namespace cimsim::model
