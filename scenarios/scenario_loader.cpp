#include "scenario_loader.hpp"

#include "engine/error.hpp"
#include "toml_reader.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <type_traits>
#include <variant>

namespace cimsim::scenarios {

namespace fs = std::filesystem;
using model::Params;
using model::ParamSpec;
using model::Scenario;

namespace {

const std::vector<std::string> kTopLevelKeys = {"description", "extends", "events"};
using detail::at_line;
using detail::join;
using detail::looks_like_path;
using detail::suggestion;

std::string describe_expected(const ParamSpec& spec) {
  std::ostringstream o;
  if (spec.is<bool>()) return "true or false";
  o << (spec.is<int>() ? "an integer" : "a number") << " in [" << spec.min << ", "
    << spec.max << "]";
  if (!spec.unit.empty() && spec.unit != "1") o << " (" << spec.unit << ")";
  return o.str();
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys;
  for (const auto& s : model::param_table()) keys.push_back(s.key);
  return keys;
}

std::vector<std::string> groups() {
  std::vector<std::string> g;
  for (const auto& s : model::param_table()) {
    const std::string grp = s.key.substr(0, s.key.find('.'));
    if (std::find(g.begin(), g.end(), grp) == g.end()) g.push_back(grp);
  }
  return g;
}

void set_param(Scenario& sc, const ParamSpec& spec, const toml::node& v, const std::string& where) {
  sc.origins[spec.key] = where;
  auto fail = [&](const std::string& got) {
    throw InputError(where, spec.key, got + ": expected " + describe_expected(spec));
  };
  auto render = [&]() {
    std::ostringstream o;
    v.visit([&](const auto& x) { o << x; });
    return o.str();
  };
  spec.visit(sc.params, [&](auto& field) {
    using T = std::remove_reference_t<decltype(field)>;
    if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) fail("value " + render() + " has the wrong type");
      field = v.as_boolean()->get();
    } else if constexpr (std::is_same_v<T, int>) {
      if (!v.is_integer()) fail("value " + render() + " is not an integer");
      const std::int64_t x = v.as_integer()->get();
      if (static_cast<double>(x) < spec.min || static_cast<double>(x) > spec.max)
        fail("value " + render() + " is out of range");
      field = static_cast<int>(x);
    } else {
      double x;
      if (v.is_integer()) x = static_cast<double>(v.as_integer()->get());
      else if (v.is_floating_point()) x = v.as_floating_point()->get();
      else fail("value " + render() + " is not a number");
      if (!std::isfinite(x) || x < spec.min || x > spec.max) fail("value " + render() + " is out of range");
      field = x;
    }
  });
}

int parse_weeks(const std::string& text, const std::string& where) {
  std::istringstream in(text);
  std::string unit;
  double amount = 0.0;
  in >> unit >> amount;
  std::string rest;
  const bool bad = in.fail() || (in >> rest, !rest.empty()) || !std::isfinite(amount);
  double weeks = 0.0;  // wide: checked before it becomes an int
  if (!bad && unit == "week") weeks = amount;
  else if (!bad && unit == "month") weeks = amount * model::kWeeksPerYear / 12.0;
  else if (!bad && unit == "year") weeks = amount * model::kWeeksPerYear;
  else
    throw InputError(where, "at", "'" + text + "' is not a time: expected \"week N\", \"month N\" or \"year N\"");
  const ParamSpec* horizon = model::find_param("run.horizon_years");
  const double last = (horizon != nullptr ? horizon->max : 50.0) * model::kWeeksPerYear;
  if (!(std::round(weeks) <= last))
    throw InputError(where, "at",
                     fmt::format("'{}' is after the longest possible run (week {}, run.horizon_years = {}): expected "
                                 "a time in the run",
                                 text, last, last / model::kWeeksPerYear));
  const auto w = static_cast<int>(std::lround(weeks));
  if (w < 1) throw InputError(where, "at", "'" + text + "' is before the first week: expected week 1 or later");
  return w;
}

using model::Event;
namespace ev = model::ev;

// The keys of an event of type T: type, at, rate_per_year, then its spec's fields.
template <class T>
std::vector<std::string> event_keys() {
  std::vector<std::string> keys = {"type", "at", "rate_per_year"};
  for (const auto& f : ev::fields_of<T>()) keys.emplace_back(f.key);
  return keys;
}

