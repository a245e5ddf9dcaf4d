#include "engine/network.hpp"

#include "engine/rng.hpp"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdio>
#include <vector>

using cimsim::Network;
using cimsim::TieIntent;

TEST(Network, AddAndRemoveTies) {
  Network net(5);
  EXPECT_TRUE(net.add_tie(0, 1, 0.5f, 0));
  EXPECT_FALSE(net.add_tie(1, 0, 0.5f, 0));  // undirected: already there
  EXPECT_FALSE(net.add_tie(2, 2, 0.5f, 0));  // no self-ties
  EXPECT_TRUE(net.add_tie(3, 1, 0.25f, 4));
  net.refresh();
  EXPECT_EQ(net.ties(), 2u);
  EXPECT_TRUE(net.has_tie(1, 3));
  const auto& v = net.view();
  EXPECT_EQ(v.degree(1), 2u);
  EXPECT_EQ(v.degree(4), 0u);
  // Tie 1 joins 1 and 3 (lower id first) with its state.
  EXPECT_EQ(v.tie_a[1], 1u);
  EXPECT_EQ(v.tie_b[1], 3u);
  EXPECT_FLOAT_EQ(v.trust[1], 0.25f);
  EXPECT_EQ(v.formed[1], 4);
  EXPECT_TRUE(net.remove_tie(0, 1));
  EXPECT_FALSE(net.remove_tie(0, 1));
  net.refresh();
  EXPECT_EQ(net.ties(), 1u);
  EXPECT_FALSE(net.has_tie(0, 1));
}

TEST(Network, TrustWrittenInTheViewSurvivesTopologyChanges) {
  Network net(4);
  net.add_tie(0, 1, 0.1f, 0);
  net.add_tie(2, 3, 0.1f, 0);
  net.refresh();
  net.mutable_view().trust[0] = 0.9f;   // (0,1)
  net.mutable_view().trust[1] = 0.7f;   // (2,3)
  net.add_tie(1, 2, 0.3f, 1);
  net.refresh();
  const auto& v = net.view();
  ASSERT_EQ(v.ties(), 3u);
  for (cimsim::TieId t = 0; t < v.ties(); ++t) {
    if (v.tie_a[t] == 0) { EXPECT_FLOAT_EQ(v.trust[t], 0.9f); }
    if (v.tie_a[t] == 2) { EXPECT_FLOAT_EQ(v.trust[t], 0.7f); }
    if (v.tie_a[t] == 1) { EXPECT_FLOAT_EQ(v.trust[t], 0.3f); }
  }
}

TEST(Network, ViewHalfEdgesAreConsistent) {
  Network net(6);
  const int pairs[][2] = {{0, 1}, {0, 2}, {1, 2}, {3, 4}, {5, 0}, {4, 5}};
  for (auto& p : pairs) net.add_tie(static_cast<unsigned>(p[0]), static_cast<unsigned>(p[1]), 0.5f, 0);
  net.refresh();
  const auto& v = net.view();
  std::size_t half = 0;
  for (cimsim::AgentId a = 0; a < 6; ++a) {
    const auto nb = v.neighbours(a);
    const auto ts = v.ties_of(a);
    for (std::size_t j = 0; j < nb.size(); ++j) {
      const auto t = ts[j];
      EXPECT_TRUE((v.tie_a[t] == a && v.tie_b[t] == nb[j]) || (v.tie_b[t] == a && v.tie_a[t] == nb[j]));
      ++half;
    }
  }
  EXPECT_EQ(half, 2 * v.ties());
}

TEST(Network, IntentsApplyInTheGivenOrder) {
  Network net(4);
  net.refresh();
  // Add then remove the same tie: the order decides the result.
  std::vector<TieIntent> in = {{TieIntent::Kind::add, 0, 1, 0.5f},
                               {TieIntent::Kind::remove, 0, 1, 0.0f},
                               {TieIntent::Kind::add, 2, 3, 0.5f},
                               {TieIntent::Kind::add, 3, 2, 0.9f}};  // duplicate: ignored
  EXPECT_EQ(net.apply(in, 1), 3u);
  net.refresh();
  EXPECT_FALSE(net.has_tie(0, 1));
  ASSERT_EQ(net.ties(), 1u);
  EXPECT_FLOAT_EQ(net.view().trust[0], 0.5f);
}

