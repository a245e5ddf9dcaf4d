// What a submodel reads besides the state: the parameters and events in force, the run's
// seed (random streams are keyed by (seed, tick, agent, purpose)), the executor's loops,
// and the buffers that collect intents and per-chunk partial results.
#pragma once

#include "engine/executor.hpp"
#include "engine/network.hpp"
#include "engine/model/events.hpp"
#include "engine/model/params.hpp"

#include <cstdint>
#include <span>
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
inline constexpr std::uint32_t meetings = 42;
inline constexpr std::uint32_t recruitment = 43;
inline constexpr std::uint32_t kick_off = 44;
}  // namespace purpose

struct StepContext {
  const Params& params;
  const std::vector<Event>& events;
  std::uint64_t seed;
  const Executor& exec;
  Intents<TieIntent>& tie_intents;    // contact issues, ties commits
  std::vector<double>& reduce_buffer;  // per-chunk partials of reduce()

  // Executor::reduce with this run's buffer: adds fn's per-chunk results to `out`, in chunk order.
  void reduce(std::size_t n, std::span<double> out, Executor::ReduceFn fn) const {
    exec.reduce(n, out, reduce_buffer, fn);
  }
};

}  // namespace cimsim::model
