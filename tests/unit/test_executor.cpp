#include "engine/executor.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <vector>

using cimsim::Executor;
using cimsim::Intents;

TEST(Executor, ChunksCoverTheRangeOnce) {
  for (bool parallel : {false, true}) {
    Executor ex(parallel, 7);
    std::vector<std::atomic<int>> hits(100);
    ex.for_chunks(100, [&](std::size_t c, std::size_t b, std::size_t e) {
      EXPECT_EQ(b, c * 7);
      for (std::size_t i = b; i < e; ++i) ++hits[i];
    });
    for (auto& h : hits) EXPECT_EQ(h.load(), 1);
    EXPECT_EQ(ex.chunk_count(100), 15u);
  }
}

TEST(Executor, SumIsIdenticalAtAnyThreadCount) {
  // Values whose floating-point sum depends on the order of addition.
  std::vector<double> v(100000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 1.0 / static_cast<double>(i + 1) * ((i % 3) ? 1e8 : 1e-8);
  auto run = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    tbb::task_arena arena(threads);
    double s = 0;
    arena.execute([&] {
      s = Executor(true, 1000).sum(v.size(), [&](std::size_t b, std::size_t e) {
        double x = 0;
        for (std::size_t i = b; i < e; ++i) x += v[i];
        return x;
      });
    });
    return s;
  };
  const double one = run(1);
  EXPECT_EQ(one, run(2));
  EXPECT_EQ(one, run(4));
}

TEST(Intents, CommitInAgentOrderWhateverTheThreads) {
  Executor ex(true, 10);
  Intents<std::pair<int, int>> in;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 4);
  tbb::task_arena arena(4);
  std::vector<std::pair<int, int>> order;
  arena.execute([&] {
    in.prepare(ex.chunk_count(95));
    ex.for_chunks(95, [&](std::size_t c, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i)
        if (i % 4 == 0) {
          in.push(c, {static_cast<int>(i), 0});
          in.push(c, {static_cast<int>(i), 1});
        }
    });
  });
  EXPECT_EQ(in.size(), 48u);
  in.commit([&](const auto& x) { order.push_back(x); });
  ASSERT_EQ(order.size(), 48u);
  for (std::size_t j = 1; j < order.size(); ++j) EXPECT_LT(order[j - 1], order[j]);
  EXPECT_EQ(in.size(), 0u);
}
