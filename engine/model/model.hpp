// The collective impact model (foundation version): organisations of five sectors and
// individual citizens in one collaboration network, an optional backbone organisation with
// individual staff, engagement with hysteresis, trust on ties, a common agenda, effort
// turned into progress on a multi-pillar problem. docs/model.md describes it exactly.
#pragma once

#include "engine/ensemble.hpp"
#include "engine/executor.hpp"
#include "engine/network.hpp"
#include "engine/observer.hpp"
#include "engine/schedule.hpp"
#include "engine/model/params.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cimsim::model {

// Random stream purposes of the model. Building and dynamics use separate purposes, so a
// scenario that changes only the dynamics builds the same population as its baseline.
namespace purpose {
inline constexpr std::uint32_t build_population = 16;
inline constexpr std::uint32_t build_network = 17;
inline constexpr std::uint32_t contact = 32;
inline constexpr std::uint32_t engagement = 33;
inline constexpr std::uint32_t staff = 34;
inline constexpr std::uint32_t brokerage = 35;
inline constexpr std::uint32_t hiring = 36;
inline constexpr std::uint32_t event = 37;
}  // namespace purpose

struct Event {
  enum class Type : std::uint8_t { staff_turnover };
  Type type = Type::staff_turnover;
  int week = 0;           // tick at which it applies (>= 1)
  double fraction = 0.0;  // staff_turnover: probability that each staff member leaves
  std::string origin;     // where it was defined ("file:line"), for messages only
};

// The frozen input of a run.
struct Scenario {
  std::string name;
  std::string description;
  Params params;
  std::vector<Event> events;
};

inline constexpr int kWeeksPerYear = 52;
inline constexpr std::uint8_t kStaffSector = kSectors;  // staff of the backbone

class Model;
struct TickContext {
  Model& model;
};

class Model {
 public:
  Model(const Scenario& scenario, std::uint64_t seed, const Executor& exec);

  void step();  // one tick (one week)
  int tick() const noexcept { return tick_; }
  int ticks_total() const noexcept { return params_.horizon_years * kWeeksPerYear; }
  const Params& params() const noexcept { return params_; }
  static const std::vector<PhaseInfo>& phase_info();

  // --- state read by probes (structure of arrays; index = agent id)
  std::size_t agents() const noexcept { return sector_.size(); }
  std::size_t organisations() const noexcept { return n_org_; }
  std::size_t citizens_begin() const noexcept { return n_org_; }
  std::size_t staff_begin() const noexcept { return staff_begin_; }
  const std::vector<std::uint8_t>& sector() const noexcept { return sector_; }
  const std::vector<double>& engagement() const noexcept { return engagement_; }
  const std::vector<std::uint8_t>& active() const noexcept { return active_; }
  const std::vector<std::uint8_t>& staff_filled() const noexcept { return filled_; }
  const std::vector<double>& progress() const noexcept { return progress_; }
  const std::vector<double>& need() const noexcept { return need_; }
  const std::vector<double>& agenda() const noexcept { return agenda_; }
  const NetworkView& network() const noexcept { return net_.view(); }
  double outcome() const noexcept;
  double backbone_capacity() const noexcept;
  int backbone_staff() const noexcept;
  double agenda_alignment() const noexcept { return alignment_; }
  double agenda_fit() const noexcept;
  double org_active_share() const noexcept;

 private:
  void build_population(std::uint64_t seed);
  void build_network(std::uint64_t seed);
  void hire(std::size_t slot, std::uint32_t stream_tick);
  void staff_leave(std::size_t slot);

  void phase_events();
  void phase_contact();
  void phase_ties();
  void phase_agenda();
  void phase_activities();
  void phase_problem();
  void phase_engagement();
  void phase_backbone();

  double staff_capacity(std::size_t slot) const noexcept;
  bool is_staff(AgentId a) const noexcept { return a >= staff_begin_; }

  const Executor& exec_;
  Params params_;
  std::vector<Event> events_;
  std::uint64_t seed_;
  int tick_ = 0;
  int K_;
  std::size_t n_org_ = 0, staff_begin_ = 0;

  // agents
  std::vector<std::uint8_t> sector_, active_, active_next_, champion_;
  std::vector<double> engagement_, engagement_next_, urgency_, influence_, fatigue_, fatigue_next_;
  std::vector<double> concern_, concern_next_;  // [agent * K + pillar]
  std::vector<double> capacity_;                // effort per week at full engagement
  // backbone staff slots (index = agent id - staff_begin_)
  std::vector<std::uint8_t> filled_;
  std::vector<int> tenure_, vacancy_left_;
  // network
  Network net_;
  Intents<TieIntent> tie_intents_;
  // agenda and problem
  std::vector<double> agenda_, need_, progress_, pipeline_, effort_;
  std::vector<double> effort_partial_;  // [chunk * K + pillar]
  std::vector<double> outcome_history_; // ring buffer of weekly outcome, kVisibleWindow long
  double alignment_ = 0.0;
  double visible_progress_ = 0.0;
};

// Everything a model records, for a pillar axis `pillar_width` wide (the largest pillar
// count of the scenarios written to one file).
RecordSchema make_schema(int pillar_width);

// Runs one scenario to its horizon and returns the recorded series and summaries.
RunResult run(const Scenario& scenario, const RecordSchema& schema, const RunContext& ctx);

// Months since start recorded for a scenario of the given horizon (0, 1, ..., 12*years).
std::vector<double> record_months(int horizon_years);

}  // namespace cimsim::model
