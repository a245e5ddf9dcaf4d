// The engine's only door to parallelism. Model code calls these loops with plain functions;
// it never sees TBB.
//
// Work over n agents (or ties) is cut into chunks of a fixed size that depends on n only,
// never on the thread count. Chunk c covers [c*grain, min(n, (c+1)*grain)). Reductions add
// per-chunk partial results in chunk order, and intents are buffered per chunk and committed
// in chunk order, which is agent-id order. So one thread and many threads give the same bits.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace cimsim {

// Non-owning reference to a callable (no allocation, unlike std::function). The callable
// must outlive the call it is passed to.
template <class Sig>
class FunctionRef;
template <class R, class... A>
class FunctionRef<R(A...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor): used like std::function
      : obj_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* o, A... a) -> R { return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...); }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

class Executor {
 public:
  // threads: how many threads a loop may use (1: serial). grain: agents per chunk. A loop
  // called from inside a TBB arena of exactly `threads` threads (run_ensemble's) runs in that
  // arena; called from anywhere else, it runs in the executor's own arena of that size, so
  // the caller's arena never decides the thread count. Results never depend on it.
  explicit Executor(int threads = 1, std::size_t grain = 4096);
  Executor(bool, std::size_t = 4096) = delete;  // a thread count, not a flag

  std::size_t grain() const noexcept { return grain_; }
  int threads() const noexcept { return threads_; }
  bool parallel() const noexcept { return threads_ > 1; }
  std::size_t chunk_count(std::size_t n) const noexcept { return (n + grain_ - 1) / grain_; }

  using ChunkFn = FunctionRef<void(std::size_t chunk, std::size_t begin, std::size_t end)>;
  // Calls fn once per chunk; chunks may run concurrently, so fn may write only state owned
  // by the indices [begin, end) and the chunk's own buffers.
  void for_chunks(std::size_t n, ChunkFn fn) const;

  // Sum of fn(begin, end) over chunks, added in chunk order (deterministic).
  // Allocates one partial per chunk when there is more than one chunk.
  double sum(std::size_t n, FunctionRef<double(std::size_t, std::size_t)> fn) const;

  // Vector reduction: fn(begin, end, acc) adds a chunk's results into acc (out.size() values,
  // zero at the start of each chunk); the chunks' accumulators are then added to `out`
  // element by element in chunk order (deterministic at any thread count). `buffer` holds
  // the accumulators and keeps its capacity between calls (no allocation in steady state).
  using ReduceFn = FunctionRef<void(std::size_t begin, std::size_t end, double* acc)>;
  void reduce(std::size_t n, std::span<double> out, std::vector<double>& buffer, ReduceFn fn) const;

 private:
  struct Arena;
  int threads_;
  std::size_t grain_;
  std::shared_ptr<Arena> arena_;  // when threads_ > 1; shared by copies
};

// Intents issued by agents during a phase, committed serially afterwards in agent-id order.
// One buffer per chunk; because chunks are contiguous, ascending agent ranges, reading the
// buffers in chunk order yields agent-id order (and issue order within an agent).
// Buffers keep their capacity between ticks, so steady-state ticks do not allocate.
template <class T>
class Intents {
 public:
  void prepare(std::size_t chunks) {
    if (buffers_.size() < chunks) buffers_.resize(chunks);
    chunks_ = chunks;
    for (std::size_t c = 0; c < chunks_; ++c) buffers_[c].clear();
  }
  void push(std::size_t chunk, const T& intent) { buffers_[chunk].push_back(intent); }
  std::size_t size() const noexcept {
    std::size_t s = 0;
    for (std::size_t c = 0; c < chunks_; ++c) s += buffers_[c].size();
    return s;
  }
  // Applies f to every intent in agent-id order, then empties the buffers.
  template <class F>
  void commit(F&& f) {
    for (std::size_t c = 0; c < chunks_; ++c) {
      for (const T& t : buffers_[c]) f(t);
      buffers_[c].clear();
    }
  }

 private:
  std::vector<std::vector<T>> buffers_;
  std::size_t chunks_ = 0;
};

}  // namespace cimsim
