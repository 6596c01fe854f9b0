// A deliberately wrong shared function: plain `inline`, so external linkage. Compiled into two ISA
// objects (avx2/, avx512/ here) it leaves a weak copy in each, which check_isa_symbols.cmake must
// report (test native.isa_symbols_check_catches_planted_inline_function). Never linked into anything.
#pragma once

namespace nn::isa_check {

inline float planted_scale(float x) { return x * 3.0f + 1.0f; }

}  // namespace nn::isa_check
