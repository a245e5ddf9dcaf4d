#include "engine/model/replay.hpp"

#include <stdexcept>
#include <string>

namespace cimsim::model {

namespace {

void check_week(const Model& m, int week) {
  if (week < 0 || week > m.ticks_total())
    throw std::invalid_argument("replay: week " + std::to_string(week) + " is outside the run (0.." +
                                std::to_string(m.ticks_total()) + ")");
}

}  // namespace

std::unique_ptr<Model> replay(const Scenario& scenario, std::uint64_t seed, int week, const Executor& exec) {
  auto m = std::make_unique<Model>(scenario, seed, exec);
  check_week(*m, week);
  while (m->tick() < week) m->step();
  return m;
}

void replay(const Scenario& scenario, std::uint64_t seed, const std::vector<int>& weeks, const Executor& exec,
            const std::function<void(const Model&)>& at) {
  Model m(scenario, seed, exec);
  int last = 0;
  for (int w : weeks) {
    check_week(m, w);
    if (w < last) throw std::invalid_argument("replay: weeks must be ascending");
    last = w;
    while (m.tick() < w) m.step();
    at(m);
  }
}

}  // namespace cimsim::model
