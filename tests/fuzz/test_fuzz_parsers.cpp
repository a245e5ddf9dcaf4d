// A bounded, seeded mutation fuzz pass of the scenario, experiment, --set, time and CSV
// parsers (issue 15). Seeds: the built-in scenarios, the example experiments and the
// hostile-input corpus; each input gets 1-4 mutations (byte changes, inserted TOML tokens
// and extreme numbers, deleted spans, duplicated lines, splices of two seeds). Every input
// must either load or be refused with an InputError; anything else (another exception, a
// crash or a sanitizer report, which scripts/test.sh's ASan+UBSan pass turns into a failure)
// fails the test, and the input is kept in fuzz-failure-*.txt in the working directory
// (fuzz-current.txt always holds the input being tried: a crash's reproducer). A scenario
// that loads must also survive a round trip through to_toml. Count: CIMSIM_FUZZ_ITERATIONS
// (default 4000); seed: CIMSIM_FUZZ_SEED (default 15).
#include "engine/error.hpp"
#include "scenarios/experiment.hpp"
#include "scenarios/scenario_loader.hpp"
#include "scenarios/targets.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace sc = cimsim::scenarios;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> seeds_in(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ext) files.push_back(e.path());
  std::sort(files.begin(), files.end());  // the same order everywhere: the pass is reproducible
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(read(f));
  return out;
}

