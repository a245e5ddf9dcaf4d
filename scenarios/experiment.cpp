#include "experiment.hpp"

#include "engine/error.hpp"
#include "scenario_loader.hpp"
#include "toml_reader.hpp"

#include <csv.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace cimsim::scenarios {

namespace fs = std::filesystem;
using model::Scenario;

namespace {

using detail::at_line;
using detail::low_high;

// A reference to a scenario: built-in names stay; relative paths are taken from `dir`.
std::string scenario_ref(const std::string& ref, const std::string& dir) {
  if (!detail::looks_like_path(ref) || dir.empty() || fs::path(ref).is_absolute()) return ref;
  return (fs::path(dir) / ref).string();
}

// A parameter that can be swept: it exists, is numeric and is not the run length.
const model::ParamSpec& sweep_key(const std::string& key, const std::string& where) {
  const model::ParamSpec* spec = model::find_param(key);
  if (spec == nullptr) {
    std::vector<std::string> keys;
    for (const auto& s : model::param_table()) keys.push_back(s.key);
    throw InputError(where, key, "unknown parameter" + detail::suggestion(key, keys));
  }
  if (spec->is<bool>())
    throw InputError(where, key, "a true/false parameter cannot be swept: run the two settings as scenarios");
  if (key.starts_with("run."))
    throw InputError(where, key, "the run length cannot be swept: every point shares the time axis");
  return *spec;
}

// Range of a sweep parameter: a sweepable key, the range inside its limits.
ParamRange param_range(const std::string& key, double lo, double hi, const std::string& where) {
  const model::ParamSpec* spec = &sweep_key(key, where);
  const bool integer = spec->is<int>();
  if (!(lo <= hi) || lo < spec->min || hi > spec->max)
    throw InputError(where, key,
                     fmt::format("range [{}, {}] is not within the parameter's range [{}, {}] with low <= high", lo,
                                 hi, spec->min, spec->max));
  if (integer && (lo != std::floor(lo) || hi != std::floor(hi)))
    throw InputError(where, key, "an integer parameter needs whole-number bounds");
  return ParamRange{key, lo, hi, integer};
}

double param_value(const Scenario& s, const std::string& key) {
  const model::ParamSpec* spec = model::find_param(key);
  return spec->value(s.params);
}

// A design value as TOML text: whole numbers without a fraction (so integer parameters
// accept them), others in shortest round-trip form.
std::string value_text(double v) {
  return v == std::floor(v) && std::abs(v) < 1e15 ? fmt::format("{}", static_cast<long long>(v)) : fmt::format("{}", v);
}

// The sample table of a csv sweep: header = parameter keys, one row per point.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;  // line of each row (1-based)
};

CsvTable read_csv(const std::string& path, const std::string& where) {
  const std::string data = detail::read_text_file(path, where, "sample table");

  struct State {
    CsvTable table;
    std::vector<std::string> row;
    std::size_t line = 1, row_line = 1;
    const std::string* data;
  } st;
  st.data = &data;
  csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0)
    throw InputError(path, "", "cannot start the CSV parser");
  auto on_field = [](void* s, std::size_t n, void* d) {
    auto* x = static_cast<State*>(d);
    x->row.emplace_back(s == nullptr ? "" : std::string(static_cast<const char*>(s), n));
  };
  auto on_row = [](int, void* d) {
    auto* x = static_cast<State*>(d);
    if (x->table.header.empty()) x->table.header = std::move(x->row);
    else {
      x->table.rows.push_back(std::move(x->row));
      x->table.lines.push_back(x->row_line);
    }
    x->row.clear();
  };
  // Feed line by line so that errors and rows carry line numbers.
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t end = data.find('\n', pos);
    end = end == std::string::npos ? data.size() : end + 1;
    if (st.row.empty()) st.row_line = st.line;
    if (csv_parse(&p, data.data() + pos, end - pos, on_field, on_row, &st) != end - pos) {
      const std::string msg = csv_strerror(csv_error(&p));
      csv_free(&p);
      throw InputError(path + ":" + std::to_string(st.line), "", "malformed CSV: " + msg);
    }
    ++st.line;
    pos = end;
  }
  if (csv_fini(&p, on_field, on_row, &st) != 0) {
    const std::string msg = csv_strerror(csv_error(&p));
    csv_free(&p);
    throw InputError(path + ":" + std::to_string(st.line - 1), "", "malformed CSV: " + msg);
  }
  csv_free(&p);
  if (st.table.header.empty()) throw InputError(path, "", "empty sample table: expected a header row of parameter keys");
  if (st.table.rows.empty()) throw InputError(path, "", "the sample table has a header but no rows");
  return st.table;
}

}  // namespace

