#include "analysis/resume.hpp"

#include "analysis/ensemble_file.hpp"
#include "engine/error.hpp"

namespace cimsim {

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
    if (want != have) differs(key, std::string("its ") + key + " differs");
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
