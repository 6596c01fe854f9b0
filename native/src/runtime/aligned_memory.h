// 64-byte aligned heap blocks on every target: std::aligned_alloc does not exist on Windows
// (neither MSVC's CRT nor MinGW's msvcrt), which has _aligned_malloc / _aligned_free instead.
#pragma once
#include <cstddef>
#include <cstdlib>
#if defined(_WIN32)
#  include <malloc.h>
#endif

namespace nn {

// bytes must be a multiple of alignment (C11 aligned_alloc's rule). Null on failure.
inline void* aligned_malloc(std::size_t alignment, std::size_t bytes) noexcept {
#if defined(_WIN32)
    return _aligned_malloc(bytes, alignment);
#else
    return std::aligned_alloc(alignment, bytes);
#endif
}

// Frees a block from aligned_malloc (null is fine).
inline void aligned_free(void* p) noexcept {
#if defined(_WIN32)
    _aligned_free(p);
#else
    std::free(p);
#endif
}

}  // namespace nn
