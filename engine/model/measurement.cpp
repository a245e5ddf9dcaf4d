// Submodel 7, measurement (docs/model.md, "measurement").
#include "engine/model/submodels.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <numeric>

namespace cimsim::model::submodels {

namespace {
constexpr double kVisibleScale = 0.1;      // observed outcome gain per year that counts as fully visible
}  // namespace

// --- 7. measurement and learning
void measurement(State& st, const StepContext& ctx) {
  const Params& p = ctx.params;
  // The system is run by the backbone's measurement function, by the partners (partners.measurement), or both.
  const bool run_by_someone = st.backbone_active || p.partners.measurement;
  const double invest =
      run_by_someone && st.measurement_active
          ? saturate(domain_capacity(st, ctx.params, p.backbone.f_measurement) + (p.partners.measurement ? st.partner_capacity : 0.0), 0.5)
          : 0.0;
  if (invest > 0.0) {
    st.coverage += p.measurement.growth * invest * (p.measurement.coverage_target - st.coverage);
    st.learning += p.measurement.growth * invest * ((st.learning_on ? p.measurement.learning_target : 0.0) - st.learning);
  } else {
    st.coverage -= p.measurement.decay * st.coverage;
    st.learning -= p.measurement.decay * st.learning;
  }
  // Reports at the cadence: observed outcome = true outcome + noise shrinking with coverage.
  // Without shared measurement, progress is only perceived informally (coverage 0).
  if (st.tick % std::max(1, p.measurement.report_cadence_weeks) != 0) return;
  const double cov = st.measurement_active ? st.coverage : 0.0;
  Rng r(ctx.seed, static_cast<std::uint32_t>(st.tick), 0, purpose::measurement);
  const int cadence = std::max(1, p.measurement.report_cadence_weeks);
  const auto n = static_cast<std::size_t>(st.tick / cadence);  // number of this report, from 1
  const double sd = p.measurement.observation_noise * (1.0 - cov);
  const double observed = st.outcome() + r.normal(0.0, sd);
  // Growth over the last four reports (a year at quarterly reporting), before this one is stored.
  const std::size_t back = std::min<std::size_t>(n - 1, st.reports.size());
  const double earlier = back == 0 ? 0.0 : st.reports[(n - back) % st.reports.size()];
  st.reports[n % st.reports.size()] = observed;
  const double per_year = (observed - earlier) * kWeeksPerYear / (static_cast<double>(std::max<std::size_t>(back, 1)) * cadence);
  st.visible = clamp01(per_year / kVisibleScale);  // small wins made visible (000:L812; 004:L97)
  // Per pillar (draws after the overall one, pillar order), what those working on it see: small
  // wins (its observed growth, as above) or what has been achieved (observed level against the
  // goal); success stays visible.
  for (std::size_t k = 0; k < st.progress.size(); ++k) {
    auto& ring = st.pillar_reports[k];
    const double seen = st.progress[k] + r.normal(0.0, sd);
    const double before = back == 0 ? 0.0 : ring[(n - back) % ring.size()];
    ring[n % ring.size()] = seen;
    const double growth = (seen - before) * kWeeksPerYear / (static_cast<double>(std::max<std::size_t>(back, 1)) * cadence);
    st.pillar_seen[k] = clamp01(std::max(growth / kVisibleScale, p.problem.goal > 0.0 ? seen / p.problem.goal : 1.0));
  }
}

}  // namespace cimsim::model::submodels
