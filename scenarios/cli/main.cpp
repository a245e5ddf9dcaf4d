// cimsim command-line interface: a thin layer over scenarios, the model and the HDF5 sink.
#include "analysis/compare.hpp"
#include "analysis/hdf5_sink.hpp"
#include "analysis/output_files.hpp"
#include "analysis/resume.hpp"
#include "analysis/hdf5_store.hpp"
#include "analysis/report/report.hpp"
#include "analysis/sensitivity.hpp"
#include "analysis/summary.hpp"
#include "engine/ensemble.hpp"
#include "engine/error.hpp"
#include "engine/model/model.hpp"
#include "engine/rng.hpp"
#include "scenarios/experiment.hpp"
#include "scenarios/scenario_loader.hpp"
#ifdef CIMSIM_HAVE_MPI
#include "engine/distributed.hpp"
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <thread>

namespace {

using namespace cimsim;
namespace sc = cimsim::scenarios;

std::atomic<bool> g_stop{false};
constexpr std::size_t kMaxTableRows = 40;  // scenarios beyond which the run summary is left out
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
  // experiments
  std::string experiment;              // experiment file
  std::string baseline;                // reference scenario
  std::vector<std::string> sweep;      // KEY=LOW:HIGH
  std::string sweep_scenario = "baseline";
  std::string design;                  // grid, lhs, saltelli (csv: --sample)
  long long points = 0, levels = 3;
  std::uint64_t design_seed = 1;
  std::string sample;                  // csv sample table
  std::string fork;                    // scenario run up to --fork-at
  std::string fork_at;
  std::vector<std::string> variants;
  std::string resume;                  // file to complete
  bool replicates_given = false, seed_given = false;
};

