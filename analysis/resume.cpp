#include "analysis/resume.hpp"

#include "analysis/ensemble_file.hpp"
#include "engine/error.hpp"

#include <map>
#include <sstream>

namespace cimsim {

namespace {

// key -> value of each scenario of a `configuration` attribute ("# scenario NAME" sections of
// TOML, as scenarios::to_toml writes them); the events of a scenario under key "events".
std::map<std::string, std::map<std::string, std::string>> configuration_values(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::istringstream in(text);
  std::string line, scenario, group;
  while (std::getline(in, line)) {
    if (line.rfind("# scenario ", 0) == 0) {
      scenario = line.substr(11);
      group.clear();
    } else if (line == "[[events]]") {
      group = "events";
      out[scenario]["events"] += "\n";
    } else if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
      group = line.substr(1, line.size() - 2);
    } else if (const auto eq = line.find(" = "); eq != std::string::npos) {
      if (group == "events") out[scenario]["events"] += line + "; ";
      else out[scenario][(group.empty() ? "" : group + ".") + line.substr(0, eq)] = line.substr(eq + 3);
    }
  }
  return out;
}

// The first key whose value differs between two configurations, as a message, or "".
std::string first_difference(const std::string& have, const std::string& want, std::string& key) {
  const auto a = configuration_values(have), b = configuration_values(want);
  for (const auto& [scenario, values] : b) {
    const auto it = a.find(scenario);
    if (it == a.end()) continue;  // scenario lists are compared on their own
    for (const auto& [k, v] : values) {
      const auto jt = it->second.find(k);
      const std::string old = jt == it->second.end() ? "(not set)" : jt->second;
      if (old != v) {
        key = k;
        return k == "events" ? "scenario '" + scenario + "' has other events in the file"
                             : "scenario '" + scenario + "': the file has " + old + ", this command " + v;
      }
    }
  }
  return {};
}

}  // namespace

StoredRuns::StoredRuns(const std::string& path, const RecordSchema& schema, const OutputLayout& layout,
                       const std::vector<std::size_t>& records)
    : schema_(schema), replicates_(layout.replicates), records_(records) {
  const EnsembleFile f(path);
  auto differs = [&](const std::string& what, const std::string& detail) {
    throw InputError(path, what,
                     "was written by a different experiment (" + detail +
                         "); --resume needs the same scenarios, options and --set values as the command that wrote "
                         "it" + (f.has_attribute("command_line") ? ": " + f.attribute("command_line") : std::string()));
  };
  if (f.scenarios() != layout.scenarios) differs("scenario", "other scenarios");
  if (f.realizations() != layout.replicates)
    differs("realization", std::to_string(f.realizations()) + " replicates, not " + std::to_string(layout.replicates));
  if (f.months().size() != layout.time.size()) differs("time", "another time axis");
  for (const char* key : {"configuration", "master_seed", "design", "saltelli_n"}) {
    const auto it = layout.attributes.find(key);
    const std::string want = it == layout.attributes.end() ? "" : it->second;
    const std::string have = f.has_attribute(key) ? f.attribute(key) : "";
    if (want == have) continue;
    std::string param;
    const std::string diff = std::string(key) == "configuration" ? first_difference(have, want, param) : "";
    if (!diff.empty()) differs(param, diff);
    if (std::string(key) == "master_seed") differs("master_seed", "the file has master seed " + have + ", this command " + want);
    if (std::string(key) == "configuration") differs(key, "its configuration differs");
    differs(key, "the file has " + (have.empty() ? std::string("none") : have) + ", this command " + want);
  }
  if (!layout.parameters.empty() && f.strings(f.has_dataset("swept_parameter") ? "swept_parameter" : "parameter") != layout.parameters) differs("parameter", "another sweep");
  const std::size_t S = layout.scenarios.size();
  status_.resize(S * replicates_);
  for (std::size_t s = 0; s < S; ++s)
    for (std::size_t r = 0; r < replicates_; ++r) {
      status_[s * replicates_ + r] = f.status(s, r);
      stored_ += f.status(s, r) != 0 ? 1 : 0;
    }
  messages_ = f.strings("status_message");
  time_ = f.months();
  for (const auto& v : schema.series) series_.push_back(f.array(v.name).values);
  for (const auto& v : schema.summaries) summaries_.push_back(f.array(v.name).values);
  if (f.has_attribute("created")) created_ = f.attribute("created");
  if (f.has_attribute("history")) history_ = f.attribute("history");
}

RunResult StoredRuns::get(std::size_t s, std::size_t r) const {
  RunResult out;
  const std::size_t run = s * replicates_ + r;
  out.ok = status_[run] == 1;
  if (!out.ok) {
    out.error = messages_[run];
    return out;
  }
  const std::size_t n = records_[s], T = time_.size();
  out.time.assign(time_.begin(), time_.begin() + static_cast<std::ptrdiff_t>(n));
  for (std::size_t v = 0; v < schema_.series.size(); ++v) {
    const std::size_t w = schema_.width(schema_.series[v].axis);
    const auto begin = series_[v].begin() + static_cast<std::ptrdiff_t>(run * T * w);
    out.series.emplace_back(begin, begin + static_cast<std::ptrdiff_t>(n * w));
  }
  for (std::size_t v = 0; v < schema_.summaries.size(); ++v) {
    const std::size_t w = schema_.width(schema_.summaries[v].axis);
    const auto begin = summaries_[v].begin() + static_cast<std::ptrdiff_t>(run * w);
    out.summaries.emplace_back(begin, begin + static_cast<std::ptrdiff_t>(w));
  }
  return out;
}

}  // namespace cimsim
