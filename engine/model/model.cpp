#include "model.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <numeric>

namespace cimsim::model {

namespace {
constexpr double kCitizenCapacity = 0.05;  // a citizen's effort relative to an organisation's
constexpr double kCitizenContact = 0.3;    // weekly informal contact between linked citizens
constexpr double kMixedContact = 0.25;     // weekly citizen-organisation contact when one is active
constexpr double kVisibleScale = 0.1;      // observed outcome gain per year that counts as fully visible
constexpr int kInvitedWindow = 8;          // weeks after an invitation during which joining counts as invited
constexpr std::size_t kPrefetchAhead = 4;   // engagement phase: agents ahead whose neighbours are prefetched
constexpr int kReinviteWeeks = 26;         // an organisation is not invited again within this time
constexpr double kInheritTrust = 0.7;      // share of trust a successor keeps on an inherited tie
constexpr double kHandoverHalf = 8.0;      // overlap weeks at which a successor inherits half the ties
constexpr std::uint32_t kSharedStream = 0xFFFFFFFEu;  // "agent" key of initiative-level draws

double clamp01(double x) noexcept { return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x); }
double saturate(double x, double half) noexcept { return x > 0.0 ? x / (x + half) : 0.0; }
}  // namespace

const char* event_type_name(Event::Type t) {
  switch (t) {
    case Event::Type::staff_turnover: return "staff_turnover";
    case Event::Type::champion_departure: return "champion_departure";
    case Event::Type::citizen_engagement_decline: return "citizen_engagement_decline";
    case Event::Type::funding_cut: return "funding_cut";
    case Event::Type::grant_end: return "grant_end";
    case Event::Type::election: return "election";
    case Event::Type::crisis: return "crisis";
    case Event::Type::external_driver: return "external_driver";
    case Event::Type::backbone_created: return "backbone_created";
    case Event::Type::measurement_launch: return "measurement_launch";
    case Event::Type::forums_stopped: return "forums_stopped";
    case Event::Type::meeting_cadence: return "meeting_cadence";
    case Event::Type::stakeholders_join: return "stakeholders_join";
    case Event::Type::ceiling_lifted: return "ceiling_lifted";
    case Event::Type::vacancies_filled: return "vacancies_filled";
  }
  return "unknown";
}

// The schedule of one tick: the single source of both the order in which step() runs the
// phases and the list `cimsim describe` prints.
const Schedule<Model>& Model::schedule() {
  static const Schedule<Model> schedule = [] {
    Schedule<Model> s;
    s.add("events", "apply the scenario's events scheduled for this week, and those drawn from hazards",
          [](Model& m) { m.phase_events(); });
    s.add("contact", "bodies meet at their cadence, citizens meet informally and in forums: trust grows with contact, decays without; "
          "in the same pass, weak ties are marked to dissolve and backbone staff broker new ties between partners (intents)",
          [](Model& m) { m.phase_contact(); });
    s.add("ties", "the intents of the contact phase are committed in agent order",
          [](Model& m) { m.phase_ties(); });
    s.add("agenda", "common agenda from members' voice, lived experience and learning; vision work; ownership",
          [](Model& m) { m.phase_agenda(); });
    s.add("activities", "active agents spend effort across pillars; coordination and cross-sector complementarity multiply it",
          [](Model& m) { m.phase_activities(); });
    s.add("problem", "delayed effort moves progress per pillar, with saturation, drift and any policy ceiling",
          [](Model& m) { m.phase_problem(); });
    s.add("measurement", "coverage and learning use grow with backbone investment; progress is observed with noise at the reporting cadence",
          [](Model& m) { m.phase_measurement(); });
    s.add("engagement", "engagement follows urgency, observed progress, trusted ties, outreach, ownership and invitations; hysteresis",
          [](Model& m) { m.phase_engagement(); });
    s.add("backbone", "invitations to high-leverage organisations; staff ramp up, leave, are replaced within the budget",
          [](Model& m) { m.phase_backbone(); });
    s.add("funding", "grants and funders' support set the budget; funders respond to observed progress",
          [](Model& m) { m.phase_funding(); });
    return s;
  }();
  return schedule;
}

const std::vector<PhaseInfo>& Model::phase_info() {
  static const std::vector<PhaseInfo> info = [] {
    std::vector<PhaseInfo> v;
    for (const auto& p : schedule().phases()) v.push_back({p.name, p.summary});
    return v;
  }();
  return info;
}

std::vector<const Event*> scheduled_events(const Scenario& s) {
  std::vector<const Event*> out;
  for (const Event& e : s.events)
    if (e.week > 0) out.push_back(&e);
  return out;
}

Model::Model(const Scenario& scenario, std::uint64_t seed, const Executor& exec)
    : exec_(exec), params_(scenario.params), events_(scenario.events), seed_(seed), K_(scenario.params.pillars) {
  std::size_t dormant = 0;
  for (const Event& e : events_)
    if (e.type == Event::Type::stakeholders_join) dormant += static_cast<std::size_t>(e.count);
  cadence_wg_ = params_.meeting_cadence_weeks;
  cadence_steering_ = params_.steering_cadence_weeks;
  cadence_plenary_ = params_.plenary_cadence_weeks;
  cadence_forum_ = params_.forum_cadence_weeks;
  cadence_update_ = params_.update_cadence_weeks;
  forums_ = params_.citizen_forums;
  driver_on_ = params_.external_driver;
  measurement_active_ = params_.measurement;
  ceiling_active_ = params_.ceiling_pillars > 0;
  backbone_active_ = params_.backbone;
  build_population(seed, dormant);
  build_network(seed);
}