// The experiment the command line describes: an experiment file, plus any scenarios, sweep
// and fork given as flags.
sc::ExperimentSpec experiment_from(RunOptions& o) {
  sc::ExperimentSpec x;
  if (!o.experiment.empty()) x = sc::load_experiment(o.experiment);
  for (const auto& s : o.scenarios) x.scenarios.push_back(s);
  if (!o.baseline.empty()) x.baseline = o.baseline;
  if (!o.sweep.empty() || !o.sample.empty()) {
    if (x.sweep) throw InputError("--sweep", "", "the experiment file already has a [sweep]; use one or the other");
    sc::SweepSpec w;
    w.where = !o.sample.empty() ? "--sample" : "--sweep";
    w.base = o.sweep_scenario;
    w.design = !o.sample.empty() ? "csv" : (o.design.empty() ? "grid" : o.design);
    if (!o.sample.empty() && !o.sweep.empty())
      throw InputError("--sample", "", "a sample table names its own parameters: leave out --sweep");
    if (w.design != "grid" && w.design != "lhs" && w.design != "saltelli" && w.design != "csv")
      throw InputError("--design", "", "unknown design '" + w.design + "': expected grid, lhs or saltelli (or --sample FILE.csv)");
    w.csv = o.sample;
    if (o.levels < 1) throw InputError("--levels", "", "expected a positive integer");
    w.levels = static_cast<std::size_t>(o.levels);
    w.points = static_cast<std::size_t>(std::max(0LL, o.points));
    w.seed = o.design_seed;
    if ((w.design == "lhs" || w.design == "saltelli") && w.points == 0)
      throw InputError("--points", "", "missing: the " + w.design + " design needs --points N");
    for (const auto& a : o.sweep) {
      const auto eq = a.find('='), colon = a.find(':', eq == std::string::npos ? 0 : eq);
      double lo = 0.0, hi = 0.0;
      std::size_t used_lo = 0, used_hi = 0;
      bool ok = eq != std::string::npos && colon != std::string::npos;
      try {
        if (ok) {
          lo = std::stod(a.substr(eq + 1, colon - eq - 1), &used_lo);
          hi = std::stod(a.substr(colon + 1), &used_hi);
          ok = used_lo == colon - eq - 1 && used_hi == a.size() - colon - 1;
        }
      } catch (const std::exception&) {
        ok = false;
      }
      if (!ok) throw InputError("--sweep", "", "'" + a + "' is not KEY=LOW:HIGH, e.g. backbone.staff=2:10");
      w.ranges.push_back(sc::sweep_range(a.substr(0, eq), lo, hi, "--sweep"));
    }
    x.sweep = w;
  }
  if (!o.fork.empty() || !o.fork_at.empty() || !o.variants.empty()) {
    if (x.fork) throw InputError("--fork", "", "the experiment file already has a [fork]; use one or the other");
    if (o.fork.empty() || o.fork_at.empty() || o.variants.empty())
      throw InputError("--fork", "", "a fork needs --fork SCENARIO, --fork-at TIME and at least one --variant");
    sc::ForkSpec f;
    f.where = "--fork";
    f.base = o.fork;
    f.week = sc::parse_time(o.fork_at, "--fork-at");
    f.variants = o.variants;
    x.fork = f;
  }
  if (x.scenarios.empty() && !x.sweep && !x.fork) x.scenarios.push_back(sc::kDefaultScenario);
  if (!o.replicates_given && x.replicates > 0) o.replicates = x.replicates;
  if (!o.seed_given && x.seed) o.seed = *x.seed;
  return x;
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

// Keeps the first few failed runs' messages, so that the terminal says why runs failed.
class FailureLog final : public Sink {
 public:
  explicit FailureLog(std::vector<std::string> names) : names_(std::move(names)) {}
  void write(const RunResult& run) override {
    if (run.ok) return;
    std::lock_guard lock(mutex_);
    if (first_.size() < 3)
      first_.push_back(fmt::format("scenario {} replicate {}: {}",
                                   run.key.scenario < names_.size() ? names_[run.key.scenario] : "?",
                                   run.key.replicate, run.error));
  }
  const std::vector<std::string>& first() const noexcept { return first_; }

 private:
  std::vector<std::string> names_;
  std::mutex mutex_;
  std::vector<std::string> first_;
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
  // Set-up. Under MPI every process loads the experiment (and, resuming, the stored runs); rank 0
  // alone opens the output. If any process fails, all stop before running anything (rank 0
  // removes its temporary file).
  sc::ExperimentSpec spec;
  sc::Plan plan;
  std::vector<model::Scenario> scenarios;
  RecordSchema schema;
  OutputLayout layout;
  std::optional<StoredRuns> stored;  // --resume: runs already in the file are taken from it
  std::unique_ptr<Hdf5Sink> file;
  bool nothing_to_do = false;
  std::exception_ptr setup_error;
  try {
    if (o.replicates <= 0)
      throw InputError("--replicates", "", "must be a positive integer, got " + std::to_string(o.replicates));
    spec = experiment_from(o);
    plan = sc::make_plan(spec, o.sets);
    for (const auto& it : plan.items) scenarios.push_back(it.scenario);
    if (!o.resume.empty() && o.out.empty()) {
      // A killed run's temporary file "X.h5.tmp-PID" is completed into X.h5; any other file
      // in place.
      std::string final_path;
      o.out = is_temporary_name(o.resume, &final_path) ? final_path : o.resume;
    }
    if (o.out.empty()) o.out = "cimsim-" + scenarios.front().name + "-" + iso_time_utc(true) + ".h5";
    int pillars = 1, years = 1, events = 0;
    for (const auto& s : scenarios) {
      pillars = std::max(pillars, s.params.pillars);
      years = std::max(years, s.params.horizon_years);
      events = std::max(events, static_cast<int>(model::scheduled_events(s).size()));
    }
    schema = model::make_schema(pillars, events);
    for (const auto& s : scenarios) {
      layout.scenarios.push_back(s.name);
      layout.event_labels.emplace_back();
      for (const auto* e : model::scheduled_events(s)) layout.event_labels.back().push_back(e->label);
    }
    layout.parameters = plan.parameters;
    layout.scenario_parameter = plan.values;
    layout.replicates = static_cast<std::size_t>(o.replicates);
    layout.time = model::record_months(years);
    std::string config;
    for (const auto& s : scenarios) config += sc::to_toml(s) + "\n";
    layout.attributes = {
        {"title", spec.title.empty() ? "cimsim collective impact ensemble" : spec.title},
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
        {"design", plan.design},
    };
    if (plan.design == "saltelli") layout.attributes["saltelli_n"] = std::to_string(plan.saltelli_n);
    if (!plan.baseline.empty()) layout.attributes["baseline"] = plan.baseline;
    for (std::size_t g = 0; g < plan.forks.size(); ++g) {
      const sc::Plan::Fork& f = plan.forks[g];
      std::string members;
      for (std::size_t i = 0; i < plan.items.size(); ++i)
        if (plan.items[i].fork == static_cast<int>(g) && i != f.base_item)
          members += (members.empty() ? "" : ", ") + plan.items[i].scenario.name;
      layout.attributes["fork"] += (layout.attributes["fork"].empty() ? "" : "; ") +
                                   fmt::format("{} runs to the end of week {}; {} continue from that state",
                                               plan.items[f.base_item].scenario.name, f.week - 1, members);
    }
    // Sizes before anything starts: the file must fit on its disk, the bookkeeping in memory.
    {
      const std::uint64_t runs = static_cast<std::uint64_t>(scenarios.size()) * static_cast<std::uint64_t>(o.replicates);
      const std::string where = o.replicates_given ? "--replicates" : "replicates";
      if (o.replicates > std::numeric_limits<std::int32_t>::max())
        throw InputError(where, "", fmt::format("{} is more replicates than an output file holds: expected at most {}",
                                                o.replicates, std::numeric_limits<std::int32_t>::max()));
      check_memory(runs * memory_bytes_per_run(schema) + (o.resume.empty() ? 0 : output_bytes(schema, layout)),
                   where + " " + std::to_string(o.replicates) + " x " + std::to_string(scenarios.size()) + " scenario(s)");
      if (root && !o.out.empty())
        check_output_space(o.out, output_bytes(schema, layout),
                           where + " " + std::to_string(o.replicates) + " x " + std::to_string(scenarios.size()) + " scenario(s)");
    }
    if (!o.resume.empty()) {
      std::vector<std::size_t> records;
      for (const auto& s : scenarios) records.push_back(model::record_months(s.params.horizon_years).size());
      stored.emplace(o.resume, schema, layout, records);
      nothing_to_do = stored->count() == scenarios.size() * static_cast<std::size_t>(o.replicates);
      layout.attributes["created"] = stored->created();
      layout.attributes["history"] = stored->history() + "\n" + iso_time_utc(false) + ": " + command_line;
    }
    // Validates the path; writes a temporary file.
    // Completing a file in place may replace it; a resumed file completed elsewhere (a
    // temporary file, an interrupted overwrite) follows the usual --force rule there.
    const bool in_place = stored.has_value() && o.out == o.resume;
    if (root && !nothing_to_do) {
      file = std::make_unique<Hdf5Sink>(o.out, schema, layout, o.force || in_place);
      file->replace_incomplete(in_place);
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
  const std::size_t total = scenarios.size() * static_cast<std::size_t>(o.replicates);
  if (nothing_to_do) {
    if (root) std::cout << o.resume << " already holds all " << total << " runs; nothing to do\n";
    return 0;
  }
  // Temporary files that killed runs left for this output: say how to keep their runs.
  std::vector<std::string> stale;
  if (root)
    for (const auto& t : stale_temporaries(o.out))
      if (t != o.resume) stale.push_back(t);
  for (const auto& t : stale)
    std::fprintf(stderr,
                 "cimsim: note: %s holds the runs of an earlier run of %s that was killed; to keep them, repeat that "
                 "command with --resume %s\n",
                 t.c_str(), o.out.c_str(), t.c_str());

  std::unique_ptr<SummarySink> summary;
  std::unique_ptr<TeeSink> tee;
  std::vector<std::string> names;
  for (const auto& s : scenarios) names.push_back(s.name);
  FailureLog failures(names);
  if (root) {
    summary = std::make_unique<SummarySink>(schema, scenarios.size(), static_cast<std::size_t>(o.replicates));
    tee = std::make_unique<TeeSink>(std::vector<Sink*>{file.get(), summary.get(), &failures});
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
  if (talk && stored)
    std::fprintf(stderr, "cimsim: resuming %s: %zu of %zu runs are in the file, %zu to run\n", o.resume.c_str(),
                 stored->count(), total, total - stored->count());
  Progress progress(talk && (tty || o.progress), !tty);
  EnsembleOptions eo;
  eo.scenarios = scenarios.size();
  eo.replicates = static_cast<std::size_t>(o.replicates);
  eo.master_seed = o.seed;
  eo.threads = threads;
  sc::PlanRunner runner(plan, schema);
  const EnsembleReport rep = procs.run(
      eo,
      [&](const RunContext& ctx) {
        if (stored && stored->has(ctx.key.scenario, ctx.key.replicate)) {
          runner.skip(ctx);
          RunResult r = stored->get(ctx.key.scenario, ctx.key.replicate);
          if (!r.ok) throw std::runtime_error(r.error);  // recorded as failed again, same message
          return r;
        }
        return runner(ctx);
      },
      tee.get(), [&](std::size_t d, std::size_t t) { progress(d, t); });
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (!root) return rep.interrupted ? 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT) : 0;
  file->finish(!rep.interrupted);
  if (!rep.interrupted) {
    // The complete file holds every run of the resumed file and of this output's killed
    // runs of the same experiment: those files go.
    std::vector<std::string> done;
    if (stored && o.out != o.resume) done.push_back(o.resume);
    for (const auto& t : stale) {
      try {
        std::vector<std::size_t> records;
        for (const auto& s : scenarios) records.push_back(model::record_months(s.params.horizon_years).size());
        const StoredRuns same(t, schema, layout, records);  // throws unless the same experiment
        done.push_back(t);
      } catch (const std::exception&) {
        // another experiment's runs, or unreadable: left for the user
      }
    }
    for (const auto& d : done) {
      std::error_code ec;
      if (std::filesystem::remove(d, ec) && !o.quiet)
        std::fprintf(stderr, "cimsim: removed %s: its runs are in %s\n", d.c_str(), o.out.c_str());
    }
  }
  if (!o.quiet && names.size() > kMaxTableRows) {
    std::cout << "\n" << names.size() << " scenarios (" << plan.parameters.size()
              << " swept parameter(s), design " << plan.design
              << "): too many for a table here; cimsim compare and cimsim sensitivity read the file.\n";
  } else if (!o.quiet) {
    std::cout << "\n" << summary->table(names) << "\n";
    // Paired differences from the baseline (or, without one, from the first scenario).
    const auto base = std::find(names.begin(), names.end(), plan.baseline.empty() ? std::string("baseline") : plan.baseline);
    const std::string diff = summary->difference_table(names, base != names.end() ? static_cast<std::size_t>(base - names.begin()) : 0);
    if (!diff.empty()) std::cout << diff << "\n";
  }
  if (rep.interrupted) {
    const std::string& at = file->written_path();
    if (at != o.out)
      std::fprintf(stderr,
                   "cimsim: interrupted; %zu of %zu runs completed and written to %s (marked complete=false); %s is "
                   "unchanged. To complete the runs, repeat the command with --resume %s\n",
                   rep.completed, rep.total, at.c_str(), o.out.c_str(), at.c_str());
    else
      std::fprintf(stderr,
                   "cimsim: interrupted; %zu of %zu runs completed and written to %s (marked complete=false). To "
                   "complete the runs, repeat the command with --resume %s\n",
                   rep.completed, rep.total, at.c_str(), at.c_str());
    return 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT);
  }
  std::cout << "wrote " << o.out << "\n";
  if (rep.failed > 0) {
    std::fprintf(stderr, "cimsim: %zu of %zu runs failed; their status and status_message are in %s\n", rep.failed,
                 rep.total, o.out.c_str());
    for (const auto& f : failures.first()) std::fprintf(stderr, "cimsim:   %s\n", f.c_str());
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

int cmd_validate_experiment(const std::string& file) {
  const sc::ExperimentSpec spec = sc::load_experiment(file);
  const sc::Plan plan = sc::make_plan(spec, {});
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
  }
  return 0;
}

// Options of an analysis command (compare, sensitivity) on one output file.
template <class Options>
struct AnalysisCli {
  std::string file;
  Options options;
  std::string format = "table";
  bool store = false;
};

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

// The command-line parser's message in cimsim's words where it has a raw one.
std::string cli_message(const std::string& raw) {
  const std::string repeated = ": At Most 1 required but received ";
  if (const auto at = raw.find(repeated); at != std::string::npos)
    return raw.substr(0, at) + " is given " + raw.substr(at + repeated.size()) + " times: give it once";
  return raw;
}

// One rule for seeds, on the command line and in experiment files: an integer in
// [0, 9223372036854775807] (what a TOML integer holds).
std::string seed_rule(std::string& text) {
  std::size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || used == 0 || v < 0)
    return "'" + text + "' is not a seed: expected an integer in [0, 9223372036854775807]";
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  hdf5_skip_shutdown_at_exit();
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
      ->check(CLI::Validator(seed_rule, "SEED"))
      ->capture_default_str();
  run->add_option("-o,--out", ro.out, "Output file (default: cimsim-<scenario>-<UTC time>.h5)");
  run->add_option("--set", ro.sets, "Override a parameter in every scenario: key=value (repeatable)");
  run->add_flag("-f,--force", ro.force, "Overwrite an existing output file");
  run->add_flag("-q,--quiet", ro.quiet, "No progress or summary table");
  run->add_flag("--progress", ro.progress, "Report progress also when stderr is not a terminal (one line per update)");
  run->add_option("-e,--experiment", ro.experiment, "Experiment file (TOML): scenarios, sweep, fork, replicates");
  run->add_option("--baseline", ro.baseline, "Reference scenario of the comparison (default: baseline, if run)");
  run->add_option("--sweep", ro.sweep, "Sweep a parameter over a range: KEY=LOW:HIGH (repeatable)");
  run->add_option("--sweep-scenario", ro.sweep_scenario, "Scenario every sweep point starts from")->capture_default_str();
  run->add_option("--design", ro.design, "Sweep design: grid (default), lhs or saltelli");
  run->add_option("--points", ro.points, "Points of an lhs design; base sample size N of a saltelli design");
  run->add_option("--levels", ro.levels, "Values per parameter of a grid design")->capture_default_str();
  run->add_option("--design-seed", ro.design_seed, "Seed of the lhs and saltelli designs")
      ->check(CLI::Validator(seed_rule, "SEED"))
      ->capture_default_str();
  run->add_option("--sample", ro.sample, "Sweep over the rows of a CSV table (header: parameter keys)");
  run->add_option("--fork", ro.fork, "Scenario to run up to --fork-at; the variants continue from its state");
  run->add_option("--fork-at", ro.fork_at, "Time of the fork: \"year 3\", \"month 30\" or \"week 100\"");
  run->add_option("--variant", ro.variants, "Scenario that continues from the fork (repeatable)");
  run->add_option("--resume", ro.resume,
                  "Complete an interrupted output file: repeat the command that wrote it and add --resume FILE");

  app.add_subcommand("list", "List the built-in scenarios");
  std::string describe_name;
  std::vector<std::string> describe_sets;
  auto* describe = app.add_subcommand("describe", "Show a scenario's resolved parameters with units, and the schedule");
  describe->add_option("scenario", describe_name, "Scenario name or .toml path")->required();
  describe->add_option("--set", describe_sets, "Override a parameter: key=value (repeatable)");
  bool describe_markdown = false;
  describe->add_flag("--markdown", describe_markdown, "Print only the parameter table, as Markdown");
  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand("validate", "Check scenario files (or an experiment file, --experiment) without running them");
  std::string validate_experiment;
  validate->add_option("files", validate_files, "Scenario files or names");
  validate->add_option("-e,--experiment", validate_experiment, "Check an experiment file (and its scenarios and table)");

  AnalysisCli<CompareOptions> cc;
  auto* cmp = app.add_subcommand("compare", "Compare scenarios in an output file with a baseline scenario");
  cmp->add_option("file", cc.file, "Output file of `cimsim run` (.h5)")->required();
  cmp->add_option("--baseline", cc.options.baseline, "Scenario to compare against")->capture_default_str();
  cmp->add_option("--at", cc.options.at_years, "Years at which to compare (repeatable; default: 3, 5 and the horizon)")
      ->expected(1, -1);
  cmp->add_option("--format", cc.format, "Output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  cmp->add_flag("--store", cc.store, "Also store the result in the file, in group /analysis/compare");

  AnalysisCli<SensitivityOptions> sc_;
  auto* sens = app.add_subcommand("sensitivity", "Which swept parameters move an output (Sobol' indices or Morris effects)");
  sens->add_option("file", sc_.file, "Output file of `cimsim run --experiment` with a sweep design (.h5)")->required();
  sens->add_option("--output", sc_.options.output,
                   "Per-run summary (final_outcome, launched, months_collapsed, time_to_goal) or series "
                   "(outcome, trust_mean, citizen_active_share, ...) to analyse")
      ->capture_default_str();
  sens->add_option("--at", sc_.options.at_years, "For a series: the year at which to read it (default: the horizon)");
  sens->add_option("--format", sc_.format, "Output format")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  sens->add_flag("--store", sc_.store, "Also store the result in the file, in group /analysis/sensitivity");

  report::Options rep;
  auto* report_cmd = app.add_subcommand("report", "Write one self-contained HTML report (charts, works offline) of an output file");
  report_cmd->add_option("file", rep.file, "cimsim output file (.h5)")->required();
  report_cmd->add_option("-o,--out", rep.out, "HTML file to write (default: the output file's name with .html)");
  report_cmd->add_flag("-f,--force", rep.force, "Overwrite an existing report");
  report_cmd->add_option("--baseline", rep.baseline, "Scenario the others are compared with (default: baseline, "
                                                     "or the first scenario)")->capture_default_str();
  report_cmd->add_option("--network-scenario", rep.network_scenario, "Scenario whose network is drawn (default: the baseline)");
  report_cmd->add_option("--network-years", rep.network_years, "Years at which the network is drawn")
      ->capture_default_str()->delimiter(',');
  report_cmd->add_option("--network-citizens", rep.network_citizens,
                         "Citizens drawn at most (neighbours of each other; 0: no network picture)")->capture_default_str();
  report_cmd->add_option("--compare-json", rep.compare_json, "Use this `cimsim compare --format json` output");
  report_cmd->add_option("--sensitivity-json", rep.sensitivity_json, "Use this `cimsim sensitivity --format json` output");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "cimsim: error: " << cli_message(e.what()) << " (cimsim --help, or cimsim <command> --help, shows the usage)\n";
    return 2;
  }

  try {
    if (run->parsed()) {
      if (run->count("--threads") > 0 && ro.threads <= 0)
        throw InputError("--threads", "", "must be a positive integer, got " + std::to_string(ro.threads));
      ro.replicates_given = run->count("--replicates") > 0;
      ro.seed_given = run->count("--seed") > 0;
      return cmd_run(ro, command_line);
    }
    if (app.got_subcommand("list")) return cmd_list();
    if (cmp->parsed()) return cmd_analysis(cc, "compare", compare, compare_table, compare_csv, command_line);
    if (sens->parsed()) return cmd_analysis(sc_, "sensitivity", sensitivity, sensitivity_table, sensitivity_csv, command_line);
    if (describe->parsed()) return cmd_describe(describe_name, describe_sets, describe_markdown);
    if (validate->parsed()) {
      if (validate_files.empty() && validate_experiment.empty())
        throw InputError("validate", "", "expected scenario files or names, or --experiment FILE");
      if (!validate_experiment.empty()) cmd_validate_experiment(validate_experiment);
      return cmd_validate(validate_files, {});
    }
    if (report_cmd->parsed()) {
      const std::string written = report::write_report(rep);
      std::cout << "wrote " << written << "\n";
      return 0;
    }
  } catch (const InputError& e) {
    std::cerr << "cimsim: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "cimsim: error: out of memory (std::bad_alloc): run fewer replicates or scenarios, or raise the "
                 "memory limit\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "cimsim: internal error: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
