#include "model.hpp"

#include "engine/error.hpp"
#include "engine/rng.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

namespace cimsim::model {

namespace {
constexpr int kVisibleWindow = 26;         // weeks over which progress is "visible"
constexpr double kVisibleScale = 0.05;     // outcome gain per year that counts as fully visible
constexpr double kCitizenCapacity = 0.05;  // a citizen's effort relative to an organisation's
constexpr double kOutreachHalf = 2.0;      // backbone capacity giving half the outreach effect
constexpr double kCitizenContact = 0.3;    // weekly informal contact between linked citizens
constexpr double kMixedContact = 0.25;     // weekly contact citizen-organisation when one is active

double clamp01(double x) noexcept { return x < 0.0 ? 0.0 : (x > 1.0 ? 1.0 : x); }
}  // namespace

const std::vector<PhaseInfo>& Model::phase_info() {
  static const std::vector<PhaseInfo> info = {
      {"events", "apply the scenario's events scheduled for this week"},
      {"contact", "meetings and informal contact: trust grows on ties with contact, decays on the others"},
      {"ties", "weak ties dissolve; backbone staff broker new ties between their partners (intents, committed in agent order)"},
      {"agenda", "common agenda follows members' influence-weighted concerns; vision work pulls concerns to the agenda"},
      {"activities", "active agents spend effort across pillars, multiplied by trusted coordination"},
      {"problem", "delayed effort moves progress per pillar, with saturation and drift"},
      {"engagement", "engagement follows urgency, visible progress, trusted ties and outreach; join/leave with hysteresis"},
      {"backbone", "staff ramp up, leave at a hazard, vacancies are filled after a delay and new staff build ties"},
  };
  return info;
}

Model::Model(const Scenario& scenario, std::uint64_t seed, const Executor& exec)
    : exec_(exec), params_(scenario.params), events_(scenario.events), seed_(seed), K_(scenario.params.pillars) {
  build_population(seed);
  build_network(seed);
}

void Model::build_population(std::uint64_t seed) {
  const Params& p = params_;
  const int per_sector[kSectors] = {p.n_government, p.n_civil_society, p.n_business, p.n_knowledge, p.n_funder,
                                    p.n_citizens};
  n_org_ = 0;
  for (int s = 0; s < kSectors - 1; ++s) n_org_ += static_cast<std::size_t>(per_sector[s]);
  staff_begin_ = n_org_ + static_cast<std::size_t>(p.n_citizens);
  const std::size_t slots = p.backbone ? static_cast<std::size_t>(p.backbone_staff) : 0;
  const std::size_t n = staff_begin_ + slots;

  sector_.resize(n);
  std::size_t at = 0;
  for (int s = 0; s < kSectors; ++s)
    for (int i = 0; i < per_sector[s]; ++i) sector_[at++] = static_cast<std::uint8_t>(s);
  for (; at < n; ++at) sector_[at] = kStaffSector;

  engagement_.assign(n, 0.0);
  urgency_.assign(n, 0.0);
  influence_.assign(n, 1.0);
  fatigue_.assign(n, 0.0);
  capacity_.assign(n, 0.0);
  active_.assign(n, 0);
  champion_.assign(n, 0);
  concern_.assign(n * static_cast<std::size_t>(K_), 0.0);
  const auto K = static_cast<std::size_t>(K_);

  for (std::size_t i = 0; i < staff_begin_; ++i) {
    Rng r(seed, kBuildTick, static_cast<std::uint32_t>(i), purpose::build_population);
    const bool is_citizen = sector_[i] == Sector::citizen;
    urgency_[i] = clamp01((is_citizen ? p.urgency_citizen : p.urgency_professional) + r.normal(0.0, 0.1));
    engagement_[i] = is_citizen ? r.uniform(0.0, 0.4) : r.uniform(0.1, 0.6);
    capacity_[i] = is_citizen ? kCitizenCapacity : 1.0;
    // Each agent starts with its own agenda (004:L191): random concerns, normalised.
    double total = 0.0;
    for (std::size_t k = 0; k < K; ++k) total += (concern_[i * K + k] = -std::log(1.0 - r.uniform()));
    for (std::size_t k = 0; k < K; ++k) concern_[i * K + k] /= total;
  }
  // Champions: distinct organisations chosen by a partial Fisher-Yates shuffle.
  {
    Rng r(seed, kBuildTick, static_cast<std::uint32_t>(n), purpose::build_population);
    std::vector<std::uint32_t> orgs(n_org_);
    std::iota(orgs.begin(), orgs.end(), 0u);
    const auto c = std::min<std::size_t>(static_cast<std::size_t>(p.champions), n_org_);
    for (std::size_t j = 0; j < c; ++j) {
      const std::size_t pick = j + r.below(static_cast<std::uint32_t>(n_org_ - j));
      std::swap(orgs[j], orgs[pick]);
      const std::uint32_t a = orgs[j];
      champion_[a] = 1;
      influence_[a] = p.champion_influence;
      urgency_[a] = 1.0;
      engagement_[a] = 0.9;
    }
    // True needs per pillar: a random point of the simplex.
    need_.assign(K, 0.0);
    double total = 0.0;
    for (std::size_t k = 0; k < K; ++k) total += (need_[k] = -std::log(1.0 - r.uniform()));
    for (double& x : need_) x /= total;
  }
  for (std::size_t i = 0; i < staff_begin_; ++i) active_[i] = engagement_[i] >= p.join_threshold ? 1 : 0;

  engagement_next_ = engagement_;
  active_next_ = active_;
  fatigue_next_ = fatigue_;
  concern_next_ = concern_;

  filled_.assign(slots, 0);
  tenure_.assign(slots, 0);
  vacancy_left_.assign(slots, 0);

  agenda_.assign(K, 1.0 / static_cast<double>(K));
  progress_.assign(K, 0.0);
  pipeline_.assign(K, 0.0);
  effort_.assign(K, 0.0);
  effort_partial_.assign(exec_.chunk_count(n) * K, 0.0);
  outcome_history_.assign(kVisibleWindow, 0.0);
}

void Model::build_network(std::uint64_t seed) {
  const Params& p = params_;
  net_ = Network(sector_.size());
  const auto T = static_cast<float>(p.trust_initial);
  // Citizens: Watts-Strogatz small world over a ring (neighbourhoods, villages).
  const auto nc = static_cast<std::uint32_t>(p.n_citizens);
  const auto c0 = static_cast<std::uint32_t>(n_org_);
  const auto half = static_cast<std::uint32_t>(std::lround(p.citizen_degree / 2.0));
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
    // A link to a local organisation (school, club, housing: 000:L1061).
    if (n_org_ > 0 && r.bernoulli(p.citizen_org_link)) {
      net_.add_tie(c0 + i, r.below(static_cast<std::uint32_t>(n_org_)), T, 0);
    }
  }
  // Organisations: a few random ties each (sparse, 004:L191).
  const auto no = static_cast<std::uint32_t>(n_org_);
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
  // Backbone staff start in post, fully ramped up, each with personal ties to partners.
  for (std::size_t s = 0; s < filled_.size(); ++s) {
    hire(s, kBuildTick);
    tenure_[s] = p.ramp_up_weeks;
  }
  net_.refresh();
}

