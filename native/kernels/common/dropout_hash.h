// The counter-based hash behind dropout masks, shared by the scalar reference and SIMD paths so
// every ISA draws the same mask: keep(i) = (hash(seed, counter) >> 8) >= p * 2^24.
#pragma once
#include <cstdint>

namespace nn::dropout_hash {
namespace {  // internal linkage: see simd.h

// MurmurHash3's 32-bit finalizer: full avalanche, a bijection.
inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h;
}

// Per-2^32-block key from the seed and the counter's high word.
inline uint32_t block_key(uint64_t seed, uint32_t hi) {
    return fmix32(static_cast<uint32_t>(seed) ^ fmix32(static_cast<uint32_t>(seed >> 32) ^ fmix32(hi ^ 0x68E31DA4u)));
}
constexpr uint32_t kKey2Mul = 0x9E3779B1u;

// Two keyed finalizer rounds over the low word of the counter.
inline uint32_t hash(uint32_t key, uint32_t lo) {
    uint32_t v = fmix32(lo ^ key);
    return fmix32(v ^ (key * kKey2Mul + 0x7F4A7C15u));
}

// Threshold on the top 24 bits: p = 1 gives 2^24, which no value reaches.
inline int32_t threshold(float p) { return static_cast<int32_t>(static_cast<double>(p) * 16777216.0); }

}  // namespace
}  // namespace nn::dropout_hash
