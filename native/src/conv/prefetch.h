// Software prefetch of the data a later step reads (or writes), spread over the current step's
// compute: issued in one burst, the prefetches fill the miss buffers and stall the core as loads
// would. Used by the direct weight gradient and the Winograd forward.
#pragma once
#include <cstdint>
#include <vector>

namespace nn::conv {

class spread_prefetch {
public:
    void clear() {
        ranges_.clear();
        r_ = 0;
        off_ = 0;
        lines_ = 0;
    }
    enum kind : uint8_t {
        read,     // into L1: read within the current step
        read_l2,  // into L2: read by a later step (in L1 it would be evicted before use)
        write,    // fetched for ownership, so the stores do not wait
    };
    void add(const float* s, int64_t floats, kind k = read) {
        if (floats <= 0) return;
        ranges_.push_back({reinterpret_cast<const char*>(s), floats * 4, k});
        lines_ += (floats * 4 + 63) / 64;
    }
    int64_t lines() const { return lines_; }
    void issue(int64_t lines) {
        for (; lines > 0 && r_ < ranges_.size(); --lines) {
            const range& g = ranges_[r_];
            if (g.k == write) __builtin_prefetch(g.p + off_, 1, 3);
            else if (g.k == read_l2) __builtin_prefetch(g.p + off_, 0, 2);
            else __builtin_prefetch(g.p + off_, 0, 3);
            off_ += 64;
            if (off_ >= g.bytes) {
                ++r_;
                off_ = 0;
            }
        }
    }

private:
    struct range {
        const char* p;
        int64_t bytes;
        kind k;
    };
    std::vector<range> ranges_;
    size_t r_ = 0;
    int64_t off_ = 0, lines_ = 0;
};

}  // namespace nn::conv
