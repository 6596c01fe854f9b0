// Element-wise kernel table: one entry set per ISA, chosen once (registration as data).
#pragma once
#include "nativenet.h"

#include <cstdint>

#include "runtime/kernel_table.h"

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
    // The double sum of one block of nn_sum, n <= kSumBlock, in the order of sum_block_ref.
    double (*sum_block)(const float* x, int64_t n);
    // y[i] = value (full-width stores: a large fill is bound by them).
    void (*fill)(float* y, int64_t n, float value);
};

// nn_sum's one summation order, so its result depends on n only (never on threads or ISA):
// blocks of kSumBlock elements; within a block, element i is added to double accumulator
// i % kSumLanes; the accumulators are combined by sum_lanes; block sums are added in order.
constexpr int64_t kSumBlock = 4096;
constexpr int kSumLanes = 32;

// The fixed tree over the accumulators: lane j += lane j + h for h = 16, 8, 4, 2, 1 (the
// order SIMD registers reduce in). Overwrites acc; returns the total.
inline double sum_lanes(double* acc) {
    for (int h = kSumLanes / 2; h >= 1; h /= 2)
        for (int j = 0; j < h; ++j) acc[j] += acc[j + h];
    return acc[0];
}

// The reference block sum (the definition every SIMD sum_block must match bit for bit).
double sum_block_ref(const float* x, int64_t n);

// The scalar reference (plain loops over <cmath>, the tests' ground truth) and the ISA tables.
NN_KERNEL_TABLES(kernels)

}  // namespace nn::eltwise
