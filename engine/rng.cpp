#include "rng.hpp"

namespace cimsim {

std::uint64_t replicate_seed(std::uint64_t master_seed, std::uint64_t replicate) noexcept {
  Rng rng(master_seed, static_cast<std::uint32_t>(replicate), static_cast<std::uint32_t>(replicate >> 32),
          purpose::seed_derivation);
  return rng.next_u64();
}

const char* rng_scheme_description() noexcept {
  return "Random123 Philox4x32-10; key = run seed (64 bit); counter = (tick, agent, purpose, block); "
         "normal draws: Boost.Random ziggurat; replicate seed k = first 64 bits of the stream (master seed, tick=k low, agent=k high, purpose 0)";
}

}  // namespace cimsim
