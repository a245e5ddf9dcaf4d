// The collective impact model: organisations of five sectors and individual citizens in one
// collaboration network, an optional backbone organisation with individual staff, the three
// preconditions (urgency, champions, resources), the five conditions (common agenda, shared
// measurement, mutually reinforcing activities, continuous communication, backbone), trust on
// ties, engagement with hysteresis, recruitment, funding, and a multi-pillar problem.
// docs/model.md describes it exactly; keep the two in step.
#pragma once

#include "engine/executor.hpp"
#include "engine/network.hpp"
#include "engine/observer.hpp"
#include "engine/schedule.hpp"
#include "engine/model/events.hpp"
#include "engine/model/params.hpp"
#include "engine/model/state.hpp"
#include "engine/model/step_context.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cimsim::model {

// The frozen input of a run.
struct Scenario {
  std::string name;
  std::string description;
  Params params;
  std::vector<Event> events;
  // For messages only: the file that defines the scenario, and where each parameter the
  // files or --set changed was set ("file:line" or "--set").
  std::string source;
  std::map<std::string, std::string> origins;
};

class Model {
 public:
  Model(const Scenario& scenario, std::uint64_t seed, const Executor& exec);

  void step();  // one tick (one week)
  // The same tick, calling after(phase index, seconds) after each phase (wall time; for
  // profiling: bench/ reports where a tick's time goes).
  void step_timed(const std::function<void(std::size_t, double)>& after);
  int tick() const noexcept { return st_.tick; }
  int ticks_total() const noexcept { return params_.run.horizon_years * kWeeksPerYear; }
  const Params& params() const noexcept { return params_; }
  static const std::vector<PhaseInfo>& phase_info();
  static const Schedule<Model>& schedule();

  // Fork at an intervention (between ticks): from now on the model follows `params` and
  // `events`. Parameters that only set the population or the initial state (population.*,
  // network.*, run.*, initial urgency and champions, backbone slots) must not differ; the
  // scenario loader checks that (scenarios::check_fork). Flags and cadences that the
  // parameters initialise (meeting cadences, forums, external driver, measurement, ceiling)
  // take the new value where it differs from the old one; otherwise the current state (as
  // events left it) stays. `events` must begin with the events given so far, so that hazard
  // streams (keyed by event index) continue unchanged.
  void intervene(const Params& params, const std::vector<Event>& events);

  // Participants' choices (participants.hpp), between ticks: they replace the chosen
  // organisations' rules until the next call; an empty list restores the rules.
  void apply_choices(const std::vector<Choice>& choices);

  // --- state read by probes (structure of arrays; index = agent id)
  const State& state() const noexcept { return st_; }
  std::size_t agents() const noexcept { return st_.agents(); }
  std::size_t staff_begin() const noexcept { return st_.staff_begin; }
  std::size_t staff_end() const noexcept { return st_.staff_end; }
  bool is_staff(std::size_t a) const noexcept { return st_.is_staff(a); }
  bool is_org(std::size_t a) const noexcept { return st_.is_org(a); }
  const std::vector<std::uint8_t>& sector() const noexcept { return st_.sector; }
  const std::vector<std::uint8_t>& present() const noexcept { return st_.present; }
  const std::vector<double>& engagement() const noexcept { return st_.engagement; }
  const std::vector<std::uint8_t>& active() const noexcept { return st_.active; }
  const std::vector<double>& ownership() const noexcept { return st_.ownership; }
  const std::vector<std::uint8_t>& staff_filled() const noexcept { return st_.filled; }
  const std::vector<double>& progress() const noexcept { return st_.progress; }
  const std::vector<double>& need() const noexcept { return st_.need; }
  const std::vector<double>& agenda() const noexcept { return st_.agenda; }
  const NetworkView& network() const noexcept { return st_.net.view(); }
  double outcome() const noexcept { return st_.outcome(); }
  double backbone_capacity() const noexcept { return model::backbone_capacity(st_, params_); }
  double convening() const noexcept { return model::convening(st_, params_); }  // in [0, 1]
  int convener() const noexcept { return model::convener(st_); }
  const std::vector<double>& insight() const noexcept { return st_.insight; }
  // Meetings held and partner updates sent since the last monthly record.
  double meetings_working_groups() const noexcept { return st_.month_wg; }
  double meetings_steering() const noexcept { return st_.month_steering; }
  double partner_updates() const noexcept { return st_.month_updates; }
  int backbone_staff() const noexcept { return st_.backbone_staff(); }
  bool backbone_active() const noexcept { return st_.backbone_active; }
  double agenda_alignment() const noexcept { return st_.alignment; }
  double agenda_fit() const noexcept { return model::agenda_fit(st_, params_); }
  double org_active_share() const noexcept { return st_.org_active_share(); }
  double coverage() const noexcept { return st_.coverage; }
  double learning() const noexcept { return st_.learning; }
  double budget() const noexcept { return model::budget(st_, params_); }
  int stage() const noexcept { return initiative_stage(st_, params_); }
  double recruited_invited() const noexcept { return st_.joined_invited; }
  double recruited_voluntary() const noexcept { return st_.joined_voluntary; }
  double visible_progress() const noexcept { return st_.visible; }

 private:
  StepContext context();

  const Executor& exec_;
  Params params_;
  std::vector<Event> events_;
  std::uint64_t seed_;
  State st_;
  Intents<TieIntent> tie_intents_;     // issued by contact, committed by ties
  std::vector<double> reduce_buffer_;  // per-chunk partials of StepContext::reduce
};

// Everything a model records, for a pillar axis `pillar_width` wide and an event axis
// `event_width` wide (the largest counts of the scenarios written to one file).
RecordSchema make_schema(int pillar_width, int event_width = 0);

// The probes behind the series of make_schema(), in its order (one monthly record reads each once).
const std::vector<Probe<Model>>& probes();

// Scheduled (fixed-time) events of a scenario, whose troughs are summarised.
std::vector<const Event*> scheduled_events(const Scenario& s);

}  // namespace cimsim::model
