// Element-wise kernel table: one entry set per ISA, chosen once (registration as data).
#pragma once
#include "nativenet.h"

#include <cstdint>

namespace nn::eltwise {

// Kernels work on one contiguous chunk; the API layer splits work across threads.
struct kernels {
    const char* isa;
    void (*unary)(nn_unary_op op, const float* x, float* y, int64_t n, float alpha);
    void (*unary_backward)(nn_unary_op op, const float* x, const float* y, const float* dy, float* dx,
                           int64_t n, float alpha);
    void (*binary)(nn_binary_op op, const float* a, const float* b, float* y, int64_t n);
    void (*axpby)(int64_t n, float alpha, const float* x, float beta, float* y);
    // y[i] = a[i] op b for one scalar b.
    void (*binary_scalar)(nn_binary_op op, const float* a, float b, float* y, int64_t n);
};

// The scalar reference: plain loops over <cmath>. Always present; the tests' ground truth.
extern const kernels ref_kernels;
// nullptr when this build has no such path (e.g. arm64 has no AVX).
const kernels* avx2_kernels() noexcept;
const kernels* avx512_kernels() noexcept;
const kernels* neon_kernels() noexcept;

// The table for the active ISA (nn::active_isa()), resolved once.
const kernels& active() noexcept;

// Range checks for the op enums as they arrive from the C ABI.
bool unary_op_valid(int op) noexcept;
bool binary_op_valid(int op) noexcept;

}  // namespace nn::eltwise