void Model::build_population(std::uint64_t seed, std::size_t dormant) {
  const Params& p = params_;
  const int per_sector[kSectors] = {p.n_government, p.n_civil_society, p.n_business, p.n_knowledge, p.n_funder,
                                    p.n_citizens};
  std::size_t n_org = 0;
  for (int s = 0; s < kSectors - 1; ++s) n_org += static_cast<std::size_t>(per_sector[s]);
  staff_begin_ = n_org + static_cast<std::size_t>(p.n_citizens);
  // Staff slots exist when there is a backbone or one may be created later.
  bool may_have_backbone = p.backbone;
  for (const Event& e : events_) may_have_backbone |= e.type == Event::Type::backbone_created;
  const std::size_t slots = may_have_backbone ? static_cast<std::size_t>(p.backbone_staff) : 0;
  staff_end_ = staff_begin_ + slots;
  const std::size_t n = staff_end_ + dormant;
  const auto K = static_cast<std::size_t>(K_);

  sector_.resize(n);
  std::size_t at = 0;
  for (int s = 0; s < kSectors; ++s)
    for (int i = 0; i < per_sector[s]; ++i) sector_[at++] = static_cast<std::uint8_t>(s);
  for (; at < staff_end_; ++at) sector_[at] = kStaffSector;
  // Organisations that join later (stakeholders_join events), in event order, at the end.
  for (const Event& e : events_)
    if (e.type == Event::Type::stakeholders_join)
      for (int i = 0; i < e.count; ++i) sector_[at++] = e.sector;

  present_.assign(n, 1);
  for (std::size_t i = staff_end_; i < n; ++i) present_[i] = 0;
  engagement_.assign(n, 0.0);
  urgency_.assign(n, 0.0);
  base_urgency_.assign(n, 0.0);
  influence_.assign(n, 1.0);
  fatigue_.assign(n, 0.0);
  ownership_.assign(n, 0.0);
  capacity_.assign(n, 0.0);
  active_.assign(n, 0);
  champion_.assign(n, 0);
  lived_.assign(n, 0);
  steering_.assign(n, 0);
  pillar_.assign(n, 0);
  cluster_.assign(n, 0);
  invited_at_.assign(n, -1000000);
  concern_.assign(n * K, 0.0);

  const auto clusters = static_cast<std::uint32_t>(std::max(1, p.clusters));
  for (std::size_t i = 0; i < n; ++i) {
    if (is_staff(i)) continue;
    Rng r(seed, kBuildTick, static_cast<std::uint32_t>(i), purpose::build_population);
    const bool citizen = sector_[i] == Sector::citizen;
    base_urgency_[i] = clamp01((citizen ? p.urgency_citizen : p.urgency_professional) + r.normal(0.0, 0.1));
    urgency_[i] = base_urgency_[i];
    // Willingness starts in proportion to perceived urgency (precondition 1, 000:L150).
    engagement_[i] = base_urgency_[i] * r.uniform(0.3, 1.0);
    capacity_[i] = citizen ? kCitizenCapacity : 1.0;
    // Each agent starts with its own agenda (004:L191): random concerns, normalised.
    double total = 0.0;
    for (std::size_t k = 0; k < K; ++k) total += (concern_[i * K + k] = -std::log(1.0 - r.uniform()));
    std::size_t top = 0;
    for (std::size_t k = 0; k < K; ++k) {
      concern_[i * K + k] /= total;
      if (concern_[i * K + k] > concern_[i * K + top]) top = k;
    }
    pillar_[i] = static_cast<std::uint8_t>(top);  // working group: the pillar it cares most about
    // Lived experience of the problem (000:L307): citizens and civil society organisations.
    if (citizen || sector_[i] == Sector::civil_society) lived_[i] = r.bernoulli(p.lived_experience_share) ? 1 : 0;
    // Citizens live in contiguous stretches of the ring (neighbourhoods, villages);
    // organisations are spread over the clusters at random.
    const std::size_t first_citizen = staff_begin_ - static_cast<std::size_t>(p.n_citizens);
    cluster_[i] = citizen ? static_cast<std::uint16_t>(((i - first_citizen) * clusters) / static_cast<std::size_t>(p.n_citizens))
                          : static_cast<std::uint16_t>(r.below(clusters));
  }
  // Champions and true needs, from one stream (keyed by a constant, not by the agent count,
  // so that scenarios with staff slots or later joiners build the same population).
  {
    Rng r(seed, kBuildTick, kSharedStream, purpose::build_population);
    std::vector<std::uint32_t> orgs(n_org);
    std::iota(orgs.begin(), orgs.end(), 0u);
    const auto c = std::min<std::size_t>(static_cast<std::size_t>(p.champions), n_org);
    for (std::size_t j = 0; j < c; ++j) {
      const std::size_t pick = j + r.below(static_cast<std::uint32_t>(n_org - j));
      std::swap(orgs[j], orgs[pick]);
      const std::uint32_t a = orgs[j];
      champion_[a] = 1;
      influence_[a] = p.champion_influence;
      urgency_[a] = 1.0;
      engagement_[a] = 0.9;
    }
    need_.assign(K, 0.0);
    double total = 0.0;
    for (std::size_t k = 0; k < K; ++k) total += (need_[k] = -std::log(1.0 - r.uniform()));
    for (double& x : need_) x /= total;
  }
  // Steering group: champions, government units and funders (000:L246, CEO-level leaders).
  for (std::size_t i = 0; i < n_org; ++i)
    steering_[i] = (champion_[i] || sector_[i] == Sector::government || sector_[i] == Sector::funder) ? 1 : 0;
  for (std::size_t i = 0; i < n; ++i)
    if (!is_staff(i) && present_[i]) active_[i] = engagement_[i] >= p.join_threshold ? 1 : 0;

  engagement_next_ = engagement_;
  active_next_ = active_;
  fatigue_next_ = fatigue_;

  filled_.assign(slots, 0);
  tenure_.assign(slots, 0);
  vacancy_left_.assign(slots, 0);

  agenda_.assign(K, 1.0 / static_cast<double>(K));
  progress_.assign(K, 0.0);
  pipeline_.assign(K, 0.0);
  effort_.assign(K, 0.0);
  partial_.assign(exec_.chunk_count(n) * (kSectors * K + 2), 0.0);
}

