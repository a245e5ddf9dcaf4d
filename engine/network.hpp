// The collaboration network: an undirected, weighted graph stored in Boost.Graph, with a
// compact read-only view (compressed sparse rows plus per-tie arrays) for hot loops.
//
// Ownership of tie state: the view's per-tie arrays (trust, last contact) are the truth;
// phases update them in place, each tie by exactly one writer. The Boost graph holds the
// topology; its edge properties hold a tie's state when it was added and are brought up to
// date only when the view is rebuilt from the graph. Topology changes go to the graph at once
// and reach the view at refresh(): when they are a few removals and additions of ties, by
// editing the view in place (removals in a forward pass, additions in a backward pass; its
// order and tie numbering are exactly those of a rebuild); otherwise the current state of the
// surviving ties is written into the graph and the view is rebuilt from it.
// Tie ids are therefore stable between refreshes only.
#pragma once

#include "executor.hpp"

#include <boost/graph/adjacency_list.hpp>

#include <cstdint>
#include <span>
#include <vector>

namespace cimsim {

using AgentId = std::uint32_t;
using TieId = std::uint32_t;

struct TieState {
  float trust = 0.0f;          // [0, 1]
  std::int32_t last_contact = 0;  // tick of the last contact
  std::int32_t formed = 0;        // tick the tie was formed
};

// Compact view of the graph. Half-edges of agent a are [offsets[a], offsets[a+1]); each
// half-edge names its neighbour and the id of its tie. Tie t joins tie_a[t] < tie_b[t].
// An agent's half-edges list first its lower neighbours (ids below its own) in ascending id
// order, then its upper neighbours in the Boost graph's out-edge order. Tie ids number the
// upper half-edges of agent 0, then of agent 1, and so on: agent a's ties to higher ids are
// first_tie[a] .. first_tie[a+1]-1, in the order of its upper half-edges.
struct NetworkView {
  std::vector<std::uint32_t> offsets;
  std::vector<TieId> first_tie;
  std::vector<AgentId> neighbour;
  std::vector<TieId> tie_of;
  std::vector<AgentId> tie_a, tie_b;
  std::vector<float> trust;
  std::vector<std::int32_t> last_contact;
  std::vector<std::int32_t> formed;

  NetworkView() = default;
  // Copies keep the headroom a rebuild leaves (1/64), so that the first edit after a copy (a
  // forked run, a benchmark's copy) does not reallocate the arrays.
  NetworkView(const NetworkView& other) { copy_from(other); }
  NetworkView& operator=(const NetworkView& other) {
    if (this != &other) copy_from(other);
    return *this;
  }
  NetworkView(NetworkView&&) noexcept = default;
  NetworkView& operator=(NetworkView&&) noexcept = default;
  ~NetworkView() = default;

  std::size_t agents() const noexcept { return offsets.empty() ? 0 : offsets.size() - 1; }
  std::size_t ties() const noexcept { return tie_a.size(); }
  std::uint32_t degree(AgentId a) const noexcept { return offsets[a + 1] - offsets[a]; }
  std::span<const AgentId> neighbours(AgentId a) const noexcept {
    return {neighbour.data() + offsets[a], degree(a)};
  }
  std::span<const TieId> ties_of(AgentId a) const noexcept { return {tie_of.data() + offsets[a], degree(a)}; }
  // Index of a's first upper half-edge (neighbour id above a); its tie is first_tie[a].
  std::uint32_t upper_begin(AgentId a) const noexcept { return offsets[a + 1] - (first_tie[a + 1] - first_tie[a]); }

 private:
  void copy_from(const NetworkView& other);
};

struct TieIntent {
  enum class Kind : std::uint8_t { add, remove };
  Kind kind;
  AgentId a, b;
  float trust;  // initial trust for add
};

class Network {
 public:
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property, TieState>;

  explicit Network(std::size_t agents = 0);

  std::size_t agents() const noexcept { return boost::num_vertices(g_); }
  std::size_t ties() const noexcept { return view_.ties(); }
  // Adds agents without ties; returns the id of the first new one. Call between ticks.
  AgentId add_agents(std::size_t count);