ExperimentSpec load_experiment(const std::string& path) {
  if (fs::path(path).extension() != ".toml")
    throw InputError(path, "", "not an experiment file: expected a path ending in .toml");
  const std::string text = detail::read_text_file(path, path, "experiment file");
  toml::table doc;
  try {
    doc = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    throw InputError(at_line(path, e.source()), "", "malformed TOML: " + std::string(e.description()));
  }
  const std::string dir = fs::path(path).parent_path().string();
  const detail::TableReader top{doc, path, ""};
  if (doc.get("extends") != nullptr || doc.get("events") != nullptr) {
    const std::string key = doc.get("extends") != nullptr ? "extends" : "events";
    throw InputError(top.where(key), key, "this is a scenario file, not an experiment: give it as a scenario (without --experiment)");
  }
  top.only({"title", "description", "baseline", "scenarios", "replicates", "seed", "sweep", "fork"});
  ExperimentSpec x;
  x.source = path;
  x.title = top.string("title", "", false);
  x.baseline = top.string("baseline", "", false);
  if (!x.baseline.empty()) x.baseline = scenario_ref(x.baseline, dir);
  for (const auto& s : top.strings("scenarios")) x.scenarios.push_back(scenario_ref(s, dir));
  x.replicates = top.integer<long long>("replicates", 1, 10'000'000, 0, false);
  if (top.get("seed") != nullptr)
    x.seed = static_cast<std::uint64_t>(top.integer<long long>("seed", 0, std::numeric_limits<long long>::max(), 0, false));
  top.string("description", "", false);  // for people; checked to be a string

  if (const toml::node* n = top.get("sweep")) {
    if (!n->is_table()) throw InputError(top.where("sweep"), "sweep", "expected a [sweep] table");
    const detail::TableReader t{*n->as_table(), path, "sweep."};
    t.only({"scenario", "design", "parameters", "levels", "points", "seed", "file"});
    SweepSpec w;
    w.where = top.where("sweep");
    w.base = scenario_ref(t.string("scenario", "baseline", false), dir);
    w.design = t.choice("design", {"grid", "lhs", "saltelli", "csv"}, true);
    w.levels = static_cast<std::size_t>(t.integer<long long>("levels", 1, 1000, 3, false));
    w.points = static_cast<std::size_t>(t.integer<long long>("points", 1, 10'000'000, 0, false));
    w.seed = static_cast<std::uint64_t>(t.integer<long long>("seed", 0, std::numeric_limits<long long>::max(), 1, false));
    if (w.design == "csv") {
      w.csv = t.string("file", "", true);
      if (!w.csv.empty() && fs::path(w.csv).is_relative() && !dir.empty()) w.csv = (fs::path(dir) / w.csv).string();
      if (t.get("parameters") != nullptr)
        throw InputError(t.where("parameters"), "sweep.parameters", "a csv design takes its parameters from the file's header");
    } else {
      if ((w.design == "lhs" || w.design == "saltelli") && w.points == 0)
        throw InputError(w.where, "sweep.points", "missing: expected the number of points (lhs) or base sample size (saltelli)");
      const toml::node* ps = t.get("parameters");
      if (ps == nullptr || !ps->is_table() || ps->as_table()->empty())
        throw InputError(w.where, "sweep.parameters",
                         "missing: expected a [sweep.parameters] table of key = [low, high], e.g. \"backbone.staff\" = [2, 10]");
      for (const auto& [k, v] : *ps->as_table()) {
        const std::string where = at_line(path, v.source());
        const auto range = low_high(v);
        if (!range) throw InputError(where, std::string(k.str()), "expected [low, high] with two numbers");
        w.ranges.push_back(param_range(std::string(k.str()), range->first, range->second, where));
      }
    }
    x.sweep = w;
  }
  if (const toml::node* n = top.get("fork")) {
    if (!n->is_table()) throw InputError(top.where("fork"), "fork", "expected a [fork] table");
    const detail::TableReader t{*n->as_table(), path, "fork."};
    t.only({"scenario", "at", "variants"});
    ForkSpec f;
    f.where = top.where("fork");
    f.base = scenario_ref(t.string("scenario", "", true), dir);
    f.week = parse_time(t.string("at", "", true), t.where("at"));
    for (const auto& v : t.strings("variants")) f.variants.push_back(scenario_ref(v, dir));
    if (f.variants.empty())
      throw InputError(f.where, "fork.variants", "missing: expected the scenarios that continue from the fork");
    x.fork = f;
  }
  if (x.scenarios.empty() && !x.sweep && !x.fork)
    throw InputError(path, "", "nothing to run: expected scenarios = [...], a [sweep] or a [fork]");
  return x;
}

