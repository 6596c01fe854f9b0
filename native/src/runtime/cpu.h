// CPU feature detection and the one-time choice of instruction set.
#pragma once
#include "nativenet.h"

namespace nn {

// Features of this CPU and OS (cpuid + xgetbv on x86, fixed on arm64). Detected once.
const nn_cpu_info_t& cpu_features() noexcept;

// The ISA every kernel table selects: the best supported, capped by NATIVENET_MAX_ISA.
// Fixed for the life of the process; kernel tables read it once.
nn_isa active_isa() noexcept;

// True when `isa` may be used (supported and not capped away).
inline bool isa_enabled(nn_isa isa) noexcept {
    nn_isa a = active_isa();
    if (isa == NN_ISA_SCALAR) return true;
    if (isa == NN_ISA_NEON) return a == NN_ISA_NEON;
    if (a == NN_ISA_NEON) return false;
    return static_cast<int>(isa) <= static_cast<int>(a);
}

const char* isa_name(nn_isa isa) noexcept;

}  // namespace nn