void Model::build_network(std::uint64_t seed) {
  const Params& p = params_;
  net_ = Network(sector_.size());
  const auto T = static_cast<float>(p.trust_initial);
  const auto nc = static_cast<std::uint32_t>(p.n_citizens);
  const std::uint32_t no = static_cast<std::uint32_t>(staff_begin_) - nc;  // organisations present at start
  const std::uint32_t c0 = no;
  // Citizens: Watts-Strogatz small world over a ring (neighbourhoods, villages).
  const auto half = static_cast<std::uint32_t>(std::lround(p.citizen_degree / 2.0));
  // Local organisations of each cluster (schools, clubs, housing: 000:L1061).
  std::vector<std::vector<std::uint32_t>> local(static_cast<std::size_t>(std::max(1, p.clusters)));
  for (std::uint32_t a = 0; a < no; ++a) local[cluster_[a]].push_back(a);
  for (std::uint32_t i = 0; i < nc && half > 0; ++i) {
    Rng r(seed, kBuildTick, c0 + i, purpose::build_network);
    for (std::uint32_t j = 1; j <= half; ++j) {
      std::uint32_t b = (i + j) % nc;
      if (r.bernoulli(p.citizen_rewire)) {
        for (int attempt = 0; attempt < 8; ++attempt) {
          const std::uint32_t cand = r.below(nc);
          if (cand != i && !net_.has_tie(c0 + i, c0 + cand)) {
            b = cand;
            break;
          }
        }
      }
      net_.add_tie(c0 + i, c0 + b, T, 0);
    }
    // A link to a local organisation of the citizen's cluster (any organisation if it has none).
    if (no > 0 && r.bernoulli(p.citizen_org_link)) {
      const auto& here = local[cluster_[c0 + i]];
      const std::uint32_t org = here.empty() ? r.below(no) : here[r.below(static_cast<std::uint32_t>(here.size()))];
      net_.add_tie(c0 + i, org, T, 0);
    }
  }
  // Organisations: a few random ties each (sparse, 004:L191).
  if (no > 1) {
    for (std::uint32_t a = 0; a < no; ++a) {
      Rng r(seed, kBuildTick, a, purpose::build_network);
      const auto m = static_cast<int>(std::floor(p.org_degree / 2.0 + r.uniform()));
      for (int j = 0; j < m; ++j) {
        std::uint32_t b = r.below(no - 1);
        if (b >= a) ++b;
        net_.add_tie(a, b, T, 0);
      }
    }
  }
  // Champions expand the network (000:L156): extra ties to other organisations.
  for (std::uint32_t a = 0; a < no; ++a) {
    if (!champion_[a] || no < 2) continue;
    Rng r(seed, kBuildTick, a, purpose::build_network, 1u << 16);  // a block range of its own
    const auto m = static_cast<int>(std::floor(p.champion_ties + r.uniform()));
    for (int j = 0; j < m; ++j) {
      std::uint32_t b = r.below(no - 1);
      if (b >= a) ++b;
      net_.add_tie(a, b, T, 0);
    }
  }
  // A backbone present from the start has its staff in post, ramped up.
  if (backbone_active_) {
    for (std::size_t s = 0; s < filled_.size(); ++s) {
      hire(s, kBuildTick);
      tenure_[s] = p.ramp_up_weeks;
    }
  }
  net_.refresh(exec_);
}

// --- staff
void Model::hire(std::size_t slot, std::uint32_t stream_tick) {
  const auto a = static_cast<AgentId>(staff_begin_ + slot);
  filled_[slot] = 1;
  tenure_[slot] = 0;
  vacancy_left_[slot] = 0;
  engagement_[a] = engagement_next_[a] = 1.0;
  active_[a] = active_next_[a] = 1;
  const auto no = static_cast<std::uint32_t>(staff_begin_ - static_cast<std::size_t>(params_.n_citizens));
  if (no == 0) return;
  Rng r(seed_, stream_tick, a, purpose::hiring);
  const double want = params_.staff_ties * (slot == 0 ? params_.lead_weight : 1.0);
  const auto ties = static_cast<int>(std::floor(want + r.uniform()));
  for (int j = 0; j < ties; ++j)
    net_.add_tie(a, r.below(no), static_cast<float>(params_.trust_initial), tick_);
}

void Model::staff_leave(std::size_t slot, bool successor, int overlap_weeks, int vacancy_weeks) {
  const auto a = static_cast<AgentId>(staff_begin_ + slot);
  // Personal ties leave with the person (000:L668); a successor with a handover keeps some.
  handover_.clear();
  if (successor) {
    net_.refresh(exec_);
    const NetworkView& v = net_.view();
    const auto nb = v.neighbours(a);
    const auto ts = v.ties_of(a);
    for (std::size_t j = 0; j < nb.size(); ++j) handover_.emplace_back(nb[j], v.trust[ts[j]]);
  }
  net_.isolate(a);
  filled_[slot] = 0;
  tenure_[slot] = 0;
  engagement_[a] = engagement_next_[a] = 0.0;
  active_[a] = active_next_[a] = 0;
  if (!successor) {
    vacancy_left_[slot] = vacancy_weeks < 0 ? params_.vacancy_weeks : vacancy_weeks;
    return;
  }
  filled_[slot] = 1;
  engagement_[a] = engagement_next_[a] = 1.0;
  active_[a] = active_next_[a] = 1;
  tenure_[slot] = overlap_weeks;  // the handover counts towards ramp-up
  const double keep = overlap_weeks / (overlap_weeks + kHandoverHalf);
  Rng r(seed_, static_cast<std::uint32_t>(tick_), a, purpose::succession);
  for (const auto& [b, trust] : handover_)
    if (r.bernoulli(keep)) net_.add_tie(a, b, static_cast<float>(kInheritTrust) * trust, tick_);
}

double Model::staff_capacity(std::size_t slot) const noexcept {
  if (!filled_[slot]) return 0.0;
  const double ramp = params_.ramp_up_weeks <= 0 ? 1.0 : std::min(1.0, static_cast<double>(tenure_[slot]) / params_.ramp_up_weeks);
  return ramp * (slot == 0 ? params_.lead_weight : 1.0);
}

double Model::backbone_capacity() const noexcept {
  if (!backbone_active_) return 0.0;
  double c = 0.0;
  for (std::size_t s = 0; s < filled_.size(); ++s) c += staff_capacity(s);
  return c * (0.5 + 0.5 * params_.role_clarity);  // unclear roles waste capacity (000:L912)
}

// The backbone convenes the working groups and the steering group (000:L246, L252): with
// staff missing or ramping up, those bodies meet less often.
double Model::convening() const noexcept {
  const double need = params_.convening_need;
  return need > 0.0 ? std::min(1.0, function_capacity(params_.f_activities) / need) : 1.0;
}

// How fully partners' bodies keep meeting and coordinating: the backbone's convening, plus,
// with a standing partner update (000:L874, L235), a share of what missing staff would lose.
// The update is a routine of the backbone, so it runs while any staff are in post.
double Model::partner_convening() const noexcept {
  const double kappa = convening();
  if (cadence_update_ <= 0 || backbone_capacity() <= 0.0) return kappa;
  const double reach = params_.update_reach * std::min(1.0, 4.0 / cadence_update_);
  return kappa + (1.0 - kappa) * reach;
}

// Capacity the backbone spends on one of its six functions (000:L250).
double Model::function_capacity(double share) const noexcept {
  const Params& p = params_;
  const double total = p.f_vision + p.f_activities + p.f_measurement + p.f_public_will + p.f_policy + p.f_funding;
  return total > 0.0 ? backbone_capacity() * share / total : 0.0;
}

