#include "network.hpp"

#include <algorithm>
#include <numeric>

namespace cimsim {

Network::Network(std::size_t agents) : g_(agents) { refresh(); }

AgentId Network::add_agents(std::size_t count) {
  write_back();
  const auto first = static_cast<AgentId>(boost::num_vertices(g_));
  for (std::size_t i = 0; i < count; ++i) boost::add_vertex(g_);
  stale_ = true;
  return first;
}

bool Network::has_tie(AgentId a, AgentId b) const {
  if (a == b || a >= agents() || b >= agents()) return false;
  // Search from the endpoint with fewer ties.
  if (boost::out_degree(a, g_) > boost::out_degree(b, g_)) std::swap(a, b);
  for (auto [it, end] = boost::out_edges(a, g_); it != end; ++it)
    if (boost::target(*it, g_) == b) return true;
  return false;
}

bool Network::add_tie(AgentId a, AgentId b, float trust, std::int32_t tick) {
  if (a == b || has_tie(a, b)) return false;
  write_back();
  boost::add_edge(std::min(a, b), std::max(a, b), TieState{trust, tick, tick}, g_);
  stale_ = true;
  return true;
}

bool Network::remove_tie(AgentId a, AgentId b) {
  if (!has_tie(a, b)) return false;
  write_back();
  boost::remove_edge(a, b, g_);
  stale_ = true;
  return true;
}

std::size_t Network::isolate(AgentId a) {
  if (a >= agents()) return 0;
  const std::size_t d = boost::out_degree(a, g_);
  if (d == 0) return 0;
  write_back();
  boost::clear_vertex(a, g_);
  stale_ = true;
  return d;
}

bool Network::apply_one(const TieIntent& t, std::int32_t tick) {
  return t.kind == TieIntent::Kind::add ? add_tie(t.a, t.b, t.trust, tick) : remove_tie(t.a, t.b);
}

// Tie ids follow a fixed walk of the graph: agents in id order, each agent's out-edges in
// stored order, keeping the half-edge whose target is the larger id. write_back() walks the
// same order, so it must run before any topology change while the view is valid.
void Network::write_back() {
  if (!view_valid_) return;
  TieId t = 0;
  const auto n = static_cast<AgentId>(boost::num_vertices(g_));
  for (AgentId a = 0; a < n; ++a) {
    for (auto [it, end] = boost::out_edges(a, g_); it != end; ++it) {
      if (boost::target(*it, g_) <= a) continue;
      TieState& s = g_[*it];
      s.trust = view_.trust[t];
      s.last_contact = view_.last_contact[t];
      ++t;
    }
  }
  view_valid_ = false;
}

namespace {
// Sizes a view array whose contents refresh() overwrites entirely. When it must grow, the old
// buffer is freed before the new one is allocated (vector::resize would hold both while it
// copies: at 10^6 agents the half-edge arrays are 40 MB each, so that set the peak memory of a
// run), with 1/64 headroom so that a few new ties do not reallocate every tick.
template <class T>
void size_for_overwrite(std::vector<T>& x, std::size_t size) {
  if (size > x.capacity()) {
    std::vector<T>().swap(x);
    x.reserve(size + size / 64);
  }
  x.resize(size);
}
}  // namespace

void Network::refresh() {
  if (!stale_ && view_valid_) return;
  const auto n = static_cast<AgentId>(boost::num_vertices(g_));
  const std::size_t m = boost::num_edges(g_);
  NetworkView& v = view_;
  v.offsets.assign(n + 1, 0);
  size_for_overwrite(v.tie_a, m);
  size_for_overwrite(v.tie_b, m);
  size_for_overwrite(v.trust, m);
  size_for_overwrite(v.last_contact, m);
  size_for_overwrite(v.formed, m);
  size_for_overwrite(v.neighbour, 2 * m);
  size_for_overwrite(v.tie_of, 2 * m);
  TieId t = 0;
  for (AgentId a = 0; a < n; ++a) {
    v.offsets[a + 1] = v.offsets[a] + static_cast<std::uint32_t>(boost::out_degree(a, g_));
    for (auto [it, end] = boost::out_edges(a, g_); it != end; ++it) {
      const AgentId b = static_cast<AgentId>(boost::target(*it, g_));
      if (b <= a) continue;
      const TieState& s = g_[*it];
      v.tie_a[t] = a;
      v.tie_b[t] = b;
      v.trust[t] = s.trust;
      v.last_contact[t] = s.last_contact;
      v.formed[t] = s.formed;
      ++t;
    }
  }
  // Second walk fills half-edges; tie ids of the lower endpoint's half-edges are known from
  // the first walk order, so look them up through a cursor per agent.
  std::vector<std::uint32_t> cursor(v.offsets.begin(), v.offsets.end() - 1);
  for (TieId e = 0; e < m; ++e) {
    const AgentId a = v.tie_a[e], b = v.tie_b[e];
    v.neighbour[cursor[a]] = b;
    v.tie_of[cursor[a]++] = e;
    v.neighbour[cursor[b]] = a;
    v.tie_of[cursor[b]++] = e;
  }
  stale_ = false;
  view_valid_ = true;
}

double largest_component_share(const NetworkView& v, std::vector<std::uint32_t>& scratch,
                               const std::vector<std::uint8_t>* counted) {
  const std::size_t n = v.agents();
  if (n == 0) return 0.0;
  scratch.resize(2 * n);  // [0, n): union-find parents; [n, 2n): component sizes
  std::uint32_t* parent = scratch.data();
  std::uint32_t* size = scratch.data() + n;
  std::iota(parent, parent + n, 0u);
  std::fill(size, size + n, 0u);
  auto find = [&](std::uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (TieId e = 0; e < v.ties(); ++e) {
    const std::uint32_t ra = find(v.tie_a[e]), rb = find(v.tie_b[e]);
    if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
  }
  std::uint32_t best = 0, total = 0;
  for (std::uint32_t a = 0; a < n; ++a) {
    if (counted != nullptr && !(*counted)[a]) continue;
    ++total;
    best = std::max(best, ++size[find(a)]);
  }
  return total > 0 ? static_cast<double>(best) / static_cast<double>(total) : 0.0;
}

}  // namespace cimsim
