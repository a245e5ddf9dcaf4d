// The collaboration network: an undirected, weighted graph stored in Boost.Graph, with a
// compact read-only view (compressed sparse rows plus per-tie arrays) for hot loops.
//
// Ownership of tie state: between commits, the per-tie arrays of the view (trust, last
// contact) are the truth and phases update them in place, each tie by exactly one writer.
// Topology changes (ties added or removed) are requested as intents and applied by commit(),
// which writes the tie state back into the Boost graph, changes it, and rebuilds the view.
// Tie ids are therefore stable between commits only.
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

  std::size_t agents() const noexcept { return offsets.empty() ? 0 : offsets.size() - 1; }
  std::size_t ties() const noexcept { return tie_a.size(); }
  std::uint32_t degree(AgentId a) const noexcept { return offsets[a + 1] - offsets[a]; }
  std::span<const AgentId> neighbours(AgentId a) const noexcept {
    return {neighbour.data() + offsets[a], degree(a)};
  }
  std::span<const TieId> ties_of(AgentId a) const noexcept { return {tie_of.data() + offsets[a], degree(a)}; }
  // Index of a's first upper half-edge (neighbour id above a); its tie is first_tie[a].
  std::uint32_t upper_begin(AgentId a) const noexcept { return offsets[a + 1] - (first_tie[a + 1] - first_tie[a]); }
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
  // executor, the rebuild runs in parallel over chunks of agents (same result at any thread
  // count).
  const NetworkView& view() const noexcept { return view_; }
  NetworkView& mutable_view() noexcept { return view_; }
  void refresh(const Executor& exec = Executor(false));
  // Writes the view's tie state back into the graph now, in parallel, so that the first
  // topology change after a refresh does not do it serially. Optional; call before a batch
  // of changes.
  void prepare_changes(const Executor& exec);
  bool stale() const noexcept { return stale_; }

  const Graph& graph() const noexcept { return g_; }

 private:
  void write_back(const Executor& exec = Executor(false));  // view tie state -> graph properties
  Graph g_;
  std::vector<std::uint32_t> chunk_sums_;  // refresh scratch: per chunk, half-edges and ties
  std::vector<std::uint32_t> cursor_;      // refresh scratch: next free lower slot per agent
  NetworkView view_;
  bool stale_ = true;
  bool view_valid_ = false;  // view tie arrays correspond to g_'s current edges
};

// Share of agents in the largest connected component (0 for an empty network). scratch is
// resized to 2 x agents and reused between calls. With `counted`, only agents a with
// counted[a] != 0 count (in the numerator and the denominator).
double largest_component_share(const NetworkView& v, std::vector<std::uint32_t>& scratch,
                               const std::vector<std::uint8_t>* counted = nullptr);

}  // namespace cimsim