double Model::cadence_probability(int cadence_weeks, float trust) const noexcept {
  const double c = cadence_weeks * (1.0 + params_.cadence_relax * trust);  // 000:L867
  return c <= 1.0 ? 1.0 : 1.0 / c;
}

void Model::intervene(const Params& p, const std::vector<Event>& events) {
  const Params old = params_;
  params_ = p;
  events_ = events;
  auto follow = [](auto& state, auto now, auto before) {
    if (now != before) state = now;
  };
  follow(cadence_wg_, p.meeting_cadence_weeks, old.meeting_cadence_weeks);
  follow(cadence_steering_, p.steering_cadence_weeks, old.steering_cadence_weeks);
  follow(cadence_plenary_, p.plenary_cadence_weeks, old.plenary_cadence_weeks);
  follow(cadence_forum_, p.forum_cadence_weeks, old.forum_cadence_weeks);
  follow(cadence_update_, p.update_cadence_weeks, old.update_cadence_weeks);
  follow(forums_, p.citizen_forums, old.citizen_forums);
  follow(driver_on_, p.external_driver, old.external_driver);
  follow(measurement_active_, p.measurement, old.measurement);
  follow(ceiling_active_, p.ceiling_pillars > 0, old.ceiling_pillars > 0);
}

void Model::step() {
  ++tick_;
  schedule().run_tick(*this);
}

