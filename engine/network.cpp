#include "network.hpp"

#include <algorithm>
#include <atomic>
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
// stored order, keeping the half-edge whose target is the larger id (see NetworkView).
// write_back() walks the same order, so it must run before any topology change while the view
// is valid. Agents write disjoint edges' properties, so chunks run in parallel.
void Network::write_back(const Executor& exec) {
  if (!view_valid_) return;
  const auto n = static_cast<AgentId>(boost::num_vertices(g_));
  exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      TieId t = view_.first_tie[a];
      for (auto [it, end] = boost::out_edges(a, g_); it != end; ++it) {
        if (boost::target(*it, g_) <= a) continue;
        TieState& s = g_[*it];
        s.trust = view_.trust[t];
        s.last_contact = view_.last_contact[t];
        ++t;
      }
    }
  });
  view_valid_ = false;
}

void Network::prepare_changes(const Executor& exec) { write_back(exec); }

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

// Parallel passes over chunks of agents:
//   1. degree and number of upper neighbours per agent, summed per chunk; then offsets and
//      first tie ids by a prefix sum (over chunk totals serially, within chunks in parallel);
//   2. per agent, its upper half-edges and their ties (state from the graph);
//   3. per upper half-edge (a, b), the half-edge (b, a) placed in b's lower part at the next
//      free slot (an atomic cursor per agent: the slot order depends on scheduling) ...
//   4. ... and each agent's lower part sorted by neighbour id, which fixes the order.
// So the result does not depend on the chunking or the thread count.
void Network::refresh(const Executor& exec) {
  if (!stale_ && view_valid_) return;
  const auto n = static_cast<AgentId>(boost::num_vertices(g_));
  const std::size_t m = boost::num_edges(g_);
  NetworkView& v = view_;
  v.offsets.resize(n + 1);
  v.first_tie.resize(n + 1);
  v.offsets[0] = 0;
  v.first_tie[0] = 0;
  size_for_overwrite(v.tie_a, m);
  size_for_overwrite(v.tie_b, m);
  size_for_overwrite(v.trust, m);
  size_for_overwrite(v.last_contact, m);
  size_for_overwrite(v.formed, m);
  size_for_overwrite(v.neighbour, 2 * m);
  size_for_overwrite(v.tie_of, 2 * m);
  cursor_.resize(n);
  const std::size_t chunks = exec.chunk_count(n);
  chunk_sums_.assign(2 * chunks + 2, 0);
  // 1. counts; offsets[a+1] and first_tie[a+1] hold agent a's own counts for now.
  exec.for_chunks(n, [&](std::size_t c, std::size_t b0, std::size_t b1) {
    std::uint32_t half = 0, ties = 0;
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      std::uint32_t up = 0;
      for (auto [it, end] = boost::out_edges(a, g_); it != end; ++it) up += boost::target(*it, g_) > a ? 1 : 0;
      const auto d = static_cast<std::uint32_t>(boost::out_degree(a, g_));
      v.offsets[a + 1] = d;
      v.first_tie[a + 1] = up;
      half += d;
      ties += up;
    }
    chunk_sums_[2 * c + 2] = half;
    chunk_sums_[2 * c + 3] = ties;
  });
  for (std::size_t c = 0; c < chunks; ++c) {  // exclusive prefix over chunk totals
    chunk_sums_[2 * c + 2] += chunk_sums_[2 * c];
    chunk_sums_[2 * c + 3] += chunk_sums_[2 * c + 1];
  }
  exec.for_chunks(n, [&](std::size_t c, std::size_t b0, std::size_t b1) {
    std::uint32_t half = chunk_sums_[2 * c], ties = chunk_sums_[2 * c + 1];
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      cursor_[a] = half;  // the first slot of a's lower part
      half += v.offsets[a + 1];
      ties += v.first_tie[a + 1];
      v.offsets[a + 1] = half;
      v.first_tie[a + 1] = ties;
    }
  });
  // 2. upper half-edges with their ties, after the lower part.
  exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      TieId t = v.first_tie[a];
      std::uint32_t up = v.offsets[a + 1] - (v.first_tie[a + 1] - t);
      for (auto [it, end] = boost::out_edges(a, g_); it != end; ++it) {
        const auto b = static_cast<AgentId>(boost::target(*it, g_));
        if (b < a) continue;
        const TieState& s = g_[*it];
        v.tie_a[t] = a;
        v.tie_b[t] = b;
        v.trust[t] = s.trust;
        v.last_contact[t] = s.last_contact;
        v.formed[t] = s.formed;
        v.neighbour[up] = b;
        v.tie_of[up++] = t++;
      }
    }
  });
  // 3. the mirror half-edges, into the upper endpoint's lower part.
  exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      for (TieId t = v.first_tie[a]; t < v.first_tie[a + 1]; ++t) {
        const AgentId b = v.tie_b[t];
        const std::uint32_t slot = std::atomic_ref<std::uint32_t>(cursor_[b]).fetch_add(1, std::memory_order_relaxed);
        v.neighbour[slot] = a;
        v.tie_of[slot] = t;
      }
    }
  });
  // 4. each lower part in ascending neighbour id (insertion sort: a few entries).
  exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      const std::uint32_t lo = v.offsets[a], hi = v.offsets[a + 1] - (v.first_tie[a + 1] - v.first_tie[a]);
      for (std::uint32_t j = lo + 1; j < hi; ++j) {
        const AgentId x = v.neighbour[j];
        const TieId tx = v.tie_of[j];
        std::uint32_t k = j;
        for (; k > lo && v.neighbour[k - 1] > x; --k) {
          v.neighbour[k] = v.neighbour[k - 1];
          v.tie_of[k] = v.tie_of[k - 1];
        }
        v.neighbour[k] = x;
        v.tie_of[k] = tx;
      }
    }
  });
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
