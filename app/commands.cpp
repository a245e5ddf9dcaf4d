#include "app/commands.hpp"

#include "analysis/ensemble_file.hpp"
#include "analysis/hdf5_store.hpp"
#include "analysis/targets.hpp"
#include "app/network_picture.hpp"
#include "app/run_experiment.hpp"
#include "engine/error.hpp"
#include "engine/model/model.hpp"
#include "scenarios/experiment.hpp"
#include "scenarios/parameter_values.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/targets.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <new>
#include <map>
#include <thread>
#include <type_traits>
#include <variant>

#include <unistd.h>

namespace cimsim::app {

namespace sc = cimsim::scenarios;

namespace {

// A parameter's value in a scenario and its allowed range, as text.
std::pair<std::string, std::string> value_and_range(const model::ParamSpec& spec, const model::Params& params) {
  std::string value, range;
  spec.visit(params, [&](const auto& field) {
    using T = std::remove_cvref_t<decltype(field)>;
    if constexpr (std::is_same_v<T, bool>) {
      value = field ? "true" : "false";
      range = "true/false";
    } else {
      value = fmt::format("{}", field);
      range = fmt::format("[{}, {}]", spec.min, spec.max);
    }
  });
  return {value, range};
}

// The parameter table in Markdown (docs/model.md section 9 is this output for baseline).
int print_markdown_parameters(const model::Scenario& s) {
  std::cout << "| key | value | unit | range | description | source |\n|---|---|---|---|---|---|\n";
  for (const auto& spec : model::param_table()) {
    const auto [value, range] = value_and_range(spec, s.params);
    std::cout << fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", spec.key, value, spec.unit, range,
                             spec.description, spec.source);
  }
  return 0;
}

// Analyses a file, prints the result in the chosen format and, with --store, keeps the JSON
// under /analysis/<group> in the file itself.
template <class Options>
int cmd_analysis(const AnalysisCli<Options>& c, const std::string& group,
                 nlohmann::json (*analyse)(const EnsembleFile&, const Options&),
                 std::string (*table)(const nlohmann::json&), std::string (*csv)(const nlohmann::json&),
                 const std::string& command_line) {
  nlohmann::json result;
  {
    const EnsembleFile f(c.file);  // closed before --store replaces the file
    result = analyse(f, c.options);
  }
  if (c.format == "json")
    std::cout << result.dump(2) << "\n";
  else
    std::cout << (c.format == "csv" ? csv(result) : table(result));
  if (c.store) {
    h5::store_analysis(c.file, group, result.dump(), {},
                       {{"created", iso_time_utc(false)},
                        {"command_line", command_line},
                        {"source", std::string("cimsim ") + CIMSIM_VERSION + " (" + CIMSIM_GIT_REV + ")"}});
    std::cerr << "cimsim: stored in " << c.file << " under /analysis/" << group << "\n";
  }
  return 0;
}

}  // namespace

void print_warnings(const std::vector<model::Scenario>& scenarios) {
  std::vector<std::pair<std::string, std::vector<std::string>>> seen;  // message -> scenarios
  for (const auto& s : scenarios)
    for (const auto& w : sc::parameter_warnings(s)) {
      auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& e) { return e.first == w; });
      if (it == seen.end()) seen.push_back({w, {s.name}});
      else it->second.push_back(s.name);
    }
  for (const auto& [w, names] : seen)
    std::fprintf(stderr, "cimsim: warning: %s (%s%s)\n", w.c_str(), names.front().c_str(),
                 names.size() > 1 ? fmt::format(" and {} more", names.size() - 1).c_str() : "");
}

int report_error(const std::exception_ptr& error) {
  int status = 3;
  try {
    std::rethrow_exception(error);
  } catch (const InputError& e) {
    std::cerr << "cimsim: error: " << e.what() << "\n";
    status = 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "cimsim: error: out of memory (std::bad_alloc): run fewer replicates or scenarios, or raise the "
                 "memory limit\n";
  } catch (const std::exception& e) {
    std::cerr << "cimsim: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "cimsim: internal error: an exception of unknown type\n";
  }
  std::cerr.flush();
  return status;
}

