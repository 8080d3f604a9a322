// Seeded Gaussian noise that any backend and any language can reproduce bit for bit.
//
// Generator: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11),
// a counter-based generator, so element i of a stream needs no state from elements before it.
//
//   key     = (k0, k1) = (seed & 0xffffffff, seed >> 32)
//   counter = (c0, c1, c2, c3) = (i & 0xffffffff, i >> 32, stream, 0)   for element i
//   (r0, r1, r2, r3) = philox4x32_10(counter, key)
//   u1 = (r0 + 0.5) / 2^32,  u2 = (r1 + 0.5) / 2^32              (double, both in (0, 1))
//   z_i = float32( sqrt(-2 ln u1) * cos(2 pi u2) )                 (Box-Muller, double math)
//
// r2 and r3 are unused: one counter per element keeps the mapping trivial to reproduce.
// Streams separate independent draws of one generation: stream 0 is the initial latent,
// stream s >= 1 the noise that the few-step sampler injects before its step s.
// Philox round: (hi0, lo0) = M0 * c0, (hi1, lo1) = M1 * c2 (64-bit products),
// c = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0); then key += (W0, W1); 10 rounds.
#pragma once

#include <array>
#include <cstdint>

#include "core/status.h"
#include "core/tensor.h"

namespace tsr {

using Philox4 = std::array<uint32_t, 4>;

// One Philox4x32-10 block.
Philox4 philox4x32_10(Philox4 counter, std::array<uint32_t, 2> key);

// Standard normal value of element `index` of stream `stream` under `seed` (formula above).
float seeded_normal(uint64_t seed, uint64_t stream, uint64_t index);

// Fills n floats with elements [0, n) of the stream (multi-threaded, same result for any
// thread count).
void fill_seeded_normal(float* out, int64_t n, uint64_t seed, uint64_t stream);

// Host float32 tensor of the given shape filled from the stream; OutOfMemory if allocation fails.
StatusOr<Tensor> seeded_noise(const Shape& shape, uint64_t seed, uint64_t stream);

}  // namespace tsr
