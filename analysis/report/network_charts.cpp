// The report's network pictures (Vega-Lite): the collaboration network of one run at a few
// times, and two scenarios one above the other. A lead coordinator who leaves in a scheduled
// event (NetworkPicture::coordinator_leaves) is marked: before they leave, a large dot with a
// dark outline and thick ties in their own colour; from then on, a hollow ring where they were
// (a successor or new hire takes the same place) and the ties they held, dashed.
#include "analysis/report/charts.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace cimsim::report {

using nlohmann::json;

namespace {

constexpr const char* kCoordinator = "#6a3d9a";  // the departing coordinator and their ties
constexpr const char* kGoneTies = "#9e7cc1";     // the ties that left with them

// One colour per sector, grey for ties across sectors, a strong colour for backbone staff, and
// purple for a departing coordinator of any of the pictures (shared by the pictures of a chart).
json color_scale(const std::vector<const NetworkPicture*>& pics) {
  json domain = json::array(), range = json::array();
  auto add = [&](const std::string& label, const char* colour) {
    for (const auto& d : domain)
      if (d == label) return;
    domain.push_back(label);
    range.push_back(colour);
  };
  const std::pair<const char*, const char*> sectors[] = {
      {"government", "#4c78a8"}, {"civil_society", "#54a24b"}, {"business", "#f58518"},
      {"knowledge", "#b279a2"},  {"funder", "#9d755d"},        {"citizen", "#bab0ac"}};
  for (const auto& [s, c] : sectors) add(sector_label(s), c);
  add("Backbone staff", "#e45756");
  add("Across sectors", "#d0d0d0");
  for (const NetworkPicture* pic : pics)
    if (pic->coordinator_leaves) {
      add(pic->coordinator_leaves->label, kCoordinator);
      add(pic->coordinator_leaves->ties_label, kGoneTies);
    }
  return {{"domain", domain}, {"range", range}};
}

json color(const json& scale) {
  return {{"field", "group"}, {"type", "nominal"}, {"scale", scale}, {"title", "Sector or role"},
          {"legend", {{"labelLimit", 0}}}};
}

// What a screen reader says about a marked dot or line (the SVG's aria-label; the browser test
// reads it too).
std::string describe(const NetworkPicture& pic, const std::string& what) {
  const int week = pic.coordinator_leaves ? pic.coordinator_leaves->week : 0;
  if (what == "coordinator") return fmt::format("the lead coordinator, who leaves in week {}", week);
  if (what == "coordinator-tie") return "a tie of the lead coordinator who leaves";
  if (what == "gone") return fmt::format("where the lead coordinator was before leaving in week {}", week);
  return fmt::format("a tie that left with the lead coordinator in week {}", week);
}

// The snapshots of one picture side by side, drawn from the datasets nodes<suffix>, ties<suffix>.
json panels(const NetworkPicture& pic, const json& scale, const std::string& suffix) {
  json out = json::array();
  const json xs = {{"type", "quantitative"}, {"axis", nullptr}, {"scale", {{"domain", {-0.03, 1.03}}}}};
  json x = xs, y = xs;
  x["field"] = "x";
  y["field"] = "y";
  y["scale"]["domain"] = {-0.1, 1.03};  // a row below for the nodes without ties
  const json nodes = {{"name", "nodes" + suffix}}, ties = {{"name", "ties" + suffix}};
  auto only = [](double year, const std::string& test) {
    return json::array({{{"filter", fmt::format("datum.year == {} && ({})", year, test)}}});
  };
  const int week = pic.coordinator_leaves ? pic.coordinator_leaves->week : 0;
  for (double year : pic.years) {
    json layers = json::array();
    // In drawing order: the ordinary ties and nodes, then the marked ties (those that left with
    // the coordinator dashed, the coordinator's own thick) and dots, so that they lie on top.
    layers.push_back({{"data", ties},
                      {"transform", only(year, "datum.mark == ''")},
                      {"mark", {{"type", "rule"}}},
                      {"encoding", {{"x", x}, {"y", y}, {"x2", {{"field", "x2"}}}, {"y2", {{"field", "y2"}}},
                                    {"color", color(scale)},
                                    {"strokeWidth", {{"condition", {{"test", "datum.group == 'Backbone staff'"}, {"value", 1.6}}},
                                                     {"value", 0.6}}},
                                    {"opacity", {{"condition", {{"test", "datum.group == 'Backbone staff'"}, {"value", 0.9}}},
                                                 {"value", 0.45}}}}}});
    layers.push_back(
        {{"data", nodes},
         {"transform", only(year, "datum.mark == ''")},
         {"mark", {{"type", "circle"}, {"stroke", "white"}, {"strokeWidth", 0.5}}},
         {"encoding", {{"x", x}, {"y", y}, {"color", color(scale)},
                       {"size", {{"condition", {{"test", "datum.group == 'Citizens'"}, {"value", 18}}}, {"value", 70}}},
                       {"tooltip", json::array({{{"field", "group"}, {"title", "sector"}}, {{"field", "id"}, {"title", "agent"}}})}}}});
    layers.push_back({{"data", ties},
                      {"transform", only(year, "datum.mark == 'gone'")},
                      {"mark", {{"type", "rule"}, {"strokeDash", {4, 3}}, {"strokeWidth", 2}, {"opacity", 1}}},
                      {"encoding", {{"x", x}, {"y", y}, {"x2", {{"field", "x2"}}}, {"y2", {{"field", "y2"}}},
                                    {"color", color(scale)}, {"description", {{"value", describe(pic, "gone-tie")}}}}}});
    layers.push_back({{"data", ties},
                      {"transform", only(year, "datum.mark == 'coordinator'")},
                      {"mark", {{"type", "rule"}, {"strokeWidth", 2.4}, {"opacity", 0.95}}},
                      {"encoding", {{"x", x}, {"y", y}, {"x2", {{"field", "x2"}}}, {"y2", {{"field", "y2"}}},
                                    {"color", color(scale)},
                                    {"description", {{"value", describe(pic, "coordinator-tie")}}}}}});
    // The coordinator's place after they left (a hollow ring, around a successor or new hire
    // where there is one), and the coordinator before they leave.
    layers.push_back({{"data", nodes},
                      {"transform", only(year, "datum.mark == 'gone'")},
                      {"mark", {{"type", "point"}, {"shape", "circle"}, {"filled", false}, {"size", 420}, {"strokeWidth", 2.6},
                                {"opacity", 1}}},
                      {"encoding", {{"x", x}, {"y", y}, {"color", color(scale)},
                                    {"description", {{"value", describe(pic, "gone")}}},
                                    {"tooltip", {{"value", fmt::format("The lead coordinator left here in week {}", week)}}}}}});
    layers.push_back({{"data", nodes},
                      {"transform", only(year, "datum.mark == 'coordinator'")},
                      {"mark", {{"type", "circle"}, {"size", 260}, {"stroke", "#111"}, {"strokeWidth", 2}, {"opacity", 1}}},
                      {"encoding", {{"x", x}, {"y", y}, {"color", color(scale)},
                                    {"description", {{"value", describe(pic, "coordinator")}}},
                                    {"tooltip", {{"value", fmt::format("The lead coordinator, who leaves in week {}", week)}}}}}});
    // A word above the marked dot, what it is, on a white halo (the same text drawn thick in
    // white underneath).
    const json word = {{"condition", {{"test", "datum.mark == 'gone'"}, {"value", fmt::format("coordinator left (week {})", week)}}},
                       {"value", fmt::format("coordinator (leaves week {})", week)}};
    for (const bool halo : {true, false}) {
      json mark = {{"type", "text"}, {"dy", -16}, {"fontSize", 11}, {"fontWeight", "bold"}, {"color", kCoordinator}};
      if (halo) mark.update({{"color", "white"}, {"stroke", "white"}, {"strokeWidth", 3.5}, {"strokeJoin", "round"}, {"aria", false}});
      layers.push_back({{"data", nodes},
                        {"transform", only(year, "datum.mark != ''")},
                        {"mark", mark},
                        {"encoding", {{"x", x}, {"y", y}, {"text", word}}}});
    }
    out.push_back(
        {{"title", {{"text", year == 0.0 ? std::string("At the start") : fmt::format("After {:.3g} years", year)},
                    {"fontSize", 13}}},
         {"width", 270},
         {"height", 270},
         {"layer", layers}});
  }
  return out;
}

std::string marking_subtitle(const std::vector<const NetworkPicture*>& pics) {
  for (const NetworkPicture* pic : pics)
    if (pic->coordinator_leaves)
      return "Purple, large and outlined: the lead coordinator who leaves, and their ties; after they leave, a hollow "
             "purple ring marks their place and dashed purple lines the ties that left with them.";
  return "";
}

}  // namespace

