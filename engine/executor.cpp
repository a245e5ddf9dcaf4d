#include "executor.hpp"

#include <algorithm>
#include <cstddef>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

namespace cimsim {

struct Executor::Arena {
  explicit Arena(int threads) : arena(threads) {}
  tbb::task_arena arena;
};

Executor::Executor(int threads, std::size_t grain)
    : threads_(threads < 1 ? 1 : threads), grain_(grain == 0 ? 1 : grain) {
  if (threads_ > 1) arena_ = std::make_shared<Arena>(threads_);
}

void Executor::for_chunks(std::size_t n, ChunkFn fn) const {
  const std::size_t chunks = chunk_count(n);
  auto body = [&](std::size_t c) { fn(c, c * grain_, std::min(n, (c + 1) * grain_)); };
  if (threads_ <= 1 || chunks <= 1) {
    for (std::size_t c = 0; c < chunks; ++c) body(c);
    return;
  }
  auto loop = [&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, chunks, 1),
        [&](const tbb::blocked_range<std::size_t>& r) {
          for (std::size_t c = r.begin(); c != r.end(); ++c) body(c);
        },
        tbb::simple_partitioner());
  };
  if (tbb::this_task_arena::max_concurrency() == threads_) loop();  // already in an arena of this size
  else arena_->arena.execute(loop);
}

double Executor::sum(std::size_t n, FunctionRef<double(std::size_t, std::size_t)> fn) const {
  const std::size_t chunks = chunk_count(n);
  if (chunks == 1) return fn(0, n);
  std::vector<double> partial(chunks, 0.0);
  for_chunks(n, [&](std::size_t c, std::size_t b, std::size_t e) { partial[c] = fn(b, e); });
  double s = 0.0;
  for (double p : partial) s += p;
  return s;
}

void Executor::reduce(std::size_t n, std::span<double> out, std::vector<double>& buffer, ReduceFn fn) const {
  const std::size_t chunks = chunk_count(n), w = out.size();
  if (buffer.size() < chunks * w) buffer.resize(chunks * w);
  std::fill(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(chunks * w), 0.0);
  for_chunks(n, [&](std::size_t c, std::size_t b, std::size_t e) { fn(b, e, buffer.data() + c * w); });
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t j = 0; j < w; ++j) out[j] += buffer[c * w + j];
}

}  // namespace cimsim
