// The network picture: the file does not hold the network, but it holds every scenario's full
// configuration and every run's seed, and runs are deterministic. So the report re-runs the
// representative replicate (final outcome closest to the scenario's median) in-process up to
// the chosen times (model::replay), takes the ties from the model, and lays them out with
// Boost.Graph's Fruchterman-Reingold layout (positions fixed across the snapshots so they can be
// compared). When the scenario's lead coordinator leaves in a scheduled event, the re-run also
// stops the week before and the week of each staff_turnover event, to see whether they left and
// which ties they held (NetworkPicture::coordinator_leaves). It lives in app/ because it needs every layer below: the analysis layer draws the
// page and is handed this function (report::Options::draw_network).
#include "app/network_picture.hpp"

#include "analysis/hdf5_read.hpp"
#include "analysis/report/charts.hpp"
#include "analysis/summary.hpp"
#include "engine/error.hpp"
#include "engine/executor.hpp"
#include "engine/model/replay.hpp"
#include "scenarios/scenario_loader.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/fruchterman_reingold.hpp>
#include <boost/graph/topology.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <numbers>
#include <optional>
#include <set>
#include <thread>

namespace cimsim::app {

using report::NetworkPicture;
using report::sector_label;

namespace {

// Exact 64-bit seeds (read as bytes: a double cannot hold every 64-bit integer).
std::vector<std::uint64_t> read_seeds(const std::string& file) {
  const auto raw = h5::read_raw(file, "seed");
  std::vector<std::uint64_t> seeds(raw.size() / sizeof(std::uint64_t));
  std::memcpy(seeds.data(), raw.data(), seeds.size() * sizeof(std::uint64_t));
  return seeds;
}

// What a node is drawn as: its sector, or backbone staff.
std::string node_group(const model::Model& m, AgentId a) {
  if (m.is_staff(a)) return "Backbone staff";
  return sector_label(model::sector_names()[m.sector()[a]]);
}

// Positions for n nodes joined by the given ties: nodes with ties in [0, 1]^2 (Fruchterman-
// Reingold from a circle, deterministic), nodes without any in a row below, at y = kLoneRow.
constexpr double kLoneRow = -0.07;
std::vector<std::array<double, 2>> layout(std::size_t n, const std::set<std::pair<AgentId, AgentId>>& ties) {
  std::vector<std::size_t> dense(n, n);  // node -> index among the nodes with ties
  std::vector<std::size_t> tied, lone;
  for (const auto& [a, b] : ties) dense[a] = dense[b] = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (dense[i] == 0) dense[i] = tied.size(), tied.push_back(i);
    else lone.push_back(i);
  }
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  using Topology = boost::square_topology<>;
  const std::size_t m = tied.size();
  Graph g(m);
  for (const auto& [a, b] : ties) boost::add_edge(dense[a], dense[b], g);
  std::vector<Topology::point_type> pos(m);
  const double side = 1000.0;
  for (std::size_t i = 0; i < m; ++i) {  // start on a circle, in id order
    const double t = 2.0 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(m);
    pos[i][0] = 0.4 * side * std::cos(t);
    pos[i][1] = 0.4 * side * std::sin(t);
  }
  auto pmap = boost::make_iterator_property_map(pos.begin(), boost::get(boost::vertex_index, g));
  if (m > 1)
    boost::fruchterman_reingold_force_directed_layout(g, pmap, Topology(side / 2.0),
                                                      boost::cooling(boost::linear_cooling<double>(300)));
  double lo[2] = {std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
  double hi[2] = {std::numeric_limits<double>::lowest(), std::numeric_limits<double>::lowest()};
  for (const auto& p : pos)
    for (int d = 0; d < 2; ++d) lo[d] = std::min(lo[d], p[d]), hi[d] = std::max(hi[d], p[d]);
  auto scaled = [&](double x, int d) {
    const double span = hi[d] - lo[d];
    return span > 0.0 ? std::round(1000.0 * (x - lo[d]) / span) / 1000.0 : 0.5;
  };
  std::vector<std::array<double, 2>> out(n);
  for (std::size_t i = 0; i < m; ++i) out[tied[i]] = {scaled(pos[i][0], 0), scaled(pos[i][1], 1)};
  for (std::size_t k = 0; k < lone.size(); ++k)
    out[lone[k]] = {std::round(1000.0 * (static_cast<double>(k) + 0.5) / static_cast<double>(lone.size())) / 1000.0, kLoneRow};
  return out;
}

}  // namespace

NetworkPicture network_picture(const std::string& file, const std::string& scenario, const std::vector<double>& years,
                               std::size_t max_citizens) {
  const auto names = h5::read_strings(file, "scenario");
  const auto si = static_cast<std::size_t>(std::find(names.begin(), names.end(), scenario) - names.begin());
  if (si == names.size()) throw InputError(file, "scenario", "no scenario '" + scenario + "' in the file");
  const auto config = scenarios::load_configuration(h5::read_string_attribute(file, "/", "configuration"),
                                                    file + ": attribute configuration");
  const auto sc = std::find_if(config.begin(), config.end(), [&](const auto& s) { return s.name == scenario; });
  if (sc == config.end())
    throw InputError(file, "configuration", "holds no configuration for scenario '" + scenario + "'");

  // The representative run: ok, final outcome closest to the median of the ok runs.
  const auto fin = h5::read_numeric(file, "final_outcome");
  const auto status = h5::read_numeric(file, "status");
  const std::size_t R = fin.shape.at(1);
  std::vector<double> ok;
  for (std::size_t r = 0; r < R; ++r)
    if (status.values[si * R + r] == 1.0) ok.push_back(fin.values[si * R + r]);
  if (ok.empty()) throw InputError(file, "status", "scenario '" + scenario + "' has no completed run to draw");
  const double median = quantile(ok, 0.5);
  std::size_t best = R;
  for (std::size_t r = 0; r < R; ++r)
    if (status.values[si * R + r] == 1.0 &&
        (best == R || std::abs(fin.values[si * R + r] - median) < std::abs(fin.values[si * R + best] - median)))
      best = r;

  NetworkPicture pic;
  pic.scenario = scenario;
  pic.realization = best;
  pic.seed = read_seeds(file).at(si * R + best);

  const model::Scenario& s = *sc;
  std::vector<int> weeks;
  for (double y : years) {
    const int w = static_cast<int>(std::lround(y * model::kWeeksPerYear));
    if (w >= 0 && w <= s.params.run.horizon_years * model::kWeeksPerYear &&
        std::find(weeks.begin(), weeks.end(), w) == weeks.end())
      weeks.push_back(w);
  }
  std::sort(weeks.begin(), weeks.end());
  if (weeks.empty()) throw InputError("--network-years", "", "no snapshot time within the run's horizon");
  // The weeks around each scheduled staff turnover: does the lead coordinator (slot 0) leave?
  std::vector<int> turnover;
  for (const model::Event* e : model::scheduled_events(s))
    if (e->is<model::ev::StaffTurnover>() && e->week <= s.params.run.horizon_years * model::kWeeksPerYear)
      turnover.push_back(e->week);
  std::sort(turnover.begin(), turnover.end());
  turnover.erase(std::unique(turnover.begin(), turnover.end()), turnover.end());
  std::vector<int> stops = weeks;
  for (int w : turnover) stops.insert(stops.end(), {w - 1, w});
  std::sort(stops.begin(), stops.end());
  stops.erase(std::unique(stops.begin(), stops.end()), stops.end());

  // All cores, run_ensemble's default grain: results do not depend on either.
  const Executor exec(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())), 4096);
  const auto n_citizens = static_cast<std::size_t>(s.params.population.citizens);
  pic.citizens_total = n_citizens;

  struct Snap {
    double year;
    std::vector<AgentId> agents;
    std::vector<std::pair<AgentId, AgentId>> ties;
  };
  std::vector<Snap> snaps;
  std::map<AgentId, std::string> groups;  // every node ever drawn
  const auto outcome = h5::read_numeric(file, "outcome");
  const std::size_t T = outcome.shape.at(2);
  pic.reproduced = true;
  // The lead coordinator the week before a turnover event: in post, their tenure, their ties.
  struct Lead {
    int week = -1;
    bool filled = false;
    int tenure = 0;
    std::vector<AgentId> partners;
  } lead;
  std::optional<int> left_week;  // the first turnover week in which the lead coordinator left
  std::vector<AgentId> left_partners;
  AgentId lead_agent = 0;
  auto partners_of = [](const model::Model& m, AgentId a, int formed_before) {
    std::vector<AgentId> out;
    const NetworkView& v = m.network();
    for (TieId e = 0; e < v.ties(); ++e)
      if ((v.tie_a[e] == a || v.tie_b[e] == a) && v.formed[e] < formed_before)
        out.push_back(v.tie_a[e] == a ? v.tie_b[e] : v.tie_a[e]);
    return out;
  };
  model::replay(s, pic.seed, stops, exec, [&](const model::Model& m) {
    const int w = m.tick();
    const bool has_lead = !m.staff_filled().empty();
    if (has_lead && !left_week && lead.week == w - 1 && lead.filled) {
      // Left: the post is vacant, or its tenure started again (a successor), or none of the
      // ties held before is still there (personal ties leave with the person).
      const bool filled = m.staff_filled()[0] != 0;
      const bool left = !filled || m.state().tenure[0] <= lead.tenure ||
                        (!lead.partners.empty() && partners_of(m, lead_agent, w).empty());
      if (left) left_week = w, left_partners = lead.partners;
    }
    // (After the check: turnover events in consecutive weeks look at the same stop twice.)
    if (has_lead && !left_week && std::binary_search(turnover.begin(), turnover.end(), w + 1)) {
      lead_agent = static_cast<AgentId>(m.staff_begin());
      lead = {w, m.staff_filled()[0] != 0, m.state().tenure[0], partners_of(m, lead_agent, w + 1)};
    }
    if (!std::binary_search(weeks.begin(), weeks.end(), w)) return;  // a stop only to look at the coordinator
    const std::size_t citizens_begin = m.staff_begin() - n_citizens;
    const auto month = static_cast<std::size_t>((w * 12) / model::kWeeksPerYear);
    if (month < T && outcome.values[(si * R + best) * T + month] != m.outcome()) pic.reproduced = false;
    Snap snap{static_cast<double>(w) / model::kWeeksPerYear, {}, {}};
    std::vector<std::uint8_t> drawn(m.agents(), 0);
    for (AgentId a = 0; a < m.agents(); ++a) {
      bool show;
      if (m.is_staff(a)) show = m.staff_filled()[a - m.staff_begin()] != 0;
      else if (a >= citizens_begin && a < m.staff_begin()) show = m.present()[a] && a - citizens_begin < max_citizens;
      else show = m.present()[a] != 0;
      if (!show) continue;
      drawn[a] = 1;
      snap.agents.push_back(a);
      groups.emplace(a, node_group(m, a));
    }
    const NetworkView& v = m.network();
    for (TieId e = 0; e < v.ties(); ++e)
      if (drawn[v.tie_a[e]] && drawn[v.tie_b[e]]) snap.ties.emplace_back(v.tie_a[e], v.tie_b[e]);
    snaps.push_back(std::move(snap));
    pic.years.push_back(snaps.back().year);
  });
  for (const auto& [a, g] : groups)
    if (g == sector_label("citizen")) ++pic.citizens_shown;
  // The departing coordinator's ties, to the nodes drawn (the coordinator gets a place even if
  // no snapshot shows them).
  std::vector<std::pair<AgentId, AgentId>> gone_ties;
  if (left_week) {
    groups.emplace(lead_agent, "Backbone staff");
    for (AgentId b : left_partners)
      if (groups.count(b)) gone_ties.emplace_back(lead_agent, b);
    const double year = static_cast<double>(*left_week) / model::kWeeksPerYear;
    pic.coordinator_leaves = NetworkPicture::Departure{
        lead_agent, *left_week, gone_ties.size(),
        fmt::format("Lead coordinator (leaves in week {}, year {:.3g})", *left_week, year),
        "Ties that leave with the coordinator"};
  }

  // Layout of the union of all snapshots, over dense indices.
  std::map<AgentId, std::size_t> index;
  for (const auto& [a, g] : groups) index.emplace(a, index.size());
  std::set<std::pair<AgentId, AgentId>> all;
  for (const auto& snap : snaps)
    for (const auto& [a, b] : snap.ties) all.emplace(static_cast<AgentId>(index[a]), static_cast<AgentId>(index[b]));
  for (const auto& [a, b] : gone_ties) all.emplace(static_cast<AgentId>(index[a]), static_cast<AgentId>(index[b]));
  const auto pos = layout(index.size(), all);
  pic.without_ties = static_cast<std::size_t>(
      std::count_if(pos.begin(), pos.end(), [](const auto& p) { return p[1] == kLoneRow; }));

  // Ties through backbone staff are highlighted; others take their sector when both ends share it.
  auto group_of_tie = [&](AgentId a, AgentId b) {
    const std::string& ga = groups[a];
    const std::string& gb = groups[b];
    if (ga == "Backbone staff" || gb == "Backbone staff") return std::string("Backbone staff");
    return ga == gb ? ga : std::string("Across sectors");
  };
  // The departing coordinator and their ties are marked: before the week they leave, their node
  // and ties ("coordinator"); from then on, their place and the ties they held ("gone").
  pic.ties = nlohmann::json::array();
  pic.nodes = nlohmann::json::array();
  const auto& leaves = pic.coordinator_leaves;
  for (std::size_t k = 0; k < snaps.size(); ++k) {
    const auto& snap = snaps[k];
    const bool before = leaves && weeks[k] < leaves->week;
    const bool after = leaves && !before;
    auto mark = [&](AgentId a) { return before && a == leaves->agent ? "coordinator" : ""; };
    for (AgentId a : snap.agents) {
      const auto& p = pos[index[a]];
      const std::string m = mark(a);
      pic.nodes.push_back({{"year", snap.year}, {"id", a}, {"x", p[0]}, {"y", p[1]},
                           {"group", m.empty() ? groups[a] : leaves->label}, {"mark", m}});
    }
    for (const auto& [a, b] : snap.ties) {
      const auto& p = pos[index[a]];
      const auto& q = pos[index[b]];
      const std::string m = mark(a)[0] ? mark(a) : mark(b);
      pic.ties.push_back({{"year", snap.year}, {"x", p[0]}, {"y", p[1]}, {"x2", q[0]}, {"y2", q[1]},
                          {"group", m.empty() ? group_of_tie(a, b) : leaves->label}, {"mark", m}});
    }
    if (!after) continue;
    const auto& c = pos[index[leaves->agent]];
    pic.nodes.push_back({{"year", snap.year}, {"id", leaves->agent}, {"x", c[0]}, {"y", c[1]},
                         {"group", leaves->label}, {"mark", "gone"}});
    for (const auto& [a, b] : gone_ties) {
      const auto& q = pos[index[b]];
      pic.ties.push_back({{"year", snap.year}, {"x", c[0]}, {"y", c[1]}, {"x2", q[0]}, {"y2", q[1]},
                          {"group", leaves->ties_label}, {"mark", "gone"}});
    }
  }
  return pic;
}

}  // namespace cimsim::app