TEST(Network, IsolateRemovesEveryTieOfAnAgent) {
  Network net(5);
  for (cimsim::AgentId b = 1; b < 5; ++b) net.add_tie(0, b, 0.5f, 0);
  net.add_tie(1, 2, 0.5f, 0);
  EXPECT_EQ(net.isolate(0), 4u);
  net.refresh();
  EXPECT_EQ(net.ties(), 1u);
  EXPECT_EQ(net.view().degree(0), 0u);
}

TEST(Network, LargestComponent) {
  Network net(10);
  net.add_tie(0, 1, 0.5f, 0);
  net.add_tie(1, 2, 0.5f, 0);
  net.add_tie(2, 3, 0.5f, 0);
  net.add_tie(5, 6, 0.5f, 0);
  net.refresh();
  std::vector<std::uint32_t> scratch;
  EXPECT_DOUBLE_EQ(cimsim::largest_component_share(net.view(), scratch), 0.4);
}

// The view's neighbour order (docs/model.md section 2): lower ids ascending, then higher ids
// in the order the ties were formed; and a rebuild in parallel chunks gives the same arrays.
TEST(Network, ViewOrderAndParallelRebuild) {
  auto build = [](const cimsim::Executor& exec) {
    Network net(40);
    cimsim::Rng r(7, 0, 0, 99);
    for (int k = 0; k < 200; ++k) net.add_tie(r.below(40), r.below(40), static_cast<float>(k) / 200.0f, k);
    net.refresh(exec);
    for (int k = 0; k < 30; ++k) net.remove_tie(r.below(40), r.below(40));
    for (int k = 0; k < 30; ++k) net.add_tie(r.below(40), r.below(40), 0.5f, 300 + k);
    net.isolate(5);
    net.refresh(exec);
    return net;
  };
  const Network serial = build(cimsim::Executor(1));
  tbb::task_arena arena(4);
  Network parallel(0);
  arena.execute([&] { parallel = build(cimsim::Executor(4, 3)); });  // 14 chunks of 3 agents
  const auto& a = serial.view();
  const auto& b = parallel.view();
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(a.first_tie, b.first_tie);
  EXPECT_EQ(a.neighbour, b.neighbour);
  EXPECT_EQ(a.tie_of, b.tie_of);
  EXPECT_EQ(a.tie_a, b.tie_a);
  EXPECT_EQ(a.tie_b, b.tie_b);
  EXPECT_EQ(a.trust, b.trust);
  EXPECT_EQ(a.formed, b.formed);
  EXPECT_EQ(a.degree(5), 0u);
  for (cimsim::AgentId x = 0; x < 40; ++x) {
    const auto nb = a.neighbours(x);
    const auto ts = a.ties_of(x);
    for (std::size_t j = 1; j < nb.size(); ++j) {
      if (nb[j] < x) {
        EXPECT_LT(nb[j - 1], nb[j]);  // lower ones ascending
      }
      if (nb[j - 1] > x) {
        EXPECT_GT(nb[j], x);                                  // upper ones after lower
        EXPECT_LE(a.formed[ts[j - 1]], a.formed[ts[j]]);  // in formation order
      }
    }
    const std::size_t lower = nb.size() - (a.first_tie[x + 1] - a.first_tie[x]);
    for (std::size_t j = lower; j < nb.size(); ++j) {
      EXPECT_GT(nb[j], x);
      EXPECT_EQ(ts[j], a.first_tie[x] + (j - lower));  // tie ids of upper half-edges
    }
  }
}

