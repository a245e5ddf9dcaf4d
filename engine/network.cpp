#include "network.hpp"

#include <algorithm>
#include <atomic>
#include <numeric>

namespace cimsim {

namespace {
template <class T>
void copy_with_headroom(std::vector<T>& to, const std::vector<T>& from) {
  to.clear();
  to.reserve(from.size() + from.size() / 64);
  to.assign(from.begin(), from.end());
}
}  // namespace

void NetworkView::copy_from(const NetworkView& other) {
  copy_with_headroom(offsets, other.offsets);
  copy_with_headroom(first_tie, other.first_tie);
  copy_with_headroom(neighbour, other.neighbour);
  copy_with_headroom(tie_of, other.tie_of);
  copy_with_headroom(tie_a, other.tie_a);
  copy_with_headroom(tie_b, other.tie_b);
  copy_with_headroom(trust, other.trust);
  copy_with_headroom(last_contact, other.last_contact);
  copy_with_headroom(formed, other.formed);
}

Network::Network(std::size_t agents) : g_(agents) { refresh(); }

AgentId Network::add_agents(std::size_t count) {
  const auto first = static_cast<AgentId>(boost::num_vertices(g_));
  for (std::size_t i = 0; i < count; ++i) boost::add_vertex(g_);
  grew_ = grew_ || count > 0;
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
  boost::add_edge(std::min(a, b), std::max(a, b), TieState{trust, tick, tick}, g_);
  if (view_.ties() > 0) added_log_.emplace_back(std::min(a, b), std::max(a, b));
  else grew_ = true;
  stale_ = true;
  return true;
}

bool Network::remove_tie(AgentId a, AgentId b) {
  if (!has_tie(a, b)) return false;
  if (view_.ties() > 0) removed_log_.emplace_back(std::min(a, b), std::max(a, b));
  boost::remove_edge(a, b, g_);
  stale_ = true;
  return true;
}

std::size_t Network::isolate(AgentId a) {
  if (a >= agents()) return 0;
  const std::size_t d = boost::out_degree(a, g_);
  if (d == 0) return 0;
  if (view_.ties() > 0)
    for (auto [it, end] = boost::out_edges(a, g_); it != end; ++it) {
      const auto b = static_cast<AgentId>(boost::target(*it, g_));
      removed_log_.emplace_back(std::min(a, b), std::max(a, b));
    }
  boost::clear_vertex(a, g_);
  stale_ = true;
  return d;
}

bool Network::apply_one(const TieIntent& t, std::int32_t tick) {
  return t.kind == TieIntent::Kind::add ? add_tie(t.a, t.b, t.trust, tick) : remove_tie(t.a, t.b);
}

void Network::refresh(const Executor& exec) {
  if (!stale_) {
    last_refresh_ = Refresh::none;
    return;
  }
  removed_tie_ids();
  if (!grew_ && removed_ids_.size() <= kMaxEdits && boost::num_vertices(g_) == view_.agents() && collect_additions()) {
    compact(exec);
    insert_additions(exec);
    last_refresh_ = Refresh::edited;
  } else {
    write_back(exec);
    rebuild(exec);
    last_refresh_ = Refresh::rebuilt;
  }
  removed_log_.clear();
  added_log_.clear();
  grew_ = false;
  stale_ = false;
}

// The ties added since the last refresh that the graph still has, each at its last addition
// (a tie added, removed and added again sits where the graph put it last), with the state it
// was added with, in formation order.
bool Network::collect_additions() {
  additions_.clear();
  if (added_log_.size() > 4 * kMaxEdits) return false;
  for (std::size_t i = 0; i < added_log_.size(); ++i) {
    const auto [a, b] = added_log_[i];
    bool later = false;  // added again later: that one counts
    for (std::size_t j = i + 1; j < added_log_.size() && !later; ++j) later = added_log_[j] == added_log_[i];
    if (later) continue;
    // Still there? (It may have been removed again.) An add of a tie that exists fails and is
    // not logged, so a logged pair found in the graph is the added tie.
    for (auto [it, end] = boost::out_edges(a, g_); it != end; ++it)
      if (boost::target(*it, g_) == b) {
        additions_.push_back({a, b, g_[*it]});
        break;
      }
  }
  return additions_.size() <= kMaxEdits;
}

// Adds additions_ to a view that holds the other ties: each new tie goes after the upper ties
// of its lower endpoint a (formation order), its half-edges at the end of a's row and into
// b's lower part (ascending neighbour id). Existing tie ids are renumbered in parallel; the
// arrays open their gaps by moving whole segments right (memmove), last segment first.
void Network::insert_additions(const Executor& exec) {
  NetworkView& v = view_;
  const std::size_t k = additions_.size();
  if (k == 0) return;
  const std::size_t m = v.ties(), n = v.agents(), h = v.neighbour.size();
  // Ties: sorted by lower endpoint, formation order within (stable).
  std::stable_sort(additions_.begin(), additions_.end(), [](const Addition& x, const Addition& y) { return x.a < y.a; });
  tie_inserted_at_.resize(k);
  for (std::size_t i = 0; i < k; ++i) tie_inserted_at_[i] = v.first_tie[additions_[i].a + 1];
  // Half-edges: two per new tie, at positions of the view before insertion.
  insertions_.clear();
  for (std::size_t i = 0; i < k; ++i) {
    const Addition& x = additions_[i];
    const auto id = static_cast<TieId>(tie_inserted_at_[i] + i);
    insertions_.push_back({v.offsets[x.a + 1], x.a, 1u + static_cast<std::uint32_t>(i), x.b, id});
    std::uint32_t pos = v.offsets[x.b];
    const std::uint32_t up = v.upper_begin(x.b);
    while (pos < up && v.neighbour[pos] < x.a) ++pos;
    insertions_.push_back({pos, x.b, 0u, x.a, id});
  }
  std::sort(insertions_.begin(), insertions_.end(), [](const Insertion& x, const Insertion& y) {
    if (x.pos != y.pos) return x.pos < y.pos;
    if (x.row != y.row) return x.row < y.row;
    if (x.key != y.key) return x.key < y.key;  // lower (0) before upper (formation order)
    return x.neighbour < y.neighbour;          // lower ones by neighbour id
  });
  const std::size_t q = insertions_.size();
  // Renumber existing ties: + the number of new ties inserted at or before their index.
  exec.for_chunks(h, [&](std::size_t, std::size_t j0, std::size_t j1) {
    for (std::size_t j = j0; j < j1; ++j) {
      const TieId t = v.tie_of[j];
      v.tie_of[j] = t + static_cast<TieId>(std::upper_bound(tie_inserted_at_.begin(), tie_inserted_at_.end(), t) -
                                           tie_inserted_at_.begin());
    }
  });
  // Open the gaps, last first: the segment after insertion point i moves right by i + 1.
  auto open = [](auto& x, std::size_t size, std::size_t count, auto&& at, auto&& put) {
    x.resize(size + count);
    std::size_t end = size;
    for (std::size_t i = count; i-- > 0;) {
      const std::size_t p = at(i);
      std::move_backward(x.begin() + static_cast<std::ptrdiff_t>(p), x.begin() + static_cast<std::ptrdiff_t>(end),
                         x.begin() + static_cast<std::ptrdiff_t>(end + i + 1));
      put(x, p + i, i);
      end = p;
    }
  };
  auto tie_at = [&](std::size_t i) { return static_cast<std::size_t>(tie_inserted_at_[i]); };
  open(v.tie_a, m, k, tie_at, [&](auto& x, std::size_t p, std::size_t i) { x[p] = additions_[i].a; });
  open(v.tie_b, m, k, tie_at, [&](auto& x, std::size_t p, std::size_t i) { x[p] = additions_[i].b; });
  open(v.trust, m, k, tie_at, [&](auto& x, std::size_t p, std::size_t i) { x[p] = additions_[i].state.trust; });
  open(v.last_contact, m, k, tie_at, [&](auto& x, std::size_t p, std::size_t i) { x[p] = additions_[i].state.last_contact; });
  open(v.formed, m, k, tie_at, [&](auto& x, std::size_t p, std::size_t i) { x[p] = additions_[i].state.formed; });
  auto half_at = [&](std::size_t i) { return static_cast<std::size_t>(insertions_[i].pos); };
  open(v.neighbour, h, q, half_at, [&](auto& x, std::size_t p, std::size_t i) { x[p] = insertions_[i].neighbour; });
  open(v.tie_of, h, q, half_at, [&](auto& x, std::size_t p, std::size_t i) { x[p] = insertions_[i].tie; });
  // Offsets and first tie ids: + the insertions in earlier rows, the new ties of lower agents.
  exec.for_chunks(n + 1, [&](std::size_t, std::size_t x0, std::size_t x1) {
    auto row_before = [&](std::size_t x) {
      return static_cast<std::size_t>(std::lower_bound(insertions_.begin(), insertions_.end(), x,
                                                       [](const Insertion& y, std::size_t r) { return y.row < r; }) -
                                      insertions_.begin());
    };
    auto tie_before = [&](std::size_t x) {
      return static_cast<std::size_t>(std::lower_bound(additions_.begin(), additions_.end(), x,
                                                       [](const Addition& y, std::size_t r) { return y.a < r; }) -
                                      additions_.begin());
    };
    std::size_t before = row_before(x0), ties_before = tie_before(x0);
    for (std::size_t x = x0; x < x1; ++x) {
      while (before < q && insertions_[before].row < x) ++before;
      while (ties_before < k && additions_[ties_before].a < x) ++ties_before;
      v.offsets[x] += static_cast<std::uint32_t>(before);
      v.first_tie[x] += static_cast<TieId>(ties_before);
    }
  });
}

// Old ids of the view's ties that were removed since the last refresh (a removal logged for a
// tie the view does not hold, one added and removed again, is not among them).
void Network::removed_tie_ids() {
  const NetworkView& v = view_;
  removed_ids_.clear();
  for (const auto& [a, b] : removed_log_) {
    if (a >= v.agents()) continue;
    TieId t = v.first_tie[a];
    for (std::uint32_t j = v.upper_begin(a); j < v.offsets[a + 1]; ++j, ++t)
      if (v.neighbour[j] == b) {
        removed_ids_.push_back(t);
        break;
      }
  }
  std::sort(removed_ids_.begin(), removed_ids_.end());
  removed_ids_.erase(std::unique(removed_ids_.begin(), removed_ids_.end()), removed_ids_.end());
}

// The state of every tie the view holds and the graph still has, into the graph's edge
// properties. Ties the view does not hold (added since) keep the state they were added with.
// A surviving tie keeps its place among an agent's out-edges (removals keep the order, adds
// go to the end), so the graph's upper out-edges of a and the view's upper half-edges of a
// are matched in one forward scan, skipping removed ties. Agents write disjoint edges.
void Network::write_back(const Executor& exec) {
  const NetworkView& v = view_;
  if (v.ties() == 0) return;
  const auto n = static_cast<AgentId>(std::min(boost::num_vertices(g_), v.agents()));
  exec.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      std::uint32_t k = v.upper_begin(a);
      TieId t = v.first_tie[a];
      const std::uint32_t end = v.offsets[a + 1];
      for (auto [it, last] = boost::out_edges(a, g_); it != last && k < end; ++it) {
        const auto c = static_cast<AgentId>(boost::target(*it, g_));
        if (c <= a) continue;
        while (k < end && (v.neighbour[k] != c || std::binary_search(removed_ids_.begin(), removed_ids_.end(), t))) {
          ++k;
          ++t;
        }
        if (k == end) break;  // c and the rest were added since
        TieState& s = g_[*it];
        s.trust = v.trust[t];
        s.last_contact = v.last_contact[t];
        ++k;
        ++t;
      }
    }
  });
}

