// Running the model: one run in progress (RunState), a whole run (run), and the months it
// records. The engine's ensemble runner calls run(); the model itself (model.hpp) does not
// know how it is run.
#pragma once

#include "engine/ensemble.hpp"
#include "engine/model/model.hpp"

#include <vector>

namespace cimsim::model {

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

}  // namespace cimsim::model
