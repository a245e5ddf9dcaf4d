// What the model records (probes, read-only) and the run loop that drives recording.
#include "engine/model/run.hpp"
#include "engine/model/variables.hpp"

#include "engine/error.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cimsim::model {

namespace {

using Out = std::span<double>;

void per_sector_mean(const Model& m, Out out, bool active_share) {
  std::array<double, kSectors> sum{}, count{};
  const auto& sec = m.sector();
  for (std::size_t i = 0; i < m.agents(); ++i) {
    if (m.is_staff(i) || !m.present()[i]) continue;
    sum[sec[i]] += active_share ? m.active()[i] : m.engagement()[i];
    count[sec[i]] += 1.0;
  }
  for (int s = 0; s < kSectors; ++s) out[static_cast<std::size_t>(s)] = count[s] > 0 ? sum[s] / count[s] : kMissing;
}

// Throws ModelError naming the variable if the last record holds NaN outside the padding of
// the pillar axis (pillars beyond the scenario's own count are missing by design).
void check_finite(const RunResult& r, const RecordSchema& schema, int pillars, double month) {
  for (std::size_t v = 0; v < schema.series.size(); ++v) {
    const std::size_t w = schema.width(schema.series[v].axis);
    const std::size_t used = schema.series[v].axis == Axis::pillar ? static_cast<std::size_t>(pillars) : w;
    const double* last = r.series[v].data() + r.series[v].size() - w;
    for (std::size_t j = 0; j < used; ++j)
      if (!std::isfinite(last[j]) && !(schema.series[v].axis == Axis::sector && std::isnan(last[j])))
        throw ModelError("non-finite value of " + schema.series[v].name + " at month " +
                         std::to_string(static_cast<int>(month)));
  }
}

}  // namespace

