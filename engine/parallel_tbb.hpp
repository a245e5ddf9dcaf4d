// The engine's only calls into TBB (engine/parallel_tbb.cpp), used by executor.cpp and
// ensemble.cpp. Model code never includes this.
//
// ThreadSanitizer build (CIMSIM_SANITIZE_THREAD): Debian's libtbb is not built with
// -fsanitize=thread, so TSan does not see TBB hand a task to another thread or wait for it.
// TBB's header templates (tasks, tree nodes, the wait node on the caller's stack) are inlined
// into whichever file calls tbb::parallel_for; instrumented there, their accesses look like
// races with the next use of the same memory (TBB's recycled task memory, the caller's
// stack), often with cimsim's code on top. So parallel_tbb.cpp, and only it, is compiled
// without instrumentation (like libtbb itself), and it tells TSan about every hand-off with
// explicit happens-before annotations: what the caller did before a loop happens before
// every task of it, and every task happens before what the caller does after it. All of
// cimsim's own code, including the loop bodies, stays instrumented. In other builds the
// annotations are compiled out.
#pragma once

#include "executor.hpp"

#include <cstddef>
#include <memory>

namespace cimsim::tbb_glue {

struct Arena;  // a tbb::task_arena
std::shared_ptr<Arena> make_arena(int threads);

// tbb::this_task_arena::max_concurrency(): the thread count of the arena the caller runs in.
int current_concurrency() noexcept;

// fn() inside `arena` (tbb::task_arena::execute).
void execute(Arena& arena, FunctionRef<void()> fn);

// fn() inside a new arena of exactly `threads` threads, even above the core count
// (tbb::global_control caps the process at `threads` meanwhile).
void execute_with_threads(int threads, FunctionRef<void()> fn);

// body(i) for every i in [0, n), concurrently, in the caller's arena. one_task_each: one
// task per index (simple_partitioner); otherwise TBB's auto_partitioner groups them.
void for_each_index(std::size_t n, FunctionRef<void(std::size_t)> body, bool one_task_each);

}  // namespace cimsim::tbb_glue
