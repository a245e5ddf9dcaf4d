#include "engine/executor.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <vector>

using cimsim::Executor;
using cimsim::Intents;

TEST(Executor, ChunksCoverTheRangeOnce) {
  for (int threads : {1, 3}) {
    Executor ex(threads, 7);
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
    return Executor(threads, 1000).sum(v.size(), [&](std::size_t b, std::size_t e) {
      double x = 0;
      for (std::size_t i = b; i < e; ++i) x += v[i];
      return x;
    });
  };
  const double one = run(1);
  EXPECT_EQ(one, run(2));
  EXPECT_EQ(one, run(3));
  EXPECT_EQ(one, run(4));
}

TEST(Executor, ReduceAddsChunksInChunkOrderAtAnyThreadCount) {
  std::vector<double> v(10007);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 1.0 / static_cast<double>(i + 1) * ((i % 3) ? 1e8 : 1e-8);
  auto run = [&](int threads) {
    std::vector<double> buffer;
    std::array<double, 3> out{1.0, 0.0, 0.0};  // added to, not overwritten
    Executor(threads, 100).reduce(v.size(), out, buffer, [&](std::size_t b, std::size_t e, double* acc) {
      for (std::size_t i = b; i < e; ++i) {
        acc[0] += v[i];
        acc[1] += 1.0;
        acc[2] += v[i] * v[i];
      }
    });
    return out;
  };
  const auto one = run(1);
  EXPECT_EQ(one[1], 10007.0);
  // Chunk order: ((1 + chunk 0) + chunk 1) + ...
  double expect = 1.0;
  for (std::size_t c = 0; c * 100 < v.size(); ++c) {
    double x = 0.0;
    for (std::size_t i = c * 100; i < std::min(v.size(), (c + 1) * 100); ++i) x += v[i];
    expect += x;
  }
  EXPECT_EQ(one[0], expect);
  EXPECT_EQ(one, run(3));
  EXPECT_EQ(one, run(4));
}

TEST(Executor, UsesItsOwnThreadCountWhateverTheCallersArena) {
  for (int threads : {2, 3}) {
    const Executor ex(threads, 1);
    std::atomic<int> seen{0};
    auto probe = [&] {
      ex.for_chunks(64, [&](std::size_t, std::size_t, std::size_t) {
        seen = std::max(seen.load(), tbb::this_task_arena::max_concurrency());
      });
    };
    probe();  // outside any arena
    EXPECT_EQ(seen.load(), threads);
    seen = 0;
    tbb::task_arena other(4);
    other.execute(probe);  // inside an arena of another size
    EXPECT_EQ(seen.load(), threads);
  }
}

TEST(Intents, CommitInAgentOrderWhateverTheThreads) {
  Executor ex(4, 10);
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
