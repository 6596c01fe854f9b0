#include "cpu.h"

#include <cstdlib>
#include <cstring>
#include <thread>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#  define NN_X86 1
#  if defined(_MSC_VER)
#    include <intrin.h>
#  else
#    include <cpuid.h>
#  endif
#endif

namespace nn {
namespace {

#if NN_X86
void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) {
#  if defined(_MSC_VER)
    int v[4];
    __cpuidex(v, static_cast<int>(leaf), static_cast<int>(sub));
    for (int i = 0; i < 4; ++i) r[i] = static_cast<unsigned>(v[i]);
#  else
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
#  endif
}

unsigned long long xgetbv0() {
#  if defined(_MSC_VER)
    return _xgetbv(0);
#  else
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<unsigned long long>(hi) << 32) | lo;
#  endif
}
#endif

nn_cpu_info_t detect() noexcept {
    nn_cpu_info_t f;
    std::memset(&f, 0, sizeof f);
    unsigned hc = std::thread::hardware_concurrency();
    f.num_cores = hc == 0 ? 1 : static_cast<int32_t>(hc);
#if NN_X86
    unsigned r[4];
    cpuid(0, 0, r);
    unsigned max_leaf = r[0];
    cpuid(1, 0, r);
    bool osxsave = (r[2] >> 27) & 1;
    bool has_fma = (r[2] >> 12) & 1;
    // The OS must save YMM (bits 1,2) and, for AVX-512, opmask + ZMM state (bits 5,6,7).
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    bool os_avx = (xcr0 & 0x6) == 0x6;
    bool os_avx512 = (xcr0 & 0xE6) == 0xE6;
    if (max_leaf >= 7) {
        cpuid(7, 0, r);
        unsigned ebx = r[1], ecx = r[2];
        f.avx2 = os_avx && ((ebx >> 5) & 1);
        f.fma = os_avx && has_fma;
        f.avx512f = os_avx512 && ((ebx >> 16) & 1);
        f.avx512dq = os_avx512 && ((ebx >> 17) & 1);
        f.avx512bw = os_avx512 && ((ebx >> 30) & 1);
        f.avx512vl = os_avx512 && ((ebx >> 31) & 1);
        f.avx512_vnni = os_avx512 && ((ecx >> 11) & 1);
        cpuid(7, 1, r);
        f.avx512_bf16 = os_avx512 && ((r[0] >> 5) & 1);
    }
    f.best_isa = NN_ISA_SCALAR;
    if (f.avx2 && f.fma) f.best_isa = NN_ISA_AVX2;
    if (f.best_isa == NN_ISA_AVX2 && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq)
        f.best_isa = NN_ISA_AVX512;
    if (f.best_isa == NN_ISA_AVX512 && f.avx512_bf16) f.best_isa = NN_ISA_AVX512_BF16;
#elif defined(__aarch64__) || defined(_M_ARM64)
    f.neon = 1;
    f.best_isa = NN_ISA_NEON;
#else
    f.best_isa = NN_ISA_SCALAR;
#endif
    f.chosen_isa = f.best_isa;
    // NATIVENET_MAX_ISA caps the choice; an unknown value leaves it uncapped (documented).
    if (const char* cap = std::getenv("NATIVENET_MAX_ISA")) {
        if (std::strcmp(cap, "scalar") == 0) {
            f.chosen_isa = NN_ISA_SCALAR;
        } else if (std::strcmp(cap, "avx2") == 0) {
            if (f.best_isa == NN_ISA_AVX512 || f.best_isa == NN_ISA_AVX512_BF16) f.chosen_isa = NN_ISA_AVX2;
        } else if (std::strcmp(cap, "avx512") == 0) {
            if (f.best_isa == NN_ISA_AVX512_BF16) f.chosen_isa = NN_ISA_AVX512;
        }
    }
    return f;
}

}  // namespace

const nn_cpu_info_t& cpu_features() noexcept {
    static const nn_cpu_info_t features = detect();
    return features;
}

nn_isa active_isa() noexcept { return cpu_features().chosen_isa; }

int64_t l2_cache_bytes() noexcept {
    static const int64_t bytes = [] {
#if NN_X86
        unsigned r[4];
        cpuid(0x80000000u, 0, r);
        if (r[0] < 0x80000006u) return int64_t{0};
        cpuid(0x80000006u, 0, r);
        return static_cast<int64_t>(r[2] >> 16) * 1024;  // ECX[31:16]: KiB
#else
        return int64_t{0};
#endif
    }();
    return bytes;
}

const char* isa_name(nn_isa isa) noexcept {
    switch (isa) {
        case NN_ISA_SCALAR: return "scalar";
        case NN_ISA_AVX2: return "avx2";
        case NN_ISA_AVX512: return "avx512";
        case NN_ISA_AVX512_BF16: return "avx512_bf16";
        case NN_ISA_NEON: return "neon";
    }
    return "unknown";
}

}  // namespace nn
