// The collective impact model: organisations of five sectors and individual citizens in one
// collaboration network, an optional backbone organisation with individual staff, the three
// preconditions (urgency, champions, resources), the five conditions (common agenda, shared
// measurement, mutually reinforcing activities, continuous communication, backbone), trust on
// ties, engagement with hysteresis, recruitment, funding, and a multi-pillar problem.
// docs/model.md describes it exactly; keep the two in step.
#pragma once

#include "engine/ensemble.hpp"
#include "engine/executor.hpp"
#include "engine/network.hpp"
#include "engine/observer.hpp"
#include "engine/schedule.hpp"
#include "engine/model/params.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cimsim::model {

// Random stream purposes. Building and dynamics use separate purposes, so a scenario that
// changes only the dynamics builds the same population as its baseline.
namespace purpose {
inline constexpr std::uint32_t build_population = 16;
inline constexpr std::uint32_t build_network = 17;
inline constexpr std::uint32_t contact = 32;
inline constexpr std::uint32_t engagement = 33;
inline constexpr std::uint32_t staff = 34;
inline constexpr std::uint32_t brokerage = 35;
inline constexpr std::uint32_t hiring = 36;
inline constexpr std::uint32_t event = 37;
inline constexpr std::uint32_t measurement = 38;
inline constexpr std::uint32_t invitation = 39;
inline constexpr std::uint32_t hazard = 40;
inline constexpr std::uint32_t succession = 41;
}  // namespace purpose

struct Event {
  enum class Type : std::uint8_t {
    staff_turnover,
    champion_departure,
    citizen_engagement_decline,
    funding_cut,
    grant_end,
    election,
    crisis,
    external_driver,
    backbone_created,
    measurement_launch,
    forums_stopped,
    meeting_cadence,
    stakeholders_join,
    ceiling_lifted,
    vacancies_filled,
  };
  enum class Body : std::uint8_t { working_groups, steering, plenary, forums, updates };
  Type type = Type::staff_turnover;
  int week = 0;                // tick at which it applies (>= 1); 0 when driven by a hazard
  double rate_per_year = 0.0;  // hazard: applies in a week with probability 1 - exp(-rate/52)
  double fraction = 0.0;       // staff_turnover: each member leaves with this probability;
                               // funding_cut: share of the budget cut
  bool lead_only = false;      // staff_turnover: only the lead coordinator leaves
  bool successor = false;      // staff_turnover: a successor starts at once (with overlap)
  int overlap_weeks = 0;       // staff_turnover with successor: weeks of handover
  int vacancy_weeks = -1;      // staff_turnover without successor: -1 = backbone.vacancy_weeks
  double rate = 0.0;           // citizen_engagement_decline: relative decline per year
  double size = 0.0;           // crisis: urgency shock
  bool on = true;              // external_driver: on/off; measurement_launch: learning use
  Body body = Body::working_groups;  // meeting_cadence
  int weeks = 0;                     // meeting_cadence: new cadence
  std::uint8_t sector = 0;           // stakeholders_join
  int count = 0;                     // stakeholders_join
  std::string origin;  // where it was defined ("file:line"), for messages only
  std::string label;   // short text for outputs, e.g. "staff_turnover at week 156"
};

const char* event_type_name(Event::Type t);

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

inline constexpr int kWeeksPerYear = 52;
inline constexpr std::uint8_t kStaffSector = kSectors;  // staff of the backbone

class Model {
 public:
  Model(const Scenario& scenario, std::uint64_t seed, const Executor& exec);

  void step();  // one tick (one week)
  // The same tick, calling after(phase index, seconds) after each phase (wall time; for
  // profiling: bench/ reports where a tick's time goes).
  void step_timed(const std::function<void(std::size_t, double)>& after);
  int tick() const noexcept { return tick_; }
  int ticks_total() const noexcept { return params_.horizon_years * kWeeksPerYear; }
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

  // --- state read by probes (structure of arrays; index = agent id)
  std::size_t agents() const noexcept { return sector_.size(); }
  std::size_t staff_begin() const noexcept { return staff_begin_; }
  std::size_t staff_end() const noexcept { return staff_end_; }
  bool is_staff(std::size_t a) const noexcept { return a >= staff_begin_ && a < staff_end_; }
  bool is_org(std::size_t a) const noexcept { return sector_[a] < Sector::citizen; }
  const std::vector<std::uint8_t>& sector() const noexcept { return sector_; }
  const std::vector<std::uint8_t>& present() const noexcept { return present_; }
  const std::vector<double>& engagement() const noexcept { return engagement_; }
  const std::vector<std::uint8_t>& active() const noexcept { return active_; }
  const std::vector<double>& ownership() const noexcept { return ownership_; }
  const std::vector<std::uint8_t>& staff_filled() const noexcept { return filled_; }
  const std::vector<double>& progress() const noexcept { return progress_; }
  const std::vector<double>& need() const noexcept { return need_; }
  const std::vector<double>& agenda() const noexcept { return agenda_; }
  const NetworkView& network() const noexcept { return net_.view(); }
  double outcome() const noexcept;
  double backbone_capacity() const noexcept;
  double convening() const noexcept;  // how fully the backbone convenes bodies, in [0, 1]
  double partner_convening() const noexcept;  // convening kept up by a standing update, in [0, 1]
  int backbone_staff() const noexcept;
  bool backbone_active() const noexcept { return backbone_active_; }
  double agenda_alignment() const noexcept { return alignment_; }
  double agenda_fit() const noexcept;
  double org_active_share() const noexcept;
  double coverage() const noexcept { return coverage_; }
  double learning() const noexcept { return learning_; }
  double budget() const noexcept;
  int phase() const noexcept;
  double recruited_invited() const noexcept { return joined_invited_; }
  double recruited_voluntary() const noexcept { return joined_voluntary_; }
  double visible_progress() const noexcept { return visible_; }