// Reads T's fields from its [[events]] table by its spec, then T's own check.
template <class T>
void read_fields(T& x, const detail::TableReader& r, int week, const std::string& where) {
  for (const auto& f : ev::fields_of<T>()) {
    const bool required = f.presence == ev::Presence::required;
    const double fallback = f.get(x);
    const double min = f.min_given != nullptr ? f.min_given(x) : f.min;
    double v = fallback;
    switch (f.kind) {
      case ev::Kind::number: v = r.number(f.key, min, f.max, fallback, required); break;
      case ev::Kind::integer:
        v = r.integer<int>(f.key, static_cast<int>(min), static_cast<int>(f.max), static_cast<int>(fallback), required);
        break;
      case ev::Kind::boolean: v = r.boolean(f.key, fallback != 0.0) ? 1.0 : 0.0; break;
      case ev::Kind::choice: {
        const std::vector<std::string>& all = f.choices();
        std::vector<std::string> named;  // the values a file can name
        for (const auto& c : all)
          if (!c.empty()) named.push_back(c);
        const std::string c = r.choice(f.key, named, required);
        if (!c.empty()) v = static_cast<double>(std::find(all.begin(), all.end(), c) - all.begin());
        break;
      }
    }
    f.set(x, v);
  }
  if (const auto problem = ev::check_of(x, week))
    throw InputError(where, "events." + problem->key, problem->message);
}

Event parse_event(const toml::table& t, const std::string& label) {
  Event e;
  const std::string where = at_line(label, t.source());
  const toml::node* type = t.get("type");
  if (type == nullptr || !type->is_string())
    throw InputError(where, "events.type", "missing or not a string: expected one of " + join(ev::type_names()));
  const std::string ty = type->as_string()->get();
  const std::optional<ev::What> what = ev::make(ty);
  if (!what)
    throw InputError(at_line(label, type->source()), "events.type",
                     "unknown event type '" + ty + "'" + suggestion(ty, ev::type_names()));
  e.what = *what;
  const std::vector<std::string> allowed =
      std::visit([](const auto& x) { return event_keys<std::decay_t<decltype(x)>>(); }, e.what);
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      throw InputError(at_line(label, v.source()), "events." + key,
                       "not a key of a " + ty + " event" + suggestion(key, allowed) + " (allowed: " + join(allowed) + ")");
  }
  const toml::node* at = t.get("at");
  const toml::node* hz = t.get("rate_per_year");
  if ((at == nullptr) == (hz == nullptr))
    throw InputError(where, "events.at",
                     "give exactly one of at = \"week N\" | \"month N\" | \"year N\", or rate_per_year = R (a hazard)");
  if (at != nullptr) {
    if (!at->is_string())
      throw InputError(at_line(label, at->source()), "events.at", "expected \"week N\", \"month N\" or \"year N\"");
    e.week = parse_weeks(at->as_string()->get(), at_line(label, at->source()));
    e.origin = at_line(label, at->source());
    e.label = ty + " at week " + std::to_string(e.week);
  } else {
    detail::TableReader r{t, label, "events."};
    e.rate_per_year = r.number("rate_per_year", 0.0, 52.0, 0.0, true);
    e.origin = at_line(label, hz->source());
    e.label = ty + " at rate " + fmt::format("{}", e.rate_per_year) + " per year";
  }
  const detail::TableReader r{t, label, "events."};
  std::visit([&](auto& x) { read_fields(x, r, e.week, where); }, e.what);
  return e;
}

// The event as TOML, with every field it has (a field `if_given` only when given).
std::string event_toml(const Event& e) {
  std::ostringstream o;
  o << "\n[[events]]\ntype = \"" << model::event_type_name(e) << "\"\n";
  if (e.week > 0) o << "at = \"week " << e.week << "\"\n";
  else o << "rate_per_year = " << fmt::format("{}", e.rate_per_year) << "\n";
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T defaults{};
        for (const auto& f : ev::fields_of<T>()) {
          const double v = f.get(x);
          if (f.presence == ev::Presence::if_given && v == f.get(defaults)) continue;
          o << f.key << " = ";
          switch (f.kind) {
            case ev::Kind::number: o << fmt::format("{}", v); break;
            case ev::Kind::integer: o << static_cast<long long>(v); break;
            case ev::Kind::boolean: o << (v != 0.0 ? "true" : "false"); break;
            case ev::Kind::choice: o << '"' << f.choices()[static_cast<std::size_t>(v)] << '"'; break;
          }
          o << "\n";
        }
      },
      e.what);
  return o.str();
}

struct Source {
  std::string label;  // for messages
  std::string id;     // identity for cycle detection
  std::string dir;    // base for relative `extends`
  std::string text;
};

