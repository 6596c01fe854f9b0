// Per-thread scratch buffers (grow-only, 64-byte aligned), freed when their thread exits.
//
// Why not a `thread_local` object with a destructor: MinGW-w64's emulated TLS releases a
// thread's TLS block before it runs that thread's C++ thread_local destructors, so such a
// destructor reads freed memory (seen as a crash at thread exit in nativenet.dll under Wine).
// Here TLS holds only a plain pointer; the buffers are released by an OS thread-exit callback
// (an FLS callback on Windows, a pthread key destructor elsewhere) that is handed the pointer.
#pragma once
#include <cstddef>

namespace nn {

// Number of independent buffers per thread, assigned by area so nested users never share one:
// 0-1 SGEMM packed A/B, 2-5 convolution (im2col, partial sums), 6 pooling row buffer,
// 7 the recurrent step product's packed A (rnn/rnn_step_gemm.cpp).
inline constexpr int kThreadScratchSlots = 8;
inline constexpr int kScratchSlotConvBase = 2;
inline constexpr int kScratchSlotPoolRow = 6;
inline constexpr int kScratchSlotRnnStep = 7;

// This thread's buffer `slot` (0 <= slot < kThreadScratchSlots) with room for at least `count`
// floats; the contents are unspecified. Steady-state calls do not allocate. Throws
// std::bad_alloc on allocation failure.
float* thread_scratch(int slot, std::size_t count);

}  // namespace nn
