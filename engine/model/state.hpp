// The model's state: the one place it is declared (structure of arrays; index = agent id).
// The submodels (submodels.hpp) read and write it; Model (model.hpp) owns one and exposes it
// read-only to the probes. Derived quantities that also need the parameters are free
// functions below.
#pragma once

#include "engine/network.hpp"
#include "engine/model/params.hpp"
#include "engine/model/participants.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace cimsim::model {

inline constexpr int kWeeksPerYear = 52;
inline constexpr std::uint8_t kStaffSector = kSectors;  // staff of the backbone

struct State {
  int tick = 0;
  int K = 0;  // pillars
  // Agent ids: organisations present at start [0, orgs_end), citizens [orgs_end, staff_begin),
  // backbone staff slots [staff_begin, staff_end), organisations that join later from staff_end.
  std::size_t orgs_end = 0, staff_begin = 0, staff_end = 0;

  // agents
  std::vector<std::uint8_t> sector, present, active, active_next, champion, lived, steering, pillar;
  std::vector<std::uint16_t> cluster;
  std::vector<double> engagement, engagement_next, urgency, base_urgency, influence, fatigue, fatigue_next;
  std::vector<double> ownership, capacity;
  std::vector<double> concern;  // [agent * K + pillar]
  std::vector<std::int32_t> invited_at;
  // What an agent's neighbours read of it in the engagement phase, packed so that a neighbour
  // costs one cache line, not three (engagement, champion, active); filled per tick.
  struct Signal {
    double engagement;
    std::uint32_t flags;  // bit 0: an active champion; bit 1: active; bits 16-31: cluster
  };
  std::vector<Signal> signal;
  // backbone staff slots (index = agent id - staff_begin)
  std::vector<std::uint8_t> filled;
  std::vector<int> tenure, vacancy_left;
  std::vector<double> process_skill, domain_skill;  // drawn when a member takes the post
  std::vector<std::pair<AgentId, float>> handover;  // scratch for succession
  bool backbone_active = false;
  // network
  Network net;
  // agenda, problem, measurement
  std::vector<double> agenda, need, progress, pipeline, effort;
  // Joint work of the working groups: its effort, pipeline, and the share J_k that proceeds
  // (the mean insight of the group's active organisations).
  std::vector<double> effort_joint, pipeline_joint, joint_realised;
  std::vector<double> insight;       // organisations' insight into the project and their role
  std::vector<double> availability;  // citizens: share of their drive their other obligations leave
  // Meetings held this week, and counts since the last monthly record.
  std::array<std::uint8_t, kMaxPillars> held_wg{};
  bool held_steering = false, update_sent = false;
  double month_wg = 0.0, month_steering = 0.0, month_updates = 0.0;
  double alignment = 0.0;
  // Capacity of the partners for each condition they run themselves (staff equivalents,
  // docs/model.md 2): partners.effort x the own effort of the active organisations, computed at
  // the start of phase 2 each tick; 0 while no partners.* condition is on.
  double partner_capacity = 0.0;
  bool measurement_active = false, learning_on = true;
  double coverage = 0.0, learning = 0.0;
  std::array<double, 4> reports{};  // observed outcome of the last four reports (ring)
  double visible = 0.0;
  // Per pillar: observed progress of the last four reports (ring) and what those working on it
  // see: max(small wins, achievement), 6.7.
  std::array<std::array<double, 4>, kMaxPillars> pillar_reports{};
  std::array<double, kMaxPillars> pillar_seen{};
  bool ceiling_active = false;
  // context
  double propensity_decline = 0.0;  // per year, from decline_from
  int decline_from = 0;
  bool forums = true;
  int cadence_wg = 0, cadence_steering = 0, cadence_plenary = 0, cadence_forum = 0, cadence_update = 0;
  bool driver_on = false;
  // funding
  double cut_factor = 1.0, grant_level = 1.0, funder_support = 1.0;
  // recruitment counters (cumulative)
  double joined_invited = 0.0, joined_voluntary = 0.0;
  // Recruitment processes (event `recruitment`, docs/model.md 6.1), in event order: the
  // event's candidates are the absent organisations [begin, end); they decide from `week` on.
  struct Recruitment {
    std::size_t begin = 0, end = 0;
    std::uint8_t sector = 0;
    int week = 0;
    double offer = 0.0, peer = 0.0;  // per year
  };
  std::vector<Recruitment> recruitment;
  // The kick-off of week `kick_off_week` (event `kick_off`, 6.1), read by that week's engagement
  // phase: per agent 0 (not there), 1 (came), 2 (came and signed up: counts as asked).
  int kick_off_week = -1;
  std::vector<std::uint8_t> kick_off;
  std::vector<std::uint32_t> id_scratch;  // reused lists of agent ids (invitations, elections)

  std::size_t agents() const noexcept { return sector.size(); }
  bool is_staff(std::size_t a) const noexcept { return a >= staff_begin && a < staff_end; }
  bool is_org(std::size_t a) const noexcept { return sector[a] < Sector::citizen; }
  // Calls f(i) for every organisation id in ascending order, present or not: the ids before
  // the citizens and the joiners after the staff slots (no scan over citizens).
  template <class F>
  void for_each_org(F&& f) const {
    for (std::size_t i = 0; i < orgs_end; ++i) f(i);
    for (std::size_t i = staff_end; i < agents(); ++i) f(i);
  }
  double outcome() const noexcept;
  int backbone_staff() const noexcept;
  double org_active_share() const noexcept;

  // Participants' choices (participants.hpp; `cimsim workshop` only), read by the engagement and
  // activities submodels; empty without participants.
  Overrides overrides;
};

// Derived quantities (state.cpp).
double staff_capacity(const State& st, const Params& p, std::size_t slot) noexcept;
double backbone_capacity(const State& st, const Params& p) noexcept;
// Slot holding the convening role: the lead (slot 0) when in post, else the member in post
// with the highest process skill (lowest slot among equals); -1 if none or no active backbone.
int convener(const State& st) noexcept;
// Probability that a due meeting of a body (working group, steering group) is held this
// week: the convener's process skill x ramp-up x min(1, own activities time / time needed).
double convening(const State& st, const Params& p) noexcept;
// Staff-weeks per week the meetings due need (meeting_prep_weeks x (K / c_wg + 1 / c_steer)).
double meeting_need(const State& st, const Params& p) noexcept;
// Probability that a due meeting is held when the partners convene it themselves
// (partners.communication): partners.process_skill x min(1, partner capacity / meeting_need).
double partner_convening(const State& st, const Params& p) noexcept;
// Capacity the backbone spends on one of its six functions.
double function_capacity(const State& st, const Params& p, double share) noexcept;
// The same for a domain function (shared measurement, policy): each member's capacity counts
// with their domain skill.
double domain_capacity(const State& st, const Params& p, double share) noexcept;
// Inline: contact calls it per tie (with communication.cadence_relax as `relax`).
inline double cadence_probability(double relax, int cadence_weeks, float trust) noexcept {
  const double c = cadence_weeks * (1.0 + relax * trust);  // 000:L867
  return c <= 1.0 ? 1.0 : 1.0 / c;
}
inline double cadence_probability(const Params& p, int cadence_weeks, float trust) noexcept {
  return cadence_probability(p.communication.cadence_relax, cadence_weeks, trust);
}
double budget(const State& st, const Params& p) noexcept;
double agenda_fit(const State& st, const Params& p) noexcept;
// Stage of the initiative: 1 initiating action, 2 designing and organising, 3 sustaining.
int initiative_stage(const State& st, const Params& p) noexcept;

}  // namespace cimsim::model
