#include "engine/network.hpp"

#include <gtest/gtest.h>

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
