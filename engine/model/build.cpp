// The initial state: population and network (docs/model.md, "initialisation").
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
}  // namespace

void build_population(State& st, const StepContext& ctx, std::size_t dormant) {
  const std::uint64_t seed = ctx.seed;
  const Params& p = ctx.params;
  const int per_sector[kSectors] = {p.population.government, p.population.civil_society, p.population.business, p.population.knowledge, p.population.funder,
                                    p.population.citizens};
  std::size_t n_org = 0;
  for (int s = 0; s < kSectors - 1; ++s) n_org += static_cast<std::size_t>(per_sector[s]);
  st.orgs_end = n_org;
  st.staff_begin = n_org + static_cast<std::size_t>(p.population.citizens);
  // Staff slots exist when there is a backbone or one may be created later.
  bool may_have_backbone = p.backbone.enabled;
  for (const Event& e : ctx.events) may_have_backbone |= e.is<ev::BackboneCreated>();
  const std::size_t slots = may_have_backbone ? static_cast<std::size_t>(p.backbone.staff) : 0;
  st.staff_end = st.staff_begin + slots;
  const std::size_t n = st.staff_end + dormant;
  const auto K = static_cast<std::size_t>(st.K);

  st.sector.resize(n);
  std::size_t at = 0;
  for (int s = 0; s < kSectors; ++s)
    for (int i = 0; i < per_sector[s]; ++i) st.sector[at++] = static_cast<std::uint8_t>(s);
  for (; at < st.staff_end; ++at) st.sector[at] = kStaffSector;
  // Organisations that join later (stakeholders_join and recruitment events), in event order,
  // at the end.
  st.recruitment.clear();
  for (const Event& e : ctx.events) {
    if (const auto* join = e.as<ev::StakeholdersJoin>())
      for (int i = 0; i < join->count; ++i) st.sector[at++] = join->sector;
    if (const auto* r = e.as<ev::Recruitment>()) {
      st.recruitment.push_back({at, at + static_cast<std::size_t>(r->count), static_cast<std::uint8_t>(r->sector),
                                e.week, r->offer_per_year, r->peer_per_year});
      for (int i = 0; i < r->count; ++i) st.sector[at++] = r->sector;
    }
  }

  st.present.assign(n, 1);
  for (std::size_t i = st.staff_end; i < n; ++i) st.present[i] = 0;
  st.engagement.assign(n, 0.0);
  st.urgency.assign(n, 0.0);
  st.base_urgency.assign(n, 0.0);
  st.influence.assign(n, 1.0);
  st.fatigue.assign(n, 0.0);
  st.ownership.assign(n, 0.0);
  st.capacity.assign(n, 0.0);
  st.active.assign(n, 0);
  st.champion.assign(n, 0);
  st.lived.assign(n, 0);
  st.steering.assign(n, 0);
  st.pillar.assign(n, 0);
  st.cluster.assign(n, 0);
  st.invited_at.assign(n, -1000000);
  st.availability.assign(n, 1.0);
  st.kick_off.assign(n, 0);
  st.kick_off_week = -1;
  st.insight.assign(n, 0.0);
  st.concern.assign(n * K, 0.0);

  const auto clusters = static_cast<std::uint32_t>(std::max(1, p.population.clusters));
  for (std::size_t i = 0; i < n; ++i) {
    if (st.is_staff(i)) continue;
    Rng r(seed, kBuildTick, static_cast<std::uint32_t>(i), purpose::build_population);
    const bool citizen = st.sector[i] == Sector::citizen;
    st.base_urgency[i] = clamp01((citizen ? p.preconditions.urgency_citizen : p.preconditions.urgency_professional) + r.normal(0.0, 0.1));
    st.urgency[i] = st.base_urgency[i];
    // Willingness starts in proportion to perceived urgency (precondition 1, 000:L150).
    st.engagement[i] = st.base_urgency[i] * r.uniform(0.3, 1.0);
    st.capacity[i] = citizen ? p.engagement.citizen_capacity : 1.0;
    // Each agent starts with its own agenda (004:L191): random concerns, normalised.
    double total = 0.0;
    for (std::size_t k = 0; k < K; ++k) total += (st.concern[i * K + k] = -std::log(1.0 - r.uniform()));
    std::size_t top = 0;
    for (std::size_t k = 0; k < K; ++k) {
      st.concern[i * K + k] /= total;
      if (st.concern[i * K + k] > st.concern[i * K + top]) top = k;
    }
    st.pillar[i] = static_cast<std::uint8_t>(top);  // working group: the pillar it cares most about
    // Lived experience of the problem (000:L307): citizens and civil society organisations.
    if (citizen || st.sector[i] == Sector::civil_society) st.lived[i] = r.bernoulli(p.population.lived_experience_share) ? 1 : 0;
    // Citizens live in contiguous stretches of the ring (neighbourhoods, villages);
    // organisations are spread over the clusters at random.
    const std::size_t first_citizen = st.staff_begin - static_cast<std::size_t>(p.population.citizens);
    st.cluster[i] = citizen ? static_cast<std::uint16_t>(((i - first_citizen) * clusters) / static_cast<std::size_t>(p.population.citizens))
                          : static_cast<std::uint16_t>(r.below(clusters));
    // Citizens have many other obligations (000:L540, L423): the share of their drive they can
    // give varies between people (the stream's last draw).
    if (citizen) st.availability[i] = r.uniform();
  }
  // Champions and true needs, from one stream (keyed by a constant, not by the agent count,
  // so that scenarios with staff slots or later joiners build the same population).
  {
    Rng r(seed, kBuildTick, kSharedStream, purpose::build_population);
    std::vector<std::uint32_t> orgs(n_org);
    std::iota(orgs.begin(), orgs.end(), 0u);
    const auto c = std::min<std::size_t>(static_cast<std::size_t>(p.preconditions.champions), n_org);
    for (std::size_t j = 0; j < c; ++j) {
      const std::size_t pick = j + r.below(static_cast<std::uint32_t>(n_org - j));
      std::swap(orgs[j], orgs[pick]);
      const std::uint32_t a = orgs[j];
      st.champion[a] = 1;
      st.influence[a] = p.preconditions.champion_influence;
      st.urgency[a] = 1.0;
      st.engagement[a] = 0.9;
    }
    st.need.assign(K, 0.0);
    double total = 0.0;
    for (std::size_t k = 0; k < K; ++k) total += (st.need[k] = -std::log(1.0 - r.uniform()));
    for (double& x : st.need) x /= total;
  }
  // Steering group: champions, government units and funders (000:L246, CEO-level leaders).
  for (std::size_t i = 0; i < n_org; ++i)
    st.steering[i] = (st.champion[i] || st.sector[i] == Sector::government || st.sector[i] == Sector::funder) ? 1 : 0;
  for (std::size_t i = 0; i < n; ++i)
    if (!st.is_staff(i) && st.present[i]) st.active[i] = st.engagement[i] >= p.engagement.join_threshold ? 1 : 0;

  st.engagement_next = st.engagement;
  st.active_next = st.active;
  st.fatigue_next = st.fatigue;

  st.filled.assign(slots, 0);
  st.tenure.assign(slots, 0);
  st.vacancy_left.assign(slots, 0);
  st.process_skill.assign(slots, 0.0);
  st.domain_skill.assign(slots, 0.0);

  st.agenda.assign(K, 1.0 / static_cast<double>(K));
  st.progress.assign(K, 0.0);
  st.pipeline.assign(K, 0.0);
  st.effort.assign(K, 0.0);
  st.effort_joint.assign(K, 0.0);
  st.pipeline_joint.assign(K, 0.0);
  st.joint_realised.assign(K, 0.0);
}

