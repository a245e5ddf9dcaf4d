#include "executor.hpp"

#include <algorithm>
#include <cstddef>

#include "parallel_tbb.hpp"

namespace cimsim {

struct Executor::Arena {
  explicit Arena(int threads) : arena(tbb_glue::make_arena(threads)) {}
  std::shared_ptr<tbb_glue::Arena> arena;
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
  // One task per chunk (TBB's simple_partitioner over [0, chunks), grain 1).
  auto loop = [&] { tbb_glue::for_each_index(chunks, body, true); };
  if (tbb_glue::current_concurrency() == threads_) loop();  // already in an arena of this size
  else tbb_glue::execute(*arena_->arena, loop);
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