void Model::hire(std::size_t slot, std::uint32_t stream_tick) {
  const auto a = static_cast<AgentId>(staff_begin_ + slot);
  filled_[slot] = 1;
  tenure_[slot] = 0;
  vacancy_left_[slot] = 0;
  engagement_[a] = engagement_next_[a] = 1.0;
  active_[a] = active_next_[a] = 1;
  if (n_org_ == 0) return;
  Rng r(seed_, stream_tick, a, purpose::hiring);
  const auto ties = static_cast<int>(std::floor(params_.staff_ties + r.uniform()));
  for (int j = 0; j < ties; ++j)
    net_.add_tie(a, r.below(static_cast<std::uint32_t>(n_org_)), static_cast<float>(params_.trust_initial),
                 tick_);
}

void Model::staff_leave(std::size_t slot) {
  const auto a = static_cast<AgentId>(staff_begin_ + slot);
  filled_[slot] = 0;
  tenure_[slot] = 0;
  vacancy_left_[slot] = params_.vacancy_weeks;
  engagement_[a] = engagement_next_[a] = 0.0;
  active_[a] = active_next_[a] = 0;
  net_.isolate(a);  // personal ties leave with the person (000:L668)
}

double Model::staff_capacity(std::size_t slot) const noexcept {
  if (!filled_[slot]) return 0.0;
  if (params_.ramp_up_weeks <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(tenure_[slot]) / params_.ramp_up_weeks);
}