 private:
  void build_population(std::uint64_t seed, std::size_t dormant);
  void build_network(std::uint64_t seed);
  void hire(std::size_t slot, std::uint32_t stream_tick);
  void staff_leave(std::size_t slot, bool successor, int overlap_weeks, int vacancy_weeks);
  void apply_event(const Event& e);
  void election();
  double function_capacity(double share) const noexcept;

  void phase_events();
  void phase_contact();
  void phase_ties();
  void phase_agenda();
  void phase_activities();
  void phase_problem();
  void phase_measurement();
  void phase_engagement();
  void phase_backbone();
  void phase_funding();

  double staff_capacity(std::size_t slot) const noexcept;
  // Calls f(i) for every organisation id in ascending order, present or not: the ids before
  // the citizens and the joiners after the staff slots (no scan over citizens).
  template <class F>
  void for_each_org(F&& f) const {
    const std::size_t orgs_end = staff_begin_ - static_cast<std::size_t>(params_.n_citizens);
    for (std::size_t i = 0; i < orgs_end; ++i) f(i);
    for (std::size_t i = staff_end_; i < agents(); ++i) f(i);
  }
  double cadence_probability(int cadence_weeks, float trust) const noexcept;

  const Executor& exec_;
  Params params_;
  std::vector<Event> events_;
  std::uint64_t seed_;
  int tick_ = 0;
  int K_;
  std::size_t staff_begin_ = 0, staff_end_ = 0;

  // agents
  std::vector<std::uint8_t> sector_, present_, active_, active_next_, champion_, lived_, steering_, pillar_;
  std::vector<std::uint16_t> cluster_;
  std::vector<double> engagement_, engagement_next_, urgency_, base_urgency_, influence_, fatigue_, fatigue_next_;
  std::vector<double> ownership_, capacity_;
  std::vector<double> concern_;  // [agent * K + pillar]
  std::vector<std::int32_t> invited_at_;
  // What an agent's neighbours read of it in the engagement phase, packed so that a neighbour
  // costs one cache line, not three (engagement, champion, active); filled per tick.
  struct Signal {
    double engagement;
    std::uint32_t active_champion;
  };
  std::vector<Signal> signal_;
  // backbone staff slots (index = agent id - staff_begin_)
  std::vector<std::uint8_t> filled_;
  std::vector<int> tenure_, vacancy_left_;
  std::vector<std::pair<AgentId, float>> handover_;  // scratch for succession
  bool backbone_active_ = false;
  // network
  Network net_;
  Intents<TieIntent> tie_intents_;
  // agenda, problem, measurement
  std::vector<double> agenda_, need_, progress_, pipeline_, effort_;
  std::vector<double> partial_;  // per chunk: [sector][pillar] effort, then 2 join counters
  double alignment_ = 0.0;
  bool measurement_active_ = false, learning_on_ = true;
  double coverage_ = 0.0, learning_ = 0.0;
  std::array<double, 4> reports_{};  // observed outcome of the last four reports (ring)
  double visible_ = 0.0;
  bool ceiling_active_ = false;
  // context
  double propensity_decline_ = 0.0;  // per year, from decline_from_
  int decline_from_ = 0;
  bool forums_ = true;
  int cadence_wg_, cadence_steering_, cadence_plenary_, cadence_forum_, cadence_update_;
  bool driver_on_ = false;
  // funding
  double cut_factor_ = 1.0, grant_level_ = 1.0, funder_support_ = 1.0;
  // recruitment counters (cumulative)
  double joined_invited_ = 0.0, joined_voluntary_ = 0.0;
  std::vector<std::uint32_t> id_scratch_;  // reused lists of agent ids (invitations, elections)
};

// Everything a model records, for a pillar axis `pillar_width` wide and an event axis
// `event_width` wide (the largest counts of the scenarios written to one file).
RecordSchema make_schema(int pillar_width, int event_width = 0);

// The probes behind the series of make_schema(), in its order (one monthly record reads each once).
const std::vector<Probe<Model>>& probes();

// One run in progress: the model, its recorder and the state of the per-run summaries.
// Copyable between ticks: a copy is a snapshot from which runs continue (fork at an
// intervention). With counter-based random streams the state holds no generator state
// beyond the tick, so a copy continued unchanged equals the straight run bit for bit.
class RunState {
 public:
  RunState(const Scenario& scenario, const RecordSchema& schema, std::uint64_t seed, const Executor& exec);
  int week() const noexcept { return m_.tick(); }
  // Steps to the end of week `to_week` (at most the horizon), recording at month starts.
  // Throws RunCancelled when ctx asks to stop.
  void advance(int to_week, const RunContext& ctx);
  // Continue as `variant` from here (Model::intervene; troughs use the variant's events).
  void intervene(const Scenario& variant);
  // Runs to the horizon and returns the recorded series and summaries; call once.
  RunResult finish(const RunContext& ctx);
  const Model& model() const noexcept { return m_; }

 private:
  void observe(double month);
  Scenario scenario_;
  const RecordSchema* schema_;
  Model m_;
  Recorder<Model> rec_;
  bool launched_ = false;
  double collapsed_ = 0.0, to_goal_ = kMissing;
};

// Runs one scenario to its horizon and returns the recorded series and summaries.
RunResult run(const Scenario& scenario, const RecordSchema& schema, const RunContext& ctx);

// Months since start recorded for a scenario of the given horizon (0, 1, ..., 12*years).
std::vector<double> record_months(int horizon_years);

// Scheduled (fixed-time) events of a scenario, whose troughs are summarised.
std::vector<const Event*> scheduled_events(const Scenario& s);

}  // namespace cimsim::model
