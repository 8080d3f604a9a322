// Inner blocks of the CPU flash attention: S = Q·Kᵀ on a (query block, key block) pair, the
// online-softmax update, and O += P·V. Operands are gathered into small padded buffers by
// the caller so that every loop here runs over contiguous memory.
//
// Buffer shapes (row-major, rows padded to kRows, columns to kCols):
//   Q  [rows_p, d]      scaled queries (zero rows past the real ones)
//   Kt [d, keys_p]      keys transposed (zero columns past the real keys)
//   S  [rows_p, keys_p] scores, then probabilities
//   V  [keys_p, dv_p]   values (dv_p = d rounded up to kCols, zero columns past d)
//   O  [rows_p, dv_p]   unnormalised output accumulators; m, l [rows_p] running max and sum
#pragma once

#include <cstdint>

namespace tsr::attn_cpu {

constexpr int kRows = 8;   // query rows per register tile (largest variant)
constexpr int kCols = 32;  // key / value columns per register tile (largest variant)

constexpr int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// C[M, N] (=|+=) A[M, K] · B[K, N], all row-major with leading dimensions lda/ldb/ldc;
// M a multiple of kRows, N a multiple of kCols. Dispatches once to the widest SIMD variant
// the CPU supports.
void gemm_block(const float* A, int lda, const float* B, int ldb, float* C, int ldc, int M, int N,
                int K, bool accumulate);

inline void qk_block(const float* Q, int rows_p, int d, const float* Kt, int keys_p, float* S) {
  gemm_block(Q, d, Kt, keys_p, S, keys_p, rows_p, keys_p, d, false);
}
// O[rows_p, dv_p] += P[rows_p, keys_p] · V[keys, dv_p] (only the real keys are read).
inline void pv_block(const float* P, int rows_p, int keys, int keys_p, const float* V, int dv_p,
                     float* O) {
  gemm_block(P, keys_p, V, dv_p, O, dv_p, rows_p, dv_p, keys, true);
}

// Online softmax over the real columns [0, keys) of S: updates m and l, rescales O rows by
// exp(m_old - m_new) and turns S into exp(S - m_new) (padded columns become 0).
void softmax_update(float* S, int rows_p, int keys, int keys_p, float* m, float* l, float* O,
                    int dv_p);

// Name of the SIMD variant in use ("avx512", "avx2", "sse2", "scalar"), for reports.
const char* simd_variant();

// Runs one gemm_block and one softmax_update with a named variant ("avx512", "avx2",
// "sse2", "scalar") so tests can check every variant the CPU supports. False when the
// variant is not available here.
bool run_variant(const char* variant, const float* A, int lda, const float* B, int ldb, float* C,
                 int ldc, int M, int N, int K, bool accumulate, float* S, int rows_p, int keys,
                 int keys_p, float* m, float* l, float* O, int dv_p);

}  // namespace tsr::attn_cpu
