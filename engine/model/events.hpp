// The scenario's events: what happens to the initiative at a given week or at a hazard rate.
#pragma once

#include <cstdint>
#include <string>

namespace cimsim::model {

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

// Whether a fork (Model::intervene) may add an event of this type: not those that set up
// agents when a run starts (backbone_created: staff slots; stakeholders_join: dormant
// organisations). The scenario loader's check_fork reads it.
bool allowed_at_fork(Event::Type t);

}  // namespace cimsim::model
