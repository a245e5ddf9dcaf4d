// cimsim command-line interface: a thin layer over scenarios, the model and the HDF5 sink.
#include "analysis/hdf5_sink.hpp"
#include "analysis/summary.hpp"
#include "engine/ensemble.hpp"
#include "engine/error.hpp"
#include "engine/model/model.hpp"
#include "engine/rng.hpp"
#include "scenarios/scenario_loader.hpp"
#ifdef CIMSIM_HAVE_MPI
#include "engine/distributed.hpp"
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <thread>

namespace {

using namespace cimsim;
namespace sc = cimsim::scenarios;

std::atomic<bool> g_stop{false};
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

std::string iso_time_utc(bool compact) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, compact ? "%Y%m%d-%H%M%S" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct RunOptions {
  std::vector<std::string> scenarios;
  long long replicates = 20;
  long long threads = 0;  // 0: all cores
  std::uint64_t seed = 1;
  std::string out;
  std::vector<std::string> sets;
  bool force = false;
  bool quiet = false;
  bool progress = false;
};

std::vector<model::Scenario> load_all(const std::vector<std::string>& names, const std::vector<std::string>& sets) {
  std::vector<model::Scenario> list;
  for (const auto& n : names) {
    model::Scenario s = sc::load(n);
    for (const auto& a : sets) sc::apply_set(s, a);
    sc::check(s);
    for (const auto& other : list)
      if (other.name == s.name)
        throw InputError("", "", "scenario '" + s.name + "' is named twice; each scenario may appear once");
    list.push_back(std::move(s));
  }
  return list;
}

class Progress {
 public:
  // enabled: print at all; lines: one line per update (for logs) instead of rewriting one line.
  Progress(bool enabled, bool lines) : enabled_(enabled), lines_(lines), start_(std::chrono::steady_clock::now()) {}
  void operator()(std::size_t done, std::size_t total) {
    if (!enabled_) return;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (done != total && el - last_ < 0.1) return;
    last_ = el;
    const double eta = done > 0 ? el * static_cast<double>(total - done) / static_cast<double>(done) : 0.0;
    std::fprintf(stderr, "%s  runs %zu/%zu (%3.0f%%)  elapsed %.1f s  ETA %.1f s%s", lines_ ? "" : "\r", done, total,
                 100.0 * static_cast<double>(done) / static_cast<double>(total), el, eta, lines_ ? "\n" : "   ");
    if (done == total && !lines_) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

 private:
  bool enabled_, lines_;
  std::chrono::steady_clock::time_point start_;
  double last_ = -1.0;
};

// The processes of this invocation: one, or those started by mpirun/srun when built with MPI.
class Processes {
 public:
#ifdef CIMSIM_HAVE_MPI
  Processes() : session_(nullptr, nullptr) {}
  int rank() const noexcept { return session_.rank(); }
  int size() const noexcept { return session_.size(); }
  bool all(bool ok) const { return session_.all(ok); }
  EnsembleReport run(const EnsembleOptions& eo, const RunFunction& fn, Sink* sink,
                     const std::function<void(std::size_t, std::size_t)>& progress) const {
    if (size() > 1) return mpi::run_ensemble(session_, eo, fn, sink, &g_stop, progress);
    return run_ensemble(eo, fn, *sink, &g_stop, progress);
  }

