// AVX2 instantiation of the normalization kernels, plus the 8-lane dropout hash.
#include "../common/dropout_hash.h"
#include "../common/norm_simd.h"

namespace nn::norm {
namespace {

inline __m256i fmix(__m256i h) {
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
    h = _mm256_mullo_epi32(h, _mm256_set1_epi32(static_cast<int>(0x85EBCA6Bu)));
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 13));
    h = _mm256_mullo_epi32(h, _mm256_set1_epi32(static_cast<int>(0xC2B2AE35u)));
    return _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
}

void dropout_avx2(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed, uint64_t offset) {
    const int32_t thr = dropout_hash::threshold(p);
    const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    const __m256 vs = _mm256_set1_ps(scale);
    const __m256i vthr = _mm256_set1_epi32(thr - 1), iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    alignas(32) int32_t keep[8];
    int64_t i = 0;
    while (i < n) {
        // One segment per value of the counter's high word (the key is fixed inside it).
        const uint64_t ctr = offset + static_cast<uint64_t>(i);
        const uint32_t lo0 = static_cast<uint32_t>(ctr);
        const int64_t seg = std::min<int64_t>(n - i, static_cast<int64_t>((uint64_t{1} << 32) - lo0));
        const uint32_t key = dropout_hash::block_key(seed, static_cast<uint32_t>(ctr >> 32));
        const uint32_t key2 = key * dropout_hash::kKey2Mul + 0x7F4A7C15u;
        const __m256i vk = _mm256_set1_epi32(static_cast<int>(key)), vk2 = _mm256_set1_epi32(static_cast<int>(key2));
        int64_t j = 0;
        for (; j + 8 <= seg; j += 8) {
            __m256i lo = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(lo0 + static_cast<uint32_t>(j))), iota);
            __m256i v = fmix(_mm256_xor_si256(fmix(_mm256_xor_si256(lo, vk)), vk2));
            __m256i k = _mm256_cmpgt_epi32(_mm256_srli_epi32(v, 8), vthr);
            _mm256_storeu_ps(y + i + j, _mm256_and_ps(_mm256_castsi256_ps(k), _mm256_mul_ps(_mm256_loadu_ps(x + i + j), vs)));
            if (mask) {
                _mm256_store_si256(reinterpret_cast<__m256i*>(keep), k);
                for (int l = 0; l < 8; ++l) mask[i + j + l] = keep[l] ? 1 : 0;
            }
        }
        for (; j < seg; ++j) {
            const bool kp = static_cast<int32_t>(dropout_hash::hash(key, lo0 + static_cast<uint32_t>(j)) >> 8) >= thr;
            y[i + j] = kp ? x[i + j] * scale : 0.0f;
            if (mask) mask[i + j] = kp ? 1 : 0;
        }
        i += seg;
    }
}

}  // namespace
const kernels* avx2_kernels() noexcept {
    // Built on first call, never at load: a namespace-scope initializer in this file would be
    // compiled with this ISA's flags and run on every CPU when the library is loaded.
    static const kernels table = simd_impl::make_table<nn::simd::V256>("avx2", &dropout_avx2);
    return &table;
}
}  // namespace nn::norm
