#include "thread_scratch.h"

#include <new>

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  include <windows.h>
#else
#  include <pthread.h>
#endif

namespace nn {
namespace {

struct buffers {
    static constexpr int kSlots = static_cast<int>(scratch::count);
    float* p[kSlots] = {};
    std::size_t cap[kSlots] = {};
};

// Aligned operator new: portable (Windows has no std::aligned_alloc), throws std::bad_alloc.
float* alloc_floats(std::size_t n) {
    return static_cast<float*>(::operator new(n * sizeof(float), std::align_val_t(64)));
}
void free_floats(float* p) noexcept {
    if (p) ::operator delete(p, std::align_val_t(64));
}

void release(void* v) noexcept {
    auto* b = static_cast<buffers*>(v);
    if (!b) return;
    for (float* p : b->p) free_floats(p);
    delete b;
}

#if defined(_WIN32)
void NTAPI release_fls(void* v) { release(v); }
// FLS callbacks run at thread exit (and when the DLL unloads), independent of the CRT's TLS.
const DWORD g_key = FlsAlloc(&release_fls);
void remember(buffers* b) {
    if (g_key == FLS_OUT_OF_INDEXES || !FlsSetValue(g_key, b)) {
        release(b);
        throw std::bad_alloc();
    }
}
#else
extern "C" void release_key(void* v) { release(v); }
pthread_key_t make_key() {
    pthread_key_t k;
    if (pthread_key_create(&k, &release_key) != 0) throw std::bad_alloc();
    return k;
}
void remember(buffers* b) {
    static const pthread_key_t key = make_key();
    if (pthread_setspecific(key, b) != 0) {
        release(b);
        throw std::bad_alloc();
    }
}
#endif

// Trivially destructible, so no C++ thread_local destructor is involved.
thread_local buffers* t_buffers = nullptr;

}  // namespace

float* thread_scratch(scratch which, std::size_t count) {
    const int slot = static_cast<int>(which);
    count += kScratchSlack;
    buffers* b = t_buffers;
    if (!b) {
        b = new buffers();
        remember(b);
        t_buffers = b;
    }
    if (count > b->cap[slot] || !b->p[slot]) {
        free_floats(b->p[slot]);
        b->p[slot] = nullptr;
        b->cap[slot] = 0;
        b->p[slot] = alloc_floats(count);
        b->cap[slot] = count;
    }
    return b->p[slot];
}

}  // namespace nn