void Model::step() {
  ++tick_;
  phase_events();
  phase_contact();
  phase_ties();
  phase_agenda();
  phase_activities();
  phase_problem();
  phase_engagement();
  phase_backbone();
}

// --- 1. events
void Model::phase_events() {
  for (const Event& e : events_) {
    if (e.week != tick_) continue;
    switch (e.type) {
      case Event::Type::staff_turnover:
        for (std::size_t s = 0; s < filled_.size(); ++s) {
          Rng r(seed_, static_cast<std::uint32_t>(tick_), static_cast<AgentId>(staff_begin_ + s), purpose::event);
          if (filled_[s] && r.bernoulli(e.fraction)) staff_leave(s);
        }
        break;
    }
  }
  net_.refresh();
}

// --- 2. contact: each tie is updated by its lower endpoint, with a draw keyed by the pair.
void Model::phase_contact() {
  NetworkView& v = net_.mutable_view();
  const double cadence = 1.0 / params_.meeting_cadence_weeks;
  const float gain = static_cast<float>(params_.trust_gain);
  const float keep = static_cast<float>(1.0 - params_.trust_decay);
  const auto t = static_cast<std::uint32_t>(tick_);
  exec_.for_chunks(agents(), [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      const auto nb = v.neighbours(a);
      const auto ts = v.ties_of(a);
      for (std::size_t j = 0; j < nb.size(); ++j) {
        const AgentId b = nb[j];
        if (b < a) continue;
        const bool ca = sector_[a] == Sector::citizen, cb = sector_[b] == Sector::citizen;
        double p;
        if (ca && cb) p = kCitizenContact;
        else if (ca || cb) p = (active_[a] || active_[b]) ? kMixedContact : 0.0;
        else p = (active_[a] && active_[b]) ? cadence : 0.0;
        bool met = false;
        if (p >= 1.0) met = true;
        else if (p > 0.0) met = Rng(seed_, t, a, purpose::contact, b).uniform() < p;
        const TieId e = ts[j];
        if (met) {
          v.trust[e] += gain * (1.0f - v.trust[e]);
          v.last_contact[e] = tick_;
        } else {
          v.trust[e] *= keep;
        }
      }
    }
  });
}

// --- 3. ties: dissolution and brokerage as intents, committed in agent-id order.
void Model::phase_ties() {
  const NetworkView& v = net_.view();
  const auto dissolve = static_cast<float>(params_.tie_dissolve);
  const std::size_t n = agents();
  tie_intents_.prepare(exec_.chunk_count(n));
  const auto t = static_cast<std::uint32_t>(tick_);
  exec_.for_chunks(n, [&](std::size_t chunk, std::size_t b0, std::size_t b1) {
    for (auto a = static_cast<AgentId>(b0); a < b1; ++a) {
      const auto nb = v.neighbours(a);
      const auto ts = v.ties_of(a);
      for (std::size_t j = 0; j < nb.size(); ++j)
        if (nb[j] > a && v.trust[ts[j]] < dissolve)
          tie_intents_.push(chunk, TieIntent{TieIntent::Kind::remove, a, nb[j], 0.0f});
      // Brokerage (000:L641): a staff member introduces two of its partner organisations.
      if (is_staff(a) && filled_[a - staff_begin_] && nb.size() >= 2) {
        Rng r(seed_, t, a, purpose::brokerage);
        if (r.bernoulli(params_.brokerage_rate * staff_capacity(a - staff_begin_))) {
          const AgentId x = nb[r.below(static_cast<std::uint32_t>(nb.size()))];
          const AgentId y = nb[r.below(static_cast<std::uint32_t>(nb.size()))];
          if (x != y && x < n_org_ && y < n_org_ && active_[x] && active_[y] && !net_.has_tie(x, y))
            tie_intents_.push(chunk, TieIntent{TieIntent::Kind::add, std::min(x, y), std::max(x, y),
                                               static_cast<float>(params_.trust_initial)});
        }
      }
    }
  });
  if (tie_intents_.size() > 0) {
    tie_intents_.commit([&](const TieIntent& i) { net_.apply_one(i, tick_); });
    net_.refresh();
  }
}

