// The submodels of one tick, one source file each, named after the sections of docs/model.md
// (Model::schedule() runs them in this order). Each reads and writes the State and reads the
// StepContext; none keeps state of its own.
#pragma once

#include "engine/model/state.hpp"
#include "engine/model/step_context.hpp"

#include <cstdint>

namespace cimsim::model::submodels {

void events(State& st, const StepContext& ctx);       // events.cpp
void contact(State& st, const StepContext& ctx);      // contact.cpp
void ties(State& st, const StepContext& ctx);         // ties.cpp
void agenda(State& st, const StepContext& ctx);       // agenda.cpp
void activities(State& st, const StepContext& ctx);   // activities.cpp
void problem(State& st, const StepContext& ctx);      // problem.cpp
void measurement(State& st, const StepContext& ctx);  // measurement.cpp
void engagement(State& st, const StepContext& ctx);   // engagement.cpp
void backbone(State& st, const StepContext& ctx);     // backbone.cpp
void funding(State& st, const StepContext& ctx);      // funding.cpp

// Building the initial state (build.cpp): population, then network. `dormant` organisations
// join later (stakeholders_join events).
void build_population(State& st, const StepContext& ctx, std::size_t dormant);
void build_network(State& st, const StepContext& ctx);

// Shared by events and backbone (backbone.cpp): staff join and leave.
void hire(State& st, const StepContext& ctx, std::size_t slot, std::uint32_t stream_tick);
void staff_leave(State& st, const StepContext& ctx, std::size_t slot, bool successor, int overlap_weeks,
                 int vacancy_weeks);

inline double clamp01(double x) noexcept { return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x); }
inline double saturate(double x, double half) noexcept { return x > 0.0 ? x / (x + half) : 0.0; }
inline constexpr std::uint32_t kSharedStream = 0xFFFFFFFEu;  // "agent" key of initiative-level draws

}  // namespace cimsim::model::submodels