Source resolve(const std::string& ref, const std::string& base_dir, const std::string& where) {
  if (looks_like_path(ref)) {
    fs::path p(ref);
    if (p.is_relative() && !base_dir.empty()) p = fs::path(base_dir) / p;
    const std::string at = where.empty() ? p.string() : where;
    if (p.extension() != ".toml")
      throw InputError(at, "", "'" + p.string() + "' is not a scenario file: expected a path ending in .toml "
                               "(or a built-in scenario name; cimsim list shows them)");
    const std::string text = detail::read_text_file(p.string(), at, "scenario file");
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(p, ec);
    return {p.string(), ec ? p.string() : canon.string(), p.parent_path().string(), text};
  }
  for (const auto& b : builtins())
    if (b.name == ref) return {"scenarios/builtin/" + b.name + ".toml", "builtin:" + b.name, "", b.text};
  std::vector<std::string> names;
  for (const auto& b : builtins()) names.push_back(b.name);
  throw InputError(where, "", "unknown scenario '" + ref + "'" + suggestion(ref, names) +
                                  " (cimsim list shows the built-in scenarios; a file path must end in .toml)");
}

// via: "file:line" of the `extends` that led here (empty for the scenario named by the user).
void load_into(Scenario& sc, const Source& src, std::vector<std::string>& chain, const std::string& via) {
  if (std::find(chain.begin(), chain.end(), src.id) != chain.end()) {
    std::string cycle;
    for (const auto& c : chain) cycle += c + " -> ";
    throw InputError(via.empty() ? src.label : via, "extends", "cycle in extends: " + cycle + src.id);
  }
  chain.push_back(src.id);
  toml::table doc;
  try {
    doc = toml::parse(src.text, src.label);
  } catch (const toml::parse_error& e) {
    throw InputError(at_line(src.label, e.source()), "", "malformed TOML: " + std::string(e.description()));
  }
  for (const char* key : {"scenarios", "sweep", "fork"})
    if (const toml::node* n = doc.get(key))
      throw InputError(at_line(src.label, n->source()), key,
                       "this is an experiment file, not a scenario: use --experiment " + src.label);
  if (const toml::node* ext = doc.get("extends")) {
    if (!ext->is_string()) throw InputError(at_line(src.label, ext->source()), "extends", "expected a scenario name or path");
    const std::string where = at_line(src.label, ext->source());
    load_into(sc, resolve(ext->as_string()->get(), src.dir, where), chain, where);
  }
  std::vector<std::string> top = kTopLevelKeys;
  for (const auto& g : groups()) top.push_back(g);
  for (const auto& [k, v] : doc) {
    const std::string key(k.str());
    const std::string where = at_line(src.label, v.source());
    if (key == "extends") continue;
    if (key == "description") {
      if (!v.is_string()) throw InputError(where, key, "expected a string");
      sc.description = v.as_string()->get();
    } else if (key == "events") {
      if (!v.is_array_of_tables()) throw InputError(where, key, "expected [[events]] tables");
      for (const auto& ev : *v.as_array()) sc.events.push_back(parse_event(*ev.as_table(), src.label));
    } else if (v.is_table() && (key == "sweep" || key == "fork")) {
      throw InputError(where, key, "this is an experiment file, not a scenario: use --experiment " + src.label);
    } else if (v.is_table()) {
      for (const auto& [pk, pv] : *v.as_table()) {
        const std::string full = key + "." + std::string(pk.str());
        const ParamSpec* spec = model::find_param(full);
        const std::string pwhere = at_line(src.label, pv.source());
        if (spec == nullptr) throw InputError(pwhere, full, "unknown parameter" + suggestion(full, all_keys()));
        set_param(sc, *spec, pv, pwhere);
      }
    } else if (std::find(top.begin(), top.end(), key) != top.end()) {
      // A group name given a value ("backbone = 5").
      throw InputError(where, key, "'" + key + "' is a group of parameters, not a value: expected a [" + key +
                                       "] table or " + key + ".KEY = value lines");
    } else if (key == "scenarios" || key == "sweep" || key == "fork" || key == "replicates" || key == "seed" ||
               key == "title") {
      throw InputError(where, key, "this is an experiment file, not a scenario: use --experiment " + src.label);
    } else {
      // A parameter written as a dotted key on one line ends up as a table above; anything
      // else at the top level is unknown.
      throw InputError(where, key, "unknown key" + suggestion(key, top));
    }
  }
  chain.pop_back();
}

}  // namespace

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (std::size_t j = 1; j <= b.size(); ++j)
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::string best;
  std::size_t best_d = static_cast<std::size_t>(-1);
  for (const auto& c : candidates) {
    std::size_t d = distance(word, c);
    // A key given without its group ("staff") matches the leaf of "backbone.staff".
    const auto dot = c.rfind('.');
    if (word.find('.') == std::string::npos && dot != std::string::npos)
      d = std::min(d, distance(word, c.substr(dot + 1)));
    if (d < best_d) best_d = d, best = c;
  }
  const std::size_t limit = std::max<std::size_t>(2, word.size() / 3);
  return best_d <= limit ? best : "";
}