json network_chart(const NetworkPicture& pic) {
  const json scale = color_scale({&pic});
  json spec = chart_base();
  json subtitle = json::array({"Each dot is an organisation, a citizen or a backbone staff member; each line is a working "
                               "relationship. Red: backbone staff and their ties."});
  if (const std::string m = marking_subtitle({&pic}); !m.empty()) subtitle.push_back(m);
  spec["title"] = chart_title("Who works with whom in " + pic.scenario + ", over time", subtitle);
  spec["datasets"] = {{"nodes", pic.nodes}, {"ties", pic.ties}};
  spec["hconcat"] = panels(pic, scale, "");
  spec["resolve"] = {{"scale", {{"color", "shared"}}}};
  return spec;
}

json network_pair_chart(const NetworkPicture& a, const NetworkPicture& b, double event_year) {
  const json scale = color_scale({&a, &b});
  json out = chart_base();
  json subtitle = json::array({"Each scenario's representative run; red: backbone staff and their ties."});
  if (const std::string m = marking_subtitle({&a, &b}); !m.empty()) subtitle.push_back(m);
  out["title"] = chart_title(fmt::format("{} and {}: before and after the event in year {:g}", a.scenario, b.scenario, event_year),
                             subtitle);
  out["datasets"] = json::object();
  json rows = json::array();
  int k = 0;
  for (const NetworkPicture* pic : {&a, &b}) {
    const std::string suffix = std::to_string(k++);
    out["datasets"]["nodes" + suffix] = pic->nodes;
    out["datasets"]["ties" + suffix] = pic->ties;
    rows.push_back({{"title", {{"text", pic->scenario}, {"fontSize", 14}}}, {"hconcat", panels(*pic, scale, suffix)}});
  }
  out["vconcat"] = rows;
  out["resolve"] = {{"scale", {{"color", "shared"}}}};
  return out;
}

}  // namespace cimsim::report