void Model::step_timed(const std::function<void(std::size_t, double)>& after) {
  ++tick_;
  const auto& phases = schedule().phases();
  for (std::size_t k = 0; k < phases.size(); ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    phases[k].run(*this);
    after(k, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
}

// --- 1. events
void Model::phase_events() {
  const auto t = static_cast<std::uint32_t>(tick_);
  for (std::size_t j = 0; j < events_.size(); ++j) {
    const Event& e = events_[j];
    bool fire = e.week == tick_;
    if (e.week == 0 && e.rate_per_year > 0.0)
      fire = Rng(seed_, t, static_cast<std::uint32_t>(j), purpose::hazard)
                 .bernoulli(1.0 - std::exp(-e.rate_per_year / kWeeksPerYear));
    if (fire) apply_event(e);
  }
  // Scheduled elections (004:L694: about every four years).
  if (params_.election_years > 0.0) {
    const double period = params_.election_years * kWeeksPerYear;
    const auto k = static_cast<long>(std::floor(tick_ / period));
    if (k >= 1 && static_cast<long>(std::floor((tick_ - 1) / period)) < k) election();
  }
  net_.refresh(exec_);
}

void Model::election() {
  // Government agents' concerns and support reset; their champions are replaced (004:L694).
  const auto K = static_cast<std::size_t>(K_);
  const auto t = static_cast<std::uint32_t>(tick_);
  std::vector<std::uint32_t>& gov = id_scratch_;
  gov.clear();
  for_each_org([&](std::size_t i) {
    if (sector_[i] != Sector::government || !present_[i]) return;
    gov.push_back(static_cast<std::uint32_t>(i));
    Rng r(seed_, t, static_cast<std::uint32_t>(i), purpose::event);
    double total = 0.0;
    for (std::size_t k = 0; k < K; ++k) total += (concern_[i * K + k] = -std::log(1.0 - r.uniform()));
    for (std::size_t k = 0; k < K; ++k) concern_[i * K + k] /= total;
    engagement_[i] = r.uniform(0.1, 0.6);
    active_[i] = engagement_[i] >= params_.join_threshold;
    ownership_[i] = 0.0;
  });
  std::size_t lost = 0;
  for (std::uint32_t i : gov)
    if (champion_[i]) {
      champion_[i] = 0;
      influence_[i] = 1.0;
      urgency_[i] = base_urgency_[i];
      ++lost;
    }
  Rng r(seed_, t, kSharedStream, purpose::event);
  for (std::size_t j = 0; j < lost && j < gov.size(); ++j) {
    const std::size_t pick = j + r.below(static_cast<std::uint32_t>(gov.size() - j));
    std::swap(gov[j], gov[pick]);
    const std::uint32_t a = gov[j];
    champion_[a] = 1;
    influence_[a] = params_.champion_influence;
    urgency_[a] = 1.0;
  }
}

void Model::apply_event(const Event& e) {
  const auto t = static_cast<std::uint32_t>(tick_);
  switch (e.type) {
    case Event::Type::staff_turnover:
      if (!backbone_active_) break;
      for (std::size_t s = 0; s < filled_.size(); ++s) {
        if (!filled_[s]) continue;
        const bool leaves = e.lead_only ? s == 0
                                        : Rng(seed_, t, static_cast<AgentId>(staff_begin_ + s), purpose::event)
                                              .bernoulli(e.fraction);
        if (leaves) staff_leave(s, e.successor, e.overlap_weeks, e.vacancy_weeks);
      }
      break;
    case Event::Type::champion_departure:
      for (std::size_t i = 0; i < agents(); ++i)
        if (champion_[i]) {
          champion_[i] = 0;
          influence_[i] = 1.0;
          urgency_[i] = base_urgency_[i];
          engagement_[i] = std::max(0.0, engagement_[i] - 0.3);
          break;  // the first (lowest id) champion leaves
        }
      break;
    case Event::Type::citizen_engagement_decline:
      propensity_decline_ = e.rate;
      decline_from_ = tick_;
      break;
    case Event::Type::funding_cut: cut_factor_ *= 1.0 - e.fraction; break;
    case Event::Type::grant_end: grant_level_ = params_.anchoring; break;
    case Event::Type::election: election(); break;
    case Event::Type::crisis:
      for (std::size_t i = 0; i < agents(); ++i)
        if (!is_staff(i)) urgency_[i] = clamp01(urgency_[i] + e.size);
      break;
    case Event::Type::external_driver: driver_on_ = e.on; break;
    case Event::Type::backbone_created:
      if (!backbone_active_ && !filled_.empty()) {
        backbone_active_ = true;
        for (std::size_t s = 0; s < filled_.size(); ++s) hire(s, t);
      }
      break;
    case Event::Type::vacancies_filled:
      // Vacant posts are refilled in this week's backbone phase, within the budget.
      for (std::size_t s = 0; s < filled_.size(); ++s)
        if (!filled_[s]) vacancy_left_[s] = std::min(vacancy_left_[s], 1);
      break;
    case Event::Type::measurement_launch:
      measurement_active_ = true;
      learning_on_ = e.on;
      break;
    case Event::Type::forums_stopped: forums_ = false; break;
    case Event::Type::meeting_cadence:
      switch (e.body) {
        case Event::Body::working_groups: cadence_wg_ = e.weeks; break;
        case Event::Body::steering: cadence_steering_ = e.weeks; break;
        case Event::Body::plenary: cadence_plenary_ = e.weeks; break;
        case Event::Body::forums: cadence_forum_ = e.weeks; break;
        case Event::Body::updates: cadence_update_ = e.weeks; break;
      }
      break;
    case Event::Type::stakeholders_join: {
      int joined = 0;
      const auto no = static_cast<std::uint32_t>(staff_begin_ - static_cast<std::size_t>(params_.n_citizens));
      for (std::size_t i = staff_end_; i < agents() && joined < e.count; ++i) {
        if (present_[i] || sector_[i] != e.sector) continue;
        present_[i] = 1;
        ++joined;
        Rng r(seed_, t, static_cast<std::uint32_t>(i), purpose::event);
        engagement_[i] = engagement_next_[i] = r.uniform(0.3, 0.6);
        const auto m = static_cast<int>(std::floor(params_.org_degree / 2.0 + r.uniform()));
        for (int j = 0; j < m && no > 0; ++j)
          net_.add_tie(static_cast<AgentId>(i), r.below(no), static_cast<float>(params_.trust_initial), tick_);
      }
      break;
    }
    case Event::Type::ceiling_lifted: ceiling_active_ = false; break;
  }
}

// --- 2. contact: each tie is updated by its lower endpoint, which draws from its own stream
// (tick, agent, contact) one word per tie whose contact probability is strictly between 0 and
// 1, in the order of its half-edges. The same pass issues the intents of phase 3: removal of
// each tie whose trust has fallen below the threshold, then the agent's brokerage if it is
// staff. (One pass over the ties instead of two; phase 3 commits.)
void Model::phase_contact() {
  NetworkView& v = net_.mutable_view();
  const float gain = static_cast<float>(params_.trust_gain);
  const float keep = static_cast<float>(1.0 - params_.trust_decay);
  const auto dissolve = static_cast<float>(params_.tie_dissolve);
  const auto t = static_cast<std::uint32_t>(tick_);
  const bool bb = backbone_active_;
  const double staff_contact = 0.5 + 0.5 * params_.style;  // hub-and-spoke staff keep every tie warm
  const double kappa = partner_convening();
  const double broker = params_.brokerage_rate * (1.0 - params_.style);  // convene, then step back (000:L855)
  tie_intents_.prepare(exec_.chunk_count(agents()));
  exec_.for_chunks(agents(), [&](std::size_t chunk, std::size_t b0, std::size_t b1) {
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      const auto nb = v.neighbours(a);
      const bool ca = sector_[a] == Sector::citizen;
      const bool sa = is_staff(a);
      Rng r(seed_, t, a, purpose::contact);
      // a's ties to higher ids: the last half-edges of its row, tie ids first_tie[a] on.
      TieId e = v.first_tie[a];
      for (std::uint32_t j = v.upper_begin(a); j < v.offsets[a + 1]; ++j, ++e) {
        const AgentId b = v.neighbour[j];
        const float tr = v.trust[e];
        const bool cb = sector_[b] == Sector::citizen;
        double p = 0.0;
        if (ca && cb) {
          p = kCitizenContact;
        } else if (ca || cb) {
          const bool act = active_[a] || active_[b];
          p = act ? kMixedContact : 0.0;
          if (forums_ && bb) p = std::max(p, params_.inclusiveness * cadence_probability(cadence_forum_, tr));
        } else if (sa || is_staff(b)) {
          if (active_[a] && active_[b]) p = staff_contact * cadence_probability(cadence_wg_, tr);
        } else if (active_[a] && active_[b]) {
          // Bodies both belong to; without a backbone only occasional plenary-like contact (004:L191).
          double miss = 1.0 - cadence_probability(cadence_plenary_, tr);
          if (bb) {
            // Partners who trust each other keep meeting when the backbone convenes less
            // (continuous communication maintains and re-establishes trust, 000:L235, L874).
            const double k = kappa + (1.0 - kappa) * tr;
            if (pillar_[a] == pillar_[b]) miss *= 1.0 - k * cadence_probability(cadence_wg_, tr);
            if (steering_[a] && steering_[b]) miss *= 1.0 - k * cadence_probability(cadence_steering_, tr);
          }
          p = 1.0 - miss;
        }
        bool met = false;
        if (p >= 1.0) met = true;
        else if (p > 0.0) met = r.uniform32() < p;
        // Whether a tie met is a coin flip the CPU cannot predict: select by mask, not branch.
        const std::uint32_t mask = 0u - static_cast<std::uint32_t>(met);
        const float grown = tr + gain * (1.0f - tr), decayed = tr * keep;
        const float trust = std::bit_cast<float>((std::bit_cast<std::uint32_t>(grown) & mask) |
                                                 (std::bit_cast<std::uint32_t>(decayed) & ~mask));
        v.last_contact[e] = static_cast<std::int32_t>((static_cast<std::uint32_t>(tick_) & mask) |
                                                      (static_cast<std::uint32_t>(v.last_contact[e]) & ~mask));
        v.trust[e] = trust;
        if (trust < dissolve) tie_intents_.push(chunk, TieIntent{TieIntent::Kind::remove, a, b, 0.0f});
      }
      if (sa && filled_[a - staff_begin_] && nb.size() >= 2) {
        Rng rb(seed_, t, a, purpose::brokerage);
        if (rb.bernoulli(broker * staff_capacity(a - staff_begin_))) {
          const AgentId x = nb[rb.below(static_cast<std::uint32_t>(nb.size()))];
          const AgentId y = nb[rb.below(static_cast<std::uint32_t>(nb.size()))];
          if (x != y && is_org(x) && is_org(y) && active_[x] && active_[y] && !net_.has_tie(x, y))
            tie_intents_.push(chunk, TieIntent{TieIntent::Kind::add, std::min(x, y), std::max(x, y),
                                               static_cast<float>(params_.trust_initial)});
        }
      }
    }
  });
}

// --- 3. ties: the dissolution and brokerage intents issued in phase 2, committed in agent-id
// order (per agent: its removals in half-edge order, then its brokerage).
void Model::phase_ties() {
  if (tie_intents_.size() > 0) {
    tie_intents_.commit([&](const TieIntent& i) { net_.apply_one(i, tick_); });
    net_.refresh(exec_);
  }
}

// --- 4. agenda (serial: organisations are few)
void Model::phase_agenda() {
  const auto K = static_cast<std::size_t>(K_);
  const Params& p = params_;
  if (!backbone_active_) {
    alignment_ = 0.0;
    for_each_org([&](std::size_t i) { ownership_[i] *= 1.0 - p.ownership_rate; });  // only organisations own
    return;
  }
  // Active agents and those with lived experience, counted per chunk in parallel (whole
  // numbers, so the total is exact in any order); organisations' voice serially in id order.
  const std::size_t stride = kSectors * K + 2;
  exec_.for_chunks(agents(), [&](std::size_t chunk, std::size_t b0, std::size_t b1) {
    double all = 0.0, lived = 0.0;
    for (std::size_t i = b0; i < b1; ++i)
      if (active_[i] && !is_staff(i)) all += 1.0, lived += lived_[i];
    partial_[chunk * stride] = all;
    partial_[chunk * stride + 1] = lived;
  });
  double all_active = 0.0, lived_active = 0.0;
  for (std::size_t c = 0; c < exec_.chunk_count(agents()); ++c) {
    all_active += partial_[c * stride];
    lived_active += partial_[c * stride + 1];
  }
  std::array<double, kMaxPillars> voice{};
  double wsum = 0.0;
  for_each_org([&](std::size_t i) {
    if (!active_[i]) return;
    wsum += influence_[i];
    for (std::size_t k = 0; k < K; ++k) voice[k] += influence_[i] * concern_[i * K + k];
  });
  if (wsum > 0.0) {
    // Lived experience (heard through forums, 000:L307, L1111) and learning from measurement
    // (000:L835) pull the agenda towards the true needs.
    const double lived = all_active > 0.0 ? lived_active / all_active : 0.0;
    const double lambda = p.lived_experience_weight * lived * (forums_ ? 1.0 : 0.3);
    const double mu = measurement_active_ ? 0.5 * learning_ * coverage_ : 0.0;
    const double w = std::min(1.0, lambda + mu);
    for (std::size_t k = 0; k < K; ++k) agenda_[k] = (1.0 - w) * voice[k] / wsum + w * need_[k];
  }
  const double pull = p.vision_rate * saturate(function_capacity(p.f_vision), 1.0);
  double dist = 0.0;
  int counted = 0;
  for_each_org([&](std::size_t i) {
    if (!present_[i]) return;
    if (!active_[i]) {
      ownership_[i] *= 1.0 - p.ownership_rate;
      return;
    }
    double d = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
      double& c = concern_[i * K + k];
      c += pull * (agenda_[k] - c);
      d += std::fabs(c - agenda_[k]);
    }
    const double closeness = 1.0 - 0.5 * d;
    // Ownership: the agent's input shapes the agenda, unless the backbone dominates (000:L254, L800).
    const double target = closeness * (1.0 - p.dominance) * (1.0 - 0.5 * p.style);
    ownership_[i] += p.ownership_rate * (target - ownership_[i]);
    dist += 0.5 * d;
    ++counted;
  });
  alignment_ = counted > 0 ? 1.0 - dist / counted : 0.0;
}