const std::vector<Probe<Model>>& probes() {
  static const std::vector<Probe<Model>> list = {
      {{"outcome", "overall progress on the problem, need-weighted over pillars", "1", Axis::none,
       {"Progress on the problem", "Progress (0 none, 1 solved)", "Overall progress on the problem",
        "Progress on the problem, from 0 (nothing changed) to 1 (problem solved), weighted by need."},
       {{"outcome", "", 1, 1}}},
       [](const Model& m, Out o) { o[0] = m.outcome(); }},
      {{"outcome_pillar", "progress on the problem per pillar", "1", Axis::pillar,
       {"Progress on each pillar of the problem", "Progress (0 none, 1 solved)", "Progress per pillar",
        "Progress on each pillar (part) of the problem, from 0 (nothing changed) to 1 (solved)."}},
       [](const Model& m, Out o) {
         std::fill(o.begin(), o.end(), kMissing);
         std::copy(m.progress().begin(), m.progress().end(), o.begin());
       }},
      {{"engagement", "mean engagement of the agents of a sector", "1", Axis::sector,
       {"Engagement, by sector", "Engagement (0 to 1)", "Mean engagement per sector",
        "Average engagement of the organisations or citizens of each sector, from 0 (none) to 1 (fully engaged)."},
       {{"citizen_engagement", "citizen", 5, 3,
         {"Citizens' engagement", "Engagement (0 to 1)", "Mean citizen engagement",
          "Average engagement of citizens, from 0 (none) to 1 (fully engaged)."}}}},
       [](const Model& m, Out o) { per_sector_mean(m, o, false); }},
      {{"active_share", "share of the agents of a sector that are active", "1", Axis::sector,
       {"Active participants, by sector", "Active (%)", "Share active per sector",
        "Share of the organisations or citizens of each sector who take part actively.", "0-1", true},
       {{"citizen_active_share", "citizen", 2, 2,
         {"Citizens still active", "Citizens active (%)", "Share of citizens active",
          "Share of all citizens who take part actively.", "0-1", true}}}},
       [](const Model& m, Out o) { per_sector_mean(m, o, true); }},
      {{"interested_share",
        "share of the agents of a sector that are interested: inactive with engagement at least "
        "engagement.interest_threshold (aware and positive, not yet acting)",
        "1", Axis::sector,
       {"Interested but not yet active, by sector", "Interested (%)", "Share interested per sector",
        "Share of the organisations or citizens of each sector who are aware and positive but do not yet take part.",
        "0-1", true}},
       [](const Model& m, Out o) {
         std::array<double, kSectors> sum{}, count{};
         const double th = m.params().engagement.interest_threshold;
         for (std::size_t i = 0; i < m.agents(); ++i) {
           if (m.is_staff(i) || !m.present()[i]) continue;
           const auto sec = m.sector()[i];
           sum[sec] += (!m.active()[i] && m.engagement()[i] >= th) ? 1.0 : 0.0;
           count[sec] += 1.0;
         }
         for (int sec = 0; sec < kSectors; ++sec)
           o[static_cast<std::size_t>(sec)] = count[sec] > 0 ? sum[sec] / count[sec] : kMissing;
       }},
      {{"members", "number of agents of a sector present: citizens, and the organisations that have joined", "1",
        Axis::sector,
       {"Members, by sector", "Members (number)", "Members per sector",
        "Number of citizens and of organisations of each sector that have joined the initiative so far.", "count"}},
       [](const Model& m, Out o) {
         std::array<double, kSectors> n{};
         for (std::size_t i = 0; i < m.agents(); ++i)
           if (!m.is_staff(i) && m.present()[i]) n[m.sector()[i]] += 1.0;
         for (int sec = 0; sec < kSectors; ++sec) o[static_cast<std::size_t>(sec)] = n[sec];
       }},
      {{"trust_mean", "mean trust over all ties", "1", Axis::none,
       {"Trust between the people and organisations who work together", "Trust (0 to 1)",
        "Mean trust between participants",
        "Average trust on the working relationships, from 0 (none) to 1 (full trust)."},
       {{"trust_mean", "", 3, 4}}},
       [](const Model& m, Out o) {
         const auto& t = m.network().trust;
         double s = 0.0;
         for (float x : t) s += x;
         o[0] = t.empty() ? 0.0 : s / static_cast<double>(t.size());
       }},
      {{"trust_partners", "mean trust over ties between two organisations (partners)", "1", Axis::none,
       {"Trust between partner organisations", "Trust (0 to 1)", "Mean trust between partners",
        "Average trust on the working relationships between two organisations, from 0 (none) to 1 (full trust)."}},
       [](const Model& m, Out o) {
         const auto& v = m.network();
         double s = 0.0, n = 0.0;
         for (TieId e = 0; e < v.ties(); ++e)
           if (m.is_org(v.tie_a[e]) && m.is_org(v.tie_b[e])) s += v.trust[e], n += 1.0;
         o[0] = n > 0.0 ? s / n : 0.0;
       }},
      {{"ties", "number of ties in the collaboration network", "1", Axis::none,
       {"Working relationships in the network", "Ties (number)", "Number of ties",
        "Number of working relationships (ties) between people and organisations.", "count"}},
       [](const Model& m, Out o) { o[0] = static_cast<double>(m.network().ties()); }},
      {{"partner_tie_share", "share of organisations' ties that link two partners directly, not through backbone staff",
        "1", Axis::none,
       {"Partners working directly with each other", "Direct ties (%)",
        "Share of ties directly between partners",
        "Of the organisations' working relationships, the share that link two partners directly rather than through "
        "the backbone's staff.",
        "0-1", true},
       {{"partner_tie_share", "", 4, 5}}},
       [](const Model& m, Out o) {
         const auto& v = m.network();
         double direct = 0.0, via = 0.0;
         for (TieId e = 0; e < v.ties(); ++e) {
           const AgentId a = v.tie_a[e], b = v.tie_b[e];
           if (m.is_org(a) && m.is_org(b)) direct += 1.0;
           else if ((m.is_org(a) && m.is_staff(b)) || (m.is_staff(a) && m.is_org(b))) via += 1.0;
         }
         o[0] = direct + via > 0.0 ? direct / (direct + via) : 0.0;
       }},
      {{"largest_component_share", "share of agents in the largest connected component", "1", Axis::none,
       {"Participants in one connected network", "Largest component (%)",
        "Share in the largest connected group",
        "Share of participants who are linked, directly or through others, in the largest connected group.", "0-1",
        true}},
       [](const Model& m, Out o) {
         thread_local std::vector<std::uint32_t> scratch;
         thread_local std::vector<std::uint8_t> counted;  // present agents and staff in post
         counted.resize(m.agents());
         for (std::size_t i = 0; i < m.agents(); ++i)
           counted[i] = m.is_staff(i) ? m.staff_filled()[i - m.staff_begin()] : m.present()[i];
         o[0] = largest_component_share(m.network(), scratch, &counted);
       }},
      {{"agenda_alignment", "how closely active organisations' concerns match the common agenda (1 = identical)", "1",
        Axis::none,
       {"How closely partners share the common agenda", "Alignment (0 to 1)", "Agenda alignment",
        "How closely the active organisations' concerns match the common agenda, from 0 (not at all) to 1 (identical)."}},
       [](const Model& m, Out o) { o[0] = m.agenda_alignment(); }},
      {{"agenda_fit", "how closely the common agenda matches the problem's true needs (1 = identical)", "1",
        Axis::none,
       {"How well the common agenda fits the problem", "Fit (0 to 1)", "Agenda fit",
        "How closely the common agenda matches the problem's true needs, from 0 (not at all) to 1 (identical)."}},
       [](const Model& m, Out o) { o[0] = m.agenda_fit(); }},
      {{"backbone_staff", "staff members of the backbone in post", "1", Axis::none,
       {"Backbone staff in post", "Staff (people)", "Backbone staff in post",
        "Number of the backbone's staff members in post.", "staff"}},
       [](const Model& m, Out o) { o[0] = m.backbone_staff(); }},
      {{"backbone_capacity", "backbone capacity: staff in post weighted by ramp-up, lead weight and role clarity", "1",
        Axis::none,
       {"Capacity of the backbone", "Capacity (staff equivalents)", "Backbone capacity",
        "Staff in post weighted by how far they have settled in, the lead's weight and how clear the roles are.",
        "staff equivalents"}},
       [](const Model& m, Out o) { o[0] = m.backbone_capacity(); }},
      {{"ownership", "mean ownership of the agenda among active organisations", "1", Axis::none,
       {"Partners' ownership of the agenda", "Ownership (0 to 1)", "Mean ownership of the agenda",
        "Average ownership of the common agenda among active organisations, from 0 (none) to 1 (full)."}},
       [](const Model& m, Out o) {
         double s = 0.0, n = 0.0;
         for (std::size_t i = 0; i < m.agents(); ++i)
           if (m.is_org(i) && m.present()[i] && m.active()[i]) s += m.ownership()[i], n += 1.0;
         o[0] = n > 0.0 ? s / n : 0.0;
       }},
      {{"measurement_coverage", "coverage of the shared measurement system (how much is measured)", "1", Axis::none,
       {"Coverage of shared measurement", "Coverage (0 to 1)", "Measurement coverage",
        "How much of the work the shared measurement system measures, from 0 (nothing) to 1 (everything)."}},
       [](const Model& m, Out o) { o[0] = m.coverage(); }},
      {{"measurement_learning", "learning use of measurement (how far data feed decisions)", "1", Axis::none,
       {"Learning from shared measurement", "Learning use (0 to 1)", "Learning use of measurement",
        "How far the data of the shared measurement system feed decisions, from 0 (not at all) to 1 (fully)."}},
       [](const Model& m, Out o) { o[0] = m.learning(); }},
      {{"funding", "budget of the backbone", "staff-years per year", Axis::none,
       {"Budget of the backbone", "Budget (staff-years per year)", "Backbone budget",
        "Budget of the backbone, in staff-years per year.", "staff-years per year"}},
       [](const Model& m, Out o) { o[0] = m.budget(); }},
      {{"phase", "phase of the initiative: 1 initiating action, 2 organising for impact, 3 sustaining action and impact",
        "1", Axis::none,
       {"Phase of the initiative", "Phase (1 to 3)", "Phase",
        "Phase of the initiative: 1 initiating action, 2 organising for impact, 3 sustaining action and impact.",
        "1-3"}},
       [](const Model& m, Out o) { o[0] = m.stage(); }},
      {{"meetings_working_groups", "working-group meetings held in the month (all pillars)", "1", Axis::none,
       {"Working-group meetings held", "Meetings per month", "Working-group meetings",
        "Working-group meetings held in the month, over all pillars.", "count"}},
       [](const Model& m, Out o) { o[0] = m.meetings_working_groups(); }},
      {{"meetings_steering", "steering-group meetings held in the month", "1", Axis::none,
       {"Steering-group meetings held", "Meetings per month", "Steering-group meetings",
        "Steering-group meetings held in the month.", "count"}},
       [](const Model& m, Out o) { o[0] = m.meetings_steering(); }},
      {{"partner_updates", "standing partner updates sent in the month", "1", Axis::none,
       {"Standing updates sent to partners", "Updates per month", "Partner updates",
        "Standing updates (a newsletter or update round) the backbone sent to partners in the month.", "count"}},
       [](const Model& m, Out o) { o[0] = m.partner_updates(); }},
      {{"insight", "mean insight into the project and their role among active organisations", "1", Axis::none,
       {"Partners' insight into the project and their role", "Insight (0 to 1)", "Mean partner insight",
        "Average insight of the active organisations into the project and their own role, from 0 (none) to 1 (full)."}},
       [](const Model& m, Out o) {
         double s = 0.0, n = 0.0;
         for (std::size_t i = 0; i < m.agents(); ++i)
           if (m.is_org(i) && m.present()[i] && m.active()[i]) s += m.insight()[i], n += 1.0;
         o[0] = n > 0.0 ? s / n : 0.0;
       }},
      {{"recruited_invited", "organisations that became active within 8 weeks of a backbone invitation, cumulative", "1",
        Axis::none,
       {"Organisations recruited by invitation", "Organisations (cumulative)", "Recruited by invitation",
        "Organisations that became active within 8 weeks of an invitation from the backbone, counted since the start.",
        "count"}},
       [](const Model& m, Out o) { o[0] = m.recruited_invited(); }},
      {{"recruited_voluntary", "organisations that became active without a recent invitation, cumulative", "1",
        Axis::none,
       {"Organisations that joined on their own", "Organisations (cumulative)", "Joined without invitation",
        "Organisations that became active without a recent invitation, counted since the start.", "count"}},
       [](const Model& m, Out o) { o[0] = m.recruited_voluntary(); }},
  };
  return list;
}

