// Submodel 9, backbone (docs/model.md, "backbone"): invitations, staff turnover and hiring.
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
constexpr double kInheritTrust = 0.7;      // share of trust a successor keeps on an inherited tie
constexpr double kHandoverHalf = 8.0;      // overlap weeks at which a successor inherits half the ties

// Process and domain skill of a new member (000:L665-L668, L1279): the lead post (slot 0) is
// filled by a generalist process leader, the other posts by domain specialists.
void draw_skills(State& st, const Params& p, std::size_t slot, Rng& r) {
  const bool lead = slot == 0;
  st.process_skill[slot] = clamp01((lead ? p.backbone.lead_process_skill : p.backbone.specialist_process_skill) + 0.1 * r.normal());
  st.domain_skill[slot] = clamp01((lead ? p.backbone.lead_domain_skill : p.backbone.specialist_domain_skill) + 0.1 * r.normal());
}
}  // namespace

// --- staff
void hire(State& st, const StepContext& ctx, std::size_t slot, std::uint32_t stream_tick) {
  const auto a = static_cast<AgentId>(st.staff_begin + slot);
  st.filled[slot] = 1;
  st.tenure[slot] = 0;
  st.vacancy_left[slot] = 0;
  st.engagement[a] = st.engagement_next[a] = 1.0;
  st.active[a] = st.active_next[a] = 1;
  const auto no = static_cast<std::uint32_t>(st.orgs_end);
  Rng r(ctx.seed, stream_tick, a, purpose::hiring);
  if (no > 0) {
    const double want = ctx.params.backbone.staff_ties * (slot == 0 ? ctx.params.backbone.lead_weight : 1.0);
    const auto ties = static_cast<int>(std::floor(want + r.uniform()));
    for (int j = 0; j < ties; ++j)
      st.net.add_tie(a, r.below(no), static_cast<float>(ctx.params.trust.initial), st.tick);
  }
  draw_skills(st, ctx.params, slot, r);  // after the tie draws
}

void staff_leave(State& st, const StepContext& ctx, std::size_t slot, bool successor, int overlap_weeks,
                 int vacancy_weeks) {
  const auto a = static_cast<AgentId>(st.staff_begin + slot);
  // Personal ties leave with the person (000:L668); a successor with a handover keeps some.
  st.handover.clear();
  if (successor) {
    st.net.refresh(ctx.exec);
    const NetworkView& v = st.net.view();
    const auto nb = v.neighbours(a);
    const auto ts = v.ties_of(a);
    for (std::size_t j = 0; j < nb.size(); ++j) st.handover.emplace_back(nb[j], v.trust[ts[j]]);
  }
  st.net.isolate(a);
  st.filled[slot] = 0;
  st.tenure[slot] = 0;
  st.engagement[a] = st.engagement_next[a] = 0.0;
  st.active[a] = st.active_next[a] = 0;
  if (!successor) {
    st.vacancy_left[slot] = vacancy_weeks < 0 ? ctx.params.backbone.vacancy_weeks : vacancy_weeks;
    return;
  }
  st.filled[slot] = 1;
  st.engagement[a] = st.engagement_next[a] = 1.0;
  st.active[a] = st.active_next[a] = 1;
  st.tenure[slot] = overlap_weeks;  // the handover counts towards ramp-up
  const double keep = overlap_weeks / (overlap_weeks + kHandoverHalf);
  Rng r(ctx.seed, static_cast<std::uint32_t>(st.tick), a, purpose::succession);
  for (const auto& [b, trust] : st.handover)
    if (r.bernoulli(keep)) st.net.add_tie(a, b, static_cast<float>(kInheritTrust) * trust, st.tick);
  draw_skills(st, ctx.params, slot, r);  // the successor takes over the post (slot 0: a process leader)
}

