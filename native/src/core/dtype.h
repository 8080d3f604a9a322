// Element types and scalar conversions shared by loaders and backends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace tsr {

enum class DType : uint8_t { F32 = 0, BF16, F16, I32, I64, U8 };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: case DType::I32: return 4;
    case DType::BF16: case DType::F16: return 2;
    case DType::I64: return 8;
    case DType::U8: return 1;
  }
  return 0;
}

const char* dtype_name(DType t);  // "f32", "bf16", ...

inline float bf16_to_f32(uint16_t h) {
  uint32_t bits = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Round to nearest even, NaN stays NaN (as torch does).
inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return uint16_t((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return uint16_t(bits >> 16);
}

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

// Converts n elements of `src_type` at src to float32 at dst (host memory).
void convert_to_f32(const void* src, DType src_type, float* dst, size_t n);
// Converts n float32 values to `dst_type` (F32, BF16 or F16).
void convert_from_f32(const float* src, void* dst, DType dst_type, size_t n);

}  // namespace tsr