const std::vector<VariableSpec>& summary_specs() {
  static const std::vector<VariableSpec> list = {
      {"final_outcome", "outcome at the end of the run", "1", Axis::none},
      {"launched", "1 if the share of active organisations ever reached the launch share (active mass), else 0", "1",
       Axis::none},
      {"time_to_goal", "months until outcome first reached the goal (missing if never)", "month", Axis::none},
      {"months_collapsed",
       "recorded months after launch with the active share of organisations below the collapse share", "month",
       Axis::none},
      {"event_trough",
       "lowest 3-month outcome growth within 36 months after a scheduled event, minus the growth at the event", "1",
       Axis::event},
      {"event_recovery", "months from a scheduled event until 3-month outcome growth is back at its level at the event",
       "month", Axis::event},
  };
  return list;
}

const std::vector<VariableSpec>& series_specs() {
  static const std::vector<VariableSpec> list = [] {
    std::vector<VariableSpec> out;
    for (const auto& p : probes()) out.push_back(p.spec);
    return out;
  }();
  return list;
}

RecordSchema make_schema(int pillar_width, int event_width) {
  RecordSchema s;
  s.series = series_specs();
  s.sectors = sector_names();
  for (int k = 0; k < pillar_width; ++k) s.pillars.push_back("pillar_" + std::to_string(k + 1));
  for (int k = 0; k < event_width; ++k) s.events.push_back("event_" + std::to_string(k + 1));
  for (const auto& v : summary_specs())
    if (v.axis != Axis::event || event_width > 0) s.summaries.push_back(v);
  return s;
}

