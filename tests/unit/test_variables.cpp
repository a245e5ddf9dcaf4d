// The model's output variables are declared once (engine/model/probes.cpp): every series has the
// wording people read, every view of a variable reaches `cimsim compare` and the report from that
// declaration, and readers find per-run summaries by name, not by position.
#include "analysis/compare.hpp"
#include "analysis/report/report.hpp"
#include "analysis/summary.hpp"
#include "engine/ensemble.hpp"
#include "engine/model/run.hpp"
#include "engine/model/variables.hpp"
#include "scenarios/scenario_loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

using namespace cimsim;
namespace sc = cimsim::scenarios;

namespace {

const Wording& wording_of(const VariableSpec& spec, const View& view) {
  return view.words.title.empty() ? spec.words : view.words;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST(Variables, EverySeriesHasTheWordingPeopleRead) {
  const auto& specs = model::series_specs();
  ASSERT_FALSE(specs.empty());
  std::set<std::string> names;
  for (const VariableSpec& v : specs) {
    SCOPED_TRACE(v.name);
    EXPECT_TRUE(names.insert(v.name).second) << "declared twice";
    EXPECT_FALSE(v.long_name.empty());
    EXPECT_FALSE(v.units.empty());
    EXPECT_FALSE(v.words.title.empty()) << "no chart title";
    EXPECT_FALSE(v.words.axis.empty()) << "no axis title";
    EXPECT_FALSE(v.words.label.empty()) << "no short label";
    EXPECT_FALSE(v.words.what.empty()) << "no sentence on what is measured";
    EXPECT_FALSE(v.words.scale.empty()) << "no scale";
  }
  // make_schema() records exactly the declared series, in their order.
  const RecordSchema schema = model::make_schema(model::kMaxPillars, 2);
  ASSERT_EQ(schema.series.size(), specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) EXPECT_EQ(schema.series[i].name, specs[i].name);
  for (const VariableSpec& v : model::summary_specs()) {
    SCOPED_TRACE(v.name);
    EXPECT_FALSE(v.long_name.empty());
    EXPECT_FALSE(v.units.empty());
  }
}

TEST(Variables, EveryDeclaredViewReachesCompareAndTheReport) {
  const auto& sectors = model::sector_names();
  std::map<std::string, std::pair<const VariableSpec*, const View*>> views;
  std::set<int> compare_orders, report_orders;
  std::size_t compared = 0, charted = 0;
  for (const VariableSpec& spec : model::series_specs())
    for (const View& view : spec.views) {
      SCOPED_TRACE(view.key);
      EXPECT_FALSE(view.key.empty());
      EXPECT_TRUE(views.insert({view.key, {&spec, &view}}).second) << "view key declared twice";
      if (spec.axis == Axis::sector)
        EXPECT_NE(std::find(sectors.begin(), sectors.end(), view.coordinate), sectors.end())
            << "'" << view.coordinate << "' is no sector";
      else
        EXPECT_TRUE(view.coordinate.empty()) << "a coordinate on a variable without that axis";
      const Wording& w = wording_of(spec, view);
      EXPECT_FALSE(w.title.empty() || w.axis.empty() || w.label.empty() || w.what.empty() || w.scale.empty())
          << "incomplete wording";
      EXPECT_TRUE(view.compare_order > 0 || view.report_order > 0) << "a view shown nowhere";
      if (view.compare_order > 0) {
        ++compared;
        EXPECT_TRUE(compare_orders.insert(view.compare_order).second) << "compare position taken twice";
      }
      if (view.report_order > 0) {
        ++charted;
        EXPECT_TRUE(report_orders.insert(view.report_order).second) << "report position taken twice";
      }
    }
  ASSERT_GT(compared, 0u);
  ASSERT_GT(charted, 0u);

  // compare: every view with a compare position, with the declared dataset, sector and wording.
  const auto& cv = compare_variables();
  EXPECT_EQ(cv.size(), compared);
  for (const auto& c : cv) {
    SCOPED_TRACE(c.name);
    const auto at = views.find(c.name);
    ASSERT_NE(at, views.end()) << "compared but not declared";
    const auto& [spec, view] = at->second;
    EXPECT_GT(view->compare_order, 0);
    EXPECT_EQ(c.dataset, spec->name);
    EXPECT_EQ(c.sector, view->coordinate);
    EXPECT_EQ(c.label, wording_of(*spec, *view).label);
    EXPECT_EQ(c.units, wording_of(*spec, *view).scale);
  }
  for (std::size_t i = 1; i < cv.size(); ++i)
    EXPECT_LT(views.at(cv[i - 1].name).second->compare_order, views.at(cv[i].name).second->compare_order);

  // The report: every view with a report position, worded as declared.
  const auto& kv = report::key_variables();
  EXPECT_EQ(kv.size(), charted);
  for (const auto& k : kv) {
    SCOPED_TRACE(k.name);
    const auto at = views.find(k.name);
    ASSERT_NE(at, views.end()) << "charted but not declared";
    const auto& [spec, view] = at->second;
    const Wording& w = wording_of(*spec, *view);
    EXPECT_GT(view->report_order, 0);
    EXPECT_EQ(k.dataset, spec->name);
    EXPECT_EQ(k.sector, view->coordinate);
    EXPECT_EQ(k.title, w.title);
    EXPECT_EQ(k.axis, w.axis);
    EXPECT_EQ(k.what, w.what);
    EXPECT_EQ(k.percent, w.percent);
  }
  for (std::size_t i = 1; i < kv.size(); ++i)
    EXPECT_LT(views.at(kv[i - 1].name).second->report_order, views.at(kv[i].name).second->report_order);
}

// Reordering the summary list changes where a summary sits in a run's result, not what readers
// get: the run fills each summary by its name, and the summary table reads each by its name.
TEST(Variables, SummariesAreFoundByName) {
  auto s = sc::load("coordinator-leaves");
  sc::apply_set(s, "population.citizens=200");
  sc::apply_set(s, "run.horizon_years=6");
  sc::check(s);
  const int events = static_cast<int>(model::scheduled_events(s).size());
  ASSERT_GT(events, 0);
  const RecordSchema plain = model::make_schema(model::kMaxPillars, events);
  RecordSchema reversed = plain;
  std::reverse(reversed.summaries.begin(), reversed.summaries.end());
  ASSERT_GE(plain.summaries.size(), 2u);
  ASSERT_NE(plain.summaries.front().name, reversed.summaries.front().name);

  const Executor exec(1);
  const RunContext ctx{RunKey{0, 0, 7}, exec, nullptr};
  const RunResult a = model::run(s, plain, ctx);
  const RunResult b = model::run(s, reversed, ctx);
  ASSERT_TRUE(a.series.size() == b.series.size());
  ASSERT_EQ(a.summaries.size(), plain.summaries.size());
  ASSERT_EQ(b.summaries.size(), reversed.summaries.size());
  const std::size_t n = plain.summaries.size();
  for (std::size_t i = 0; i < n; ++i) {
    SCOPED_TRACE(plain.summaries[i].name);
    EXPECT_EQ(reversed.summaries[n - 1 - i].name, plain.summaries[i].name);
    EXPECT_TRUE(same_bits(a.summaries[i], b.summaries[n - 1 - i]));
  }
  // The end-of-run summary table reads by name: the same columns from either order.
  RunResult a_ok = a, b_ok = b;
  a_ok.ok = b_ok.ok = true;
  SummarySink sa(plain, 1, 1), sb(reversed, 1, 1);
  sa.write(a_ok);
  sb.write(b_ok);
  for (const char* column : {"final_outcome", "launched", "time_to_goal", "months_collapsed", "citizens_active"}) {
    SCOPED_TRACE(column);
    const auto x = sa.column(0, column), y = sb.column(0, column);
    ASSERT_EQ(x.size(), 1u);
    EXPECT_TRUE(same_bits(x, y));
  }
  EXPECT_EQ(sa.table({"coordinator-leaves"}), sb.table({"coordinator-leaves"}));
  // A sanity anchor: final_outcome is the outcome of the last record, found by name in both.
  const auto at = [](const RecordSchema& sch, const std::string& name) {
    for (std::size_t i = 0; i < sch.summaries.size(); ++i)
      if (sch.summaries[i].name == name) return i;
    return sch.summaries.size();
  };
  std::size_t outcome = 0;
  while (outcome < plain.series.size() && plain.series[outcome].name != "outcome") ++outcome;
  ASSERT_LT(outcome, plain.series.size());
  EXPECT_EQ(b.summaries[at(reversed, "final_outcome")][0], a.series[outcome].back());
  EXPECT_EQ(a.summaries[at(plain, "final_outcome")][0], a.series[outcome].back());
}
