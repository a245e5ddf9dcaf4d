// `cimsim report`: reads an output file, computes what the charts need, and writes one HTML
// page with the charting libraries and all data inline (it works offline).
#include "analysis/report/report.hpp"

#include "analysis/ensemble_file.hpp"
#include "analysis/labels.hpp"
#include "analysis/report/assets.hpp"
#include "analysis/report/charts.hpp"
#include "analysis/summary.hpp"
#include "engine/error.hpp"
#include "scenarios/scenario_loader.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cimsim::report {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Effects smaller than this share of the baseline's progress are called negligible (no star).
constexpr double kNegligibleShare = 0.01;

double round4(double x) { return std::isnan(x) ? x : std::round(x * 1e4) / 1e4; }

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path, "", "cannot read this JSON file");
  try {
    return json::parse(in);
  } catch (const json::parse_error& e) {
    throw InputError(path, "", std::string("not valid JSON: ") + e.what());
  }
}

// Quantiles over the ok realizations of each scenario and month.
json fan_rows(const EnsembleFile& f) {
  json rows = json::array();
  std::vector<double> x;
  for (const auto& v : key_variables()) {
    if (!f.has_dataset(v.dataset)) continue;
    const std::size_t sector = v.sector.empty() ? 0 : f.sector_index(v.sector);
    for (std::size_t t = 0; t < f.months().size(); ++t) {
      const auto runs = f.per_run_at(v.dataset, t, sector);  // NaN where a run is not ok
      for (std::size_t s = 0; s < runs.size(); ++s) {
        x = runs[s];
        const double q50 = quantile(x, 0.5);
        if (std::isnan(q50)) continue;
        rows.push_back({{"variable", v.name}, {"scenario", f.scenarios()[s]}, {"year", round4(f.months()[t] / 12.0)},
                        {"q05", round4(quantile(x, 0.05))}, {"q25", round4(quantile(x, 0.25))}, {"q50", round4(q50)},
                        {"q75", round4(quantile(x, 0.75))}, {"q95", round4(quantile(x, 0.95))}});
      }
    }
  }
  return rows;
}

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  return out;
}

