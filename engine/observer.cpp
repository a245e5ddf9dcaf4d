#include "observer.hpp"

#include <algorithm>

namespace cimsim {

std::vector<RunResult> MemorySink::runs() const {
  std::lock_guard lock(mutex_);
  std::vector<RunResult> out = runs_;
  std::sort(out.begin(), out.end(), [](const RunResult& a, const RunResult& b) {
    return a.key.scenario != b.key.scenario ? a.key.scenario < b.key.scenario : a.key.replicate < b.key.replicate;
  });
  return out;
}

}  // namespace cimsim