// --- 9. backbone operations (few staff: serial, in slot order)
void backbone(State& st, const StepContext& ctx) {
  if (!st.backbone_active) return;
  const Params& p = ctx.params;
  const auto t = static_cast<std::uint32_t>(st.tick);
  // Invitations: the backbone approaches a selected group of key actors directly (000:L542): for
  // each working group it invites inactive organisations while fewer than
  // engagement.invite_until of the group's present organisations are active, highest influence
  // first. Beyond that it stops asking; the rest join of their own accord, drawn by peers and
  // visible progress (000:L544).
  Rng ri(ctx.seed, t, 0, purpose::invitation);
  const auto invites = static_cast<std::size_t>(std::floor(p.engagement.invite_rate * saturate(function_capacity(st, ctx.params, p.backbone.f_public_will), 1.0) *
                                                               4.0 + ri.uniform()));
  if (invites > 0) {
    std::array<double, kMaxPillars> present{}, active{};
    st.for_each_org([&](std::size_t i) {
      if (!st.present[i]) return;
      present[st.pillar[i]] += 1.0;
      active[st.pillar[i]] += st.active[i] ? 1.0 : 0.0;
    });
    std::vector<std::uint32_t>& cand = st.id_scratch;
    cand.clear();
    st.for_each_org([&](std::size_t i) {
      if (st.present[i] && !st.active[i] && st.invited_at[i] < 0 &&
          active[st.pillar[i]] < p.engagement.invite_until * present[st.pillar[i]])
        cand.push_back(static_cast<std::uint32_t>(i));
    });
    const std::size_t k = std::min(invites, cand.size());
    std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(k), cand.end(),
                      [&](std::uint32_t a, std::uint32_t b) {
                        return st.influence[a] != st.influence[b] ? st.influence[a] > st.influence[b] : a < b;
                      });
    for (std::size_t j = 0; j < k; ++j) st.invited_at[cand[j]] = st.tick;
  }
  // Champions bring other stakeholders together (000:L156): each active champion asks its
  // inactive partner organisations to join, most trusted tie first (lowest id among equals),
  // floor(champion_asks + U) per week, each partner once (not one asked or invited before). An
  // ask works as an invitation.
  if (p.preconditions.champion_asks > 0.0) {
    const NetworkView& v = st.net.view();
    std::vector<std::uint32_t>& asks = st.id_scratch;  // positions in the champion's neighbour list
    st.for_each_org([&](std::size_t c) {
      if (!st.champion[c] || !st.active[c] || !st.present[c]) return;
      const auto m = static_cast<std::size_t>(std::floor(p.preconditions.champion_asks + ri.uniform()));
      if (m == 0) return;
      asks.clear();
      const auto nb = v.neighbours(static_cast<AgentId>(c));
      const auto ts = v.ties_of(static_cast<AgentId>(c));
      for (std::size_t j = 0; j < nb.size(); ++j) {
        const std::size_t b = nb[j];
        if (st.is_org(b) && st.present[b] && !st.active[b] && st.invited_at[b] < 0) asks.push_back(static_cast<std::uint32_t>(j));
      }
      const std::size_t k = std::min(m, asks.size());
      std::partial_sort(asks.begin(), asks.begin() + static_cast<std::ptrdiff_t>(k), asks.end(),
                        [&](std::uint32_t x, std::uint32_t y) {
                          const float tx = v.trust[ts[x]], ty = v.trust[ts[y]];
                          return tx != ty ? tx > ty : nb[x] < nb[y];
                        });
      for (std::size_t j = 0; j < k; ++j) st.invited_at[nb[asks[j]]] = st.tick;
    });
  }
  // Staff: turnover at a hazard (000:L668), vacancies refilled within the budget.
  const double hazard = 1.0 - std::exp(-p.backbone.turnover_per_year / kWeeksPerYear);
  const auto positions = static_cast<int>(std::floor(budget(st, ctx.params) + 1e-9));
  int in_post = st.backbone_staff();
  for (std::size_t s = 0; s < st.filled.size(); ++s) {
    const auto a = static_cast<AgentId>(st.staff_begin + s);
    if (st.filled[s]) {
      ++st.tenure[s];
      if (Rng(ctx.seed, t, a, purpose::staff).bernoulli(hazard)) {
        staff_leave(st, ctx, s, p.backbone.succession_overlap_weeks > 0, p.backbone.succession_overlap_weeks, -1);
        in_post -= st.filled[s] ? 0 : 1;
      }
    } else if (--st.vacancy_left[s] <= 0 && in_post < positions) {
      hire(st, ctx, s, t);
      ++in_post;
    }
  }
  // Over budget: the most recently filled positions (highest slots) are not kept.
  for (std::size_t s = st.filled.size(); s-- > 1 && in_post > positions;)
    if (st.filled[s]) {
      staff_leave(st, ctx, s, false, 0, 0);
      st.vacancy_left[s] = 0;
      --in_post;
    }
  st.net.refresh(ctx.exec);
}

}  // namespace cimsim::model::submodels
