// AVX-512 instantiation of the normalization kernels, plus the 16-lane dropout hash.
#include "../common/dropout_hash.h"
#include "../common/norm_simd.h"

namespace nn::norm {
namespace {

inline __m512i fmix(__m512i h) {
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
    h = _mm512_mullo_epi32(h, _mm512_set1_epi32(static_cast<int>(0x85EBCA6Bu)));
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 13));
    h = _mm512_mullo_epi32(h, _mm512_set1_epi32(static_cast<int>(0xC2B2AE35u)));
    return _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
}

void dropout_avx512(const float* x, float* y, uint8_t* mask, int64_t n, float p, uint64_t seed, uint64_t offset) {
    const int32_t thr = dropout_hash::threshold(p);
    const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    const __m512 vs = _mm512_set1_ps(scale);
    const __m512i vthr = _mm512_set1_epi32(thr), iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m128i one = _mm_set1_epi8(1);
    int64_t i = 0;
    while (i < n) {
        const uint64_t ctr = offset + static_cast<uint64_t>(i);
        const uint32_t lo0 = static_cast<uint32_t>(ctr);
        const int64_t seg = std::min<int64_t>(n - i, static_cast<int64_t>((uint64_t{1} << 32) - lo0));
        const uint32_t key = dropout_hash::block_key(seed, static_cast<uint32_t>(ctr >> 32));
        const uint32_t key2 = key * dropout_hash::kKey2Mul + 0x7F4A7C15u;
        const __m512i vk = _mm512_set1_epi32(static_cast<int>(key)), vk2 = _mm512_set1_epi32(static_cast<int>(key2));
        int64_t j = 0;
        for (; j + 16 <= seg; j += 16) {
            __m512i lo = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(lo0 + static_cast<uint32_t>(j))), iota);
            __m512i v = fmix(_mm512_xor_si512(fmix(_mm512_xor_si512(lo, vk)), vk2));
            __mmask16 k = _mm512_cmpge_epi32_mask(_mm512_srli_epi32(v, 8), vthr);
            _mm512_storeu_ps(y + i + j, _mm512_maskz_mul_ps(k, _mm512_loadu_ps(x + i + j), vs));
            if (mask) _mm_storeu_si128(reinterpret_cast<__m128i*>(mask + i + j), _mm_maskz_mov_epi8(k, one));
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
const kernels* avx512_kernels() noexcept {
    // Built on first call, never at load: a namespace-scope initializer in this file would be
    // compiled with this ISA's flags and run on every CPU when the library is loaded.
    static const kernels table = simd_impl::make_table<nn::simd::V512>("avx512", &dropout_avx512);
    return &table;
}
}  // namespace nn::norm
