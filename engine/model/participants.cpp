// Participants' choices (participants.hpp): applied between ticks by `cimsim workshop`.
#include "engine/model/model.hpp"

#include <algorithm>

namespace cimsim::model {

void Model::apply_choices(const std::vector<Choice>& choices) {
  State& st = st_;
  Overrides& ov = st.overrides;
  if (choices.empty()) {
    ov = Overrides{};
    return;
  }
  ov.attend.assign(agents(), -1);
  ov.pillar.assign(agents(), -1);
  double orgs = 0.0;
  st.for_each_org([&](std::size_t i) { orgs += st.present[i] ? 1.0 : 0.0; });
  const NetworkView& v = st.net.view();
  for (const Choice& c : choices) {
    const std::size_t i = c.org;
    if (i >= agents() || is_staff(i) || !is_org(i) || !st.present[i]) continue;
    if (c.leave) {  // leaves the initiative: no engagement left, inactive for the round
      st.engagement[i] = 0.0;
      st.active[i] = 0;
      ov.attend[i] = 0;
      continue;
    }
    if (c.attend >= 0) {
      ov.attend[i] = c.attend;
      st.active[i] = static_cast<std::uint8_t>(c.attend != 0);  // from this week's contacts on
    }
    if (c.pillar >= 0 && c.pillar < st.K) ov.pillar[i] = c.pillar;
    if (c.invite) {  // its most trusted inactive partner, lowest id on ties: the invitation boost next week
      const auto nb = v.neighbours(static_cast<AgentId>(i));
      const auto ts = v.ties_of(static_cast<AgentId>(i));
      std::size_t best = agents();
      float trust = -1.0f;
      for (std::size_t j = 0; j < nb.size(); ++j) {
        const std::size_t o = nb[j];
        if (!is_org(o) || is_staff(o) || !st.present[o] || st.active[o]) continue;
        if (v.trust[ts[j]] > trust || (v.trust[ts[j]] == trust && o < best)) trust = v.trust[ts[j]], best = o;
      }
      if (best < agents()) st.invited_at[best] = st.tick;
    }
    if (c.share_data && st.measurement_active && orgs > 0.0) st.coverage += (1.0 - st.coverage) / orgs;
  }
}

}  // namespace cimsim::model