// --- 5. activities: effort per sector and pillar, reduced per chunk in chunk order.
void Model::phase_activities() {
  const auto K = static_cast<std::size_t>(K_);
  const Params& p = params_;
  const NetworkView& v = net_.view();
  // Members follow the common agenda as far as the backbone's vision work carries it.
  const double beta =
      backbone_active_ ? 0.5 * (p.vision_need > 0.0 ? std::min(1.0, function_capacity(p.f_vision) / p.vision_need) : 1.0)
                       : 0.0;
  const double gamma = measurement_active_ ? 0.5 * learning_ * coverage_ : 0.0;
  const double visibility = 0.5 + 0.5 * (measurement_active_ ? coverage_ : 0.0);
  // Coordination pays off through convened bodies; without a backbone only informally (30%).
  // Partners in close, trusted contact keep coordinating when the backbone convenes less.
  const double kappa = backbone_active_ ? partner_convening() : 0.0;
  const std::size_t n = agents();
  const std::size_t stride = kSectors * K + 2;
  const std::size_t chunks = exec_.chunk_count(n);
  std::fill(partial_.begin(), partial_.begin() + static_cast<std::ptrdiff_t>(chunks * stride), 0.0);
  exec_.for_chunks(n, [&](std::size_t chunk, std::size_t b0, std::size_t b1) {
    double* out = partial_.data() + chunk * stride;
    for (std::size_t i = b0; i < b1; ++i) {
      if (!active_[i] || is_staff(i)) continue;
      // Coordination with the ties that share the work: an organisation's partners
      // (organisations and staff), a citizen's every tie.
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      const bool org = is_org(i);
      double coord = 0.0, counted = 0.0;
      for (std::size_t j = 0; j < nb.size(); ++j) {
        if (org && sector_[nb[j]] == Sector::citizen) continue;
        counted += 1.0;
        if (active_[nb[j]]) coord += v.trust[ts[j]];
      }
      coord /= std::max(1.0, counted);
      const double convened = backbone_active_ ? 0.3 + 0.7 * (kappa + (1.0 - kappa) * coord) : 0.3;
      const double x = capacity_[i] * engagement_[i] * (1.0 + p.coordination_gain * coord * visibility * convened);
      double* row = out + sector_[i] * K;
      for (std::size_t k = 0; k < K; ++k) {
        const double w = (1.0 - beta) * concern_[i * K + k] + beta * agenda_[k];
        row[k] += x * ((1.0 - gamma) * w + gamma * need_[k]);
      }
    }
  });
  // Mutually reinforcing activities (000:L229): effort from several sectors in one pillar
  // reinforces itself in proportion to the backbone's support for aligned activities.
  const double support = backbone_active_ ? saturate(function_capacity(p.f_activities), 0.5) : 0.0;
  const double realised = p.complementarity * (0.2 + 0.8 * support);
  for (std::size_t k = 0; k < K; ++k) {
    std::array<double, kSectors> by_sector{};
    for (std::size_t c = 0; c < chunks; ++c)
      for (int s = 0; s < kSectors; ++s) by_sector[s] += partial_[c * stride + s * K + k];
    double total = 0.0, herfindahl = 0.0;
    for (double x : by_sector) total += x;
    if (total > 0.0)
      for (double x : by_sector) herfindahl += (x / total) * (x / total);
    const double diversity = total > 0.0 ? 1.0 - herfindahl : 0.0;
    effort_[k] = total * (1.0 + realised * diversity);
  }
}

