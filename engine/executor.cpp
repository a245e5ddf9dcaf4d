#include "executor.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

namespace cimsim {

void Executor::for_chunks(std::size_t n, ChunkFn fn) const {
  const std::size_t chunks = chunk_count(n);
  auto body = [&](std::size_t c) { fn(c, c * grain_, std::min(n, (c + 1) * grain_)); };
  if (!parallel_ || chunks <= 1) {
    for (std::size_t c = 0; c < chunks; ++c) body(c);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, chunks, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) body(c);
      },
      tbb::simple_partitioner());
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

}  // namespace cimsim
