// The model: its state (state.hpp), one tick as the submodels in order (submodels.hpp,
// one file each), and the read-only view the probes use.
#include "model.hpp"

#include "engine/model/submodels.hpp"

#include <chrono>

namespace cimsim::model {

// The schedule of one tick: the single source of both the order in which step() runs the
// submodels and the list `cimsim describe` prints.
const Schedule<Model>& Model::schedule() {
  static const Schedule<Model> schedule = [] {
    Schedule<Model> s;
    s.add("events", "apply the scenario's events scheduled for this week, and those drawn from hazards",
          [](Model& m) { submodels::events(m.st_, m.context()); });
    s.add("contact", "bodies meet at their cadence, citizens meet informally and in forums: trust grows with contact, decays without; "
          "in the same pass, weak ties are marked to dissolve and backbone staff broker new ties between partners (intents)",
          [](Model& m) { submodels::contact(m.st_, m.context()); });
    s.add("ties", "the intents of the contact phase are committed in agent order",
          [](Model& m) { submodels::ties(m.st_, m.context()); });
    s.add("agenda", "common agenda from members' voice, lived experience and learning; vision work; ownership",
          [](Model& m) { submodels::agenda(m.st_, m.context()); });
    s.add("activities", "active agents spend effort across pillars; coordination and cross-sector complementarity multiply it",
          [](Model& m) { submodels::activities(m.st_, m.context()); });
    s.add("problem", "delayed effort moves progress per pillar, with saturation, drift and any policy ceiling",
          [](Model& m) { submodels::problem(m.st_, m.context()); });
    s.add("measurement", "coverage and learning use grow with backbone investment; progress is observed with noise at the reporting cadence",
          [](Model& m) { submodels::measurement(m.st_, m.context()); });
    s.add("engagement", "engagement follows urgency, observed progress, trusted ties, outreach, ownership and invitations; hysteresis",
          [](Model& m) { submodels::engagement(m.st_, m.context()); });
    s.add("backbone", "invitations to high-leverage organisations; staff ramp up, leave, are replaced within the budget",
          [](Model& m) { submodels::backbone(m.st_, m.context()); });
    s.add("funding", "grants and funders' support set the budget; funders respond to observed progress",
          [](Model& m) { submodels::funding(m.st_, m.context()); });
    return s;
  }();
  return schedule;
}

const std::vector<PhaseInfo>& Model::phase_info() {
  static const std::vector<PhaseInfo> info = [] {
    std::vector<PhaseInfo> v;
    for (const auto& p : schedule().phases()) v.push_back({p.name, p.summary});
    return v;
  }();
  return info;
}

std::vector<const Event*> scheduled_events(const Scenario& s) {
  std::vector<const Event*> out;
  for (const Event& e : s.events)
    if (e.week > 0) out.push_back(&e);
  return out;
}

StepContext Model::context() {
  return StepContext{params_, events_, seed_, exec_, tie_intents_, reduce_buffer_};
}

Model::Model(const Scenario& scenario, std::uint64_t seed, const Executor& exec)
    : exec_(exec), params_(scenario.params), events_(scenario.events), seed_(seed) {
  st_.K = scenario.params.population.pillars;
  std::size_t dormant = 0;
  for (const Event& e : events_)
    if (const auto* join = e.as<ev::StakeholdersJoin>()) dormant += static_cast<std::size_t>(join->count);
    else if (const auto* r = e.as<ev::Recruitment>()) dormant += static_cast<std::size_t>(r->count);
  st_.cadence_wg = params_.communication.meeting_cadence_weeks;
  st_.cadence_steering = params_.communication.steering_cadence_weeks;
  st_.cadence_plenary = params_.communication.plenary_cadence_weeks;
  st_.cadence_forum = params_.communication.forum_cadence_weeks;
  st_.cadence_update = params_.communication.update_cadence_weeks;
  st_.forums = params_.communication.citizen_forums;
  st_.driver_on = params_.preconditions.external_driver;
  st_.measurement_active = params_.measurement.enabled;
  st_.ceiling_active = params_.problem.ceiling_pillars > 0;
  st_.backbone_active = params_.backbone.enabled;
  const StepContext ctx = context();
  submodels::build_population(st_, ctx, dormant);
  submodels::build_network(st_, ctx);
}

void Model::intervene(const Params& p, const std::vector<Event>& events) {
  const Params old = params_;
  params_ = p;
  events_ = events;
  auto follow = [](auto& state, auto now, auto before) {
    if (now != before) state = now;
  };
  follow(st_.cadence_wg, p.communication.meeting_cadence_weeks, old.communication.meeting_cadence_weeks);
  follow(st_.cadence_steering, p.communication.steering_cadence_weeks, old.communication.steering_cadence_weeks);
  follow(st_.cadence_plenary, p.communication.plenary_cadence_weeks, old.communication.plenary_cadence_weeks);
  follow(st_.cadence_forum, p.communication.forum_cadence_weeks, old.communication.forum_cadence_weeks);
  follow(st_.cadence_update, p.communication.update_cadence_weeks, old.communication.update_cadence_weeks);
  follow(st_.forums, p.communication.citizen_forums, old.communication.citizen_forums);
  follow(st_.driver_on, p.preconditions.external_driver, old.preconditions.external_driver);
  follow(st_.measurement_active, p.measurement.enabled, old.measurement.enabled);
  follow(st_.ceiling_active, p.problem.ceiling_pillars > 0, old.problem.ceiling_pillars > 0);
}

namespace {
// Whether a monthly record is taken after tick w (tick 0: the record before the first tick):
// floor(12 w / 52) increases at w.
bool recorded_after(int w) { return w == 0 || (12 * w) / kWeeksPerYear > (12 * (w - 1)) / kWeeksPerYear; }
// Meetings and updates are counted per recorded month: the counts restart after a record.
void new_tick(State& st) {
  ++st.tick;
  if (recorded_after(st.tick - 1)) st.month_wg = st.month_steering = st.month_updates = 0.0;
}
}  // namespace

void Model::step() {
  new_tick(st_);
  schedule().run_tick(*this);
}

void Model::step_timed(const std::function<void(std::size_t, double)>& after) {
  new_tick(st_);
  const auto& phases = schedule().phases();
  for (std::size_t k = 0; k < phases.size(); ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    phases[k].run(*this);
    after(k, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
}

}  // namespace cimsim::model
