// Thin SIMD wrappers so one templated kernel body serves every ISA (XNNPACK / Highway style):
// V256 (AVX2+FMA), V512 (AVX-512) and V128 (AArch64 NEON). Each x86 wrapper is only defined in
// translation units compiled with the matching -m flags; NEON is baseline on AArch64.
//
// The ISA rule for every header in kernels/common/: its code sits in an anonymous namespace.
// These headers are compiled into several ISA objects (and some into the portable reference);
// an `inline` function or a template with external linkage leaves one out-of-line copy per
// object, and the linker keeps any one of them for the whole library, so an AVX2-only CPU could
// end up calling the copy compiled with AVX-512 flags. Internal linkage gives every object its
// own copy. native/tests/check_isa_symbols.cmake fails the build's tests on any symbol defined
// in more than one ISA's objects.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__AVX2__) || defined(__AVX512F__)
#  include <immintrin.h>
#endif
#if defined(__aarch64__) || defined(_M_ARM64)
#  include <arm_neon.h>
#endif

namespace nn::simd {
namespace {  // internal linkage: see above

#if defined(__AVX2__) && defined(__FMA__)
// 8 floats in a ymm register.
struct V256 {
    using reg = __m256;
    using ireg = __m256i;
    static constexpr int width = 8;
    static reg load(const float* p) { return _mm256_loadu_ps(p); }
    static void store(float* p, reg v) { _mm256_storeu_ps(p, v); }
    static reg set1(float v) { return _mm256_set1_ps(v); }
    static reg zero() { return _mm256_setzero_ps(); }
    static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
    static reg sub(reg a, reg b) { return _mm256_sub_ps(a, b); }
    static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
    static reg div(reg a, reg b) { return _mm256_div_ps(a, b); }
    // 1/a within ~3 ulp for normal 1/a (0 where 1/a would be denormal): the 12-bit estimate
    // and one Newton step, a fraction of a division's cost.
    static reg recip(reg a) {
        reg y = _mm256_rcp_ps(a);
        return _mm256_fmadd_ps(y, _mm256_fnmadd_ps(a, y, _mm256_set1_ps(1.0f)), y);
    }
    static reg max(reg a, reg b) { return _mm256_max_ps(a, b); }
    static reg min(reg a, reg b) { return _mm256_min_ps(a, b); }
    static reg sqrt(reg a) { return _mm256_sqrt_ps(a); }
    static reg fmadd(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }  // a*b+c
    static reg fnmadd(reg a, reg b, reg c) { return _mm256_fnmadd_ps(a, b, c); }  // c-a*b
    static reg abs(reg a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
    static reg neg(reg a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
    static reg round(reg a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    static reg floor(reg a) { return _mm256_floor_ps(a); }
    // Mask results are full-width registers on AVX2.
    using mask = __m256;
    static mask gt(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
    static mask lt(reg a, reg b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
    static mask is_nan(reg a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
    static reg select(mask m, reg if_true, reg if_false) { return _mm256_blendv_ps(if_false, if_true, m); }
    static ireg to_int(reg a) { return _mm256_cvtps_epi32(a); }
    // 2^n for integer-valued n in [-126, 127], built in the exponent field.
    static reg pow2i(ireg n) {
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
    }
    // p * 2^n for integer-valued n in [-126, 127] (exact but for rounding of a subnormal result).
    static reg scale2(reg p, reg n) { return _mm256_mul_ps(p, pow2i(to_int(n))); }
    static ireg as_int(reg a) { return _mm256_castps_si256(a); }
    static reg as_float(ireg a) { return _mm256_castsi256_ps(a); }
    static ireg srli(ireg a, int s) { return _mm256_srli_epi32(a, s); }
    static ireg and_i(ireg a, int v) { return _mm256_and_si256(a, _mm256_set1_epi32(v)); }
    static ireg or_i(ireg a, int v) { return _mm256_or_si256(a, _mm256_set1_epi32(v)); }
    static ireg sub_i(ireg a, int v) { return _mm256_sub_epi32(a, _mm256_set1_epi32(v)); }
    static ireg sub_int(ireg a, ireg b) { return _mm256_sub_epi32(a, b); }
    static reg cvt_i(ireg a) { return _mm256_cvtepi32_ps(a); }
    static mask or_mask(mask a, mask b) { return _mm256_or_ps(a, b); }
    // p[0], p[2], ..., p[14]: the even elements of 16 floats (stride-2 windows).
    static reg load_even(const float* p) {
        __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
        __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // a0 a2 b0 b2 | a4 a6 b4 b6
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    }
    // p[0], p[2], ..., p[2n - 2] for n in [1, 8], reading only p[0, 2n - 1) (a short row's
    // last stride-2 window); lanes from n on are 0.
    static reg load_even_n(const float* p, int n) {
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i len = _mm256_set1_epi32(2 * n - 1);
        __m256 a = _mm256_maskload_ps(p, _mm256_cmpgt_epi32(len, lane));
        __m256 b = _mm256_maskload_ps(p + 8, _mm256_cmpgt_epi32(_mm256_sub_epi32(len, _mm256_set1_epi32(8)), lane));
        __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), _MM_SHUFFLE(3, 1, 2, 0)));
    }
    static __m256i first_n(int n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    // p[0, n) = v's first n lanes (n in [0, 8]); nothing past them is written.
    static void store_n(float* p, reg v, int n) { _mm256_maskstore_ps(p, first_n(n), v); }
    // p[0, n) in the first n lanes, 0 in the others; nothing past p[n - 1] is read.
    static reg load_n(const float* p, int n) { return _mm256_maskload_ps(p, first_n(n)); }
    // p[2i] += v[i] for i < n (n in [1, 8]): the adjoint of load_even_n, touching only p[0, 2n - 1).
    static void add_even_n(float* p, reg v, int n) {
        const __m256i even = _mm256_setr_epi32(-1, 0, -1, 0, -1, 0, -1, 0);
        const __m256i ma = _mm256_and_si256(first_n(2 * n - 1), even);
        const __m256i mb = _mm256_and_si256(first_n(2 * n - 9), even);
        const reg a = _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
        const reg b = _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7));
        _mm256_maskstore_ps(p, ma, _mm256_add_ps(_mm256_maskload_ps(p, ma), a));
        _mm256_maskstore_ps(p + 8, mb, _mm256_add_ps(_mm256_maskload_ps(p + 8, mb), b));
    }
    // p[1], p[3], ..., p[15]: the odd elements of the same 16 floats.
    static reg load_odd(const float* p) {
        __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
        __m256 o = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));  // a1 a3 b1 b3 | a5 a7 b5 b7
        return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(o), _MM_SHUFFLE(3, 1, 2, 0)));
    }
    // Horizontal sum / max of the 8 lanes (max: NaN lanes are not propagated).
    static float reduce_add(reg v) {
        __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_add_ps(s, _mm_movehl_ps(s, s));
        s = _mm_add_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
    static float reduce_max(reg v) {
        __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
        s = _mm_max_ps(s, _mm_movehl_ps(s, s));
        s = _mm_max_ss(s, _mm_movehdup_ps(s));
        return _mm_cvtss_f32(s);
    }
    // Double lanes (dwidth per register), for sums that widen floats exactly.
    using dreg = __m256d;
    static constexpr int dwidth = 4;
    static dreg dzero() { return _mm256_setzero_pd(); }
    static dreg dadd(dreg a, dreg b) { return _mm256_add_pd(a, b); }
    static dreg widen_load(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }  // p[0..4) as doubles
    static void dstore(double* p, dreg v) { _mm256_storeu_pd(p, v); }
};
#endif

#if defined(__AVX512F__)
// 16 floats in a zmm register.
struct V512 {
    using reg = __m512;
    using ireg = __m512i;
    static constexpr int width = 16;
    static reg load(const float* p) { return _mm512_loadu_ps(p); }
    static void store(float* p, reg v) { _mm512_storeu_ps(p, v); }
    static reg set1(float v) { return _mm512_set1_ps(v); }
    static reg zero() { return _mm512_setzero_ps(); }
    static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
    static reg sub(reg a, reg b) { return _mm512_sub_ps(a, b); }
    static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
    static reg div(reg a, reg b) { return _mm512_div_ps(a, b); }
    // 1/a within ~1 ulp (14-bit estimate and one Newton step).
    static reg recip(reg a) {
        reg y = _mm512_rcp14_ps(a);
        return _mm512_fmadd_ps(y, _mm512_fnmadd_ps(a, y, _mm512_set1_ps(1.0f)), y);
    }
    static reg max(reg a, reg b) { return _mm512_max_ps(a, b); }
    static reg min(reg a, reg b) { return _mm512_min_ps(a, b); }
    static reg sqrt(reg a) { return _mm512_sqrt_ps(a); }
    static reg fmadd(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
    static reg fnmadd(reg a, reg b, reg c) { return _mm512_fnmadd_ps(a, b, c); }
    static reg abs(reg a) { return _mm512_abs_ps(a); }
    static reg neg(reg a) {
        return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
    }
    static reg round(reg a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
    static reg floor(reg a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
    using mask = __mmask16;
    static mask gt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
    static mask lt(reg a, reg b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
    static mask is_nan(reg a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
    static reg select(mask m, reg if_true, reg if_false) { return _mm512_mask_blend_ps(m, if_false, if_true); }
    static ireg to_int(reg a) { return _mm512_cvtps_epi32(a); }
    static reg pow2i(ireg n) {
        return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n, _mm512_set1_epi32(127)), 23));
    }
    // p * 2^n as V256::scale2, in one vscalefps: the same product (a multiplication by a power
    // of two, rounded alike) without the conversion and the exponent arithmetic.
    static reg scale2(reg p, reg n) { return _mm512_scalef_ps(p, n); }
    static ireg as_int(reg a) { return _mm512_castps_si512(a); }
    static reg as_float(ireg a) { return _mm512_castsi512_ps(a); }
    static ireg srli(ireg a, int s) { return _mm512_srli_epi32(a, static_cast<unsigned>(s)); }
    static ireg and_i(ireg a, int v) { return _mm512_and_si512(a, _mm512_set1_epi32(v)); }
    static ireg or_i(ireg a, int v) { return _mm512_or_si512(a, _mm512_set1_epi32(v)); }
    static ireg sub_i(ireg a, int v) { return _mm512_sub_epi32(a, _mm512_set1_epi32(v)); }
    static ireg sub_int(ireg a, ireg b) { return _mm512_sub_epi32(a, b); }
    static reg cvt_i(ireg a) { return _mm512_cvtepi32_ps(a); }
    static mask or_mask(mask a, mask b) { return static_cast<mask>(a | b); }
    // p[0], p[2], ..., p[30]: the even elements of 32 floats (stride-2 windows).
    static reg load_even(const float* p) {
        const __m512i idx = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        return _mm512_permutex2var_ps(_mm512_loadu_ps(p), idx, _mm512_loadu_ps(p + 16));
    }
    // p[0], p[2], ..., p[2n - 2] for n in [1, 16], reading only p[0, 2n - 1) (a short row's
    // last stride-2 window); lanes from n on are 0.
    static reg load_even_n(const float* p, int n) {
        const int len = 2 * n - 1;  // 1..31
        const __mmask16 m0 = static_cast<__mmask16>(len >= 16 ? 0xFFFFu : (1u << len) - 1);
        const __mmask16 m1 = static_cast<__mmask16>(len > 16 ? (1u << (len - 16)) - 1 : 0u);
        const __m512i idx = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
        const __m512 v = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(m0, p), idx, _mm512_maskz_loadu_ps(m1, p + 16));
        return _mm512_maskz_mov_ps(static_cast<__mmask16>((1u << n) - 1), v);
    }
    // p[0, n) = v's first n lanes (n in [0, 16]); nothing past them is written.
    static void store_n(float* p, reg v, int n) {
        _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), v);
    }
    // p[0, n) in the first n lanes, 0 in the others; nothing past p[n - 1] is read.
    static reg load_n(const float* p, int n) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p); }
    // p[2i] += v[i] for i < n (n in [1, 16]): the adjoint of load_even_n, touching only p[0, 2n - 1).
    static void add_even_n(float* p, reg v, int n) {
        const int len = 2 * n - 1;  // 1..31
        const __mmask16 ma = static_cast<__mmask16>((len >= 16 ? 0xFFFFu : (1u << len) - 1) & 0x5555u);
        const __mmask16 mb = static_cast<__mmask16>((len > 16 ? (1u << (len - 16)) - 1 : 0u) & 0x5555u);
        const reg a = _mm512_permutexvar_ps(_mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0), v);
        const reg b = _mm512_permutexvar_ps(_mm512_set_epi32(15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8), v);
        _mm512_mask_storeu_ps(p, ma, _mm512_add_ps(_mm512_maskz_loadu_ps(ma, p), a));
        _mm512_mask_storeu_ps(p + 16, mb, _mm512_add_ps(_mm512_maskz_loadu_ps(mb, p + 16), b));
    }
    // p[1], p[3], ..., p[31]: the odd elements of the same 32 floats.
    static reg load_odd(const float* p) {
        const __m512i idx = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
        return _mm512_permutex2var_ps(_mm512_loadu_ps(p), idx, _mm512_loadu_ps(p + 16));
    }
    static float reduce_add(reg v) { return _mm512_reduce_add_ps(v); }
    static float reduce_max(reg v) { return _mm512_reduce_max_ps(v); }
    using dreg = __m512d;
    static constexpr int dwidth = 8;
    static dreg dzero() { return _mm512_setzero_pd(); }
    static dreg dadd(dreg a, dreg b) { return _mm512_add_pd(a, b); }
    static dreg widen_load(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }  // p[0..8) as doubles
    static void dstore(double* p, dreg v) { _mm512_storeu_pd(p, v); }
};
#endif