// --- 4. agenda
void Model::phase_agenda() {
  const auto K = static_cast<std::size_t>(K_);
  if (!params_.backbone) {
    alignment_ = 0.0;  // no common agenda process
    return;
  }
  // Common agenda: influence-weighted mean concern of active organisations (serial: few).
  std::vector<double>& ag = agenda_;
  double wsum = 0.0;
  std::array<double, kMaxPillars> voice{};
  for (std::size_t i = 0; i < n_org_; ++i) {
    if (!active_[i]) continue;
    wsum += influence_[i];
    for (std::size_t k = 0; k < K; ++k) voice[k] += influence_[i] * concern_[i * K + k];
  }
  if (wsum > 0.0)
    for (std::size_t k = 0; k < K; ++k) ag[k] = voice[k] / wsum;
  // Vision work (guide vision and strategy) pulls active organisations' concerns toward it.
  double cap = 0.0;
  for (std::size_t s = 0; s < filled_.size(); ++s) cap += staff_capacity(s);
  const double pull = params_.vision_rate * cap / (cap + kOutreachHalf);
  double dist = 0.0;
  int counted = 0;
  for (std::size_t i = 0; i < n_org_; ++i) {
    if (!active_[i]) continue;
    double d = 0.0;
    for (std::size_t k = 0; k < K; ++k) {
      double& c = concern_[i * K + k];
      c += pull * (ag[k] - c);
      d += std::fabs(c - ag[k]);
    }
    dist += 0.5 * d;
    ++counted;
  }
  alignment_ = counted > 0 ? 1.0 - dist / counted : 0.0;
}

// --- 5. activities: effort per pillar, reduced per chunk in chunk order.
void Model::phase_activities() {
  const auto K = static_cast<std::size_t>(K_);
  const NetworkView& v = net_.view();
  const double blend = params_.backbone ? 0.5 : 0.0;
  const std::size_t n = staff_begin_;
  const std::size_t chunks = exec_.chunk_count(n);
  std::fill(effort_partial_.begin(), effort_partial_.begin() + static_cast<std::ptrdiff_t>(chunks * K), 0.0);
  exec_.for_chunks(n, [&](std::size_t chunk, std::size_t b0, std::size_t b1) {
    double* out = effort_partial_.data() + chunk * K;
    for (std::size_t i = b0; i < b1; ++i) {
      if (!active_[i]) continue;
      // Coordination: trust-weighted share of this agent's ties to active agents.
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      double coord = 0.0;
      for (std::size_t j = 0; j < nb.size(); ++j)
        if (active_[nb[j]]) coord += v.trust[ts[j]];
      coord /= std::max<double>(1.0, static_cast<double>(nb.size()));
      const double e = capacity_[i] * engagement_[i] * (1.0 + params_.coordination_gain * coord);
      for (std::size_t k = 0; k < K; ++k) out[k] += e * ((1.0 - blend) * concern_[i * K + k] + blend * agenda_[k]);
    }
  });
  std::fill(effort_.begin(), effort_.end(), 0.0);
  for (std::size_t c = 0; c < chunks; ++c)
    for (std::size_t k = 0; k < K; ++k) effort_[k] += effort_partial_[c * K + k];
}

// --- 6. problem
void Model::phase_problem() {
  const auto K = static_cast<std::size_t>(K_);
  const double lag_weeks = params_.delay_months * kWeeksPerYear / 12.0;
  const double follow = lag_weeks <= 1.0 ? 1.0 : 1.0 / lag_weeks;
  for (std::size_t k = 0; k < K; ++k) {
    pipeline_[k] += follow * (effort_[k] - pipeline_[k]);
    const double sat = pipeline_[k] / (pipeline_[k] + params_.half_saturation);
    const double weight = need_[k] * static_cast<double>(K);  // mean 1 over pillars
    progress_[k] += params_.effort_effect * weight * sat * (1.0 - progress_[k]) - params_.drift * progress_[k];
    progress_[k] = clamp01(progress_[k]);
  }
  const double now = outcome();
  const double before = outcome_history_[static_cast<std::size_t>(tick_) % kVisibleWindow];
  outcome_history_[static_cast<std::size_t>(tick_) % kVisibleWindow] = now;
  const double per_year = (now - before) * kWeeksPerYear / kVisibleWindow;
  visible_progress_ = clamp01(per_year / kVisibleScale);
  if (!std::isfinite(now)) throw ModelError("outcome became non-finite at week " + std::to_string(tick_));
}