// Removals: drop the removed ties and their half-edges; later tie ids shift down by the number
// of removed ids below them. Ids are renumbered in parallel; the arrays close the gaps by
// moving whole segments left (memmove), first segment first. Order is kept, so the result
// equals a rebuild.
void Network::compact(const Executor& exec) {
  NetworkView& v = view_;
  const auto& R = removed_ids_;
  if (R.empty()) return;
  const std::size_t m = v.ties(), n = v.agents(), h = v.neighbour.size();
  // Positions of the removed half-edges: in a's upper part (known from the id) and in b's
  // lower part (searched).
  removed_half_.clear();
  for (const TieId t : R) {
    const AgentId a = v.tie_a[t], b = v.tie_b[t];
    removed_half_.push_back(v.upper_begin(a) + (t - v.first_tie[a]));
    std::uint32_t j = v.offsets[b];
    while (v.neighbour[j] != a) ++j;
    removed_half_.push_back(j);
  }
  std::sort(removed_half_.begin(), removed_half_.end());
  exec.for_chunks(h, [&](std::size_t, std::size_t j0, std::size_t j1) {
    for (std::size_t j = j0; j < j1; ++j) {
      const TieId t = v.tie_of[j];  // a removed tie's half-edges are dropped below
      v.tie_of[j] = t - static_cast<TieId>(std::lower_bound(R.begin(), R.end(), t) - R.begin());
    }
  });
  // Close the gaps: the segment after the i-th removed entry moves left by i + 1.
  auto close = [](auto& x, std::size_t size, const auto& gone) {
    std::size_t out = gone[0];
    for (std::size_t i = 0; i < gone.size(); ++i) {
      const std::size_t from = gone[i] + 1, to = i + 1 < gone.size() ? gone[i + 1] : size;
      std::move(x.begin() + static_cast<std::ptrdiff_t>(from), x.begin() + static_cast<std::ptrdiff_t>(to),
                x.begin() + static_cast<std::ptrdiff_t>(out));
      out += to - from;
    }
    x.resize(out);
  };
  close(v.tie_a, m, R);
  close(v.tie_b, m, R);
  close(v.trust, m, R);
  close(v.last_contact, m, R);
  close(v.formed, m, R);
  close(v.neighbour, h, removed_half_);
  close(v.tie_of, h, removed_half_);
  // Offsets and first tie ids: - the removed entries below the old values.
  exec.for_chunks(n + 1, [&](std::size_t, std::size_t x0, std::size_t x1) {
    std::size_t below = static_cast<std::size_t>(
        std::lower_bound(removed_half_.begin(), removed_half_.end(), v.offsets[x0]) - removed_half_.begin());
    std::size_t ties_below = static_cast<std::size_t>(std::lower_bound(R.begin(), R.end(), v.first_tie[x0]) - R.begin());
    for (std::size_t x = x0; x < x1; ++x) {
      while (below < removed_half_.size() && removed_half_[below] < v.offsets[x]) ++below;
      while (ties_below < R.size() && R[ties_below] < v.first_tie[x]) ++ties_below;
      v.offsets[x] -= static_cast<std::uint32_t>(below);
      v.first_tie[x] -= static_cast<TieId>(ties_below);
    }
  });
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

// Parallel passes over chunks of agents:
//   1. degree and number of upper neighbours per agent, summed per chunk; then offsets and
//      first tie ids by a prefix sum (over chunk totals serially, within chunks in parallel);
//   2. per agent, its upper half-edges and their ties (state from the graph);
//   3. per upper half-edge (a, b), the half-edge (b, a) placed in b's lower part at the next
//      free slot (an atomic cursor per agent: the slot order depends on scheduling) ...
//   4. ... and each agent's lower part sorted by neighbour id, which fixes the order.
// So the result does not depend on the chunking or the thread count.
void Network::rebuild(const Executor& exec) {
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
