#include "observer.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace cimsim {

namespace {
class Writer {
 public:
  template <class T>
  void put(const T& x) {
    const auto* p = reinterpret_cast<const unsigned char*>(&x);
    out.insert(out.end(), p, p + sizeof x);
  }
  void put(const std::vector<double>& v) {
    put(static_cast<std::uint64_t>(v.size()));
    const auto* p = reinterpret_cast<const unsigned char*>(v.data());
    out.insert(out.end(), p, p + v.size() * sizeof(double));
  }
  std::vector<unsigned char> out;
};

class Reader {
 public:
  Reader(const unsigned char* data, std::size_t size) : p_(data), end_(data + size) {}
  template <class T>
  T get() {
    T x;
    std::memcpy(&x, take(sizeof x), sizeof x);
    return x;
  }
  std::vector<double> doubles() {
    const auto n = get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(end_ - p_) / sizeof(double)) throw std::runtime_error("truncated run encoding");
    std::vector<double> v(n);
    if (n > 0) std::memcpy(v.data(), take(n * sizeof(double)), n * sizeof(double));
    return v;
  }
  std::string text() {
    const auto n = get<std::uint64_t>();
    const auto* p = take(n);
    return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
  }
  bool done() const noexcept { return p_ == end_; }

 private:
  const unsigned char* take(std::uint64_t n) {
    if (n > static_cast<std::uint64_t>(end_ - p_)) throw std::runtime_error("truncated run encoding");
    const unsigned char* at = p_;
    p_ += n;
    return at;
  }
  const unsigned char* p_;
  const unsigned char* end_;
};

void put_columns(Writer& w, const std::vector<std::vector<double>>& cols) {
  w.put(static_cast<std::uint64_t>(cols.size()));
  for (const auto& c : cols) w.put(c);
}
std::vector<std::vector<double>> get_columns(Reader& r) {
  const auto n = r.get<std::uint64_t>();
  std::vector<std::vector<double>> cols;
  for (std::uint64_t i = 0; i < n; ++i) cols.push_back(r.doubles());
  return cols;
}
}  // namespace

std::vector<unsigned char> encode(const RunResult& run) {
  Writer w;
  w.put(static_cast<std::uint64_t>(run.key.scenario));
  w.put(static_cast<std::uint64_t>(run.key.replicate));
  w.put(run.key.seed);
  w.put(static_cast<std::uint8_t>(run.ok ? 1 : 0));
  w.put(static_cast<std::uint64_t>(run.error.size()));
  w.out.insert(w.out.end(), run.error.begin(), run.error.end());
  w.put(run.time);
  put_columns(w, run.series);
  put_columns(w, run.summaries);
  return std::move(w.out);
}

RunResult decode(const unsigned char* data, std::size_t size) {
  Reader r(data, size);
  RunResult run;
  run.key.scenario = static_cast<std::size_t>(r.get<std::uint64_t>());
  run.key.replicate = static_cast<std::size_t>(r.get<std::uint64_t>());
  run.key.seed = r.get<std::uint64_t>();
  run.ok = r.get<std::uint8_t>() != 0;
  run.error = r.text();
  run.time = r.doubles();
  run.series = get_columns(r);
  run.summaries = get_columns(r);
  if (!r.done()) throw std::runtime_error("trailing bytes after a run encoding");
  return run;
}

std::vector<RunResult> MemorySink::runs() const {
  std::lock_guard lock(mutex_);
  std::vector<RunResult> out = runs_;
  std::sort(out.begin(), out.end(), [](const RunResult& a, const RunResult& b) {
    return a.key.scenario != b.key.scenario ? a.key.scenario < b.key.scenario : a.key.replicate < b.key.replicate;
  });
  return out;
}

}  // namespace cimsim