// --- 6. problem
void Model::phase_problem() {
  const auto K = static_cast<std::size_t>(K_);
  const Params& p = params_;
  const double lag_weeks = p.delay_months * kWeeksPerYear / 12.0;
  const double follow = lag_weeks <= 1.0 ? 1.0 : 1.0 / lag_weeks;
  // A higher level of government holds the levers of the first ceiling_pillars pillars
  // (000:L701; 004:L691-L698); policy advocacy raises the ceiling a little.
  const double cap = p.ceiling + (1.0 - p.ceiling) * 0.3 * saturate(function_capacity(p.f_policy), 1.0);
  for (std::size_t k = 0; k < K; ++k) {
    pipeline_[k] += follow * (effort_[k] - pipeline_[k]);
    const double sat = saturate(pipeline_[k], p.half_saturation);
    const double weight = need_[k] * static_cast<double>(K);  // mean 1 over pillars
    const double limit = (ceiling_active_ && static_cast<int>(k) < p.ceiling_pillars) ? cap : 1.0;
    const double room = std::max(0.0, limit - progress_[k]);
    progress_[k] = clamp01(progress_[k] + p.effort_effect * weight * sat * room - p.drift * progress_[k]);
  }
  if (!std::isfinite(outcome())) throw ModelError("outcome became non-finite at week " + std::to_string(tick_));
}

// --- 7. measurement and learning
void Model::phase_measurement() {
  const Params& p = params_;
  const double invest = backbone_active_ && measurement_active_ ? saturate(function_capacity(p.f_measurement), 0.5) : 0.0;
  if (invest > 0.0) {
    coverage_ += p.measurement_growth * invest * (p.coverage_target - coverage_);
    learning_ += p.measurement_growth * invest * ((learning_on_ ? p.learning_target : 0.0) - learning_);
  } else {
    coverage_ -= p.measurement_decay * coverage_;
    learning_ -= p.measurement_decay * learning_;
  }
  // Reports at the cadence: observed outcome = true outcome + noise shrinking with coverage.
  // Without shared measurement, progress is only perceived informally (coverage 0).
  if (tick_ % std::max(1, p.report_cadence_weeks) != 0) return;
  const double cov = measurement_active_ ? coverage_ : 0.0;
  Rng r(seed_, static_cast<std::uint32_t>(tick_), 0, purpose::measurement);
  const int cadence = std::max(1, p.report_cadence_weeks);
  const auto n = static_cast<std::size_t>(tick_ / cadence);  // number of this report, from 1
  const double observed = outcome() + r.normal(0.0, p.observation_noise * (1.0 - cov));
  // Growth over the last four reports (a year at quarterly reporting), before this one is stored.
  const std::size_t back = std::min<std::size_t>(n - 1, reports_.size());
  const double earlier = back == 0 ? 0.0 : reports_[(n - back) % reports_.size()];
  reports_[n % reports_.size()] = observed;
  const double per_year = (observed - earlier) * kWeeksPerYear / (static_cast<double>(std::max<std::size_t>(back, 1)) * cadence);
  visible_ = clamp01(per_year / kVisibleScale);  // small wins made visible (000:L812; 004:L97)
}

// --- 8. engagement: each agent writes its own next state; then buffers swap.
void Model::phase_engagement() {
  const Params& p = params_;
  const NetworkView& v = net_.view();
  const double pw = backbone_active_ ? saturate(function_capacity(p.f_public_will), 1.0) : 0.0;
  const double out_org = pw;
  const double out_cit = pw * (forums_ ? 1.0 : 0.4);  // citizen forums (000:L1111)
  const double wsum = p.w_urgency + p.w_progress + p.w_neighbours + p.w_outreach + p.w_ownership + p.w_champion;
  const double decline = propensity_decline_ > 0.0
                             ? std::exp(-propensity_decline_ * (tick_ - decline_from_) / static_cast<double>(kWeeksPerYear))
                             : 1.0;
  const double urgency_pull = p.urgency_recovery;
  const double driver = driver_on_ ? p.external_driver_strength : 0.0;
  const auto t = static_cast<std::uint32_t>(tick_);
  const std::size_t n = agents();
  const auto K = static_cast<std::size_t>(K_);
  const std::size_t stride = kSectors * K + 2;
  if (signal_.size() != n) signal_.resize(n);
  exec_.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (std::size_t i = b0; i < b1; ++i)
      signal_[i] = Signal{engagement_[i], static_cast<std::uint32_t>(champion_[i] && active_[i])};
  });
  exec_.for_chunks(n, [&](std::size_t chunk, std::size_t b0, std::size_t b1) {
    double* joins = partial_.data() + chunk * stride + kSectors * K;
    joins[0] = joins[1] = 0.0;
    for (std::size_t i = b0; i < b1; ++i) {
      if (is_staff(i) || !present_[i]) continue;
      const bool citizen = sector_[i] == Sector::citizen;
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      if (i + kPrefetchAhead < b1) {  // the neighbours' state a few agents ahead (rewired ties are far away)
        const auto a = static_cast<AgentId>(i + kPrefetchAhead);
        for (std::uint32_t j = v.offsets[a]; j < v.offsets[a + 1]; ++j) {
          __builtin_prefetch(&signal_[v.neighbour[j]]);
          __builtin_prefetch(&v.trust[v.tie_of[j]]);
        }
      }
      double tw = 0.0, te = 0.0, exposure = 0.0;
      for (std::size_t j = 0; j < nb.size(); ++j) {
        if (!citizen && sector_[nb[j]] == Sector::citizen) continue;  // organisations follow partners
        const double tr = v.trust[ts[j]];
        const Signal& s = signal_[nb[j]];
        tw += tr;
        te += tr * s.engagement;
        if (s.active_champion != 0) exposure = std::max(exposure, tr);
      }
      double social = tw > 0.0 ? te / tw : 0.0;
      // Snowball among citizens works through inclusive local coordination (000:L1059, L1157).
      if (citizen) social *= 0.4 + 0.6 * p.inclusiveness;
      const double urg = clamp01(urgency_[i] + (citizen ? 0.0 : driver));
      // Ownership of the agenda concerns organisations; citizens' drive has no such term.
      const double weights = citizen ? wsum - p.w_ownership : wsum;
      double drive = weights > 0.0 ? (p.w_urgency * urg + p.w_progress * visible_ + p.w_neighbours * social +
                                      p.w_outreach * (citizen ? out_cit : out_org) + p.w_champion * exposure +
                                      (citizen ? 0.0 : p.w_ownership * ownership_[i])) /
                                         weights
                                   : 0.0;
      if (citizen) drive *= p.citizen_propensity * decline;
      const double target = drive - fatigue_[i];
      Rng r(seed_, t, static_cast<std::uint32_t>(i), purpose::engagement);
      double e = engagement_[i] + p.engagement_rate * (target - engagement_[i]) + p.engagement_noise * r.normal();
      const bool invited = invited_at_[i] == tick_ - 1;  // invited by the backbone last week
      if (invited) e += p.invite_boost * (1.0 - e);
      if (champion_[i]) e = std::max(e, 0.8);  // champions stay committed while present
      e = clamp01(e);
      engagement_next_[i] = e;
      const bool was = active_[i] != 0;
      const bool now = was ? (e >= p.leave_threshold) : (e >= p.join_threshold);
      active_next_[i] = now;
      if (!was && now && !citizen) joins[tick_ - invited_at_[i] <= kInvitedWindow ? 0 : 1] += 1.0;
      const double f = fatigue_[i];
      fatigue_next_[i] = (was && visible_ < 0.2) ? f + p.fatigue_rate * (0.5 - f) : f * (1.0 - p.fatigue_rate);
      // Urgency relaxes back to its base level after shocks.
      urgency_[i] += urgency_pull * ((champion_[i] ? 1.0 : base_urgency_[i]) - urgency_[i]);
    }
  });
  for (std::size_t c = 0; c < exec_.chunk_count(n); ++c) {
    joined_invited_ += partial_[c * stride + kSectors * K];
    joined_voluntary_ += partial_[c * stride + kSectors * K + 1];
  }
  exec_.for_chunks(n, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (std::size_t i = b0; i < b1; ++i) {
      if (is_staff(i)) continue;
      engagement_[i] = engagement_next_[i];
      active_[i] = active_next_[i];
      fatigue_[i] = fatigue_next_[i];
    }
  });
}

