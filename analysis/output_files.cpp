#include "analysis/output_files.hpp"

#include "analysis/hdf5_sink.hpp"
#include "engine/error.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <limits>

namespace cimsim {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

std::uint64_t mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > kMax / a) return kMax;
  return a * b;
}
std::uint64_t add(std::uint64_t a, std::uint64_t b) { return b > kMax - a ? kMax : a + b; }

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool is_temporary_name(const std::string& path, std::string* final_path) {
  const auto at = path.rfind(".tmp-");
  if (at == std::string::npos || at == 0 || !all_digits(path.substr(at + 5))) return false;
  if (final_path != nullptr) *final_path = path.substr(0, at);
  return true;
}

std::vector<std::string> stale_temporaries(const std::string& path) {
  std::vector<std::string> out;
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string prefix = p.filename().string() + ".tmp-";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(prefix, 0) != 0 || !all_digits(name.substr(prefix.size()))) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9) continue;
    const long pid = std::strtol(digits.c_str(), nullptr, 10);
    if (pid <= 0) continue;
    if (pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM) continue;  // still running
    out.push_back((p.parent_path().empty() ? fs::path(name) : p.parent_path() / name).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string interrupted_name(const std::string& path) {
  const fs::path p(path);
  const std::string ext = p.extension().string();
  const std::string stem = (p.parent_path() / p.stem()).string();
  std::error_code ec;
  for (int i = 1;; ++i) {
    const std::string name = i == 1 ? fmt::format("{}.interrupted{}", stem, ext) : fmt::format("{}.interrupted-{}{}", stem, i, ext);
    if (!fs::exists(fs::symlink_status(name, ec))) return name;
  }
}

std::uint64_t output_bytes(const RecordSchema& schema, const OutputLayout& layout) {
  const std::uint64_t runs = mul(layout.scenarios.size(), layout.replicates);
  std::uint64_t per_run = 8 + 1 + 16;  // seed, status, status_message reference
  for (const auto& v : schema.series) per_run = add(per_run, mul(mul(layout.time.size(), schema.width(v.axis)), 8));
  for (const auto& v : schema.summaries) per_run = add(per_run, mul(schema.width(v.axis), 8));
  return mul(runs, per_run);
}

std::uint64_t memory_bytes_per_run(const RecordSchema& schema) {
  // Summary table (a handful of doubles per run), written flags, and the status text
  // buffer of the file's creation, with room to spare.
  return 64 + 8 * std::max<std::uint64_t>(8, schema.summaries.size());
}

std::string human_bytes(std::uint64_t bytes) {
  if (bytes == kMax) return "more than 18 EB (the size overflows 64 bits)";
  const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  double x = static_cast<double>(bytes);
  int u = 0;
  while (x >= 1000.0 && u < 6) x /= 1000.0, ++u;
  return u == 0 ? fmt::format("{} bytes", bytes) : fmt::format("{:.1f} {}", x, units[u]);
}

void check_output_space(const std::string& path, std::uint64_t bytes, const std::string& where) {
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0 || st.f_blocks == 0) return;  // unusable, or /proc-like: the sink says why
  const std::uint64_t free_bytes = mul(st.f_bavail, st.f_frsize);
  if (bytes > free_bytes)
    throw InputError(where, "",
                     "the output file '" + path + "' would need about " + human_bytes(bytes) + ", but its file system has " +
                         human_bytes(free_bytes) + " free: run fewer replicates or scenarios, or write elsewhere (--out)");
}

void check_memory(std::uint64_t bytes, const std::string& where) {
  std::uint64_t limit = kMax;
  std::string what;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) {
    limit = mul(static_cast<std::uint64_t>(pages), static_cast<std::uint64_t>(page));
    what = "the physical memory";
  }
  for (const auto& [res, name] : {std::pair{RLIMIT_AS, "the address-space limit (ulimit -v)"},
                                  std::pair{RLIMIT_DATA, "the data-size limit (ulimit -d)"}}) {
    struct rlimit rl {};
    if (::getrlimit(res, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && static_cast<std::uint64_t>(rl.rlim_cur) < limit) {
      limit = static_cast<std::uint64_t>(rl.rlim_cur);
      what = name;
    }
  }
  if (bytes > limit)
    throw InputError(where, "",
                     "the run would need about " + human_bytes(bytes) + " of memory, more than " + what + " (" +
                         human_bytes(limit) + "): run fewer replicates or scenarios");
}

}  // namespace cimsim