int parse_time(const std::string& text, const std::string& where) { return parse_weeks(text, where); }

bool fixed_at_fork(const std::string& key) { return model::fixed_at_fork(key); }

void check_fork(const Scenario& base, const Scenario& variant, int week, const std::string& where) {
  // The variant is at fault: name where it set the key, else its file.
  auto variant_where = [&](const std::string& key) {
    const auto it = variant.origins.find(key);
    if (it != variant.origins.end()) return it->second;
    return variant.source.empty() ? where : variant.source;
  };
  for (const auto& spec : model::param_table()) {
    if (!fixed_at_fork(spec.key)) continue;
    const bool same = spec.value(base.params) == spec.value(variant.params);
    if (!same)
      throw InputError(variant_where(spec.key), spec.key,
                       "scenario '" + variant.name + "' changes a parameter that sets the population or the initial "
                       "state, which a fork cannot change: expected the value of '" + base.name +
                       "' (run both from the start as separate scenarios instead)");
  }
  if (variant.events.size() < base.events.size())
    throw InputError(variant_where("events"), "events", "scenario '" + variant.name + "' has fewer events than '" + base.name +
                                          "': expected it to extend '" + base.name + "' and add events");
  for (std::size_t j = 0; j < base.events.size(); ++j)
    if (event_toml(base.events[j]) != event_toml(variant.events[j]))
      throw InputError(variant.events[j].origin, "events",
                       "scenario '" + variant.name + "' does not keep the events of '" + base.name +
                           "' in order: expected it to extend '" + base.name + "' and add events");
  for (std::size_t j = base.events.size(); j < variant.events.size(); ++j) {
    const Event& e = variant.events[j];
    if (!model::allowed_at_fork(e))
      throw InputError(e.origin, "events.type",
                       std::string(model::event_type_name(e)) +
                           " sets up agents when a run starts, so a fork cannot add it: run the variant from the start "
                           "as a separate scenario instead");
    if (e.week > 0 && e.week < week)
      throw InputError(e.origin, "events.at",
                       "event at week " + std::to_string(e.week) + " is before the fork at week " + std::to_string(week) +
                           ": a variant can only add events from the fork on");
  }
}

Scenario load(const std::string& name_or_path) {
  const Source src = resolve(name_or_path, "", "");
  Scenario sc;
  sc.name = looks_like_path(name_or_path) ? fs::path(name_or_path).stem().string() : name_or_path;
  sc.source = src.label;
  std::vector<std::string> chain;
  load_into(sc, src, chain, "");
  return sc;
}

Scenario load_text(const std::string& name, const std::string& text, const std::string& label) {
  Scenario sc;
  sc.name = name;
  sc.source = label;
  std::vector<std::string> chain;
  load_into(sc, Source{label, "text:" + label, "", text}, chain, "");
  return sc;
}

std::vector<Scenario> load_configuration(const std::string& text, const std::string& label) {
  static const std::string marker = "# scenario ";
  std::vector<Scenario> list;
  std::size_t at = text.rfind(marker, 0) == 0 ? 0 : text.find("\n" + marker);
  while (at != std::string::npos) {
    const std::size_t begin = text[at] == '\n' ? at + 1 : at;
    const std::size_t eol = text.find('\n', begin);
    const std::string name = text.substr(begin + marker.size(), eol == std::string::npos ? std::string::npos : eol - begin - marker.size());
    const std::size_t next = eol == std::string::npos ? std::string::npos : text.find("\n" + marker, eol);
    const std::string body = text.substr(begin, next == std::string::npos ? std::string::npos : next + 1 - begin);
    list.push_back(load_text(name, body, label + " (scenario " + name + ")"));
    at = next;
  }
  if (list.empty()) throw InputError(label, "", "no '# scenario NAME' section: not a cimsim configuration");
  return list;
}