// --- 9. backbone operations (few staff: serial, in slot order)
void Model::phase_backbone() {
  if (!backbone_active_) return;
  const Params& p = params_;
  const auto t = static_cast<std::uint32_t>(tick_);
  // Invitations: the backbone approaches inactive organisations, highest influence first
  // (000:L542), less as momentum builds and joining becomes voluntary (000:L544).
  const double momentum = p.momentum_share > 0.0 ? std::min(1.0, org_active_share() / p.momentum_share) : 1.0;
  Rng ri(seed_, t, 0, purpose::invitation);
  const auto invites = static_cast<std::size_t>(std::floor(p.invite_rate * saturate(function_capacity(p.f_public_will), 1.0) *
                                                               (1.0 - momentum) * 4.0 + ri.uniform()));
  if (invites > 0) {
    std::vector<std::uint32_t>& cand = id_scratch_;
    cand.clear();
    for_each_org([&](std::size_t i) {
      if (present_[i] && !active_[i] && tick_ - invited_at_[i] >= kReinviteWeeks) cand.push_back(static_cast<std::uint32_t>(i));
    });
    const std::size_t k = std::min(invites, cand.size());
    std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(k), cand.end(),
                      [&](std::uint32_t a, std::uint32_t b) {
                        return influence_[a] != influence_[b] ? influence_[a] > influence_[b] : a < b;
                      });
    for (std::size_t j = 0; j < k; ++j) invited_at_[cand[j]] = tick_;
  }
  // Staff: turnover at a hazard (000:L668), vacancies refilled within the budget.
  const double hazard = 1.0 - std::exp(-p.staff_turnover_per_year / kWeeksPerYear);
  const auto positions = static_cast<int>(std::floor(budget() + 1e-9));
  int in_post = backbone_staff();
  for (std::size_t s = 0; s < filled_.size(); ++s) {
    const auto a = static_cast<AgentId>(staff_begin_ + s);
    if (filled_[s]) {
      ++tenure_[s];
      if (Rng(seed_, t, a, purpose::staff).bernoulli(hazard)) {
        staff_leave(s, p.succession_overlap_weeks > 0, p.succession_overlap_weeks, -1);
        in_post -= filled_[s] ? 0 : 1;
      }
    } else if (--vacancy_left_[s] <= 0 && in_post < positions) {
      hire(s, t);
      ++in_post;
    }
  }
  // Over budget: the most recently filled positions (highest slots) are not kept.
  for (std::size_t s = filled_.size(); s-- > 1 && in_post > positions;)
    if (filled_[s]) {
      staff_leave(s, false, 0, 0);
      vacancy_left_[s] = 0;
      --in_post;
    }
  net_.refresh(exec_);
}

// --- 10. funding
void Model::phase_funding() {
  const Params& p = params_;
  // Funders contribute while they see progress; what they see is the observed outcome, so
  // measurement matters. Fundraising (backbone function 6) steadies them.
  const double raise = backbone_active_ ? saturate(function_capacity(p.f_funding), 0.5) : 0.0;
  const double target = clamp01(0.6 + 0.4 * visible_ + 0.3 * raise);
  funder_support_ += p.funder_response * (target - funder_support_);
}

double Model::budget() const noexcept {
  const Params& p = params_;
  return p.budget_staff_years * cut_factor_ * (p.grant_share * grant_level_ + (1.0 - p.grant_share) * funder_support_);
}

// --- derived quantities
double Model::outcome() const noexcept {
  double o = 0.0;
  for (std::size_t k = 0; k < need_.size(); ++k) o += need_[k] * progress_[k];
  return o;
}
int Model::backbone_staff() const noexcept {
  return static_cast<int>(std::count(filled_.begin(), filled_.end(), std::uint8_t{1}));
}
double Model::agenda_fit() const noexcept {
  if (!backbone_active_) return 0.0;
  double d = 0.0;
  for (std::size_t k = 0; k < need_.size(); ++k) d += std::fabs(agenda_[k] - need_[k]);
  return 1.0 - 0.5 * d;
}
double Model::org_active_share() const noexcept {
  double a = 0.0, n = 0.0;
  for_each_org([&](std::size_t i) {
    if (present_[i]) {
      a += active_[i];
      n += 1.0;
    }
  });
  return n > 0.0 ? a / n : 0.0;
}
// Phase of the initiative (000:L258-L266): 1 initiating action, 2 designing and organising
// for impact (active mass reached), 3 sustaining action and impact (with learning and alignment).
int Model::phase() const noexcept {
  if (org_active_share() < params_.launch_share) return 1;
  if (measurement_active_ && coverage_ >= 0.5 && learning_ >= 0.3 && alignment_ >= 0.6) return 3;
  return 2;
}

std::vector<double> record_months(int horizon_years) {
  std::vector<double> m(static_cast<std::size_t>(12 * horizon_years + 1));
  std::iota(m.begin(), m.end(), 0.0);
  return m;
}

}  // namespace cimsim::model