// Refresh after changes (compaction for a few removals, write-back and rebuild otherwise)
// against a network built from scratch with the same ties in formation order and the same
// tie state: every view array equal, over many random rounds of removals, additions,
// isolations and new agents, with trust changed in the view between rounds.
TEST(Network, IncrementalRefreshEqualsAFreshBuild) {
  struct Tie {
    cimsim::AgentId a, b;
    float trust;
    std::int32_t last, formed;
  };
  std::vector<Tie> ties;  // in formation order
  std::size_t n = 60;
  Network net(n);
  cimsim::Rng r(11, 0, 0, 99);
  auto add = [&](std::int32_t tick) {
    const auto a = r.below(static_cast<std::uint32_t>(n)), b = r.below(static_cast<std::uint32_t>(n));
    if (net.add_tie(a, b, 0.5f, tick)) ties.push_back({std::min(a, b), std::max(a, b), 0.5f, tick, tick});
  };
  auto drop = [&](cimsim::AgentId a, cimsim::AgentId b) {
    std::erase_if(ties, [&](const Tie& t) { return t.a == std::min(a, b) && t.b == std::max(a, b); });
  };
  for (int k = 0; k < 300; ++k) add(0);
  net.refresh();
  int compacted = 0, rebuilt = 0;
  for (std::int32_t round = 1; round <= 200; ++round) {
    // The view's state changes, as phases change it; the reference follows.
    auto& v = net.mutable_view();
    for (cimsim::TieId t = 0; t < v.ties(); ++t) {
      v.trust[t] = static_cast<float>(r.uniform());
      v.last_contact[t] = round;
      for (Tie& x : ties)
        if (x.a == v.tie_a[t] && x.b == v.tie_b[t]) x.trust = v.trust[t], x.last = round;
    }
    const std::uint32_t kind = r.below(10);
    const std::uint32_t removals = kind == 0 ? 80 : r.below(6);  // sometimes more than a compaction takes
    for (std::uint32_t k = 0; k < removals && !ties.empty(); ++k) {
      const Tie x = ties[r.below(static_cast<std::uint32_t>(ties.size()))];
      EXPECT_TRUE(net.remove_tie(x.b, x.a));
      drop(x.a, x.b);
    }
    if (kind == 1) {  // an agent leaves: all its ties go
      const auto a = r.below(static_cast<std::uint32_t>(n));
      net.isolate(a);
      std::erase_if(ties, [&](const Tie& t) { return t.a == a || t.b == a; });
    }
    if (kind == 2) add(round);                       // an addition
    if (ties.size() < 200)                           // keep the network from emptying
      for (int k = 0; k < 100; ++k) add(round);
    if (kind == 3) net.add_agents(2), n += 2;       // new agents
    if (kind == 4 && !ties.empty()) {               // a tie removed and formed again
      const Tie x = ties[r.below(static_cast<std::uint32_t>(ties.size()))];
      net.remove_tie(x.a, x.b);
      drop(x.a, x.b);
      net.add_tie(x.a, x.b, 0.25f, round);
      ties.push_back({x.a, x.b, 0.25f, round, round});
    }
    net.refresh();
    compacted += net.last_refresh() == Network::Refresh::edited ? 1 : 0;
    rebuilt += net.last_refresh() == Network::Refresh::rebuilt ? 1 : 0;
    Network fresh(n);
    for (const Tie& x : ties) fresh.add_tie(x.a, x.b, x.trust, x.formed);
    fresh.refresh();
    for (cimsim::TieId t = 0; t < fresh.view().ties(); ++t) {
      const auto it = std::find_if(ties.begin(), ties.end(), [&](const Tie& x) {
        return x.a == fresh.view().tie_a[t] && x.b == fresh.view().tie_b[t];
      });
      fresh.mutable_view().last_contact[t] = it->last;
    }
    const auto& got = net.view();
    const auto& want = fresh.view();
    ASSERT_EQ(got.offsets, want.offsets) << "round " << round;
    ASSERT_EQ(got.first_tie, want.first_tie) << "round " << round;
    ASSERT_EQ(got.neighbour, want.neighbour) << "round " << round;
    ASSERT_EQ(got.tie_of, want.tie_of) << "round " << round;
    ASSERT_EQ(got.tie_a, want.tie_a) << "round " << round;
    ASSERT_EQ(got.tie_b, want.tie_b) << "round " << round;
    ASSERT_EQ(got.trust, want.trust) << "round " << round;
    ASSERT_EQ(got.last_contact, want.last_contact) << "round " << round;
    ASSERT_EQ(got.formed, want.formed) << "round " << round;
  }
  std::printf("refreshes by editing %d, by rebuild %d\n", compacted, rebuilt);
  EXPECT_GT(compacted, 80);
  EXPECT_GT(rebuilt, 20);
}