RunState::RunState(const Scenario& scenario, const RecordSchema& schema, std::uint64_t seed, const Executor& exec)
    : scenario_(scenario),
      schema_(&schema),
      m_(scenario_, seed, exec),
      rec_(schema, probes(), record_months(scenario.params.run.horizon_years).size()) {
  if (static_cast<std::size_t>(scenario.params.population.pillars) > schema.pillars.size())
    throw ModelError("schema has fewer pillars than scenario '" + scenario.name + "'");
  observe(0.0);
}

void RunState::observe(double month) {
  const Params& p = scenario_.params;
  rec_.record(m_, month);
  check_finite(rec_.result(), *schema_, p.population.pillars, month);
  const double share = m_.org_active_share();
  if (share >= p.summary.launch_share) launched_ = true;
  else if (launched_ && share < p.summary.collapse_share) collapsed_ += 1.0;
  if (std::isnan(to_goal_) && m_.outcome() >= p.problem.goal) to_goal_ = month;
}

void RunState::advance(int to_week, const RunContext& ctx) {
  // One record at the first week of each month: month(w) = floor(12 w / 52) steps by at most
  // one per week, so months 1 .. 12*years are each recorded once.
  const int end = std::min(to_week, m_.ticks_total());
  while (m_.tick() < end) {
    if (ctx.stop_requested()) throw RunCancelled{};
    m_.step();
    const int w = m_.tick();
    const int month = (w * 12) / kWeeksPerYear;
    if (month != ((w - 1) * 12) / kWeeksPerYear) observe(static_cast<double>(month));
  }
}

