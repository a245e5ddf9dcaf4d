#include "scenarios/targets.hpp"

#include "engine/error.hpp"
#include "engine/model/variables.hpp"
#include "scenarios/experiment.hpp"
#include "scenarios/toml_reader.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cctype>
#include <cstdlib>
#include <optional>

namespace cimsim::scenarios {

namespace {

using detail::at_line;
using detail::join;
using detail::low_high;
using detail::suggestion;
using detail::TableReader;

const std::vector<std::string> kTopKeys = {"preset", "description", "targets", "calibrate"};
const std::vector<std::string> kTargetKeys = {
    "name",      "description", "variable", "sector", "pillar",   "at",       "window", "reduce",   "statistic",
    "condition", "value",       "band",     "at_least", "at_most", "tolerance", "relation", "factor", "than",
    "source",    "held_out"};
const std::vector<std::string> kThanKeys = {"preset", "variable", "sector", "pillar", "at", "window", "reduce"};
const std::vector<std::string> kStatistics = {"median", "count", "share_of_runs"};
const std::vector<std::string> kReduce = {"mean", "min", "max", "sum"};
const std::vector<std::string> kRelations = {">=", ">", "<=", "<"};
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::string> builtin_names() {
  std::vector<std::string> n;
  for (const auto& b : builtins()) n.push_back(b.name);
  return n;
}

std::vector<std::string> variable_names() {
  std::vector<std::string> n;
  for (const auto& v : model::series_specs()) n.push_back(v.name);
  for (const auto& v : model::summary_specs()) n.push_back(v.name);
  return n;
}

const VariableSpec* find_variable(const std::string& name, bool& summary) {
  for (const auto& v : model::series_specs())
    if (v.name == name) return summary = false, &v;
  for (const auto& v : model::summary_specs())
    if (v.name == name) return summary = true, &v;
  return nullptr;
}

// Hand-written matchers (std::regex trips GCC 12's -Wmaybe-uninitialized under the sanitizers).
bool digit(char c) { return c >= '0' && c <= '9'; }

// Skips digits from i; returns how many.
std::size_t digits(const std::string& s, std::size_t& i) {
  const std::size_t from = i;
  while (i < s.size() && digit(s[i])) ++i;
  return i - from;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Seed lines: "004:L553", "000:L1160-L1165", "004:L560, L561", "004:L562, 000:L1059".
bool seed_lines(const std::string& s) {
  std::size_t i = 0;
  for (bool first = true;; first = false) {
    if (i + 4 <= s.size() && digit(s[i]) && digit(s[i + 1]) && digit(s[i + 2]) && s[i + 3] == ':') i += 4;
    else if (first) return false;
    if (i >= s.size() || s[i] != 'L') return false;
    ++i;
    if (digits(s, i) == 0) return false;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (i < s.size() && s[i] == 'L') ++i;
      if (digits(s, i) == 0) return false;
    }
    if (i == s.size()) return true;
    if (s.compare(i, 2, ", ") != 0) return false;
    i += 2;
  }
}

bool target_name(const std::string& s) {
  if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) || digit(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || digit(c) || c == '-'; });
}

// "<= 84" -> ("<=", 84); false if malformed.
bool parse_condition(const std::string& text, std::string& op, double& value) {
  const std::string s = trim(text);
  std::size_t n = s.size() >= 2 && (s.compare(0, 2, "<=") == 0 || s.compare(0, 2, ">=") == 0) ? 2
                  : !s.empty() && (s[0] == '<' || s[0] == '>')                                 ? 1
                                                                                               : 0;
  if (n == 0) return false;
  op = s.substr(0, n);
  const std::string num = trim(s.substr(n));
  if (num.empty() || !(digit(num[0]) || num[0] == '-' || num[0] == '+' || num[0] == '.')) return false;
  char* end = nullptr;
  value = std::strtod(num.c_str(), &end);
  return end == num.c_str() + num.size() && std::isfinite(value);
}