int cmd_list(const std::string& format) {
  if (format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : sc::builtins()) {
      const model::Scenario s = sc::load(b.name);
      out.push_back({{"name", s.name}, {"description", s.description}, {"summary", sc::describe_line(s)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::size_t width = 0;
  for (const auto& b : sc::builtins()) width = std::max(width, b.name.size());
  for (const auto& b : sc::builtins()) {
    const model::Scenario s = sc::load(b.name);
    std::cout << fmt::format("{:<{}}  {}\n", s.name, width, sc::describe_line(s));
  }
  return 0;
}

int cmd_describe(const std::string& name, const std::vector<std::string>& sets, bool markdown, const std::string& format) {
  model::Scenario s = sc::load(name);
  for (const auto& a : sets) sc::apply_set(s, a);
  sc::check(s);
  if (markdown) return print_markdown_parameters(s);
  if (format == "json") {
    nlohmann::json params = nlohmann::json::array();
    for (const auto& spec : model::param_table()) {
      nlohmann::json p = {{"key", spec.key}, {"unit", spec.unit}, {"description", spec.description}, {"source", spec.source}};
      spec.visit(s.params, [&](const auto& field) {
        using T = std::remove_cvref_t<decltype(field)>;
        p["value"] = field;
        if constexpr (std::is_same_v<T, bool>) {
          p["type"] = "bool";
        } else {
          p["type"] = std::is_same_v<T, int> ? "int" : "float";
          p["min"] = spec.min;
          p["max"] = spec.max;
        }
      });
      params.push_back(p);
    }
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : s.events) events.push_back({{"event", sc::describe_event(e)}, {"origin", e.origin}});
    nlohmann::json schedule = nlohmann::json::array();
    for (const auto& p : model::Model::phase_info()) schedule.push_back({{"phase", p.name}, {"summary", p.summary}});
    const nlohmann::json out = {{"name", s.name}, {"description", s.description}, {"parameters", params},
                                {"events", events}, {"schedule", schedule}, {"warnings", sc::parameter_warnings(s)}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  print_warnings({s});
  std::cout << "scenario " << s.name << ": " << s.description << "\n\nParameters (resolved):\n";
  std::cout << fmt::format("  {:<40} {:>10}  {:<22} {:<18} {}\n", "key", "value", "unit", "range", "source");
  for (const auto& spec : model::param_table()) {
    const auto [value, range] = value_and_range(spec, s.params);
    std::cout << fmt::format("  {:<40} {:>10}  {:<22} {:<18} {}\n", spec.key, value, spec.unit, range, spec.source);
  }
  std::cout << "\nEvents:\n";
  if (s.events.empty()) std::cout << "  (none)\n";
  for (const auto& e : s.events) std::cout << "  " << sc::describe_event(e) << "   (" << e.origin << ")\n";
  std::cout << "\nSchedule of one tick (one week), in order:\n";
  int i = 1;
  for (const auto& p : model::Model::phase_info()) std::cout << fmt::format("  {}. {:<11} {}\n", i++, p.name, p.summary);
  std::cout << fmt::format("  {}. {:<11} {}\n", i, "observe",
                           "at the first week of each month: probes read the state, the recorder stores it");
  return 0;
}

int cmd_validate_experiment(const std::string& file) {
  const sc::ExperimentSpec spec = sc::load_experiment(file);
  const sc::Plan plan = sc::make_plan(spec, {});
  {
    std::vector<model::Scenario> all;
    for (const auto& it : plan.items) all.push_back(it.scenario);
    print_warnings(all);
  }
  std::size_t points = 0, forked = 0;
  const std::size_t P = plan.parameters.size();
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    if (P > 0 && !std::isnan(plan.values[i * P])) ++points;
    if (plan.items[i].fork >= 0) ++forked;
  }
  std::cout << file << ": ok (experiment: " << plan.items.size() << " scenario(s): " << points << " sweep point(s), "
            << forked << " in a fork, " << plan.items.size() - points - forked << " plain)\n";
  return 0;
}

int cmd_validate(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  for (const auto& f : files) {
    model::Scenario s = sc::load(f);
    for (const auto& a : sets) sc::apply_set(s, a);
    sc::check(s);
    std::cout << f << ": ok (scenario " << s.name << ", " << s.events.size() << " event(s))\n";
    print_warnings({s});
  }
  return 0;
}

int cmd_compare(const AnalysisCli<CompareOptions>& c, const std::string& command_line) {
  return cmd_analysis(c, "compare", compare, compare_table, compare_csv, command_line);
}

int cmd_sensitivity(const AnalysisCli<SensitivityOptions>& c, const std::string& command_line) {
  return cmd_analysis(c, "sensitivity", sensitivity, sensitivity_table, sensitivity_csv, command_line);
}

int cmd_report(report::Options o) {
  o.draw_network = network_picture;
  const std::string written = report::write_report(o);
  std::cout << "wrote " << written << "\n";
  return 0;
}

std::string version_line() {
#ifdef CIMSIM_HAVE_MPI
  const char* mpi = ", MPI";
#else
  const char* mpi = "";
#endif
  return std::string("cimsim ") + CIMSIM_VERSION + " (" + CIMSIM_GIT_REV + ", " + CIMSIM_BUILD_TYPE + mpi + ")";
}

int cmd_targets(const TargetsOptions& o) {
  if (o.replicates < 1 || o.replicates > 1000000)
    throw InputError("--replicates", "", "expected an integer in [1, 1000000], got " + std::to_string(o.replicates));
  if (o.threads < 0) throw InputError("--threads", "", "must be a positive integer, got " + std::to_string(o.threads));
  sc::TargetTable table = o.targets.empty() ? sc::builtin_targets(o.preset, "targets") : sc::load_targets_file(o.targets);
  if (table.preset != o.preset)
    throw InputError(table.label, "preset",
                     "the table is for '" + table.preset + "' but the command names '" + o.preset +
                         "': expected preset = \"" + o.preset + "\" (or run cimsim targets " + table.preset + ")");
  // Every preset the table reads: its own first, then the other sides of orderings.
  sc::ExperimentSpec spec;
  spec.scenarios.push_back(table.preset);
  for (const auto& t : table.targets)
    if (t.kind == sc::Target::Kind::ordering &&
        std::find(spec.scenarios.begin(), spec.scenarios.end(), t.than.preset) == spec.scenarios.end())
      spec.scenarios.push_back(t.than.preset);
  const sc::Plan plan = sc::make_plan(spec, o.sets);
  const RecordSchema schema = schema_for(plan);

  RunSettings settings;
  settings.replicates = static_cast<std::size_t>(o.replicates);
  settings.seed = o.seed;
  settings.threads = o.threads > 0 ? static_cast<int>(o.threads) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (::isatty(2) == 1)
    settings.progress = [](std::size_t done, std::size_t total) {
      std::fprintf(stderr, "\r  runs %zu/%zu", done, total);
      if (done == total) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    };
  MemorySink sink;
  run_experiment(plan, &sink, settings);

  std::map<std::string, PresetRuns> runs;
  for (std::size_t i = 0; i < plan.items.size(); ++i) {
    PresetRuns& p = runs[plan.items[i].scenario.name];
    p.scenario = plan.items[i].scenario;
    p.schema = &schema;
  }
  std::size_t failed = 0;
  std::string first_failure;
  for (auto& r : sink.runs()) {
    if (!r.ok && failed++ == 0) first_failure = plan.items[r.key.scenario].scenario.name + ": " + r.error;
    runs[plan.items[r.key.scenario].scenario.name].runs.push_back(std::move(r));
  }
  if (failed > 0)
    throw std::runtime_error(fmt::format("{} of {} runs failed (first: {})", failed,
                                         plan.items.size() * settings.replicates, first_failure));
  const auto results = evaluate_targets(table, runs);
  if (o.format == "json") std::cout << targets_json(table.preset, settings.replicates, results).dump(2) << "\n";
  else std::cout << targets_table(table.preset, settings.replicates, results);
  const bool all = std::all_of(results.begin(), results.end(), [](const TargetResult& r) { return r.met; });
  return all ? 0 : 1;
}

}  // namespace cimsim::app
