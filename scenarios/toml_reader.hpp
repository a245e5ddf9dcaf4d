// Internal to cimsim::scenarios: reading TOML tables (scenario events, experiment files) with
// messages that name file:line, the key and what is expected.
#pragma once

#include "engine/error.hpp"
#include "scenarios/scenario_loader.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cimsim::scenarios::detail {

inline std::string at_line(const std::string& label, const toml::source_region& src) {
  return src.begin.line > 0 ? label + ":" + std::to_string(src.begin.line) : label;
}

inline std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// "; did you mean 'x'?" for the closest candidate, or "".
inline std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string n = nearest(word, candidates);
  return n.empty() ? "" : "; did you mean '" + n + "'?";
}

// The text of an input file, refusing what is not a readable text file: a directory, a
// device, a file with NUL bytes (a binary file). `what` names the kind ("scenario file").
std::string read_text_file(const std::string& path, const std::string& where, const std::string& what);

// A scenario reference that names a file rather than a built-in scenario.
// A range written as [low, high]: two numbers (integers or floats); nullopt for anything else.
inline std::optional<std::pair<double, double>> low_high(const toml::node& v) {
  const toml::array* a = v.as_array();
  auto num = [](const toml::node* e) -> std::optional<double> {
    if (e != nullptr && e->is_integer()) return static_cast<double>(e->as_integer()->get());
    if (e != nullptr && e->is_floating_point()) return e->as_floating_point()->get();
    return std::nullopt;
  };
  if (a == nullptr || a->size() != 2) return std::nullopt;
  const auto lo = num(a->get(0)), hi = num(a->get(1));
  if (!lo || !hi) return std::nullopt;
  return std::make_pair(*lo, *hi);
}

inline bool looks_like_path(const std::string& ref) {
  return ref.find('/') != std::string::npos || (ref.size() > 5 && ref.ends_with(".toml"));
}

// Typed field readers over one table; keys in messages carry `prefix` ("events.", "sweep.").
struct TableReader {
  const toml::table& t;
  std::string label;   // file, for messages
  std::string prefix;

  std::string where(const toml::node& n) const { return at_line(label, n.source()); }
  std::string where(const std::string& key) const {
    const toml::node* n = t.get(key);
    return n != nullptr ? where(*n) : at_line(label, t.source());
  }
  const toml::node* get(const std::string& key) const { return t.get(key); }

  // Rejects keys outside `allowed`, with a suggestion.
  void only(const std::vector<std::string>& allowed) const {
    for (const auto& [k, v] : t) {
      const std::string key(k.str());
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        throw InputError(where(v), prefix + key,
                         "unknown key" + suggestion(key, allowed) + " (expected one of: " + join(allowed) + ")");
    }
  }
  // nullptr when absent and not required.
  const toml::node* field(const std::string& key, bool required, const std::string& expect) const {
    const toml::node* n = t.get(key);
    if (n == nullptr && required) throw InputError(at_line(label, t.source()), prefix + key, "missing: expected " + expect);
    return n;
  }
  double number(const std::string& key, double lo, double hi, double fallback, bool required) const {
    const std::string expect = "a number in [" + fmt::format("{}", lo) + ", " + fmt::format("{}", hi) + "]";
    const toml::node* n = field(key, required, expect);
    if (n == nullptr) return fallback;
    if (!n->is_number()) throw InputError(where(*n), prefix + key, "not a number: expected " + expect);
    const double x = n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
    if (!(x >= lo && x <= hi)) throw InputError(where(*n), prefix + key, "out of range: expected " + expect);
    return x;
  }
  template <class Int>
  Int integer(const std::string& key, Int lo, Int hi, Int fallback, bool required) const {
    const std::string expect = "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    const toml::node* n = field(key, required, expect);
    if (n == nullptr) return fallback;
    if (!n->is_integer()) throw InputError(where(*n), prefix + key, "not an integer: expected " + expect);
    const auto x = n->as_integer()->get();
    if (x < lo || x > hi) throw InputError(where(*n), prefix + key, "out of range: expected " + expect);
    return static_cast<Int>(x);
  }
  bool boolean(const std::string& key, bool fallback) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return fallback;
    if (!n->is_boolean()) throw InputError(where(*n), prefix + key, "expected true or false");
    return n->as_boolean()->get();
  }
  std::string string(const std::string& key, const std::string& fallback, bool required) const {
    const toml::node* n = field(key, required, "a string");
    if (n == nullptr) return fallback;
    if (!n->is_string()) throw InputError(where(*n), prefix + key, "expected a string");
    return n->as_string()->get();
  }
  std::vector<std::string> strings(const std::string& key) const {
    std::vector<std::string> out;
    const toml::node* n = t.get(key);
    if (n == nullptr) return out;
    const toml::array* a = n->as_array();
    if (a == nullptr) throw InputError(where(*n), prefix + key, "expected an array of strings");
    for (const auto& x : *a) {
      if (!x.is_string()) throw InputError(where(x), prefix + key, "expected an array of strings");
      out.push_back(x.as_string()->get());
    }
    return out;
  }
  std::string choice(const std::string& key, const std::vector<std::string>& allowed, bool required) const {
    const toml::node* n = field(key, required, "one of " + join(allowed));
    if (n == nullptr) return {};
    if (!n->is_string()) throw InputError(where(*n), prefix + key, "expected one of " + join(allowed));
    const std::string v = n->as_string()->get();
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
      throw InputError(where(*n), prefix + key,
                       "unknown value '" + v + "'" + suggestion(v, allowed) + " (expected one of " + join(allowed) + ")");
    return v;
  }
};

}  // namespace cimsim::scenarios::detail
