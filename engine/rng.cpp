#include "rng.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <numbers>

namespace cimsim {

namespace {
using Philox = r123::Philox4x32_R<10>;

std::array<std::uint32_t, 4> philox(const std::array<std::uint32_t, 2>& key,
                                    const std::array<std::uint32_t, 4>& ctr) noexcept {
  Philox gen;
  Philox::ctr_type c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
  Philox::key_type k = {{key[0], key[1]}};
  const Philox::ctr_type r = gen(c, k);
  return {r[0], r[1], r[2], r[3]};
}
}  // namespace

Rng::Rng(std::uint64_t seed, std::uint32_t tick, std::uint32_t agent, std::uint32_t purpose,
         std::uint32_t block) noexcept
    : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
      ctr_{tick, agent, purpose, block} {}

void Rng::refill() noexcept {
  buf_ = philox(key_, ctr_);
  ++ctr_[3];  // the fourth counter word numbers the blocks of this stream
  used_ = 0;
}

std::uint32_t Rng::next_u32() noexcept {
  if (used_ == 4) refill();
  return buf_[used_++];
}

std::uint64_t Rng::next_u64() noexcept {
  const std::uint64_t hi = next_u32();
  return (hi << 32) | next_u32();
}

double Rng::uniform() noexcept {
  return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
}

std::uint32_t Rng::below(std::uint32_t n) noexcept {
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

double Rng::normal() noexcept {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double theta = 2.0 * std::numbers::pi * u2;
  spare_normal_ = r * std::sin(theta);
  has_spare_normal_ = true;
  return r * std::cos(theta);
}

std::uint64_t replicate_seed(std::uint64_t master_seed, std::uint64_t replicate) noexcept {
  Rng rng(master_seed, static_cast<std::uint32_t>(replicate), static_cast<std::uint32_t>(replicate >> 32),
          purpose::seed_derivation);
  return rng.next_u64();
}

const char* rng_scheme_description() noexcept {
  return "Random123 Philox4x32-10; key = run seed (64 bit); counter = (tick, agent, purpose, block); "
         "replicate seed k = first 64 bits of the stream (master seed, tick=k low, agent=k high, purpose 0)";
}

}  // namespace cimsim
