// CPU feature detection and the one-time choice of instruction set.
#pragma once
#include <cstdint>

#include "nativenet.h"

namespace nn {

// Features of this CPU and OS (cpuid + xgetbv on x86, fixed on arm64). Detected once.
const nn_cpu_info_t& cpu_features() noexcept;

// The ISA every kernel table selects: the best supported, capped by NATIVENET_MAX_ISA.
// Fixed for the life of the process; kernel tables read it once.
nn_isa active_isa() noexcept;

// True when `isa` may be used (supported and not capped away). The x86 values are ordered.
inline bool isa_enabled(nn_isa isa) noexcept {
    nn_isa a = active_isa();
    if (isa == NN_ISA_SCALAR) return true;
    if (isa == NN_ISA_NEON) return a == NN_ISA_NEON;
    if (a == NN_ISA_NEON) return false;
    return static_cast<int>(isa) <= static_cast<int>(a);
}

const char* isa_name(nn_isa isa) noexcept;

// This core's L2 cache in bytes, as the CPU reports it (x86: cpuid 0x80000006, the same leaf on
// Intel and AMD), or 0 where it does not say (arm64 and older CPUs): blocking that sizes a working
// set for L2 takes it over a table's fixed budget only where it is known and larger.
int64_t l2_cache_bytes() noexcept;

// An area's kernel table for this process: the best of the ISA tables this CPU runs (an accessor
// may be null, and may return null where this build lacks that path), else `ref`. Takes the
// accessors, not the tables: an ISA's table is only built (its accessor only called) once that
// ISA is known to run here, so no AVX-512 instruction executes on an AVX2-only CPU.
// Only an area with bf16 instructions (bf16/) has an avx512_bf16 table.
template <class K>
const K* choose_table(const K* ref, const K* (*avx2)() noexcept, const K* (*avx512)() noexcept,
                      const K* (*neon)() noexcept = nullptr, const K* (*avx512_bf16)() noexcept = nullptr) noexcept {
    const K* k = ref;
    if (avx2 && isa_enabled(NN_ISA_AVX2))
        if (const K* t = avx2()) k = t;
    if (avx512 && isa_enabled(NN_ISA_AVX512))
        if (const K* t = avx512()) k = t;
    if (avx512_bf16 && isa_enabled(NN_ISA_AVX512_BF16))
        if (const K* t = avx512_bf16()) k = t;
    if (neon && isa_enabled(NN_ISA_NEON))
        if (const K* t = neon()) k = t;
    return k;
}

}  // namespace nn
