// Counter-based random streams (Random123 Philox4x32-10).
//
// A stream is identified by (run seed, tick, agent, purpose). Nothing about threads or
// scheduling enters the key, so a run draws the same numbers at any thread count, and two
// scenarios run with the same seed draw the same numbers wherever their rules coincide
// (common random numbers).
#pragma once

#include <Random123/philox.h>
#include <boost/random/normal_distribution.hpp>

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

// One stream. Everything a draw needs is inline: the model constructs a stream per agent and
// purpose in its hot loops (millions per tick), so a call into another translation unit per
// word would cost more than the generator itself.
class Rng {
  using Philox = r123::Philox4x32_R<10>;

 public:
  // UniformRandomBitGenerator, so that Boost.Random distributions can draw from a stream.
  using result_type = std::uint32_t;
  static constexpr result_type min() noexcept { return 0; }
  static constexpr result_type max() noexcept { return 0xFFFFFFFFu; }

  // block: first counter block of the stream (streams that need several disjoint ranges of
  // blocks, e.g. one per drawing loop of a build step, start them far apart).
  Rng(std::uint64_t seed, std::uint32_t tick, std::uint32_t agent, std::uint32_t purpose,
      std::uint32_t block = 0) noexcept
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        ctr_{{tick, agent, purpose, block}} {}

  // The first counter block of a stream: the four words its first draw computes. A loop that
  // opens one stream per agent can compute these for a batch of agents first (independent
  // work the CPU overlaps, instead of a chain of dependent rounds inside each agent's
  // update) and open each stream from its block, which draws exactly the same words.
  using Block = std::array<std::uint32_t, 4>;
  static Block first_block(std::uint64_t seed, std::uint32_t tick, std::uint32_t agent, std::uint32_t purpose,
                           std::uint32_t block = 0) noexcept {
    const Philox::ctr_type r = Philox()(Philox::ctr_type{{tick, agent, purpose, block}},
                                        Philox::key_type{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}});
    return {r[0], r[1], r[2], r[3]};
  }
  // The stream (seed, tick, agent, purpose, block) with its first block already computed
  // (first == first_block(seed, tick, agent, purpose, block)).
  Rng(std::uint64_t seed, std::uint32_t tick, std::uint32_t agent, std::uint32_t purpose, const Block& first,
      std::uint32_t block = 0) noexcept
      : key_{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        ctr_{{tick, agent, purpose, block + 1}},
        buf_(first),
        used_(0) {}

  std::uint32_t next_u32() noexcept {
    if (used_ == 4) refill();
    return buf_[used_++];
  }
  result_type operator()() noexcept { return next_u32(); }
  std::uint64_t next_u64() noexcept {
    const std::uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }
  // Uniform on [0, 1) with 53 random bits (two words).
  double uniform() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Uniform on [0, 1) with 32 random bits (one word): k / 2^32, exact in a double. For
  // comparisons with a probability, where 2^-32 resolution is plenty.
  double uniform32() noexcept { return static_cast<double>(next_u32()) * 0x1.0p-32; }
  // Uniform on [lo, hi).
  double uniform(double lo, double hi) noexcept { return lo + (hi - lo) * uniform(); }
  // True with probability p (p <= 0 never, p >= 1 always).
  bool bernoulli(double p) noexcept { return uniform() < p; }
  // Uniform integer in [0, n); n > 0. Lemire's unbiased multiply-shift with rejection.
  std::uint32_t below(std::uint32_t n) noexcept {
    std::uint64_t m = static_cast<std::uint64_t>(next_u32()) * n;
    auto low = static_cast<std::uint32_t>(m);
    if (low < n) {
      const std::uint32_t threshold = static_cast<std::uint32_t>(-n) % n;
      while (low < threshold) {
        m = static_cast<std::uint64_t>(next_u32()) * n;
        low = static_cast<std::uint32_t>(m);
      }
    }
    return static_cast<std::uint32_t>(m >> 32);
  }
  // Standard normal: Boost.Random's ziggurat (normal_distribution), two words per draw in
  // about 99 % of draws.
  double normal() noexcept { return boost::random::normal_distribution<double>(0.0, 1.0)(*this); }
  double normal(double mean, double sd) noexcept { return mean + sd * normal(); }

 private:
  void refill() noexcept {
    const Philox::ctr_type r = Philox()(ctr_, key_);
    buf_ = {r[0], r[1], r[2], r[3]};
    ++ctr_[3];  // the fourth counter word numbers the blocks of this stream
    used_ = 0;
  }
  Philox::key_type key_;
  Philox::ctr_type ctr_;
  std::array<std::uint32_t, 4> buf_{};
  unsigned used_ = 4;
};

// Seed of replicate k of an ensemble with the given master seed. It depends on (master, k)
// only, so replicate k is the same run whether the ensemble has 10 or 10,000 members.
std::uint64_t replicate_seed(std::uint64_t master_seed, std::uint64_t replicate) noexcept;

// Human-readable description of the scheme, written into output files for provenance.
const char* rng_scheme_description() noexcept;

}  // namespace cimsim