// "month N" or "year N" (N an integer >= 0) as a recorded month.
int parse_month(const TableReader& r, const toml::node& n, const std::string& key) {
  const std::string expect = "a time \"month N\" or \"year N\" (N a whole number >= 0; records are monthly)";
  if (!n.is_string()) throw InputError(r.where(n), r.prefix + key, "expected " + expect);
  const std::string s = n.as_string()->get();
  const std::string t = trim(s);
  const bool year = t.rfind("year", 0) == 0, month = t.rfind("month", 0) == 0;
  std::size_t i = year ? 4 : month ? 5 : 0;
  const std::size_t word = i;
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  const std::size_t from = i;
  if ((!year && !month) || i == word || digits(t, i) == 0 || i != t.size() || i - from > 6)
    throw InputError(r.where(n), r.prefix + key, "malformed time '" + s + "': expected " + expect);
  const int k = std::stoi(t.substr(from));
  return year ? 12 * k : k;
}

std::string months_text(int from, int to) {
  return from == to ? fmt::format("month {}", from) : fmt::format("months {}-{}", from, to);
}

// Reads the quantity keys of table r into q (which holds defaults for the `than` side).
// `inherit`: q already holds a complete quantity whose keys r may override.
void read_quantity(const TableReader& r, TargetQuantity& q, bool inherit, int horizon_months) {
  if (const toml::node* p = r.get("preset")) {
    if (!p->is_string()) throw InputError(r.where(*p), r.prefix + "preset", "expected a built-in scenario name");
    const std::string name = p->as_string()->get();
    const auto names = builtin_names();
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw InputError(r.where(*p), r.prefix + "preset",
                       "unknown preset '" + name + "'" + suggestion(name, names) + " (cimsim list shows the built-in scenarios)");
    q.preset = name;
    horizon_months = 12 * load(name).params.run.horizon_years;
  }
  const bool new_variable = r.get("variable") != nullptr;
  if (new_variable || !inherit) {
    r.field("variable", true, "an output variable (engine/model/variables.hpp), e.g. \"active_share\"");
    const std::string name = r.string("variable", "", true);
    bool summary = false;
    if (find_variable(name, summary) == nullptr)
      throw InputError(r.where("variable"), r.prefix + "variable",
                       "unknown variable '" + name + "'" + suggestion(name, variable_names()) +
                           " (expected an output variable: " + join(variable_names()) + ")");
    q.variable = name;
    q.summary = summary;
  }
  bool summary = false;
  const VariableSpec* spec = find_variable(q.variable, summary);
  if (spec->axis != Axis::sector) q.sector.clear();  // a `than` side's new variable keeps only its own axis
  if (spec->axis != Axis::pillar) q.pillar = 0;
  // Coordinate on the variable's axis.
  if (spec->axis == Axis::event)
    throw InputError(r.where("variable"), r.prefix + "variable",
                     "'" + q.variable + "' is per scheduled event, which targets do not support: expected a series "
                     "or one of final_outcome, launched, time_to_goal, months_collapsed");
  if (const toml::node* s = r.get("sector")) {
    if (spec->axis != Axis::sector)
      throw InputError(r.where(*s), r.prefix + "sector", "'" + q.variable + "' has no sector axis: leave out sector");
    std::vector<std::string> allowed = model::sector_names();
    allowed.push_back(kOrganisations);
    q.sector = r.choice("sector", allowed, true);
  }
  if (spec->axis == Axis::sector && q.sector.empty())
    throw InputError(at_line(r.label, r.t.source()), r.prefix + "sector",
                     "missing: '" + q.variable + "' is per sector: expected one of " + join(model::sector_names()) +
                         " or organisations");
  if (const toml::node* p = r.get("pillar")) {
    if (spec->axis != Axis::pillar)
      throw InputError(r.where(*p), r.prefix + "pillar", "'" + q.variable + "' has no pillar axis: leave out pillar");
    const int pillars = load(q.preset).params.population.pillars;
    q.pillar = r.integer<int>("pillar", 1, pillars, 1, true);  // "out of range: expected an integer in [1, pillars]"
  }
  if (spec->axis == Axis::pillar && q.pillar == 0)
    throw InputError(at_line(r.label, r.t.source()), r.prefix + "pillar",
                     "missing: '" + q.variable + "' is per pillar: expected a pillar number (1, 2, ...)");
  // Time.
  const toml::node* at = r.get("at");
  const toml::node* window = r.get("window");
  if (q.summary) {
    for (const char* k : {"at", "window", "reduce"})
      if (const toml::node* n = r.get(k))
        throw InputError(r.where(*n), r.prefix + k, "'" + q.variable + "' is one value per run: leave out " + k);
    q.from_month = q.to_month = -1;
    q.reduce.clear();
  } else {
    if (at != nullptr && window != nullptr)
      throw InputError(r.where(*window), r.prefix + "window", "give either at or window, not both");
    if (at != nullptr) {
      q.from_month = q.to_month = parse_month(r, *at, "at");
      q.reduce.clear();
      if (const toml::node* n = r.get("reduce"))
        throw InputError(r.where(*n), r.prefix + "reduce", "reduce applies to a window: leave it out with at");
    } else if (window != nullptr) {
      const toml::array* a = window->as_array();
      if (a == nullptr || a->size() != 2)
        throw InputError(r.where(*window), r.prefix + "window", "expected two times: [\"month A\", \"month B\"]");
      q.from_month = parse_month(r, *a->get(0), "window");
      q.to_month = parse_month(r, *a->get(1), "window");
      if (q.to_month <= q.from_month)
        throw InputError(r.where(*window), r.prefix + "window", "the window's end must come after its start");
      q.reduce = r.get("reduce") != nullptr ? r.choice("reduce", kReduce, true) : "mean";
    } else if (!inherit || q.from_month < 0) {
      throw InputError(at_line(r.label, r.t.source()), r.prefix + "at",
                       "missing: '" + q.variable + "' is a series: expected at = \"month N\" or window = [\"month A\", \"month B\"]");
    } else if (const toml::node* n = r.get("reduce")) {
      if (q.reduce.empty()) throw InputError(r.where(*n), r.prefix + "reduce", "reduce applies to a window");
      q.reduce = r.choice("reduce", kReduce, true);
    }
    if (q.to_month > horizon_months) {
      const toml::node* n = at != nullptr ? at : window;
      throw InputError(n != nullptr ? r.where(*n) : at_line(r.label, r.t.source()), r.prefix + (window ? "window" : "at"),
                       fmt::format("month {} is past the end of preset '{}' (month {}): expected a time within its run",
                                   q.to_month, q.preset, horizon_months));
    }
  }
}

}  // namespace