const std::vector<std::string> kTokens = {
    "=", "\"", "'", "[", "]", "[[events]]", "[events]", "\n", "\r\n", "\t", "#", ".", ",", "{", "}", "\\u0000", "\\",
    "\"\"\"", "true", "false", "nan", "inf", "-inf", "1e300", "-1e300", "4294967396", "9223372036854775807",
    "-9223372036854775808", "18446744073709551616", "0x7fffffff", "-1", "0", "1.5", "2026-01-01", "week ", "month ",
    "year ", "at = ", "rate_per_year = ", "type = ", "extends = ", "scenario = ", "variants = ", "design = ",
    "points = ", "levels = ", "seed = ", "replicates = ", "file = ", "[sweep]", "[fork]", "[sweep.parameters]",
    "\"backbone.staff\" = [1, 10]", "[backbone]", "staff = ", "[population]", "[run]", "horizon_years = ",
    "\"baseline\"", "\"coordinator-leaves\"", "\"no-such.toml\"", "\"/dev/zero.toml\"", "\"..\"", "\xff\xfe", "\xc3\x28",
    std::string(1, '\0')};

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : rng_(seed) {}
  std::size_t below(std::size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

  std::string mutate(std::string s, const std::vector<std::string>& pool) {
    const std::size_t ops = 1 + below(4);
    for (std::size_t i = 0; i < ops; ++i) {
      const std::size_t at = below(s.size() + 1);
      switch (below(6)) {
        case 0:  // change a byte
          if (!s.empty()) s[below(s.size())] = static_cast<char>(below(256));
          break;
        case 1:  // insert a token
          s.insert(at, kTokens[below(kTokens.size())]);
          break;
        case 2:  // delete a span
          s.erase(at, 1 + below(16));
          break;
        case 3: {  // duplicate a line
          const auto b = s.rfind('\n', at == 0 ? 0 : at - 1), e = s.find('\n', at);
          const std::size_t from = b == std::string::npos ? 0 : b + 1;
          const std::string line = s.substr(from, e == std::string::npos ? std::string::npos : e - from + 1);
          s.insert(from, line);
          break;
        }
        case 4: {  // replace a digit run with an extreme number
          const auto d = s.find_first_of("0123456789", at);
          if (d != std::string::npos) {
            const auto end = s.find_first_not_of("0123456789.", d);
            s.replace(d, (end == std::string::npos ? s.size() : end) - d, kTokens[23 + below(7)]);
          }
          break;
        }
        default: {  // splice with another seed
          const std::string& o = pool[below(pool.size())];
          s = s.substr(0, at) + o.substr(below(o.size() + 1));
          break;
        }
      }
    }
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

std::size_t env_count(const char* name, std::size_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? static_cast<std::size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

// An experiment is planned only when it stays small (a design of millions of points is valid
// input, but too slow for a fuzz pass).
bool small_enough(const sc::ExperimentSpec& x) {
  if (!x.sweep) return true;
  return x.sweep->points <= 64 && x.sweep->levels <= 4 && x.sweep->ranges.size() <= 4;
}

TEST(FuzzParsers, MutatedInputsLoadOrAreRefusedCleanly) {
  const fs::path src = CIMSIM_SOURCE_DIR;
  std::vector<std::string> scenarios = seeds_in(src / "scenarios/builtin", ".toml");
  const std::vector<std::string> corpus = seeds_in(src / "tests/corpus/inputs", ".toml");
  scenarios.insert(scenarios.end(), corpus.begin(), corpus.end());
  std::vector<std::string> experiments = seeds_in(src / "scenarios/experiments", ".toml");
  for (const auto& c : corpus)
    if (c.find("scenarios") != std::string::npos || c.find("[fork]") != std::string::npos) experiments.push_back(c);
  std::vector<std::string> tables = seeds_in(src / "tests/corpus/inputs", ".csv");
  tables.push_back("backbone.staff,trust.decay\n2,0.01\n6,0.02\n");
  const std::vector<std::string> sets = {"backbone.staff=3", "trust.decay=0.01", "backbone.enabled=true",
                                         "run.horizon_years=2", "engagement.join_threshold=0.4"};
  const std::vector<std::string> times = {"week 10", "month 37", "year 3", "week 1"};
  ASSERT_GT(scenarios.size(), 10u);
  ASSERT_FALSE(experiments.empty());

  const std::size_t n = env_count("CIMSIM_FUZZ_ITERATIONS", 4000);
  const std::uint64_t seed = env_count("CIMSIM_FUZZ_SEED", 15);
  Mutator m(seed);
  const fs::path dir = fs::temp_directory_path() / ("cimsim-fuzz-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::size_t loaded = 0, refused = 0, failures = 0;
  auto attempt = [&](const std::string& kind, const std::string& input, const auto& body) {
    write("fuzz-current.txt", kind + "\n" + input);
    try {
      body();
      ++loaded;
    } catch (const cimsim::InputError& e) {
      ++refused;
      const std::string what = e.what();
      if (what.find('\n') != std::string::npos || what.empty()) {
        ADD_FAILURE() << kind << ": message is not one line: " << what;
        write("fuzz-failure-" + std::to_string(failures++) + ".txt", kind + "\n" + input);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << kind << ": not an InputError: " << e.what();
      write("fuzz-failure-" + std::to_string(failures++) + ".txt", kind + "\n" + input);
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    switch (i % 8) {
      case 0: case 1: case 2: case 3: {  // scenario text
        const std::string t = m.mutate(scenarios[m.below(scenarios.size())], scenarios);
        attempt("scenario", t, [&] {
          cimsim::model::Scenario s = sc::load_text("fuzz", t, "fuzz.toml");
          sc::check(s);
          const std::string again = sc::to_toml(s);
          const auto back = sc::load_configuration(again, "round trip");  // must not throw
          ASSERT_EQ(back.size(), 1u);
          ASSERT_EQ(sc::to_toml(back[0]), again) << "the round trip changed the scenario";
        });
        break;
      }
      case 4: case 5: {  // experiment file (its scenarios and tables from the seeds' folder)
        const std::string t = m.mutate(experiments[m.below(experiments.size())], experiments);
        const fs::path f = dir / "fuzz-experiment.toml";
        write(f, t);
        for (const auto& e : fs::directory_iterator(src / "tests/corpus/inputs"))
          if (e.is_regular_file() && !fs::exists(dir / e.path().filename())) fs::copy_file(e.path(), dir / e.path().filename());
        attempt("experiment", t, [&] {
          const sc::ExperimentSpec x = sc::load_experiment(f.string());
          if (small_enough(x)) (void)sc::make_plan(x, {});
        });
        break;
      }
      case 6: {  // --set and times
        const std::string a = m.mutate(sets[m.below(sets.size())], sets);
        attempt("--set", a, [&] {
          cimsim::model::Scenario s = sc::load("baseline");
          sc::apply_set(s, a);
        });
        const std::string w = m.mutate(times[m.below(times.size())], times);
        attempt("time", w, [&] { (void)sc::parse_time(w, "--fork-at"); });
        break;
      }
      default: {  // CSV sample table
        const std::string t = m.mutate(tables[m.below(tables.size())], tables);
        write(dir / "fuzz.csv", t);
        write(dir / "fuzz-csv.toml", "scenarios = []\n[sweep]\ndesign = \"csv\"\nfile = \"fuzz.csv\"\n");
        attempt("csv", t, [&] {
          const sc::ExperimentSpec x = sc::load_experiment((dir / "fuzz-csv.toml").string());
          (void)sc::make_plan(x, {});
        });
        break;
      }
    }
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::remove("fuzz-current.txt", ec);
  std::printf("fuzz pass (seed %llu): %zu inputs loaded, %zu refused with a message, %zu failures\n",
              static_cast<unsigned long long>(seed), loaded, refused, failures);
  EXPECT_GT(refused, 0u);
  EXPECT_GT(loaded, 0u) << "the mutations should leave some inputs valid";
}

// The case target tables (scenarios/targets/*.toml) under the same mutations: each input loads
// or is refused with a one-line InputError. Count: CIMSIM_FUZZ_ITERATIONS / 4.
TEST(FuzzParsers, MutatedTargetTablesLoadOrAreRefusedCleanly) {
  const fs::path src = CIMSIM_SOURCE_DIR;
  const std::vector<std::string> tables = seeds_in(src / "scenarios/targets", ".toml");
  ASSERT_GE(tables.size(), 8u);
  const std::size_t n = env_count("CIMSIM_FUZZ_ITERATIONS", 4000) / 4;
  Mutator m(env_count("CIMSIM_FUZZ_SEED", 15) + 1);
  std::size_t loaded = 0, refused = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string t = m.mutate(tables[m.below(tables.size())], tables);
    write("fuzz-current.txt", "targets\n" + t);
    try {
      (void)sc::load_targets_text(t, "fuzz.toml");
      ++loaded;
    } catch (const cimsim::InputError& e) {
      ++refused;
      const std::string what = e.what();
      if (what.find('\n') != std::string::npos || what.empty()) ADD_FAILURE() << "message is not one line: " << what << "\n" << t;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not an InputError: " << e.what() << "\n" << t;
    }
  }
  std::error_code ec;
  fs::remove("fuzz-current.txt", ec);
  std::printf("target tables: %zu loaded, %zu refused with a message\n", loaded, refused);
  EXPECT_GT(refused, 0u);
  EXPECT_GT(loaded, 0u);
}

}  // namespace
