// Participants' choices (`cimsim workshop`, HubNet-style): a person plays one organisation and,
// for one round (some weeks), their choice replaces that agent's rules. Without choices the
// table is empty and the model follows its rules unchanged (bit for bit). docs/model.md,
// "Participants' choices", describes what each choice does.
#pragma once

#include <cstdint>
#include <vector>

namespace cimsim::model {

struct Choice {
  std::uint32_t org = 0;  // agent id of an organisation
  std::int8_t attend = -1;  // -1: the engagement rule decides; 0: stays away (inactive); 1: takes part (active)
  std::int8_t pillar = -1;  // -1: effort follows concerns and agenda; k: all its effort goes to pillar k
  bool share_data = false;  // adds its data to the shared measurement (coverage)
  bool invite = false;      // invites its most trusted inactive partner (the backbone's invitation boost)
  bool leave = false;       // leaves: engagement to 0, inactive for the round
};

// What the engagement and activities phases read: per agent id, -1 where no choice holds.
struct Overrides {
  std::vector<std::int8_t> attend, pillar;
  std::int8_t attend_of(std::size_t i) const noexcept { return i < attend.size() ? attend[i] : std::int8_t{-1}; }
  std::int8_t pillar_of(std::size_t i) const noexcept { return i < pillar.size() ? pillar[i] : std::int8_t{-1}; }
  bool empty() const noexcept { return attend.empty(); }
};

}  // namespace cimsim::model