// --- 7. engagement: each agent writes its own next state; then buffers swap.
void Model::phase_engagement() {
  const Params& p = params_;
  const NetworkView& v = net_.view();
  double cap = 0.0;
  for (std::size_t s = 0; s < filled_.size(); ++s) cap += staff_capacity(s);
  const double outreach = p.backbone ? cap / (cap + kOutreachHalf) : 0.0;
  const double wsum = p.w_urgency + p.w_progress + p.w_neighbours + p.w_outreach;
  const auto t = static_cast<std::uint32_t>(tick_);
  exec_.for_chunks(staff_begin_, [&](std::size_t, std::size_t b0, std::size_t b1) {
    for (std::size_t i = b0; i < b1; ++i) {
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      double tw = 0.0, te = 0.0;
      for (std::size_t j = 0; j < nb.size(); ++j) {
        tw += v.trust[ts[j]];
        te += v.trust[ts[j]] * engagement_[nb[j]];
      }
      const double social = tw > 0.0 ? te / tw : 0.0;
      const double drive = wsum > 0.0 ? (p.w_urgency * urgency_[i] + p.w_progress * visible_progress_ +
                                         p.w_neighbours * social + p.w_outreach * outreach) / wsum
                                      : 0.0;
      const double target = drive - fatigue_[i];
      Rng r(seed_, t, static_cast<std::uint32_t>(i), purpose::engagement);
      double e = engagement_[i] + p.engagement_rate * (target - engagement_[i]) + p.engagement_noise * r.normal();
      if (champion_[i]) e = std::max(e, 0.8);  // champions stay committed while present
      e = clamp01(e);
      engagement_next_[i] = e;
      const bool was = active_[i] != 0;
      active_next_[i] = was ? (e >= p.leave_threshold) : (e >= p.join_threshold);
      // Fatigue grows while active without visible progress, recovers otherwise.
      const double f = fatigue_[i];
      fatigue_next_[i] = (was && visible_progress_ < 0.2) ? f + p.fatigue_rate * (0.5 - f) : f * (1.0 - p.fatigue_rate);
    }
  });
  // Swap only the population part; staff slots keep their values (set by the backbone phase).
  std::swap_ranges(engagement_.begin(), engagement_.begin() + static_cast<std::ptrdiff_t>(staff_begin_),
                   engagement_next_.begin());
  std::swap_ranges(active_.begin(), active_.begin() + static_cast<std::ptrdiff_t>(staff_begin_), active_next_.begin());
  std::swap_ranges(fatigue_.begin(), fatigue_.begin() + static_cast<std::ptrdiff_t>(staff_begin_), fatigue_next_.begin());
}

// --- 8. backbone operations (few staff: serial, in slot order)
void Model::phase_backbone() {
  const double hazard = 1.0 - std::exp(-params_.staff_turnover_per_year / kWeeksPerYear);
  const auto t = static_cast<std::uint32_t>(tick_);
  for (std::size_t s = 0; s < filled_.size(); ++s) {
    const auto a = static_cast<AgentId>(staff_begin_ + s);
    if (filled_[s]) {
      ++tenure_[s];
      if (Rng(seed_, t, a, purpose::staff).bernoulli(hazard)) staff_leave(s);
    } else if (--vacancy_left_[s] <= 0) {
      hire(s, t);
    }
  }
  net_.refresh();
}

// --- derived quantities
double Model::outcome() const noexcept {
  double o = 0.0;
  for (std::size_t k = 0; k < need_.size(); ++k) o += need_[k] * progress_[k];
  return o;
}
double Model::backbone_capacity() const noexcept {
  double c = 0.0;
  for (std::size_t s = 0; s < filled_.size(); ++s) c += staff_capacity(s);
  return c;
}
int Model::backbone_staff() const noexcept {
  return static_cast<int>(std::count(filled_.begin(), filled_.end(), std::uint8_t{1}));
}
double Model::agenda_fit() const noexcept {
  if (!params_.backbone) return 0.0;
  double d = 0.0;
  for (std::size_t k = 0; k < need_.size(); ++k) d += std::fabs(agenda_[k] - need_[k]);
  return 1.0 - 0.5 * d;
}
double Model::org_active_share() const noexcept {
  if (n_org_ == 0) return 0.0;
  std::size_t a = 0;
  for (std::size_t i = 0; i < n_org_; ++i) a += active_[i];
  return static_cast<double>(a) / static_cast<double>(n_org_);
}

std::vector<double> record_months(int horizon_years) {
  std::vector<double> m(static_cast<std::size_t>(12 * horizon_years + 1));
  std::iota(m.begin(), m.end(), 0.0);
  return m;
}

}  // namespace cimsim::model