void build_network(State& st, const StepContext& ctx) {
  const std::uint64_t seed = ctx.seed;
  const Params& p = ctx.params;
  st.net = Network(st.sector.size());
  const auto T = static_cast<float>(p.trust.initial);
  const auto nc = static_cast<std::uint32_t>(p.population.citizens);
  const std::uint32_t no = static_cast<std::uint32_t>(st.staff_begin) - nc;  // organisations present at start
  const std::uint32_t c0 = no;
  // Citizens: Watts-Strogatz small world over a ring (neighbourhoods, villages).
  const auto half = static_cast<std::uint32_t>(std::lround(p.network.citizen_degree / 2.0));
  // Local organisations of each cluster (schools, clubs, housing: 000:L1061).
  std::vector<std::vector<std::uint32_t>> local(static_cast<std::size_t>(std::max(1, p.population.clusters)));
  for (std::uint32_t a = 0; a < no; ++a) local[st.cluster[a]].push_back(a);
  for (std::uint32_t i = 0; i < nc && half > 0; ++i) {
    Rng r(seed, kBuildTick, c0 + i, purpose::build_network);
    for (std::uint32_t j = 1; j <= half; ++j) {
      std::uint32_t b = (i + j) % nc;
      if (r.bernoulli(p.network.citizen_rewire)) {
        for (int attempt = 0; attempt < 8; ++attempt) {
          const std::uint32_t cand = r.below(nc);
          if (cand != i && !st.net.has_tie(c0 + i, c0 + cand)) {
            b = cand;
            break;
          }
        }
      }
      st.net.add_tie(c0 + i, c0 + b, T, 0);
    }
    // A link to a local organisation of the citizen's cluster (any organisation if it has none).
    if (no > 0 && r.bernoulli(p.network.citizen_org_link)) {
      const auto& here = local[st.cluster[c0 + i]];
      const std::uint32_t org = here.empty() ? r.below(no) : here[r.below(static_cast<std::uint32_t>(here.size()))];
      st.net.add_tie(c0 + i, org, T, 0);
    }
  }
  // Organisations: a few random ties each (sparse, 004:L191).
  if (no > 1) {
    for (std::uint32_t a = 0; a < no; ++a) {
      Rng r(seed, kBuildTick, a, purpose::build_network);
      const auto m = static_cast<int>(std::floor(p.network.org_degree / 2.0 + r.uniform()));
      for (int j = 0; j < m; ++j) {
        std::uint32_t b = r.below(no - 1);
        if (b >= a) ++b;
        st.net.add_tie(a, b, T, 0);
      }
    }
  }
  // Champions expand the network (000:L156): extra ties to other organisations.
  for (std::uint32_t a = 0; a < no; ++a) {
    if (!st.champion[a] || no < 2) continue;
    Rng r(seed, kBuildTick, a, purpose::build_network, 1u << 16);  // a block range of its own
    const auto m = static_cast<int>(std::floor(p.preconditions.champion_ties + r.uniform()));
    for (int j = 0; j < m; ++j) {
      std::uint32_t b = r.below(no - 1);
      if (b >= a) ++b;
      st.net.add_tie(a, b, T, 0);
    }
  }
  // A backbone present from the start has its staff in post, ramped up.
  if (st.backbone_active) {
    for (std::size_t s = 0; s < st.filled.size(); ++s) {
      hire(st, ctx, s, kBuildTick);
      st.tenure[s] = p.backbone.ramp_up_weeks;
    }
  }
  st.net.refresh(ctx.exec);
}

}  // namespace cimsim::model::submodels