#if defined(__aarch64__) || defined(_M_ARM64)
// 4 floats in a NEON q register. Semantics follow the x86 wrappers bit for bit where the
// kernels depend on them: max/min are `a > b ? a : b` (maxps/minps NaN rules, not vmaxq's NaN
// propagation), round is to nearest even, to_int rounds to nearest (cvtps default MXCSR).
struct V128 {
    using reg = float32x4_t;
    using ireg = int32x4_t;
    static constexpr int width = 4;
    static reg load(const float* p) { return vld1q_f32(p); }
    static void store(float* p, reg v) { vst1q_f32(p, v); }
    static reg set1(float v) { return vdupq_n_f32(v); }
    static reg zero() { return vdupq_n_f32(0.0f); }
    static reg add(reg a, reg b) { return vaddq_f32(a, b); }
    static reg sub(reg a, reg b) { return vsubq_f32(a, b); }
    static reg mul(reg a, reg b) { return vmulq_f32(a, b); }
    static reg div(reg a, reg b) { return vdivq_f32(a, b); }
    static reg max(reg a, reg b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
    static reg min(reg a, reg b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
    static reg sqrt(reg a) { return vsqrtq_f32(a); }
    static reg fmadd(reg a, reg b, reg c) { return vfmaq_f32(c, a, b); }  // a*b+c, one rounding
    static reg fnmadd(reg a, reg b, reg c) { return vfmsq_f32(c, a, b); }  // c-a*b, one rounding
    static reg abs(reg a) { return vabsq_f32(a); }
    static reg neg(reg a) { return vnegq_f32(a); }
    static reg round(reg a) { return vrndnq_f32(a); }
    static reg floor(reg a) { return vrndmq_f32(a); }
    // Comparisons give all-ones / all-zeros lanes, as on AVX2.
    using mask = uint32x4_t;
    static mask gt(reg a, reg b) { return vcgtq_f32(a, b); }
    static mask lt(reg a, reg b) { return vcltq_f32(a, b); }
    static mask is_nan(reg a) { return vmvnq_u32(vceqq_f32(a, a)); }
    static reg select(mask m, reg if_true, reg if_false) { return vbslq_f32(m, if_true, if_false); }
    static ireg to_int(reg a) { return vcvtnq_s32_f32(a); }
    static reg pow2i(ireg n) { return vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n, vdupq_n_s32(127)), 23)); }
    static reg scale2(reg p, reg n) { return vmulq_f32(p, pow2i(to_int(n))); }
    static ireg as_int(reg a) { return vreinterpretq_s32_f32(a); }
    static reg as_float(ireg a) { return vreinterpretq_f32_s32(a); }
    // Logical shift right by a run-time count: USHL shifts right for negative counts.
    static ireg srli(ireg a, int s) {
        return vreinterpretq_s32_u32(vshlq_u32(vreinterpretq_u32_s32(a), vdupq_n_s32(-s)));
    }
    static ireg and_i(ireg a, int v) { return vandq_s32(a, vdupq_n_s32(v)); }
    static ireg or_i(ireg a, int v) { return vorrq_s32(a, vdupq_n_s32(v)); }
    static ireg sub_i(ireg a, int v) { return vsubq_s32(a, vdupq_n_s32(v)); }
    static ireg sub_int(ireg a, ireg b) { return vsubq_s32(a, b); }
    static reg cvt_i(ireg a) { return vcvtq_f32_s32(a); }
    using dreg = float64x2_t;
    static constexpr int dwidth = 2;
    static dreg dzero() { return vdupq_n_f64(0.0); }
    static dreg dadd(dreg a, dreg b) { return vaddq_f64(a, b); }
    static dreg widen_load(const float* p) { return vcvt_f64_f32(vld1_f32(p)); }  // p[0..2) as doubles
    static void dstore(double* p, dreg v) { vst1q_f64(p, v); }
};
#endif

}  // namespace
}  // namespace nn::simd