  // Immediate changes, for building a network before a run. Return false when nothing
  // changed (tie already present, self-tie, or no such tie).
  bool add_tie(AgentId a, AgentId b, float trust, std::int32_t tick);
  bool remove_tie(AgentId a, AgentId b);
  bool has_tie(AgentId a, AgentId b) const;
  // Removes every tie of agent a.
  std::size_t isolate(AgentId a);

  // Applies tie intents in the order given (adds of an existing tie and removals of a missing
  // one are ignored). Returns the number of changes.
  template <class Range>
  std::size_t apply(const Range& intents, std::int32_t tick) {
    std::size_t n = 0;
    for (const TieIntent& t : intents) n += apply_one(t, tick) ? 1 : 0;
    return n;
  }
  bool apply_one(const TieIntent& t, std::int32_t tick);

  // The compact view; call refresh() after topology changes, before reading it. With an
  // executor, a rebuild runs in parallel over chunks of agents (same result at any thread
  // count).
  const NetworkView& view() const noexcept { return view_; }
  NetworkView& mutable_view() noexcept { return view_; }
  void refresh(const Executor& exec = Executor(1));
  bool stale() const noexcept { return stale_; }
  // How the last refresh brought the view up to date (for tests and benchmarks).
  enum class Refresh : std::uint8_t { none, edited, rebuilt };
  Refresh last_refresh() const noexcept { return last_refresh_; }

  // Topology only: edge properties may be out of date (see the top of this file).
  const Graph& graph() const noexcept { return g_; }

  // At most this many removals and this many additions since the last refresh are applied by
  // editing the view; more, or new agents, rebuild it.
  static constexpr std::size_t kMaxEdits = 64;

 private:
  void removed_tie_ids();                // removed_log_ -> removed_ids_ (old ids, sorted)
  void write_back(const Executor& exec);  // surviving ties' view state -> graph properties
  void compact(const Executor& exec);    // the view without removed_ids_, in place
  bool collect_additions();              // added_log_ -> additions_ (false: too many)
  void insert_additions(const Executor& exec);  // additions_ into the view, in place
  void rebuild(const Executor& exec);    // the view from the graph
  Graph g_;
  NetworkView view_;
  bool stale_ = true;
  // Changes since the last refresh: removals of ties the view holds, and whether anything was
  // added (ties or agents).
  std::vector<std::pair<AgentId, AgentId>> removed_log_, added_log_;
  bool grew_ = false;  // agents added, or ties added while the view held none
  Refresh last_refresh_ = Refresh::none;
  std::vector<TieId> removed_ids_;         // refresh scratch
  std::vector<std::uint32_t> removed_half_;  // refresh scratch: positions of removed half-edges
  struct Addition {
    AgentId a, b;
    TieState state;
  };
  std::vector<Addition> additions_;        // refresh scratch, in formation order
  struct Insertion {
    std::uint32_t pos;  // before the half-edge at this index (of the view before insertion)
    AgentId row;        // whose half-edge it is
    std::uint32_t key;  // order among insertions at one place: lower ones by neighbour id, then upper
    AgentId neighbour;
    TieId tie;
  };
  std::vector<Insertion> insertions_;      // refresh scratch
  std::vector<TieId> tie_inserted_at_;     // refresh scratch: sorted insertion indices of new ties
  std::vector<std::uint32_t> chunk_sums_;  // rebuild scratch: per chunk, half-edges and ties
  std::vector<std::uint32_t> cursor_;      // rebuild scratch: next free lower slot per agent
};

// Share of agents in the largest connected component (0 for an empty network). scratch is
// resized to 2 x agents and reused between calls. With `counted`, only agents a with
// counted[a] != 0 count (in the numerator and the denominator).
double largest_component_share(const NetworkView& v, std::vector<std::uint32_t>& scratch,
                               const std::vector<std::uint8_t>* counted = nullptr);

}  // namespace cimsim
