// Workshop session: one live run of a scenario that a facilitator drives (play, pause, step,
// parameters, events), the counterfactual branch that an event forks off, and a background
// ensemble of further seeds of both branches. No HTTP here: the server (server.hpp) and the
// API layer (api.hpp) call into it, and tests drive it directly.
//
// Determinism: interventions (events, parameter changes) happen only between weeks, under the
// session's mutex, and are recorded as a timeline of (week, scenario) steps. Replaying the
// initial scenario with the same timeline and seed gives the same run bit for bit, whatever
// the speed or the thread that pressed the button.
#pragma once

#include "engine/executor.hpp"
#include "engine/model/model.hpp"
#include "engine/model/run.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cimsim::workshop {

// The charted variables of one month of one branch.
struct Sample {
  int month = 0;
  double outcome = 0.0;          // overall progress on the problem, 0..1
  double orgs_active = 0.0;      // share of organisations active
  double citizens_active = 0.0;  // share of citizens active
  double trust = 0.0;            // mean trust between partners (ties between two organisations)
  double convening = 0.0;        // how fully the backbone convenes the scheduled meetings, 0..1
  int active_orgs = 0;           // counts, for the plain-language caption
  int staff = 0;
  int partner_ties = 0;
};
Sample sample(const model::Model& m);

// An intervention: before week `week` is stepped, the run continues as `scenario`.
struct Step {
  int week = 0;
  model::Scenario scenario;
  std::string what;  // plain description ("event: staff_turnover ...", "parameter x = y")
  bool intervene = true;              // false: a round of participants' choices only
  bool has_choices = false;           // replaces the participants' choices (empty: back to the rules)
  std::vector<model::Choice> choices;
};

// One run with its timeline of interventions and its monthly samples.
class Branch {
 public:
  Branch(const model::Scenario& initial, const RecordSchema& schema, std::uint64_t seed);
  int week() const noexcept { return rs_.week(); }
  int horizon() const noexcept { return rs_.model().ticks_total(); }
  bool finished() const noexcept { return week() >= horizon(); }
  // Steps one week, first applying the pending timeline steps due then (replays).
  void step();
  // Intervenes at the current boundary and records the step (week() + 1).
  void intervene(const model::Scenario& s, const std::string& what);
  // Participants' choices from the current boundary on (recorded as a step).
  void apply_choices(const std::vector<model::Choice>& choices, const std::string& what);
  const model::Model& model() const noexcept { return rs_.model(); }
  const model::Scenario& scenario() const noexcept { return current_; }
  const std::vector<Sample>& samples() const noexcept { return samples_; }
  const std::vector<Step>& timeline() const noexcept { return timeline_; }
  // Steps to be applied by step() when their week comes (for replays).
  void schedule(std::vector<Step> steps) { pending_ = std::move(steps); next_ = 0; }
  // The recorded series and summaries, continued to the horizon (a copy is continued).
  RunResult result_to_horizon(const RunKey& key) const;

 private:
  void record_if_month();
  model::RunState rs_;
  model::Scenario current_;
  std::vector<Sample> samples_;
  std::vector<Step> timeline_;  // applied so far
  std::vector<Step> pending_;
  std::size_t next_ = 0;
};

// Replays `initial` with `timeline` and `seed` to the end of week `to_week`.
Branch replay(const model::Scenario& initial, const RecordSchema& schema, std::uint64_t seed,
              const std::vector<Step>& timeline, int to_week);

struct SessionOptions {
  std::string scenario = "coordinator-leaves";  // built-in name or file (the CLI's argument)
  std::uint64_t seed = 1;                       // master seed: realization k uses replicate_seed(seed, k)
  int ensemble = 12;                            // further seeds of each branch (0: none)
  int ensemble_threads = 0;                     // 0: all cores but one (at least 1)
  double weeks_per_second = 8.0;
  bool start_thread = true;                     // false: tests step by hand
};

// A failed request: HTTP-like status and a message for the reply.
struct RequestError : std::runtime_error {
  RequestError(int status_, const std::string& msg) : std::runtime_error(msg), status(status_) {}
  int status;
};

class Session {
 public:
  explicit Session(SessionOptions o);  // throws InputError for an unknown scenario
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // --- facilitator actions (each validated; RequestError on bad input)
  void play();
  void pause();
  void step_month();          // steps to the next month boundary (paused)
  void step_weeks(int weeks);  // steps n weeks (paused); for tests and benchmarks
  void reset(const std::optional<std::string>& builtin_scenario);
  void set_speed(double weeks_per_second);
  // Presses an event (JSON object as in a scenario file's [[events]], without `at`): it applies
  // from the next week in the first branch; the second branch continues without it.
  nlohmann::json press_event(const nlohmann::json& event);
  // Sets a parameter through the parameter table. Applies from the next week in every branch,
  // or at the next reset for parameters fixed at a fork (population, initial state, staff slots).
  nlohmann::json set_parameter(const std::string& key, const nlohmann::json& value);