// Text placed inside a <script> element must not close it: "</script" (any case) becomes
// "<\/script", which means the same inside JavaScript strings, regular expressions and JSON.
std::string script_safe(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  std::size_t from = 0;
  for (std::size_t at = s.find("</"); at != std::string::npos; at = s.find("</", at + 2)) {
    std::string word = s.substr(at + 2, 6);
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (word != "script") continue;
    out.append(s, from, at + 1 - from).append("\\");
    from = at + 1;
  }
  return out.append(s, from, std::string::npos);
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

const char* kStyle = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #222; background: #fafafa; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 28px; margin: 0 0 8px; }
h2 { font-size: 22px; margin: 36px 0 8px; border-bottom: 2px solid #4c78a8; padding-bottom: 4px; }
p.guide { max-width: 820px; line-height: 1.5; background: #eef3f9; padding: 10px 14px; border-radius: 6px; }
figure { margin: 16px 0 28px; background: white; padding: 12px; border: 1px solid #e3e3e3; border-radius: 6px; overflow-x: auto; }
figcaption { font-size: 14px; color: #444; margin-top: 6px; max-width: 820px; }
table { border-collapse: collapse; font-size: 14px; }
td, th { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
nav a { margin-right: 14px; }
#status { font-size: 13px; color: #666; }
#status[data-state="error"] { color: #b00; font-weight: bold; }
pre { white-space: pre-wrap; font-size: 12px; max-height: 400px; overflow: auto; background: #f4f4f4; padding: 8px; }
td.met { color: #1a7f37; font-weight: bold; }
td.missed { color: #b00; font-weight: bold; }
td.none { color: #666; }
.warning { background: #fff3cd; padding: 8px 12px; border-radius: 6px; }
)css";

// After every chart has been drawn, the page says so in its title and in #status (the browser
// test reads them); script errors are collected and shown instead.
const char* kDriver = R"js(
(function () {
  var specs = JSON.parse(document.getElementById('cimsim-charts').textContent);
  var ids = Object.keys(specs);
  var status = document.getElementById('status');
  if (typeof vegaEmbed === 'undefined') {
    window.cimsimErrors.push('the charting library did not load');
    ids = [];
  }
  function finish() {
    var drawn = ids.filter(function (id) { return document.querySelector('#' + id + ' svg'); }).length;
    var total = Object.keys(specs).length;
    if (window.cimsimErrors.length > 0 || drawn !== total) {
      status.dataset.state = 'error';
      status.textContent = 'Some charts could not be drawn (' + drawn + ' of ' + total + '): ' + window.cimsimErrors.join(' | ');
      document.title = 'cimsim report: errors';
    } else {
      status.dataset.state = 'done';
      status.textContent = drawn + ' charts drawn.';
      document.title = 'cimsim report: ' + drawn + ' charts rendered';
    }
  }
  Promise.all(ids.map(function (id) {
    return vegaEmbed('#' + id, specs[id], { actions: false, renderer: 'svg' })
      .catch(function (e) { window.cimsimErrors.push(id + ': ' + e); });
  })).then(finish, function (e) { window.cimsimErrors.push(String(e)); finish(); });
})();
)js";

class Page {
 public:
  void section(const std::string& id, const std::string& heading, const std::string& guide) {
    sections_.push_back({id, heading});
    body_ += "<section id=\"" + id + "\">\n<h2>" + escape(heading) + "</h2>\n<p class=\"guide\">" + escape(guide) + "</p>\n";
  }
  void end_section() { body_ += "</section>\n"; }
  void chart(const std::string& id, const json& spec, const std::string& caption = "") {
    if (spec.is_null()) return;
    specs_[id] = spec;
    body_ += "<figure><div class=\"chart\" id=\"" + id + "\"></div>";
    if (!caption.empty()) body_ += "<figcaption>" + escape(caption) + "</figcaption>";
    body_ += "</figure>\n";
  }
  void html(const std::string& raw) { body_ += raw; }
  void text(const std::string& plain) { body_ += "<p>" + escape(plain) + "</p>\n"; }
  std::size_t charts() const { return specs_.size(); }

  std::string finish(const std::string& page_title, const std::string& header) const {
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
                      escape(page_title) + "</title>\n<style>" + kStyle + "</style>\n";
    out += "<script>window.cimsimErrors = [];\nwindow.addEventListener('error', function (e) { "
           "window.cimsimErrors.push(String(e.message)); });\nwindow.addEventListener('unhandledrejection', "
           "function (e) { window.cimsimErrors.push(String(e.reason)); });</script>\n";
    for (const auto& a : assets())
      out += "<script>/* " + std::string(a.name) + " (npm) */\n" + script_safe(std::string(a.js)) + "\n</script>\n";
    out += "</head>\n<body>\n<header>\n" + header + "<nav>";
    for (const auto& [id, heading] : sections_) out += "<a href=\"#" + id + "\">" + escape(heading) + "</a>";
    out += "</nav>\n</header>\n<main>\n" + body_ + "</main>\n";
    out += "<script type=\"application/json\" id=\"cimsim-charts\">" + script_safe(specs_.dump()) + "</script>\n";
    out += "<script>" + std::string(kDriver) + "</script>\n</body>\n</html>\n";
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> sections_;
  std::string body_;
  json specs_ = json::object();
};

std::string provenance_table(const json& prov) {
  std::string t = "<table>\n";
  for (const auto& [k, v] : prov.items()) {
    if (k == "configuration") continue;
    t += "<tr><th>" + escape(k) + "</th><td>" + escape(v.get<std::string>()) + "</td></tr>\n";
  }
  return t + "</table>\n";
}

// What the network picture marks: the lead coordinator who leaves, or that none does.
std::string coordinator_text(const NetworkPicture& n) {
  if (!n.coordinator_leaves) return fmt::format(" No coordinator leaves in {}, so nothing is marked there.", n.scenario);
  const auto& c = *n.coordinator_leaves;
  return fmt::format(" In {} the lead coordinator leaves in week {} (year {:.3g}). Before that they are the large purple "
                     "dot with a dark outline, their ties thick purple lines; from then on a hollow purple ring marks their "
                     "place (a successor or new hire, where there is one, takes the same place) and dashed lines the "
                     "{} tie(s) to the dots shown that they held the week before, which left with them.",
                     n.scenario, c.week, c.week / static_cast<double>(model::kWeeksPerYear), c.ties);
}

}  // namespace

Inputs gather(const Options& o) {
  const EnsembleFile f(o.file);  // throws InputError naming the file if it is not a cimsim output file
  Inputs in;
  in.file = o.file;
  in.scenarios = f.scenarios();
  in.months = f.months();
  in.realizations = f.realizations();
  in.provenance = json::object();
  for (const char* a : {"title", "cimsim_version", "git_revision", "build_type", "command_line", "created", "master_seed",
                        "rng_scheme", "threads", "complete", "design", "history", "configuration"})
    if (f.has_attribute(a)) in.provenance[a] = f.attribute(a);
  in.design = in.provenance.value("design", std::string());
  in.fans = fan_rows(f);

  const bool has_baseline = f.scenario_index(o.baseline) < in.scenarios.size();
  if (!has_baseline && o.baseline != Options{}.baseline)
    throw InputError("--baseline", "", "no scenario '" + o.baseline + "' in " + o.file);
  const std::string baseline = has_baseline ? o.baseline : in.scenarios.front();  // a file without "baseline"
  in.compare = o.compare_json.empty() ? compare_for(o.file, baseline) : read_json_file(o.compare_json);
  in.labels = scenario_labels(f);
  in.paired = paired_rows(f, in.compare.value("baseline", baseline));
  if (!o.sensitivity_json.empty()) in.sensitivity = read_json_file(o.sensitivity_json);
  else if (!in.design.empty() && in.design != "none") {
    try {
      in.sensitivity = sensitivity_for(o.file);
    } catch (const InputError& e) {  // e.g. too few sweep points: the rest of the report still helps
      in.sensitivity_note = std::string("The sensitivity analysis could not be computed: ") + e.what();
    }
  }

  std::vector<model::Scenario> config;
  try {
    config = scenarios::load_configuration(in.provenance.value("configuration", std::string()), o.file + ": configuration");
  } catch (const InputError& e) {
    in.network_note = std::string("The file's configuration could not be read back, so no run can be re-drawn: ") + e.what();
  }
  for (const auto& s : config)
    if (s.name == baseline) in.goal = s.params.problem.goal;
  in.cases = case_matches(o.file, config);  // presets of the file with a target table

  const std::string net = o.network_scenario.empty() ? baseline : o.network_scenario;
  const std::size_t net_index = f.scenario_index(net);
  if (net_index == in.scenarios.size()) throw InputError("--network-scenario", "", "no scenario '" + net + "' in " + o.file);
  bool any_ok = false;
  for (std::size_t r = 0; r < in.realizations; ++r) any_ok = any_ok || f.ok(net_index, r);
  if (!any_ok) in.network_note = "No run of scenario " + net + " completed, so there is no network to draw.";
  else if (!config.empty() && o.network_citizens > 0 && !o.network_years.empty() && o.draw_network)
    in.network = o.draw_network(o.file, net, o.network_years, o.network_citizens);
  else if (in.network_note.empty())
    in.network_note = "No network picture was asked for.";
  // Before and after the first scheduled event of a scenario other than the baseline.
  if (!config.empty() && o.network_citizens > 0 && o.draw_network && any_ok)
    for (const auto& s : in.compare.value("scenarios", json::array())) {
      const std::string name = s.value("name", std::string());
      if (name == baseline || s.value("ok", 0) == 0) continue;
      double month = -1.0;
      for (const auto& e : s.value("events", json::array()))
        if (e.value("month", json()).is_number()) {
          month = e["month"].get<double>();
          break;
        }
      if (month <= 0.0) continue;
      const double year = month / 12.0;
      const std::vector<double> years = {std::max(0.0, std::floor((month - 1.0)) / 12.0), year + 1.0};
      if (years.back() * 12.0 > in.months.back()) continue;
      in.before_after_base = o.draw_network(o.file, baseline, years, o.network_citizens);
      in.before_after_event = o.draw_network(o.file, name, years, o.network_citizens);
      in.event_year = year;
      break;
    }
  return in;
}

std::string render_html(const Inputs& in) {
  Page page;
  const std::string base = in.compare.value("baseline", in.scenarios.front());
  const std::string file_name = fs::path(in.file).filename().string();

  std::string header = "<h1>What the simulation shows: " + escape(file_name) + "</h1>\n";
  header += "<p>" + escape(fmt::format("{} scenario(s), each run {} times with different random draws (the same draws "
                                       "in every scenario, so differences come from the scenarios). Report made {}.",
                                       in.scenarios.size(), in.realizations, utc_now())) +
            "</p>\n<p id=\"status\" data-state=\"loading\">Drawing the charts&hellip; (if this stays, JavaScript is off)</p>\n";
  if (in.provenance.value("complete", std::string("true")) != "true")
    header += "<p class=\"warning\">This file is incomplete: the simulation was stopped before every run finished. "
              "Numbers rest on fewer runs than planned.</p>\n";

  page.section("over-time", "How things develop over time",
               "Each small chart is one scenario. The dark line follows the middle run: half of the runs did better, "
               "half did worse. The dark band holds the middle half of the runs and the light band 9 in 10 runs, so "
               "a wide band means the result depends a lot on chance (who happens to meet whom, who leaves when). "
               "Compare the lines between scenarios, and read the bands as the honest range of what could happen.");
  for (const auto& v : key_variables()) page.chart("fan-" + v.name, fan_chart(in, v));
  page.end_section();

  for (const auto& c : in.cases) {
    page.section("case-" + c.preset, "How well this preset matches its case: " + c.preset,
                 "What the case reports, set against what the simulation gives, by the same rules as the command "
                 "\"cimsim targets " + c.preset + "\". Each row is one thing the case reports (with the line of the case material it "
                     "comes from), written as a number the simulation produces. 'Simulated' is the middle run with, in "
                     "brackets, the range of 9 in 10 runs; a target is met when the middle run falls within the case's "
                     "value or band, give or take its tolerance. Calibration targets are those the preset's settings "
                     "were tuned to; held-out targets were not used for tuning, so they test the model.");
    std::size_t met = 0, evaluated = 0;
    for (const auto& r : c.rows) {
      evaluated += r.evaluated ? 1 : 0;
      met += r.met ? 1 : 0;
    }
    page.text(fmt::format("{} ({} of {} runs of {} in this file completed and are used). {} of {} targets met{}.",
                          c.description, c.runs, c.planned, c.preset, met, c.rows.size(),
                          evaluated < c.rows.size() ? fmt::format(", {} not evaluated", c.rows.size() - evaluated) : ""));
    if (!c.changed.empty()) {
      std::string list;
      for (const auto& x : c.changed) list += (list.empty() ? "" : "; ") + x;
      page.html("<p class=\"warning\" data-changed=\"" + escape(c.preset) + "\">These runs were not made with " +
                escape(c.preset) + " as it ships (" + escape(list) +
                "), so the table says how well <em>these settings</em> match the case, not the preset.</p>\n");
    }
    std::string t = "<table class=\"targets\">\n<tr><th>target</th><th>role</th><th>case</th><th>simulated: median [5%, 95%]"
                    "</th><th>result</th><th>source</th><th>quantity</th></tr>\n";
    for (const auto& r : c.rows)
      t += "<tr data-target=\"" + escape(r.name) + "\"><td title=\"" + escape(r.description) + "\">" + escape(r.name) +
           "</td><td>" + escape(r.role) + "</td><td>" + escape(r.case_text) + "</td><td>" + escape(r.simulated) +
           "</td><td class=\"" + (r.evaluated ? (r.met ? "met" : "missed") : "none") + "\">" + escape(r.result) +
           "</td><td>" + escape(r.source) + "</td><td>" + escape(r.quantity) + "</td></tr>\n";
    page.html(t + "</table>\n");
    for (const auto& s : c.series) {
      std::string id = "target-" + c.preset + "-" + s.target;
      for (char& ch : id)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') ch = '-';
      page.chart(id, case_chart(s), s.caption);
    }
    page.end_section();
  }

  if (in.scenarios.size() > 1 && !in.paired.empty()) {
    page.section("effects", "Each scenario against " + base + ", over time",
                 "Left: every scenario in one chart, so you can see them side by side: the line is the middle run, "
                 "the band the middle half of the runs. Right: how far each scenario is from " + base + " month by "
                 "month, comparing runs that share the same random draws. Where the band around a line does not "
                 "include 0, the difference is unlikely to be chance. Dashed red lines mark scheduled events, such as "
                 "the coordinator leaving, so you can see what happens after them.");
    const std::string caption = practical_caption(in, kNegligibleShare);
    bool first = true;
    for (const auto& v : key_variables()) {
      page.chart("effect-" + v.name, effect_chart(in, v), first ? caption : std::string());
      first = false;
    }
    page.end_section();
  }

  if (in.scenarios.size() > 1) {
    page.section("differences", "Differences from " + base,
                 "Each row is a scenario compared with " + base + ", at a few points in time. The dot is the average "
                 "difference, comparing runs that share the same random draws; the line is the 95% interval, the "
                 "range in which the true difference very likely lies given the number of runs. When the line crosses "
                 "the dashed zero line, the simulation cannot tell the scenario apart from " + base + " on this measure.");
    for (const auto& c : difference_charts(in)) page.chart(c.id, c.spec, c.caption);
    page.end_section();
  }

  page.section("goal", "Reaching the goal and staying on course",
               "The first chart shows, for each scenario, how many runs have not yet reached the goal as the years "
               "pass: a curve that drops early and far means the goal is reached sooner and more often. A curve that "
               "stays high means most runs never get there within the simulated period. The second chart shows how "
               "often an initiative never gets going, or collapses after it started.");
  page.chart("survival", survival_chart(in, in.goal), survival_caption(in));
  page.chart("failure", failure_chart(in));
  page.end_section();

  page.section("events", "Shocks and recovery",
               "Some scenarios include events, such as staff leaving the backbone or a funding cut. For each event "
               "the chart shows how much the pace of progress drops afterwards, compared with the pace just before "
               "it. A dot far to the left means a deep dip; hover over it to see how many months it took, for the "
               "middle run, to get back to the earlier pace.");
  if (const json t = trough_chart(in); !t.is_null()) page.chart("troughs", t);
  else page.text("None of the scenarios in this file has events at fixed times, so there is nothing to show here.");
  page.end_section();

  if (in.sensitivity || (!in.design.empty() && in.design != "none")) {
    page.section("sensitivity", "Which settings matter most",
                 "A sweep runs the model for many variations of its settings. The bars show how much each setting "
                 "moves the result. Long bars are the levers that matter most in the model; short bars are settings "
                 "whose exact value matters little. This says what matters in the model, not yet what works in a "
                 "real town.");
    json chart = in.sensitivity ? sensitivity_chart(*in.sensitivity) : json();
    if (!chart.is_null()) page.chart("sensitivity-bars", chart);
    else page.text(in.sensitivity_note.empty() ? "The sensitivity analysis found no parameters to show." : in.sensitivity_note);
    page.end_section();
  }

  page.section("network", "Who works with whom",
               "The collaboration network of one run, shown at a few moments. The run is the one whose final "
               "progress is closest to the middle of all runs of the scenario, so it is typical, not the best or the "
               "worst. Dots are organisations (coloured by sector), citizens (small grey dots) and the backbone's "
               "staff (red); lines are working relationships. When the backbone's lead coordinator leaves in a scenario, "
               "they and their ties are marked in purple, and after they leave, their empty place and the ties that "
               "went with them. Each dot keeps its place across the pictures, so you "
               "can see which relationships form and which fade.");
  if (in.network) {
    const auto& n = *in.network;
    std::string caption = fmt::format("Scenario {}, run {} (seed {}).", n.scenario, n.realization + 1, n.seed);
    if (n.citizens_shown < n.citizens_total)
      caption += fmt::format(" To keep the picture readable it shows every organisation and staff member but only "
                             "{} of the {} citizens, neighbours of each other in one part of the town, and only the "
                             "ties among those shown.",
                             n.citizens_shown, n.citizens_total);
    if (n.without_ties > 0)
      caption += fmt::format(" The {} dot(s) in the row along the bottom have no working relationship at any of the "
                             "times shown.", n.without_ties);
    caption += n.reproduced ? " The re-run matched the progress recorded in the file at every time shown."
                            : " Warning: the re-run did not match the progress recorded in the file; this picture may "
                              "come from a different version of cimsim.";
    caption += coordinator_text(n);
    page.chart("network-picture", network_chart(n), caption);
  } else {
    page.text(in.network_note);
  }
  if (in.before_after_base && in.before_after_event)
    page.chart("network-before-after",
               network_pair_chart(*in.before_after_base, *in.before_after_event, in.event_year),
               fmt::format("The baseline and {} side by side, the month before the event and a year after it, each "
                           "in its own representative run.", in.before_after_event->scenario) +
                   coordinator_text(*in.before_after_base) + coordinator_text(*in.before_after_event));
  page.end_section();

  page.section("provenance", "Where these numbers come from",
               "Everything needed to repeat this simulation exactly: the cimsim version, the command that was run, "
               "the master seed from which every run's random draws follow, and the full settings of every scenario.");
  std::string libs;
  for (const auto& a : assets()) libs += (libs.empty() ? "" : ", ") + std::string(a.name);
  page.html(provenance_table(in.provenance));
  page.html("<details><summary>Full settings of every scenario (TOML)</summary><pre>" +
            escape(in.provenance.value("configuration", std::string())) + "</pre></details>\n");
  page.text("Charts drawn with " + libs + ", included in this page: it needs no network connection.");
  page.end_section();

  return page.finish("cimsim report: " + file_name, header);
}

std::string write_report(const Options& opt) {
  Options o = opt;
  if (o.out.empty()) o.out = fs::path(o.file).replace_extension(".html").string();
  if (fs::exists(o.out) && !o.force)
    throw InputError(o.out, "", "already exists; use --force to overwrite it or -o to choose another name");
  const std::string html = render_html(gather(o));
  const std::string tmp = o.out + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw InputError(o.out, "", "cannot write here");
    out << html;
    out.close();
    if (!out) {
      fs::remove(tmp);
      throw InputError(o.out, "", "writing failed (disk full?)");
    }
  }
  fs::rename(tmp, o.out);
  return o.out;
}

}  // namespace cimsim::report