const std::vector<std::string>& agent_share_variables() {
  static const std::vector<std::string> v = {"active_share", "interested_share"};
  return v;
}

std::string describe(const TargetQuantity& q, const std::string& statistic) {
  std::string v = q.variable;
  if (!q.sector.empty()) v += "[" + q.sector + "]";
  if (q.pillar > 0) v += fmt::format("[pillar {}]", q.pillar);
  std::string time;
  if (q.from_month >= 0) time = q.reduce.empty() ? " at " + months_text(q.from_month, q.to_month)
                                                 : " (" + q.reduce + " over " + months_text(q.from_month, q.to_month) + ")";
  std::string s = (q.count ? "agents " : "") + v + time;
  if (statistic == "share_of_runs") return s;  // the condition is added by the caller
  return (statistic == "count" ? "count of " : "median of ") + s;
}

TargetTable load_targets_text(const std::string& text, const std::string& label) {
  toml::table doc;
  try {
    doc = toml::parse(text, label);
  } catch (const toml::parse_error& e) {
    throw InputError(at_line(label, e.source()), "", "malformed TOML: " + std::string(e.description()));
  }
  TargetTable table;
  table.label = label;
  const TableReader top{doc, label, ""};
  top.only(kTopKeys);
  const std::string preset = top.string("preset", "", true);
  const auto names = builtin_names();
  if (std::find(names.begin(), names.end(), preset) == names.end())
    throw InputError(top.where("preset"), "preset",
                     "unknown preset '" + preset + "'" + suggestion(preset, names) + " (cimsim list shows the built-in scenarios)");
  table.preset = preset;
  table.description = top.string("description", "", false);
  const int horizon = 12 * load(preset).params.run.horizon_years;
  const toml::node* list = top.field("targets", true, "[[targets]] tables");
  const toml::array* arr = list->as_array();
  if (arr == nullptr || !arr->is_array_of_tables() || arr->empty())
    throw InputError(top.where(*list), "targets", "expected one or more [[targets]] tables");
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const toml::table& t = *arr->get(i)->as_table();
    const std::string prefix = fmt::format("targets[{}].", i + 1);
    const TableReader r{t, label, prefix};
    r.only(kTargetKeys);
    Target g;
    g.origin = at_line(label, t.source());
    r.field("name", true, "a name for the target, e.g. \"joined-2020\"");
    g.name = r.string("name", "", true);
    if (!target_name(g.name))
      throw InputError(r.where("name"), prefix + "name", "'" + g.name + "': expected lower-case letters, digits and '-'");
    for (const auto& other : table.targets)
      if (other.name == g.name)
        throw InputError(r.where("name"), prefix + "name", "'" + g.name + "' is used twice: expected a unique name (first at " + other.origin + ")");
    g.description = r.string("description", "", false);
    g.statistic = r.choice("statistic", kStatistics, true);
    g.quantity.preset = preset;
    g.quantity.origin = g.origin;
    read_quantity(r, g.quantity, false, horizon);
    g.quantity.count = g.statistic == "count";
    const auto& shares = agent_share_variables();
    if (g.quantity.count && std::find(shares.begin(), shares.end(), g.quantity.variable) == shares.end())
      throw InputError(r.where("statistic"), prefix + "statistic",
                       "a count of agents needs a share of a sector's agents: expected variable " + join(shares) +
                           " (or statistic median)");
    if (!g.quantity.count && g.quantity.sector == kOrganisations &&
        std::find(shares.begin(), shares.end(), g.quantity.variable) == shares.end())
      throw InputError(r.where("sector"), prefix + "sector",
                       "organisations (all organisation sectors together) is defined for " + join(shares) + " only");
    // share_of_runs: the per-run condition.
    if (const toml::node* c = r.get("condition")) {
      if (g.statistic != "share_of_runs")
        throw InputError(r.where(*c), prefix + "condition", "a condition belongs to statistic share_of_runs: leave it out");
      if (!c->is_string() || !parse_condition(c->as_string()->get(), g.condition_op, g.condition))
        throw InputError(r.where(*c), prefix + "condition", "expected a condition on the per-run value such as \">= 0.6\" or \"<= 84\"");
    } else if (g.statistic == "share_of_runs") {
      throw InputError(g.origin, prefix + "condition", "missing: statistic share_of_runs needs a condition such as \">= 0.6\"");
    }
    // What the case reports: one of value, band, at_least, at_most, or an ordering (relation + than).
    std::vector<std::string> given;
    for (const char* k : {"value", "band", "at_least", "at_most", "relation"})
      if (r.get(k) != nullptr) given.push_back(k);
    if (given.size() != 1)
      throw InputError(g.origin, prefix + (given.empty() ? "value" : given[1]),
                       given.empty() ? "missing: expected what the case reports: value, band, at_least, at_most, or an "
                                       "ordering (relation and than)"
                                     : "give one of value, band, at_least, at_most and relation, not " + join(given));
    const double big = 1e12;
    if (given[0] == "value") {
      g.kind = Target::Kind::value;
      g.value = r.number("value", -big, big, 0.0, true);
    } else if (given[0] == "band") {
      const toml::node* b = r.get("band");
      const toml::array* a = b->as_array();
      if (a == nullptr || a->size() != 2 || !a->get(0)->is_number() || !a->get(1)->is_number())
        throw InputError(r.where(*b), prefix + "band", "expected two numbers [low, high]");
      auto num = [](const toml::node* n) { return n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get(); };
      g.kind = Target::Kind::band;
      g.low = num(a->get(0));
      g.high = num(a->get(1));
      if (!(g.low <= g.high) || !std::isfinite(g.low) || !std::isfinite(g.high))
        throw InputError(r.where(*b), prefix + "band", "expected two finite numbers [low, high] with low <= high");
    } else if (given[0] == "at_least") {
      g.kind = Target::Kind::band;
      g.low = r.number("at_least", -big, big, 0.0, true);
      g.high = kInf;
    } else if (given[0] == "at_most") {
      g.kind = Target::Kind::band;
      g.low = -kInf;
      g.high = r.number("at_most", -big, big, 0.0, true);
    } else {
      g.kind = Target::Kind::ordering;
      g.relation = r.choice("relation", kRelations, true);
      g.factor = r.number("factor", 1e-9, big, 1.0, false);
      const toml::node* th = r.field("than", true, "the other side of the ordering: than = { preset = \"...\" } (any of " + join(kThanKeys) + ")");
      const toml::table* tt = th->as_table();
      if (tt == nullptr) throw InputError(r.where(*th), prefix + "than", "expected a table: than = { preset = \"...\", at = \"month N\" }");
      const TableReader tr{*tt, label, prefix + "than."};
      tr.only(kThanKeys);
      if (tt->empty()) throw InputError(r.where(*th), prefix + "than", "empty: expected what differs on the other side (" + join(kThanKeys) + ")");
      g.than = g.quantity;
      read_quantity(tr, g.than, true, horizon);
      g.than.count = g.quantity.count;
      if (g.than.count && std::find(shares.begin(), shares.end(), g.than.variable) == shares.end())
        throw InputError(tr.where("variable"), prefix + "than.variable", "a count of agents needs " + join(shares));
    }
    if (g.kind != Target::Kind::ordering) {
      if (const toml::node* n = r.get("factor")) throw InputError(r.where(*n), prefix + "factor", "factor belongs to an ordering (relation): leave it out");
      if (const toml::node* n = r.get("than")) throw InputError(r.where(*n), prefix + "than", "than belongs to an ordering (relation): add relation or leave it out");
    }
    g.tolerance = r.number("tolerance", 0.0, big, 0.0, true);
    r.field("source", true, "the seed lines the case value comes from, e.g. \"004:L553\"");
    g.source = r.string("source", "", true);
    if (!seed_lines(g.source))
      throw InputError(r.where("source"), prefix + "source",
                       "'" + g.source + "': expected seed lines such as \"004:L553\", \"000:L1160-L1165\" or \"004:L560, L561\"");
    if (r.get("held_out") == nullptr) throw InputError(g.origin, prefix + "held_out", "missing: expected true (validation) or false (calibration)");
    g.held_out = r.boolean("held_out", false);
    table.targets.push_back(std::move(g));
  }
  if (const toml::node* n = top.get("calibrate")) {
    if (!n->is_table()) throw InputError(top.where("calibrate"), "calibrate", "expected a [calibrate] table");
    const TableReader c{*n->as_table(), label, "calibrate."};
    c.only({"parameters"});
    const toml::node* ps = c.get("parameters");
    if (ps == nullptr || !ps->is_table() || ps->as_table()->empty())
      throw InputError(top.where("calibrate"), "calibrate.parameters",
                       "missing: expected parameters = {\"key\" = [low, high], ...}, e.g. \"engagement.join_threshold\" = [0.4, 0.6]");
    for (const auto& [k, v] : *ps->as_table()) {
      const std::string where = at_line(label, v.source());
      const auto range = low_high(v);
      if (!range)
        throw InputError(where, "calibrate.parameters." + std::string(k.str()), "expected [low, high] with two numbers");
      table.calibrate.push_back(sweep_range(std::string(k.str()), range->first, range->second, where));
    }
  }
  return table;
}

TargetTable load_targets_file(const std::string& path) {
  return load_targets_text(detail::read_text_file(path, "--targets", "target file"), path);
}

TargetTable builtin_targets(const std::string& preset, const std::string& where) {
  std::vector<std::string> names;
  for (const auto& b : builtin_target_tables()) {
    if (b.name == preset) return load_targets_text(b.text, "scenarios/targets/" + b.name + ".toml");
    names.push_back(b.name);
  }
  const auto all = builtin_names();
  if (std::find(all.begin(), all.end(), preset) == all.end())
    throw InputError(where, "", "unknown preset '" + preset + "'" + suggestion(preset, names) +
                                    " (target tables exist for: " + join(names) + ")");
  throw InputError(where, "", "no target table for '" + preset + "': built-in tables exist for " + join(names) +
                                  "; give one with --targets FILE");
}

}  // namespace cimsim::scenarios