  // --- views (JSON, built under the lock)
  nlohmann::json state() const;       // GET /api/state
  nlohmann::json series() const;      // monthly samples of every branch, bands, events
  nlohmann::json network() const;     // nodes and ties of the first branch (sampled citizens)
  nlohmann::json parameters() const;  // the slider table
  static nlohmann::json scenarios();  // built-ins for the picker

  // --- participants (HubNet-style): join with the code shown on the projector, get a token
  // bound to one organisation, choose for it each round (model::Choice).
  nlohmann::json organisations() const;                // present organisations, who is taken
  nlohmann::json join(const nlohmann::json& body);     // {"code", "organisation"?} -> token
  nlohmann::json choose(const nlohmann::json& body);   // {"token", "attend", "pillar", ...}
  nlohmann::json me(const nlohmann::json& body) const;  // {"token"} -> own organisation's state
  void set_round_weeks(int weeks);
  void set_join_url(const std::string& url);
  const std::string& join_code() const noexcept { return join_code_; }
  bool org_active(std::size_t branch, std::uint32_t org) const;  // for tests
  // Frame version: changes whenever something visible changes; wait_frame blocks until it
  // differs from `seen` or the timeout passes or the session stops.
  std::uint64_t frame() const noexcept { return frame_.load(); }
  std::uint64_t wait_frame(std::uint64_t seen, int timeout_ms) const;
  // Action version: changes when the facilitator acts (an event, a control, a parameter, a
  // reset), not when a week passes. The stream paces ordinary frames with wait_action, which
  // returns early when the facilitator acts, so a fork is sent at once.
  std::uint64_t action() const noexcept { return action_.load(); }
  std::uint64_t wait_action(std::uint64_t seen, int timeout_ms) const;
  bool stopping() const noexcept { return stop_.load(); }
  void stop();

  // Writes every branch (realization 0 = the run on screen, then the ensemble's seeds that have
  // finished), continued to the horizon, as a cimsim output file. Returns the path written.
  void save_hdf5(const std::string& path, const std::string& command_line) const;

  // --- for tests and benchmarks
  int week() const;
  std::size_t branches() const;
  std::size_t ensemble_done() const;  // members of the current ensemble generation finished
  bool wait_ensemble(int timeout_ms) const;  // until every member finished
  std::vector<std::vector<Sample>> branch_samples() const;
  std::vector<std::vector<Step>> branch_timelines() const;
  const model::Scenario& initial_scenario() const noexcept { return initial_; }
  const RecordSchema& schema() const noexcept { return schema_; }
  std::uint64_t realization_seed(std::size_t k) const;

 private:
  struct Ensemble;
  void loop();
  void step_locked();
  void bump();
  void bump_now();  // bump() for a facilitator's action (action_ changes too)
  void restart_ensemble_locked();
  void caption_locked(const std::string& extra);
  nlohmann::json state_locked() const;
  void build_locked(const model::Scenario& s);

  SessionOptions opt_;
  model::Scenario initial_;   // the scenario as loaded, with parameters pending for reset applied
  model::Scenario loaded_;    // the scenario as loaded (reset restores its parameters plus fixed changes)
  RecordSchema schema_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // frames and wake-ups of the loop
  std::vector<Branch> branches_;        // [0]: with the events pressed; [1]: without the last one
  int fork_week_ = -1;                  // week of the last fork (boundary), -1 before any
  std::string fork_label_;
  std::vector<std::pair<int, std::string>> marks_;  // (week, label) of events pressed on branch 0
  std::vector<std::pair<int, std::string>> captions_;
  std::vector<std::pair<std::string, std::string>> pending_reset_;  // fixed parameters for reset
  // participants
  std::string join_code_, join_url_;
  std::map<std::string, std::uint32_t> tokens_;  // token -> organisation
  std::map<std::uint32_t, model::Choice> next_choices_;
  std::vector<std::string> round_log_;  // who did what in the last round
  int round_weeks_ = 4;
  bool choices_active_ = false;
  void start_round_locked();
  std::string org_label(std::uint32_t org) const;
  bool running_ = false;
  double speed_;
  std::atomic<std::uint64_t> frame_{1};
  std::atomic<std::uint64_t> action_{1};
  std::atomic<bool> stop_{false};
  std::shared_ptr<Ensemble> ensemble_;
  std::thread thread_;
};

}  // namespace cimsim::workshop
