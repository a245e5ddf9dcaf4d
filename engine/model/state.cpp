// Derived quantities of the state (state.hpp).
#include "engine/model/state.hpp"

#include <algorithm>
#include <cmath>

namespace cimsim::model {

double State::outcome() const noexcept {
  double o = 0.0;
  for (std::size_t k = 0; k < need.size(); ++k) o += need[k] * progress[k];
  return o;
}

int State::backbone_staff() const noexcept {
  return static_cast<int>(std::count(filled.begin(), filled.end(), std::uint8_t{1}));
}

double State::org_active_share() const noexcept {
  double a = 0.0, n = 0.0;
  for_each_org([&](std::size_t i) {
    if (present[i]) {
      a += active[i];
      n += 1.0;
    }
  });
  return n > 0.0 ? a / n : 0.0;
}

double staff_capacity(const State& st, const Params& p, std::size_t slot) noexcept {
  if (!st.filled[slot]) return 0.0;
  const double ramp = p.backbone.ramp_up_weeks <= 0 ? 1.0 : std::min(1.0, static_cast<double>(st.tenure[slot]) / p.backbone.ramp_up_weeks);
  return ramp * (slot == 0 ? p.backbone.lead_weight : 1.0);
}

double backbone_capacity(const State& st, const Params& p) noexcept {
  if (!st.backbone_active) return 0.0;
  double c = 0.0;
  for (std::size_t s = 0; s < st.filled.size(); ++s) c += staff_capacity(st, p, s);
  return c * (0.5 + 0.5 * p.backbone.role_clarity);  // unclear roles waste capacity (000:L912)
}

// The member who holds the convening role (000:L668): the lead coordinator while in post;
// otherwise a specialist stands in, the one with the highest process skill.
int convener(const State& st) noexcept {
  if (!st.backbone_active || st.filled.empty()) return -1;
  if (st.filled[0]) return 0;
  int best = -1;
  for (std::size_t s = 1; s < st.filled.size(); ++s)
    if (st.filled[s] && (best < 0 || st.process_skill[s] > st.process_skill[static_cast<std::size_t>(best)]))
      best = static_cast<int>(s);
  return best;
}

// Probability that a due body meeting is held (000:L246, L252, L668): the convener's process
// skill x ramp-up x min(1, time / time needed), where the time is the convener's own share of
// aligned-activities capacity and the need is meeting_prep_weeks per meeting due per week.
double convening(const State& st, const Params& p) noexcept {
  const int h = convener(st);
  if (h < 0) return 0.0;
  const auto s = static_cast<std::size_t>(h);
  const double ramp = p.backbone.ramp_up_weeks <= 0 ? 1.0 : std::min(1.0, static_cast<double>(st.tenure[s]) / p.backbone.ramp_up_weeks);
  const double total = p.backbone.f_vision + p.backbone.f_activities + p.backbone.f_measurement + p.backbone.f_public_will + p.backbone.f_policy + p.backbone.f_funding;
  const double time = total > 0.0 ? staff_capacity(st, p, s) * (0.5 + 0.5 * p.backbone.role_clarity) * p.backbone.f_activities / total : 0.0;
  const double need = meeting_need(st, p);
  const double enough = need > 0.0 ? std::min(1.0, time / need) : 1.0;
  return st.process_skill[s] * ramp * enough;
}

double meeting_need(const State& st, const Params& p) noexcept {
  return p.backbone.meeting_prep_weeks * (static_cast<double>(st.K) / std::max(1, st.cadence_wg) +
                                          1.0 / std::max(1, st.cadence_steering));
}

double partner_convening(const State& st, const Params& p) noexcept {
  if (!p.partners.communication) return 0.0;
  const double need = meeting_need(st, p);
  return p.partners.process_skill * (need > 0.0 ? std::min(1.0, st.partner_capacity / need) : 1.0);
}

// Capacity the backbone spends on one of its six functions (000:L250).
double function_capacity(const State& st, const Params& p, double share) noexcept {
  const double total = p.backbone.f_vision + p.backbone.f_activities + p.backbone.f_measurement + p.backbone.f_public_will + p.backbone.f_policy + p.backbone.f_funding;
  return total > 0.0 ? backbone_capacity(st, p) * share / total : 0.0;
}

// The same for the domain functions (shared measurement, policy): each member's capacity
// counts with their domain skill.
double domain_capacity(const State& st, const Params& p, double share) noexcept {
  const double total = p.backbone.f_vision + p.backbone.f_activities + p.backbone.f_measurement + p.backbone.f_public_will + p.backbone.f_policy + p.backbone.f_funding;
  if (!st.backbone_active || total <= 0.0) return 0.0;
  double c = 0.0;
  for (std::size_t s = 0; s < st.filled.size(); ++s) c += staff_capacity(st, p, s) * st.domain_skill[s];
  return c * (0.5 + 0.5 * p.backbone.role_clarity) * share / total;
}

double budget(const State& st, const Params& p) noexcept {
  return p.funding.budget_staff_years * st.cut_factor * (p.funding.grant_share * st.grant_level + (1.0 - p.funding.grant_share) * st.funder_support);
}

double agenda_fit(const State& st, const Params& p) noexcept {
  if (!st.backbone_active && !p.partners.common_agenda) return 0.0;  // no common agenda process
  double d = 0.0;
  for (std::size_t k = 0; k < st.need.size(); ++k) d += std::fabs(st.agenda[k] - st.need[k]);
  return 1.0 - 0.5 * d;
}

// Stage of the initiative (000:L258-L266): 1 initiating action, 2 designing and organising
// for impact (active mass reached), 3 sustaining action and impact (with learning and alignment).
int initiative_stage(const State& st, const Params& p) noexcept {
  if (st.org_active_share() < p.summary.launch_share) return 1;
  if (st.measurement_active && st.coverage >= 0.5 && st.learning >= 0.3 && st.alignment >= 0.6) return 3;
  return 2;
}

}  // namespace cimsim::model
