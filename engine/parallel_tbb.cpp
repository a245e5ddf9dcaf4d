// See parallel_tbb.hpp. In the ThreadSanitizer build this file is compiled with
// -fno-sanitize=thread and CIMSIM_TSAN_ANNOTATE (engine/CMakeLists.txt).
#include "parallel_tbb.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#if defined(CIMSIM_TSAN_ANNOTATE)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace cimsim::tbb_glue {

namespace {

// A hand-off from one caller to the tasks TBB runs for it and back. Its two addresses are
// TSan sync objects; in builds without CIMSIM_TSAN_ANNOTATE every call is empty.
class HandOff {
 public:
  HandOff() noexcept { release(&begin_); }        // the caller, before the tasks
  ~HandOff() { acquire(&end_); }                  // the caller, after them (also when one threw)
  void task_begins() noexcept { acquire(&begin_); }
  void task_ends() noexcept { release(&end_); }

  // Runs f() as one task: between task_begins() and task_ends(), also when f throws.
  template <class F>
  void task(const F& f) {
    task_begins();
    struct End {
      HandOff& h;
      ~End() { h.task_ends(); }
    } end{*this};
    f();
  }

 private:
#if defined(CIMSIM_TSAN_ANNOTATE)
  static void acquire(char* a) noexcept { __tsan_acquire(a); }
  static void release(char* a) noexcept { __tsan_release(a); }
#else
  static void acquire(char*) noexcept {}
  static void release(char*) noexcept {}
#endif
  char begin_ = 0, end_ = 0;
};

}  // namespace

struct Arena {
  explicit Arena(int threads) : arena(threads) {}
  tbb::task_arena arena;
};

std::shared_ptr<Arena> make_arena(int threads) { return std::make_shared<Arena>(threads); }

int current_concurrency() noexcept { return tbb::this_task_arena::max_concurrency(); }

void execute(Arena& arena, FunctionRef<void()> fn) {
  HandOff h;  // execute may run fn on one of the arena's threads
  arena.arena.execute([&] { h.task(fn); });
}

void execute_with_threads(int threads, FunctionRef<void()> fn) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  Arena arena(threads);
  execute(arena, fn);
}

void for_each_index(std::size_t n, FunctionRef<void(std::size_t)> body, bool one_task_each) {
  HandOff h;
  auto each = [&](std::size_t i) { h.task([&] { body(i); }); };
  if (one_task_each) tbb::parallel_for(std::size_t{0}, n, each, tbb::simple_partitioner());
  else tbb::parallel_for(std::size_t{0}, n, each);
}

}  // namespace cimsim::tbb_glue
