// Runs already stored in a cimsim output file, for `cimsim run ... --resume FILE.h5`: the
// command is repeated with the same arguments, the stored runs are taken from the file and
// only the missing ones are run, so the new file equals in data an uninterrupted run.
#pragma once

#include "analysis/hdf5_sink.hpp"
#include "engine/observer.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace cimsim {

class StoredRuns {
 public:
  // Reads `path` and checks that it was written by the same experiment as `layout` describes
  // (scenario names, replicates, configuration, master seed, design). `records[s]` is the
  // number of records of scenario s (its horizon). Throws InputError naming the file and what
  // differs.
  StoredRuns(const std::string& path, const RecordSchema& schema, const OutputLayout& layout,
             const std::vector<std::size_t>& records);

  // True when run (s, r) finished in the file (ok or failed); such runs are not run again.
  bool has(std::size_t s, std::size_t r) const { return status_[s * replicates_ + r] != 0; }
  // The stored run: ok with its series and summaries, or failed with its message.
  RunResult get(std::size_t s, std::size_t r) const;
  std::size_t count() const noexcept { return stored_; }
  // Attributes of the stored file kept on resuming (created, history).
  const std::string& created() const noexcept { return created_; }
  const std::string& history() const noexcept { return history_; }

 private:
  const RecordSchema& schema_;
  std::size_t replicates_ = 0, stored_ = 0;
  std::vector<std::size_t> records_;
  std::vector<int> status_;
  std::vector<std::string> messages_;
  std::vector<double> time_;
  std::vector<std::vector<double>> series_, summaries_;  // per variable, the whole dataset
  std::string created_, history_;
};

}  // namespace cimsim
