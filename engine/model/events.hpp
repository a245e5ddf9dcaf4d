// The scenario's events: what happens to the initiative at a given week or at a hazard rate.
//
// Each event type is one struct in namespace `ev`: its fields are the TOML keys of its
// [[events]] table (same names), `info` names the type and says whether a fork may add it,
// `fields()` is its spec table (key, kind, range, default, whether required, description)
// and an optional `check()` states rules across fields. The scenario loader parses and writes
// events from these tables, check_fork reads `info.at_fork`, and the model applies them
// through one `apply` overload per type (events.cpp). Adding an event type: the struct here,
// its entry in `ev::What`, and its `apply` (docs/design/0002-extending-the-model.md).
#pragma once

#include "engine/model/params.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace cimsim::model {

namespace ev {

// The value kinds a field can have; the kind follows from the member's type: double ->
// number, int -> integer, bool -> boolean, an enumeration -> choice (a string naming the value).
enum class Kind : std::uint8_t { number, integer, boolean, choice };

// optional: the struct's default applies when the key is absent; written back always.
// required: the key must be given. if_given: optional, and the default means "not given"
// (it may lie outside the range): written back only when it differs from the default.
enum class Presence : std::uint8_t { optional, required, if_given };

// One field of event type E. The default is the member's default in E.
template <class E>
struct Field {
  const char* key;  // the TOML key, equal to the member's name
  Kind kind;
  double min = 0.0, max = 0.0;  // number and integer: the accepted range
  Presence presence = Presence::optional;
  // choice: the names of the values 0, 1, ... in order; "" for a value no file can name
  // (the default when the key is absent).
  const std::vector<std::string>& (*choices)() = nullptr;
  const char* description = "";
  double (*get)(const E&) = nullptr;  // the member as a number (choice: the value's index)
  void (*set)(E&, double) = nullptr;
  // number and integer, optional: the minimum given the fields before this one (else `min`).
  double (*min_given)(const E&) = nullptr;
};

template <auto M>
struct member_of;
template <class C, class T, T C::*M>
struct member_of<M> {
  using type_of = C;
  using value = T;
};

template <auto M>
double get_member(const typename member_of<M>::type_of& e) {
  using T = typename member_of<M>::value;
  if constexpr (std::is_enum_v<T>) return static_cast<double>(static_cast<std::underlying_type_t<T>>(e.*M));
  else return static_cast<double>(e.*M);
}
template <auto M>
void set_member(typename member_of<M>::type_of& e, double v) {
  using T = typename member_of<M>::value;
  if constexpr (std::is_enum_v<T>) e.*M = static_cast<T>(static_cast<std::underlying_type_t<T>>(v));
  else if constexpr (std::is_same_v<T, bool>) e.*M = v != 0.0;
  else e.*M = static_cast<T>(v);
}

// A number or integer field: field<&E::member>("member", min, max, presence, "what it means").
// `min_given`, if any: the minimum given the fields before this one.
template <auto M>
constexpr Field<typename member_of<M>::type_of> field(
    const char* key, double min, double max, Presence presence, const char* description,
    double (*min_given)(const typename member_of<M>::type_of&) = nullptr) {
  using T = typename member_of<M>::value;
  static_assert(std::is_same_v<T, double> || std::is_same_v<T, int>, "field(): a double or int member");
  const Kind kind = std::is_same_v<T, double> ? Kind::number : Kind::integer;
  return {key, kind, min, max, presence, nullptr, description, &get_member<M>, &set_member<M>, min_given};
}
// A true/false field.
template <auto M>
constexpr Field<typename member_of<M>::type_of> flag(const char* key, const char* description) {
  static_assert(std::is_same_v<typename member_of<M>::value, bool>, "flag(): a bool member");
  return {key, Kind::boolean, 0.0, 1.0, Presence::optional, nullptr, description, &get_member<M>, &set_member<M>};
}
// A field naming one of `choices()` (an enumeration member, value i = choices()[i]).
template <auto M>
constexpr Field<typename member_of<M>::type_of> choice(const char* key, const std::vector<std::string>& (*choices)(),
                                                      Presence presence, const char* description) {
  static_assert(std::is_enum_v<typename member_of<M>::value>, "choice(): an enumeration member");
  return {key, Kind::choice, 0.0, 0.0, presence, choices, description, &get_member<M>, &set_member<M>};
}

// What every event type declares besides its fields.
struct Info {
  const char* type;     // the TOML `type`
  bool at_fork = true;  // whether a fork (Model::intervene) may add it; not for those that set up
                        // agents when a run starts (the loader's check_fork reads it)
};

// A rule across fields that `check()` found broken: the key to name and what is expected (the
// loader names the event's line).
struct Problem {
  std::string key;
  std::string message;
};

// --- the event types (their rules are in events.cpp, docs/model.md section 6.1)

struct StaffTurnover {
  enum class Role : std::uint8_t { any_member, lead_coordinator };
  static constexpr Info info{"staff_turnover"};
  double fraction = -1.0;  // -1: not given (role instead)
  Role role = Role::any_member;
  bool successor = false;
  int overlap_weeks = 0;
  int vacancy_weeks = -1;  // -1: backbone.vacancy_weeks
  static const std::vector<std::string>& roles();
  static constexpr auto fields() {
    return std::array{
        field<&StaffTurnover::fraction>("fraction", 0.0, 1.0, Presence::if_given,
                                        "each staff member leaves with this probability (or give role)"),
        choice<&StaffTurnover::role>("role", &roles, Presence::if_given,
                                     "\"lead_coordinator\": only the lead coordinator leaves (or give fraction)"),
        flag<&StaffTurnover::successor>("successor", "a successor starts at once, with overlap_weeks of handover"),
        field<&StaffTurnover::overlap_weeks>("overlap_weeks", 0, 520, Presence::optional,
                                             "weeks the successor overlaps the leaver"),
        field<&StaffTurnover::vacancy_weeks>("vacancy_weeks", 0, 520, Presence::if_given,
                                             "without successor: weeks the post stays vacant (default "
                                             "backbone.vacancy_weeks)"),
    };
  }
  static std::optional<Problem> check(const StaffTurnover& x, int week);
};

struct ChampionDeparture {
  static constexpr Info info{"champion_departure"};
};

struct CitizenEngagementDecline {
  static constexpr Info info{"citizen_engagement_decline"};
  double rate = 0.0;
  static constexpr auto fields() {
    return std::array{field<&CitizenEngagementDecline::rate>("rate", 0.0, 5.0, Presence::required,
                                                              "relative decline of citizens' drive per year")};
  }
};

struct FundingCut {
  static constexpr Info info{"funding_cut"};
  double fraction = 0.0;
  static constexpr auto fields() {
    return std::array{field<&FundingCut::fraction>("fraction", 0.0, 1.0, Presence::required, "share of the budget cut")};
  }
};

struct GrantEnd {
  static constexpr Info info{"grant_end"};
};

struct Election {
  static constexpr Info info{"election"};
};

struct Crisis {
  static constexpr Info info{"crisis"};
  double size = 0.0;
  static constexpr auto fields() {
    return std::array{field<&Crisis::size>("size", 0.0, 1.0, Presence::required, "urgency shock to every non-staff agent")};
  }
};

struct ExternalDriver {
  static constexpr Info info{"external_driver"};
  bool on = true;
  static constexpr auto fields() { return std::array{flag<&ExternalDriver::on>("on", "the external driver is on")}; }
};

struct BackboneCreated {
  static constexpr Info info{"backbone_created", false};  // staff slots are set up at the start
};

struct MeasurementLaunch {
  static constexpr Info info{"measurement_launch"};
  bool learning = true;
  static constexpr auto fields() {
    return std::array{flag<&MeasurementLaunch::learning>("learning", "the shared measurement is used for learning")};
  }
};

struct ForumsStopped {
  static constexpr Info info{"forums_stopped"};
};

struct MeetingCadence {
  enum class Body : std::uint8_t { working_groups, steering, plenary, forums, updates };
  static constexpr Info info{"meeting_cadence"};
  Body body = Body::working_groups;
  int weeks = 0;
  static const std::vector<std::string>& bodies();
  static constexpr auto fields() {
    return std::array{
        choice<&MeetingCadence::body>("body", &bodies, Presence::required, "the body whose cadence changes"),
        // A standing update can stop (0); a body that meets always meets at some cadence.
        field<&MeetingCadence::weeks>("weeks", 0, 52, Presence::required,
                                      "the new cadence in weeks (0, updates only: the updates stop)",
                                      [](const MeetingCadence& x) { return x.body == Body::updates ? 0.0 : 1.0; }),
    };
  }
};

struct StakeholdersJoin {
  static constexpr Info info{"stakeholders_join", false};  // dormant organisations are set up at the start
  Sector sector = government;
  int count = 0;
  static const std::vector<std::string>& sectors();  // the organisations' sectors (not citizens)
  static constexpr auto fields() {
    return std::array{
        choice<&StakeholdersJoin::sector>("sector", &sectors, Presence::required, "the sector of the organisations"),
        field<&StakeholdersJoin::count>("count", 1, 10000, Presence::required, "how many absent organisations join"),
    };
  }
  static std::optional<Problem> check(const StakeholdersJoin& x, int week);
};

// Joining as a process (004:L553-L562, L661: DK2020's municipalities joined voluntarily,
// answering an open offer paid by a pool, after peers had joined): `count` candidate
// organisations of `sector`, absent at the start, each decide weekly from the event's week on.
struct Recruitment {
  static constexpr Info info{"recruitment", false};  // candidates are set up at the start
  Sector sector = government;
  int count = 0;
  double offer_per_year = 1.0;
  double peer_per_year = 2.0;
  static constexpr auto fields() {
    return std::array{
        choice<&Recruitment::sector>("sector", &StakeholdersJoin::sectors, Presence::required,
                                     "the sector of the candidate organisations"),
        field<&Recruitment::count>("count", 1, 10000, Presence::required, "how many candidates (absent at the start)"),
        field<&Recruitment::offer_per_year>("offer_per_year", 0.0, 52.0, Presence::optional,
                                            "rate at which a candidate takes up the offer, at full outreach and "
                                            "funding (per year)"),
        field<&Recruitment::peer_per_year>("peer_per_year", 0.0, 52.0, Presence::optional,
                                           "rate at which a candidate follows its peers, when every organisation "
                                           "of its sector is active (per year)"),
    };
  }
  static std::optional<Problem> check(const Recruitment& x, int week);
};

// A launch meeting the backbone convenes (004:L396: "About 80 actors were gathered at a large
// meeting"; 000:L1059: "we held a kick-off meeting where 20 people signed up"): interested
// agents of the group come as far as their obligations allow; those who sign up count as asked.
struct KickOff {
  enum class Who : std::uint8_t { citizens, organisations };
  static constexpr Info info{"kick_off"};
  Who who = Who::citizens;
  double reach = 1.0;
  static const std::vector<std::string>& groups();
  static constexpr auto fields() {
    return std::array{
        choice<&KickOff::who>("who", &groups, Presence::required, "who is invited: citizens or organisations"),
        field<&KickOff::reach>("reach", 0.0, 1.0, Presence::optional,
                               "probability that an interested agent with nothing else to do comes (a citizen's "
                               "availability scales it)"),
    };
  }
  static std::optional<Problem> check(const KickOff& x, int week);
};

struct CeilingLifted {
  static constexpr Info info{"ceiling_lifted"};
};

struct VacanciesFilled {
  static constexpr Info info{"vacancies_filled"};
};

// Every event type, in the order the loader lists them.
using What = std::variant<StaffTurnover, ChampionDeparture, CitizenEngagementDecline, FundingCut, GrantEnd, Election,
                          Crisis, ExternalDriver, BackboneCreated, MeasurementLaunch, ForumsStopped, MeetingCadence,
                          StakeholdersJoin, Recruitment, CeilingLifted, VacanciesFilled, KickOff>;

// The spec table of type T (empty for a type without fields).
template <class T>
constexpr auto fields_of() {
  if constexpr (requires { T::fields(); }) return T::fields();
  else return std::array<Field<T>, 0>{};
}

// T's cross-field rule, if it has one. `week` is 0 for a hazard event.
template <class T>
std::optional<Problem> check_of(const T& x, int week) {
  if constexpr (requires { T::check(x, week); }) return T::check(x, week);
  else return std::nullopt;
}

// Calls f(std::type_identity<T>{}) for each event type T, in the order of What.
template <class F>
void for_each_type(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::type_identity<std::variant_alternative_t<I, What>>{}), ...);
  }(std::make_index_sequence<std::variant_size_v<What>>{});
}

// The event of type `type` with every field at its default; nullopt for an unknown type.
std::optional<What> make(const std::string& type);
// The type names, in the order of What.
const std::vector<std::string>& type_names();

}  // namespace ev

struct Event {
  int week = 0;                // tick at which it applies (>= 1); 0 when driven by a hazard
  double rate_per_year = 0.0;  // hazard: applies in a week with probability 1 - exp(-rate/52)
  ev::What what;
  std::string origin;  // where it was defined ("file:line"), for messages only
  std::string label;   // short text for outputs, e.g. "staff_turnover at week 156"

  template <class T>
  const T* as() const {
    return std::get_if<T>(&what);
  }
  template <class T>
  bool is() const {
    return std::holds_alternative<T>(what);
  }
};

const char* event_type_name(const Event& e);

// Whether a fork (Model::intervene) may add this event (its type's info.at_fork).
bool allowed_at_fork(const Event& e);

}  // namespace cimsim::model