 private:
  mpi::Session session_;
#else
  int rank() const noexcept { return 0; }
  int size() const noexcept { return 1; }
  bool all(bool ok) const { return ok; }
  EnsembleReport run(const EnsembleOptions& eo, const RunFunction& fn, Sink* sink,
                     const std::function<void(std::size_t, std::size_t)>& progress) const {
    return run_ensemble(eo, fn, *sink, &g_stop, progress);
  }
#endif
};

int cmd_run(RunOptions o, const std::string& command_line) {
  const Processes procs;
  const bool root = procs.rank() == 0;
  const int threads = o.threads > 0 ? static_cast<int>(o.threads)
                                    : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Set-up. Under MPI every process loads the scenarios; rank 0 alone opens the output. If any
  // process fails, all stop before running anything (rank 0 removes its temporary file).
  std::vector<model::Scenario> scenarios;
  RecordSchema schema;
  std::unique_ptr<Hdf5Sink> file;
  std::exception_ptr setup_error;
  try {
    if (o.replicates <= 0)
      throw InputError("--replicates", "", "must be a positive integer, got " + std::to_string(o.replicates));
    if (o.scenarios.empty()) o.scenarios.push_back(sc::kDefaultScenario);
    scenarios = load_all(o.scenarios, o.sets);
    if (o.out.empty()) o.out = "cimsim-" + scenarios.front().name + "-" + iso_time_utc(true) + ".h5";
    int pillars = 1, years = 1, events = 0;
    for (const auto& s : scenarios) {
      pillars = std::max(pillars, s.params.pillars);
      years = std::max(years, s.params.horizon_years);
      events = std::max(events, static_cast<int>(model::scheduled_events(s).size()));
    }
    schema = model::make_schema(pillars, events);
    if (root) {
      OutputLayout layout;
      for (const auto& s : scenarios) {
        layout.scenarios.push_back(s.name);
        layout.event_labels.emplace_back();
        for (const auto* e : model::scheduled_events(s)) layout.event_labels.back().push_back(e->label);
      }
      layout.replicates = static_cast<std::size_t>(o.replicates);
      layout.time = model::record_months(years);
      std::string config;
      for (const auto& s : scenarios) config += sc::to_toml(s) + "\n";
      layout.attributes = {
          {"title", "cimsim collective impact ensemble"},
          {"source", std::string("cimsim ") + CIMSIM_VERSION},
          {"cimsim_version", CIMSIM_VERSION},
          {"git_revision", CIMSIM_GIT_REV},
          {"build_type", CIMSIM_BUILD_TYPE},
          {"command_line", command_line},
          {"configuration", config},
          {"master_seed", std::to_string(o.seed)},
          {"rng_scheme", rng_scheme_description()},
          {"threads", std::to_string(threads)},
          {"processes", std::to_string(procs.size())},
          {"created", iso_time_utc(false)},
          {"history", iso_time_utc(false) + ": " + command_line},
      };
      // Validates the path; writes a temporary file.
      file = std::make_unique<Hdf5Sink>(o.out, schema, layout, o.force);
    }
  } catch (...) {
    setup_error = std::current_exception();
  }
  const bool all_ok = procs.all(!setup_error);
  if (setup_error) std::rethrow_exception(setup_error);  // main() prints it; exit status 2
  if (!all_ok) {
    if (root) std::fprintf(stderr, "cimsim: error: another MPI process could not set up the run (see its message); nothing written\n");
    return 2;
  }

  std::unique_ptr<SummarySink> summary;
  std::unique_ptr<TeeSink> tee;
  if (root) {
    summary = std::make_unique<SummarySink>(schema, scenarios.size(), static_cast<std::size_t>(o.replicates));
    tee = std::make_unique<TeeSink>(std::vector<Sink*>{file.get(), summary.get()});
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const bool tty = isatty(STDERR_FILENO) != 0;
  const bool talk = root && !o.quiet;
  if (talk && procs.size() > 1)
    std::fprintf(stderr, "cimsim: %zu scenario(s) x %lld replicates on %d processes x %d thread(s), master seed %llu\n",
                 scenarios.size(), o.replicates, procs.size(), threads, static_cast<unsigned long long>(o.seed));
  else if (talk)
    std::fprintf(stderr, "cimsim: %zu scenario(s) x %lld replicates on %d thread(s), master seed %llu\n",
                 scenarios.size(), o.replicates, threads, static_cast<unsigned long long>(o.seed));
  Progress progress(talk && (tty || o.progress), !tty);
  EnsembleOptions eo;
  eo.scenarios = scenarios.size();
  eo.replicates = static_cast<std::size_t>(o.replicates);
  eo.master_seed = o.seed;
  eo.threads = threads;
  const EnsembleReport rep = procs.run(
      eo, [&](const RunContext& ctx) { return model::run(scenarios[ctx.key.scenario], schema, ctx); }, tee.get(),
      [&](std::size_t d, std::size_t t) { progress(d, t); });
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!root) return rep.interrupted ? 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT) : 0;
  file->finish(!rep.interrupted);

  std::vector<std::string> names;
  for (const auto& s : scenarios) names.push_back(s.name);
  if (!o.quiet) {
    std::cout << "\n" << summary->table(names) << "\n";
    // Paired differences from the baseline (or, without one, from the first scenario).
    const auto base = std::find(names.begin(), names.end(), std::string("baseline"));
    const std::string diff = summary->difference_table(names, base != names.end() ? static_cast<std::size_t>(base - names.begin()) : 0);
    if (!diff.empty()) std::cout << diff << "\n";
  }
  if (rep.interrupted) {
    std::fprintf(stderr, "cimsim: interrupted; %zu of %zu runs completed and written to %s (marked complete=false)\n",
                 rep.completed, rep.total, o.out.c_str());
    return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT);
  }
  std::cout << "wrote " << o.out << "\n";
  if (rep.failed > 0) {
    std::fprintf(stderr, "cimsim: %zu of %zu runs failed; their status and status_message are in %s\n", rep.failed,
                 rep.total, o.out.c_str());
    return 1;
  }
  return 0;
}