void RunState::intervene(const Scenario& variant) {
  m_.intervene(variant.params, variant.events);
  scenario_ = variant;
}

RunResult RunState::finish(const RunContext& ctx) {
  advance(m_.ticks_total(), ctx);
  const Scenario& scenario = scenario_;
  RunResult r = std::move(rec_.result());  // the state is spent after finish()
  const RecordSchema& schema = *schema_;
  std::vector<double> trough, recovery;
  if (!schema.events.empty()) {
    // Trough of outcome growth after each scheduled event and the months to recover.
    trough.assign(schema.events.size(), kMissing);
    recovery.assign(schema.events.size(), kMissing);
    const auto events = scheduled_events(scenario);
    std::size_t outcome = 0;
    while (outcome < schema.series.size() && schema.series[outcome].name != "outcome") ++outcome;
    if (outcome == schema.series.size()) throw ModelError("the schema records no outcome");
    const auto& out = r.series[outcome];  // one value per month
    auto growth = [&](std::size_t mth) { return mth >= 3 ? out[mth] - out[mth - 3] : out[mth] - out[0]; };
    for (std::size_t j = 0; j < events.size() && j < trough.size(); ++j) {
      const auto at = static_cast<std::size_t>((events[j]->week * 12) / kWeeksPerYear);
      if (at >= out.size()) continue;
      const double before = growth(at);
      double low = 0.0;
      std::size_t low_at = at;
      for (std::size_t mth = at + 1; mth < out.size() && mth <= at + 36; ++mth)
        if (growth(mth) - before < low) low = growth(mth) - before, low_at = mth;
      trough[j] = low;
      recovery[j] = 0.0;
      if (low < 0.0) {
        recovery[j] = kMissing;
        for (std::size_t mth = low_at; mth < out.size(); ++mth)
          if (growth(mth) >= before) {
            recovery[j] = static_cast<double>(mth - at);
            break;
          }
      }
    }
  }
  // Per-run summaries in the schema's order, each found by its name.
  r.summaries.clear();
  for (const VariableSpec& v : schema.summaries) {
    if (v.name == "final_outcome") r.summaries.push_back({m_.outcome()});
    else if (v.name == "launched") r.summaries.push_back({launched_ ? 1.0 : 0.0});
    else if (v.name == "time_to_goal") r.summaries.push_back({to_goal_});
    else if (v.name == "months_collapsed") r.summaries.push_back({collapsed_});
    else if (v.name == "event_trough") r.summaries.push_back(trough);
    else if (v.name == "event_recovery") r.summaries.push_back(recovery);
    else throw ModelError("no rule for the summary '" + v.name + "'");
  }
  r.key = ctx.key;
  return r;
}

RunResult run(const Scenario& scenario, const RecordSchema& schema, const RunContext& ctx) {
  RunState state(scenario, schema, ctx.key.seed, ctx.exec);
  return state.finish(ctx);
}

std::vector<double> record_months(int horizon_years) {
  std::vector<double> m(static_cast<std::size_t>(12 * horizon_years + 1));
  std::iota(m.begin(), m.end(), 0.0);
  return m;
}

}  // namespace cimsim::model