namespace detail {
std::string read_text_file(const std::string& path, const std::string& where, const std::string& what) {
  std::error_code ec;
  const auto st = fs::status(path, ec);
  if (fs::is_directory(st)) throw InputError(where, "", "'" + path + "' is a directory, not a " + what);
  if (fs::exists(st) && !fs::is_regular_file(st)) throw InputError(where, "", "'" + path + "' is not a regular file: expected a " + what);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(where, "", "cannot read " + what + " '" + path + "'" + (fs::exists(st) ? "" : ": no such file"));
  std::ostringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (const auto nul = s.find('\0'); nul != std::string::npos) {
    const auto line = 1 + std::count(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
    throw InputError(path + ":" + std::to_string(line), "", "contains a NUL byte: expected a text file (" + what + ")");
  }
  return s;
}
}  // namespace detail

void apply_set(Scenario& sc, const std::string& assignment, const std::string& where) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError(where, "", "'" + assignment + "' is not an assignment: expected key=value, e.g. backbone.staff=8");
  const std::string key = assignment.substr(0, eq);
  const std::string value = assignment.substr(eq + 1);
  const ParamSpec* spec = model::find_param(key);
  if (spec == nullptr) throw InputError(where, key, "unknown parameter" + suggestion(key, all_keys()));
  toml::table t;
  try {
    t = toml::parse("v = " + value);
  } catch (const toml::parse_error&) {
    throw InputError(where, key, "'" + value + "' is not a value: expected " + describe_expected(*spec));
  }
  if (t.size() != 1 || value.find_first_of("\n\r") != std::string::npos)
    throw InputError(where, key, "'" + value + "' has text after the value: expected one value, " +
                                     describe_expected(*spec) + " (give each parameter its own --set)");
  set_param(sc, *spec, *t.get("v"), where);
}

void check(const Scenario& sc) {
  const std::string msg = model::check_consistency(sc.params);
  if (!msg.empty()) {
    // Blame where the keys the rule names were set (the last one set in the files), else
    // the scenario's file.
    std::vector<std::string> keys;
    for (const auto& spec : model::param_table())
      if (msg.find(spec.key) != std::string::npos) keys.push_back(spec.key);
    if (keys.empty())  // "the population needs at least one organisation"
      for (const auto& spec : model::param_table())
        if (spec.key.starts_with("population.") && spec.key != "population.citizens") keys.push_back(spec.key);
    std::string where, key;
    for (const auto& k : keys) {
      const auto it = sc.origins.find(k);
      if (it != sc.origins.end()) where = it->second, key = k;
    }
    if (where.empty()) where = sc.source.empty() ? "scenario '" + sc.name + "'" : sc.source;
    throw InputError(where, key, msg + " (scenario '" + sc.name + "')");
  }
  const int horizon = sc.params.run.horizon_years * model::kWeeksPerYear;
  for (const auto& e : sc.events)
    if (e.week > horizon)
      throw InputError(e.origin, "events.at",
                       "event at week " + std::to_string(e.week) + " is after the horizon (week " +
                           std::to_string(horizon) + ", run.horizon_years = " +
                           std::to_string(sc.params.run.horizon_years) + ")");
}

std::string to_toml(const Scenario& sc) {
  std::ostringstream o;
  o.precision(17);
  o << "# scenario " << sc.name << "\n";
  toml::table desc{{"description", sc.description}};
  o << desc << "\n";
  for (const std::string& g : groups()) {
    o << "\n[" << g << "]\n";
    for (const auto& spec : model::param_table()) {
      if (spec.key.compare(0, g.size() + 1, g + ".") != 0) continue;
      o << spec.key.substr(g.size() + 1) << " = ";
      spec.visit(sc.params, [&](const auto& field) {
        using T = std::remove_cvref_t<decltype(field)>;
        if constexpr (std::is_same_v<T, bool>) o << (field ? "true" : "false");
        else if constexpr (std::is_same_v<T, int>) o << field;
        else o << fmt::format("{}", field);
      });
      o << "\n";
    }
  }
  for (const auto& e : sc.events) o << event_toml(e);
  return o.str();
}

std::string describe_event(const model::Event& e) {
  // "week  156  staff_turnover  fraction 0.5, successor false": the TOML fields in words.
  std::istringstream lines(event_toml(e));
  std::string line, fields;
  while (std::getline(lines, line)) {
    const auto eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    if (key == "type" || key == "at") continue;
    std::string value = line.substr(eq + 3);
    if (!value.empty() && value.front() == '"') value = value.substr(1, value.size() - 2);
    fields += (fields.empty() ? "" : ", ") + key + " " + value;
  }
  const std::string when = e.week > 0 ? fmt::format("week {:>4}", e.week) : std::string("hazard   ");
  return when + "  " + model::event_type_name(e) + (fields.empty() ? "" : "  " + fields);
}

std::string describe_line(const Scenario& sc) {
  return sc.description.substr(0, sc.description.find('\n'));
}

}  // namespace cimsim::scenarios