Plan make_plan(const ExperimentSpec& spec, const std::vector<std::string>& sets) {
  Plan plan;
  auto load_one = [&](const std::string& ref) {
    Scenario s = load(ref);
    for (const auto& a : sets) apply_set(s, a);
    return s;
  };
  std::vector<Scenario> sweep_points;
  std::vector<std::vector<double>> rows;
  if (spec.sweep) {
    const SweepSpec& w = *spec.sweep;
    const Scenario base = load_one(w.base);
    Design design;
    std::vector<std::string> keys;
    std::vector<std::string> row_where;
    if (w.design == "csv") {
      const CsvTable t = read_csv(w.csv, w.where);
      keys = t.header;
      for (const auto& k : keys) sweep_key(k, w.csv + ":1");  // values are checked per row below
      for (std::size_t i = 0; i < t.rows.size(); ++i) {
        const std::string where = w.csv + ":" + std::to_string(t.lines[i]);
        if (t.rows[i].size() != keys.size())
          throw InputError(where, "", fmt::format("row has {} value(s), the header {} column(s)", t.rows[i].size(), keys.size()));
        Scenario s = base;
        std::vector<double> row;
        for (std::size_t j = 0; j < keys.size(); ++j) {
          apply_set(s, keys[j] + "=" + t.rows[i][j], where);
          row.push_back(param_value(s, keys[j]));
        }
        rows.push_back(row);
        sweep_points.push_back(std::move(s));
      }
    } else {
      for (const auto& r : w.ranges) keys.push_back(r.key);
      if (w.design == "grid") design = grid_design(w.ranges, std::vector<std::size_t>(w.ranges.size(), w.levels));
      else if (w.design == "lhs") design = lhs_design(w.ranges, w.points, w.seed);
      else design = saltelli_design(w.ranges, w.points, w.seed);
      for (const auto& point : design) {
        Scenario s = base;
        std::vector<double> row;
        for (std::size_t j = 0; j < keys.size(); ++j) {
          apply_set(s, keys[j] + "=" + value_text(point[j]), w.where);
          row.push_back(param_value(s, keys[j]));
        }
        rows.push_back(row);
        sweep_points.push_back(std::move(s));
      }
    }
    {
      std::set<std::string> seen;
      for (const auto& k : keys)
        if (!seen.insert(k).second) throw InputError(w.where, k, "is swept twice; list each parameter once");
    }
    for (const auto& a : sets) {
      const std::string key = a.substr(0, a.find('='));
      if (std::find(keys.begin(), keys.end(), key) != keys.end())
        throw InputError("--set", key, "is also swept; remove it from --set or from the sweep");
    }
    for (std::size_t i = 0; i < sweep_points.size(); ++i) {
      Scenario& s = sweep_points[i];
      s.name = fmt::format("sweep-{:05d}", i);
      std::string d;
      for (std::size_t j = 0; j < keys.size(); ++j) d += (j ? ", " : "") + keys[j] + " = " + value_text(rows[i][j]);
      s.description = "sweep point of " + base.name + ": " + d;
      plan.items.push_back({std::move(s), -1});
    }
    plan.design = w.design;
    plan.saltelli_n = w.design == "saltelli" ? w.points : 0;
    plan.parameters = keys;
  }

  std::vector<std::string> plain = spec.scenarios;
  if (!spec.baseline.empty() && std::find(plain.begin(), plain.end(), spec.baseline) == plain.end())
    plain.insert(plain.begin(), spec.baseline);
  for (const auto& ref : plain) {
    plan.items.push_back({load_one(ref), -1});
    if (ref == spec.baseline) plan.baseline = plan.items.back().scenario.name;
  }

  if (spec.fork) {
    const ForkSpec& f = *spec.fork;
    Scenario base = load_one(f.base);
    const int horizon = base.params.run.horizon_years * model::kWeeksPerYear;
    if (f.week > horizon)
      throw InputError(f.where, "fork.at",
                       fmt::format("week {} is after the horizon of '{}' (week {})", f.week, base.name, horizon));
    plan.forks.push_back({plan.items.size(), f.week});
    const int g = static_cast<int>(plan.forks.size()) - 1;
    std::vector<Scenario> variants;
    for (const auto& v : f.variants) {
      Scenario s = load_one(v);
      check(s);
      check_fork(base, s, f.week, f.where);
      variants.push_back(std::move(s));
    }
    plan.items.push_back({std::move(base), g});
    for (auto& s : variants) plan.items.push_back({std::move(s), g});
  }

  std::set<std::string> names;
  for (const auto& it : plan.items) {
    check(it.scenario);
    if (!names.insert(it.scenario.name).second)
      throw InputError(spec.source, "", "scenario '" + it.scenario.name + "' is named twice; each scenario may appear once");
  }
  const std::size_t P = plan.parameters.size();
  plan.values.assign(plan.items.size() * P, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < P; ++j) plan.values[i * P + j] = rows[i][j];
  if (spec.baseline.empty() && names.count("baseline")) plan.baseline = "baseline";
  return plan;
}

