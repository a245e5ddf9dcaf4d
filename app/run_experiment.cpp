#include "app/run_experiment.hpp"

#include "analysis/hdf5_sink.hpp"
#include "analysis/labels.hpp"
#include "analysis/output_files.hpp"
#include "app/commands.hpp"
#include "analysis/summary.hpp"
#include "engine/error.hpp"
#include "engine/model/model.hpp"
#include "engine/rng.hpp"
#include "scenarios/parameter_values.hpp"
#include "scenarios/scenario_loader.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace cimsim::app {

namespace sc = cimsim::scenarios;

namespace {

std::atomic<bool> g_stop{false};
constexpr std::size_t kMaxTableRows = 40;  // scenarios beyond which the run summary is left out
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int sig) {
  g_signal = sig;
  g_stop.store(true);
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

// Seconds as "4.2 s", "3 min 05 s" or "1 h 02 min".
std::string duration(double sec) {
  if (sec < 60.0) return fmt::format("{:.1f} s", sec);
  const auto t = static_cast<long long>(sec + 0.5);
  if (t < 3600) return fmt::format("{} min {:02} s", t / 60, t % 60);
  return fmt::format("{} h {:02} min", t / 3600, (t % 3600) / 60);
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
    const double frac = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    if (lines_) {  // not a terminal: one plain line per update, for logs
      std::fprintf(stderr, "  runs %zu/%zu (%3.0f%%)  elapsed %.1f s  ETA %s\n", done, total, 100.0 * frac, el,
                   duration(eta).c_str());
    } else {  // a terminal: one line redrawn in place, with a bar
      constexpr int kWidth = 30;
      const int filled = static_cast<int>(frac * kWidth);
      const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                              std::string(static_cast<std::size_t>(kWidth - filled), '.');
      std::fprintf(stderr, "\r  [%s] %3.0f%%  runs %zu/%zu  elapsed %s  ETA %s   ", bar.c_str(), 100.0 * frac, done,
                   total, duration(el).c_str(), duration(eta).c_str());
    }
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

}  // namespace

std::string iso_time_utc(bool compact) {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, compact ? "%Y%m%d-%H%M%S" : "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

RecordSchema schema_for(const sc::Plan& plan) {
  int pillars = 1, events = 0;
  for (const auto& it : plan.items) {
    pillars = std::max(pillars, it.scenario.params.population.pillars);
    events = std::max(events, static_cast<int>(model::scheduled_events(it.scenario).size()));
  }
  return model::make_schema(pillars, events);
}

EnsembleReport run_experiment(const sc::Plan& plan, Sink* sink, const RunSettings& s) {
  EnsembleOptions eo;
  eo.scenarios = plan.items.size();
  eo.replicates = s.replicates;
  eo.master_seed = s.seed;
  eo.threads = s.threads;
  const RecordSchema schema = schema_for(plan);
  sc::PlanRunner runner(plan, schema);
  const RunFunction fn = [&](const RunContext& ctx) {
    if (s.stored && s.stored->has(ctx.key.scenario, ctx.key.replicate)) {
      runner.skip(ctx);
      RunResult r = s.stored->get(ctx.key.scenario, ctx.key.replicate);
      if (!r.ok) throw std::runtime_error(r.error);  // recorded as failed again, same message
      return r;
    }
    return runner(ctx);
  };
#ifdef CIMSIM_HAVE_MPI
  if (s.processes && s.processes->size() > 1)
    return mpi::run_ensemble(s.processes->session(), eo, fn, sink, s.stop, s.progress);
#endif
  return run_ensemble(eo, fn, *sink, s.stop, s.progress);
}

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

int run_command(RunOptions o, const std::string& command_line) {
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
    if (root) print_warnings(scenarios);
    if (!o.resume.empty() && o.out.empty()) {
      // A killed run's temporary file "X.h5.tmp-PID" is completed into X.h5; any other file
      // in place.
      std::string final_path;
      o.out = is_temporary_name(o.resume, &final_path) ? final_path : o.resume;
    }
    if (o.out.empty()) o.out = "cimsim-" + scenarios.front().name + "-" + iso_time_utc(true) + ".h5";
    int years = 1;
    for (const auto& s : scenarios) years = std::max(years, s.params.run.horizon_years);
    schema = schema_for(plan);
    for (const auto& s : scenarios) {
      layout.scenarios.push_back(s.name);
      layout.event_labels.emplace_back();
      for (const auto* e : model::scheduled_events(s)) layout.event_labels.back().push_back(e->label);
    }
    layout.parameters = plan.parameters;
    layout.scenario_parameter = plan.values;
    {
      sc::ParameterValues pv = sc::parameter_values(scenarios);
      layout.all_parameters = std::move(pv.keys);
      layout.parameter_units = std::move(pv.units);
      layout.parameter_values = std::move(pv.values);
    }
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
      const std::string what = where + " " + std::to_string(o.replicates) + " x " + std::to_string(scenarios.size()) + " scenario(s)";
      check_memory(runs * memory_bytes_per_run(schema) + (o.resume.empty() ? 0 : output_bytes(schema, layout)), what);
      if (root) check_output_space(o.out, output_bytes(schema, layout), what);
    }
    if (!o.resume.empty()) {
      std::vector<std::size_t> records;
      for (const auto& s : scenarios) records.push_back(model::record_months(s.params.run.horizon_years).size());
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
  if (setup_error && procs.size() == 1) std::rethrow_exception(setup_error);  // main() prints it; exit status 2
  if (!all_ok) {
    // Every process removes what it wrote and says why before any process ends: the launcher
    // stops the whole job as soon as one process exits with an error, which could otherwise
    // cut off another's message or leave rank 0's temporary file behind.
    file.reset();
    int status = 2;
    if (setup_error)
      status = report_error(setup_error);
    else if (root)
      std::fprintf(stderr, "cimsim: error: another MPI process could not set up the run (see its message); nothing written\n");
    std::fflush(stderr);
    procs.all(true);  // wait until every process has
    return status;
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
  RunSettings settings;
  settings.replicates = static_cast<std::size_t>(o.replicates);
  settings.seed = o.seed;
  settings.threads = threads;
  settings.stored = stored ? &*stored : nullptr;
  settings.stop = &g_stop;
  settings.progress = [&](std::size_t d, std::size_t t) { progress(d, t); };
  settings.processes = &procs;
  const EnsembleReport rep = run_experiment(plan, tee.get(), settings);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  // Rank 0 puts the file in place (a partial one when interrupted) before any other process
  // ends: the launcher stops the whole job as soon as one process exits with an error, e.g. 130
  // when only that process was interrupted, which could kill rank 0 between its temporary file
  // and the output (as with set-up failures above). The others wait here for it. (Ctrl-C on
  // Open MPI's mpirun has a limit of its own: SIGKILL one second after the SIGTERM; docs/cluster.md.)
  if (!root) {
    procs.all(true);
    return rep.interrupted ? 128 + (g_signal != 0 ? static_cast<int>(g_signal) : SIGINT) : 0;
  }
  std::exception_ptr finish_error;
  try {
    file->finish(!rep.interrupted);
  } catch (...) {
    finish_error = std::current_exception();
  }
  procs.all(true);
  if (finish_error) std::rethrow_exception(finish_error);
  if (!rep.interrupted) {
    // The complete file holds every run of the resumed file and of this output's killed
    // runs of the same experiment: those files go.
    std::vector<std::string> done;
    if (stored && o.out != o.resume) done.push_back(o.resume);
    std::vector<std::size_t> records;
    for (const auto& s : scenarios) records.push_back(model::record_months(s.params.run.horizon_years).size());
    for (const auto& t : stale) {
      try {
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
    if (rep.interrupted)
      std::cout << "\nPartial results: interrupted after " << rep.completed << " of " << rep.total
                << " runs. Each scenario's row covers its completed runs; each difference pairs only the seeds "
                   "completed in both scenarios (column 'pairs').\n";
    // Sweep points are shown with their values: "sweep-00003 (backbone.staff=6)".
    std::vector<std::string> labels = names;
    if (!plan.parameters.empty())
      for (std::size_t i = 0; i < labels.size(); ++i)
        labels[i] = sweep_label(names[i], plan.parameters, plan.values.data() + i * plan.parameters.size());
    std::cout << "\n" << summary->table(labels) << "\n";
    // Paired differences from the baseline (or, without one, from the first scenario).
    const auto base = std::find(names.begin(), names.end(), plan.baseline.empty() ? std::string("baseline") : plan.baseline);
    const std::string diff = summary->difference_table(labels, base != names.end() ? static_cast<std::size_t>(base - names.begin()) : 0);
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

}  // namespace cimsim::app
