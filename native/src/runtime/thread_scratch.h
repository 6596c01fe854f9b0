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

// The buffers a thread holds, one per use that may be live at the same time as another, so
// nested users (a convolution task calling SGEMM, pooling inside a task) never share one.
enum class scratch : int {
    gemm_pack_a,      // SGEMM: packed A micro-panels (gemm/gemm.cpp)
    gemm_pack_b,      // SGEMM: the packed B block
    conv_task_input,  // convolution task: padded input, im2col columns or padded dY
    conv_task_work,   // convolution task: packed B band, transformed tiles, dY^T, dX rows
    conv_partials,    // convolution: per-chunk weight-gradient partials, Winograd products, a batched GEMM task's C block
    conv_weights,     // convolution: weights packed once per call on the calling thread
    conv_data_weights,  // convolution data gradient: the weights rearranged, before conv_weights packs them
    conv_task_pairs,  // convolution task: transformed tiles as bf16 pairs (Winograd in bf16)
    conv_transformed,  // convolution: Winograd's transformed tiles of a whole call, shared by its tasks
    pool_row,         // pooling: padded input rows and window results (kernels/common/pool_simd.h)
    conv_pooled_input,  // convolution followed by pooling: the convolution output a task pools (conv/conv_maxpool.cpp)
    bf16_pack_a,      // bf16 GEMM: a packed A micro-panel of bf16 pairs (bf16/bf16_gemm.cpp)
    bf16_operand,     // bf16 GEMM without bf16 products: an operand rounded to bf16, as floats
    bf16_pack_b,      // bf16 GEMM: B packed for one call (nn_bf16_gemm), reused call after call
    count
};

// Floats every buffer holds past the requested count, so SIMD tails may read (never use) a
// little past the end.
inline constexpr std::size_t kScratchSlack = 16;

// This thread's buffer `which` with room for at least `count` (+ kScratchSlack) floats; the
// contents are unspecified and stay valid until this thread asks for `which` again.
// Steady-state calls do not allocate. Throws std::bad_alloc on allocation failure.
float* thread_scratch(scratch which, std::size_t count);

}  // namespace nn