int cmd_list() {
  std::size_t width = 0;
  for (const auto& b : sc::builtins()) width = std::max(width, b.name.size());
  for (const auto& b : sc::builtins()) {
    const model::Scenario s = sc::load(b.name);
    std::cout << fmt::format("{:<{}}  {}\n", s.name, width, sc::describe_line(s));
  }
  return 0;
}

// A parameter's value in a scenario and its allowed range, as text.
std::pair<std::string, std::string> value_and_range(const model::ParamSpec& spec, const model::Params& params) {
  std::string value, range;
  std::visit(
      [&](auto m) {
        using T = std::remove_reference_t<decltype(params.*m)>;
        if constexpr (std::is_same_v<T, bool>) {
          value = params.*m ? "true" : "false";
          range = "true/false";
        } else {
          value = fmt::format("{}", params.*m);
          range = fmt::format("[{}, {}]", spec.min, spec.max);
        }
      },
      spec.field);
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

int cmd_describe(const std::string& name, const std::vector<std::string>& sets, bool markdown) {
  model::Scenario s = sc::load(name);
  for (const auto& a : sets) sc::apply_set(s, a);
  sc::check(s);
  if (markdown) return print_markdown_parameters(s);
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

int cmd_validate(const std::vector<std::string>& files, const std::vector<std::string>& sets) {
  for (const auto& f : files) {
    model::Scenario s = sc::load(f);
    for (const auto& a : sets) sc::apply_set(s, a);
    sc::check(s);
    std::cout << f << ": ok (scenario " << s.name << ", " << s.events.size() << " event(s))\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{"cimsim: agent-based simulation of collective impact initiatives"};
#ifdef CIMSIM_HAVE_MPI
  const char* mpi = ", MPI";
#else
  const char* mpi = "";
#endif
  app.set_version_flag("--version", std::string("cimsim ") + CIMSIM_VERSION + " (" + CIMSIM_GIT_REV + ", " +
                                        CIMSIM_BUILD_TYPE + mpi + ")");
  app.require_subcommand(1);

  RunOptions ro;
  auto* run = app.add_subcommand("run", "Run scenarios as an ensemble of seeds and write one HDF5/netCDF-4 file");
  run->add_option("scenarios", ro.scenarios,
                  "Built-in scenario names or paths to .toml files (default: baseline)");
  run->add_option("-r,--replicates", ro.replicates, "Replicates (seeds) per scenario")->capture_default_str();
  run->add_option("-t,--threads", ro.threads, "Worker threads (default: all cores)");
  run->add_option("-s,--seed", ro.seed, "Master seed; replicate k uses a seed derived from it and k")
      ->capture_default_str();
  run->add_option("-o,--out", ro.out, "Output file (default: cimsim-<scenario>-<UTC time>.h5)");
  run->add_option("--set", ro.sets, "Override a parameter in every scenario: key=value (repeatable)");
  run->add_flag("-f,--force", ro.force, "Overwrite an existing output file");
  run->add_flag("-q,--quiet", ro.quiet, "No progress or summary table");
  run->add_flag("--progress", ro.progress, "Report progress also when stderr is not a terminal (one line per update)");

  app.add_subcommand("list", "List the built-in scenarios");
  std::string describe_name;
  std::vector<std::string> describe_sets;
  auto* describe = app.add_subcommand("describe", "Show a scenario's resolved parameters with units, and the schedule");
  describe->add_option("scenario", describe_name, "Scenario name or .toml path")->required();
  describe->add_option("--set", describe_sets, "Override a parameter: key=value (repeatable)");
  bool describe_markdown = false;
  describe->add_flag("--markdown", describe_markdown, "Print only the parameter table, as Markdown");
  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand("validate", "Check scenario files without running them");
  validate->add_option("files", validate_files, "Scenario files or names")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "cimsim: error: " << e.what() << "\n(cimsim --help, or cimsim <command> --help, shows the usage)\n";
    return 2;
  }

  try {
    if (run->parsed()) {
      if (run->count("--threads") > 0 && ro.threads <= 0)
        throw InputError("--threads", "", "must be a positive integer, got " + std::to_string(ro.threads));
      return cmd_run(ro, command_line);
    }
    if (app.got_subcommand("list")) return cmd_list();
    if (describe->parsed()) return cmd_describe(describe_name, describe_sets, describe_markdown);
    if (validate->parsed()) return cmd_validate(validate_files, {});
  } catch (const InputError& e) {
    std::cerr << "cimsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "cimsim: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