ParamRange sweep_range(const std::string& key, double lo, double hi, const std::string& where) {
  return param_range(key, lo, hi, where);
}

PlanRunner::PlanRunner(const Plan& plan, const RecordSchema& schema) : plan_(plan), schema_(schema) {
  members_.assign(plan.forks.size(), 0);
  for (const auto& it : plan.items)
    if (it.fork >= 0) ++members_[static_cast<std::size_t>(it.fork)];
}

std::shared_ptr<PlanRunner::Snapshot> PlanRunner::snapshot(std::size_t fork, std::size_t replicate) {
  std::lock_guard lock(mutex_);
  auto& s = snapshots_[{fork, replicate}];
  if (!s) {
    s = std::make_shared<Snapshot>();
    s->left = members_[fork];
  }
  return s;
}

void PlanRunner::skip(const RunContext& ctx) {
  const int g = plan_.items[ctx.key.scenario].fork;
  if (g < 0) return;
  snapshot(static_cast<std::size_t>(g), ctx.key.replicate);  // the entry counts this member
  release(static_cast<std::size_t>(g), ctx.key.replicate);
}

void PlanRunner::release(std::size_t fork, std::size_t replicate) {
  std::lock_guard lock(mutex_);
  const auto it = snapshots_.find({fork, replicate});
  if (it != snapshots_.end() && --it->second->left == 0) snapshots_.erase(it);
}

RunResult PlanRunner::operator()(const RunContext& ctx) {
  const Plan::Item& item = plan_.items[ctx.key.scenario];
  if (item.fork < 0) return model::run(item.scenario, schema_, ctx);
  const auto g = static_cast<std::size_t>(item.fork);
  const Plan::Fork& fork = plan_.forks[g];
  const std::shared_ptr<Snapshot> snap = snapshot(g, ctx.key.replicate);
  // The base runs once per replicate up to the end of the week before the fork; every member
  // continues from a copy of that state. (A stop request inside leaves the flag unset, so a
  // later caller would retry; the ensemble is ending then anyway.)
  std::call_once(snap->once, [&] {
    const Scenario& base = plan_.items[fork.base_item].scenario;
    auto state = std::make_unique<model::RunState>(base, schema_, ctx.key.seed, ctx.exec);
    state->advance(fork.week - 1, ctx);
    snap->state = std::move(state);
  });
  model::RunState state = *snap->state;
  release(g, ctx.key.replicate);
  if (ctx.key.scenario != fork.base_item) state.intervene(item.scenario);
  return state.finish(ctx);
}

}  // namespace cimsim::scenarios
