// Counter-based random streams (Random123 Philox4x32-10).
//
// A stream is identified by (run seed, tick, agent, purpose). Nothing about threads or
// scheduling enters the key, so a run draws the same numbers at any thread count, and two
// scenarios run with the same seed draw the same numbers wherever their rules coincide
// (common random numbers).
#pragma once

#include <array>
#include <cstdint>

namespace cimsim {

// Purposes reserved by the engine. Models number their own purposes from kModelPurposeBase.
namespace purpose {
inline constexpr std::uint32_t seed_derivation = 0;
inline constexpr std::uint32_t kModelPurposeBase = 16;
}  // namespace purpose

// The tick value used for draws made while building a run (before the first tick).
inline constexpr std::uint32_t kBuildTick = 0xFFFFFFFFu;

class Rng {
 public:
  // block: first counter block of the stream. A draw keyed by a fourth value (e.g. the other
  // end of a tie) starts at block = that value and must use one block (four 32-bit words).
  Rng(std::uint64_t seed, std::uint32_t tick, std::uint32_t agent, std::uint32_t purpose,
      std::uint32_t block = 0) noexcept;

  std::uint32_t next_u32() noexcept;
  std::uint64_t next_u64() noexcept;
  // Uniform on [0, 1) with 53 random bits.
  double uniform() noexcept;
  // Uniform on [lo, hi).
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  // True with probability p (p <= 0 never, p >= 1 always).
  bool bernoulli(double p) noexcept { return uniform() < p; }
  // Uniform integer in [0, n); n > 0. Lemire's unbiased multiply-shift with rejection.
  std::uint32_t below(std::uint32_t n) noexcept;
  // Standard normal (Box-Muller, both values used).
  double normal() noexcept;
  double normal(double mean, double sd) noexcept { return mean + sd * normal(); }

 private:
  void refill() noexcept;
  std::array<std::uint32_t, 2> key_;
  std::array<std::uint32_t, 4> ctr_;
  std::array<std::uint32_t, 4> buf_{};
  unsigned used_ = 4;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

// Seed of replicate k of an ensemble with the given master seed. It depends on (master, k)
// only, so replicate k is the same run whether the ensemble has 10 or 10,000 members.
std::uint64_t replicate_seed(std::uint64_t master_seed, std::uint64_t replicate) noexcept;

// Human-readable description of the scheme, written into output files for provenance.
const char* rng_scheme_description() noexcept;

}  // namespace cimsim
