// Elementwise ops: unary activations, add, mul, gated residual add, clamp.
#pragma once

#include <cstdint>

#include "backend/backend.h"

namespace tsr::cpu {

// y[i] = act(x[i]) for n elements (Act::None copies). x and y may be the same array.
void act_f32(const float* x, float* y, int64_t n, Act act);

}  // namespace tsr::cpu
