// What the model records (probes, read-only) and the run loop that drives recording.
#include "engine/model/run.hpp"

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
      {{"outcome", "overall progress on the problem, need-weighted over pillars", "1", Axis::none},
       [](const Model& m, Out o) { o[0] = m.outcome(); }},
      {{"outcome_pillar", "progress on the problem per pillar", "1", Axis::pillar},
       [](const Model& m, Out o) {
         std::fill(o.begin(), o.end(), kMissing);
         std::copy(m.progress().begin(), m.progress().end(), o.begin());
       }},
      {{"engagement", "mean engagement of the agents of a sector", "1", Axis::sector},
       [](const Model& m, Out o) { per_sector_mean(m, o, false); }},
      {{"active_share", "share of the agents of a sector that are active", "1", Axis::sector},
       [](const Model& m, Out o) { per_sector_mean(m, o, true); }},
      {{"trust_mean", "mean trust over all ties", "1", Axis::none},
       [](const Model& m, Out o) {
         const auto& t = m.network().trust;
         double s = 0.0;
         for (float x : t) s += x;
         o[0] = t.empty() ? 0.0 : s / static_cast<double>(t.size());
       }},
      {{"trust_partners", "mean trust over ties between two organisations (partners)", "1", Axis::none},
       [](const Model& m, Out o) {
         const auto& v = m.network();
         double s = 0.0, n = 0.0;
         for (TieId e = 0; e < v.ties(); ++e)
           if (m.is_org(v.tie_a[e]) && m.is_org(v.tie_b[e])) s += v.trust[e], n += 1.0;
         o[0] = n > 0.0 ? s / n : 0.0;
       }},
      {{"ties", "number of ties in the collaboration network", "1", Axis::none},
       [](const Model& m, Out o) { o[0] = static_cast<double>(m.network().ties()); }},
      {{"partner_tie_share", "share of organisations' ties that link two partners directly, not through backbone staff",
        "1", Axis::none},
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
      {{"largest_component_share", "share of agents in the largest connected component", "1", Axis::none},
       [](const Model& m, Out o) {
         thread_local std::vector<std::uint32_t> scratch;
         thread_local std::vector<std::uint8_t> counted;  // present agents and staff in post
         counted.resize(m.agents());
         for (std::size_t i = 0; i < m.agents(); ++i)
           counted[i] = m.is_staff(i) ? m.staff_filled()[i - m.staff_begin()] : m.present()[i];
         o[0] = largest_component_share(m.network(), scratch, &counted);
       }},
      {{"agenda_alignment", "how closely active organisations' concerns match the common agenda (1 = identical)", "1",
        Axis::none},
       [](const Model& m, Out o) { o[0] = m.agenda_alignment(); }},
      {{"agenda_fit", "how closely the common agenda matches the problem's true needs (1 = identical)", "1",
        Axis::none},
       [](const Model& m, Out o) { o[0] = m.agenda_fit(); }},
      {{"backbone_staff", "staff members of the backbone in post", "1", Axis::none},
       [](const Model& m, Out o) { o[0] = m.backbone_staff(); }},
      {{"backbone_capacity", "backbone capacity: staff in post weighted by ramp-up, lead weight and role clarity", "1",
        Axis::none},
       [](const Model& m, Out o) { o[0] = m.backbone_capacity(); }},
      {{"ownership", "mean ownership of the agenda among active organisations", "1", Axis::none},
       [](const Model& m, Out o) {
         double s = 0.0, n = 0.0;
         for (std::size_t i = 0; i < m.agents(); ++i)
           if (m.is_org(i) && m.present()[i] && m.active()[i]) s += m.ownership()[i], n += 1.0;
         o[0] = n > 0.0 ? s / n : 0.0;
       }},
      {{"measurement_coverage", "coverage of the shared measurement system (how much is measured)", "1", Axis::none},
       [](const Model& m, Out o) { o[0] = m.coverage(); }},
      {{"measurement_learning", "learning use of measurement (how far data feed decisions)", "1", Axis::none},
       [](const Model& m, Out o) { o[0] = m.learning(); }},
      {{"funding", "budget of the backbone", "staff-years per year", Axis::none},
       [](const Model& m, Out o) { o[0] = m.budget(); }},
      {{"phase", "phase of the initiative: 1 initiating action, 2 organising for impact, 3 sustaining action and impact",
        "1", Axis::none},
       [](const Model& m, Out o) { o[0] = m.stage(); }},
      {{"recruited_invited", "organisations that became active within 8 weeks of a backbone invitation, cumulative", "1",
        Axis::none},
       [](const Model& m, Out o) { o[0] = m.recruited_invited(); }},
      {{"recruited_voluntary", "organisations that became active without a recent invitation, cumulative", "1",
        Axis::none},
       [](const Model& m, Out o) { o[0] = m.recruited_voluntary(); }},
  };
  return list;
}

RecordSchema make_schema(int pillar_width, int event_width) {
  RecordSchema s;
  for (const auto& p : probes()) s.series.push_back(p.spec);
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
