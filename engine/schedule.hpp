// A tick is a fixed, named sequence of phases. The order is part of the model and can be
// printed (cimsim describe).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace cimsim {

template <class Context>
class Schedule {
 public:
  struct Phase {
    std::string name;
    std::string summary;
    std::function<void(Context&)> run;
  };

  Schedule& add(std::string name, std::string summary, std::function<void(Context&)> run) {
    phases_.push_back(Phase{std::move(name), std::move(summary), std::move(run)});
    return *this;
  }
  void run_tick(Context& ctx) const {
    for (const Phase& p : phases_) p.run(ctx);
  }
  const std::vector<Phase>& phases() const noexcept { return phases_; }

 private:
  std::vector<Phase> phases_;
};

// Name and one-line summary of a phase, for printing without a model instance.
struct PhaseInfo {
  std::string name;
  std::string summary;
};

}  // namespace cimsim
