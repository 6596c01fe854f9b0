// Pooling drivers: validation and the split over planes (each plane is independent).
#include "pool/pool.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#include "conv/conv.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"
#include "runtime/error.h"

namespace nn::pool {

namespace {
int64_t out_len(int64_t in, int64_t k, int64_t s, int64_t pad, int64_t dil, const char* in_name, const char* k_name,
                const char* p_name, const char* d_name) {
    // Checked: a valid window (pad <= kernel / 2) may still be near INT64_MAX.
    int64_t extent = checked_add(checked_mul(dil, k - 1, "dilation * (kernel - 1)"), 1, "dilated window");
    int64_t padded = checked_add(in, checked_mul(2, pad, "2 * padding"), "padded input");
    if (extent > padded)
        invalid_argument("the dilated window (", d_name, " * (", k_name, " - 1) + 1 = ", extent,
                         ") must fit the padded input (", in_name, " + 2 * ", p_name, " = ", padded, "). Received: ",
                         in_name, "=", in, ", ", k_name, "=", k, ", ", p_name, "=", pad, ", ", d_name, "=", dil);
    return (padded - extent) / s + 1;
}
// With dilation a max-pooling window can miss the input entirely (h = 1, kernel 2, pad 1,
// dilation 2 reads rows -1 and 1): it has no maximum and no index that backward could use
// (found by native/fuzz/fuzz_pool). pad <= kernel / 2 rules this out unless the input is
// shorter than the dilation, and then (kernel 2: the window fits only with dil = in + 1, pad 1)
// there is one window to look at. A 1-tap window (kernel 1, so pad 0) always starts inside the
// input, and looping over its outputs hung for in near INT64_MAX (fuzz_pool, CI run).
void check_windows_touch_input(int64_t in, int64_t out, int64_t k, int64_t s, int64_t pad, int64_t dil,
                               const char* in_name, const char* d_name) {
    if (dil == 1 || in >= dil || k == 1) return;
    for (int64_t o = 0; o < out; ++o) {
        const int64_t start = o * s - pad;
        const int64_t first = start >= 0 ? 0 : (-start + dil - 1) / dil;  // first tap at row >= 0
        if (first >= k || start + first * dil >= in)
            invalid_argument("pooling window ", o, " lies entirely in the padding (", d_name, " larger than ", in_name,
                             "). Received: ", in_name, "=", in, ", ", d_name, "=", dil, ", padding=", pad,
                             ", kernel=", k);
    }
}
void check_pad(int64_t pad, int64_t k, const char* p_name, const char* k_name) {
    if (pad > k / 2)
        invalid_argument(p_name, " must be <= ", k_name, " / 2. Received: ", p_name, "=", pad, ", ", k_name, "=", k);
}
}  // namespace

shape validate(const nn_pool2d_desc& d, bool avg, const char* arg) {
    // Messages name arg->field, as the caller's argument is called ("desc" or "pool").
    const std::string prefix = std::string(arg) + "->";
    const auto name = [&](const char* field) { return prefix + field; };
    check_positive(d.n, name("n").c_str());
    check_positive(d.c, name("c").c_str());
    check_positive(d.h, name("h").c_str());
    check_positive(d.w, name("w").c_str());
    check_positive(d.kernel_h, name("kernel_h").c_str());
    check_positive(d.kernel_w, name("kernel_w").c_str());
    check_positive(d.stride_h, name("stride_h").c_str());
    check_positive(d.stride_w, name("stride_w").c_str());
    check_non_negative(d.pad_h, name("pad_h").c_str());
    check_non_negative(d.pad_w, name("pad_w").c_str());
    check_positive(d.dilation_h, name("dilation_h").c_str());
    check_positive(d.dilation_w, name("dilation_w").c_str());
    check_pad(d.pad_h, d.kernel_h, name("pad_h").c_str(), name("kernel_h").c_str());
    check_pad(d.pad_w, d.kernel_w, name("pad_w").c_str(), name("kernel_w").c_str());
    if (avg && d.dilation_h != 1)
        invalid_argument(name("dilation_h"), " must be 1 for average pooling. Received: ", name("dilation_h"), "=",
                         d.dilation_h);
    if (avg && d.dilation_w != 1)
        invalid_argument(name("dilation_w"), " must be 1 for average pooling. Received: ", name("dilation_w"), "=",
                         d.dilation_w);
    if (d.count_include_pad != 0 && d.count_include_pad != 1)
        invalid_argument(name("count_include_pad"), " must be 0 or 1. Received: ", name("count_include_pad"), "=",
                         d.count_include_pad);
    checked_mul(d.h, d.w, "input plane size");
    shape p{};
    p.n = d.n;
    p.c = d.c;
    geom& g = p.g;
    g.h = d.h, g.w = d.w, g.kh = d.kernel_h, g.kw = d.kernel_w, g.sh = d.stride_h, g.sw = d.stride_w;
    g.ph = d.pad_h, g.pw = d.pad_w, g.dh = d.dilation_h, g.dw = d.dilation_w, g.include_pad = d.count_include_pad != 0;
    g.oh = out_len(g.h, g.kh, g.sh, g.ph, g.dh, name("h").c_str(), name("kernel_h").c_str(), name("pad_h").c_str(),
                   name("dilation_h").c_str());
    g.ow = out_len(g.w, g.kw, g.sw, g.pw, g.dw, name("w").c_str(), name("kernel_w").c_str(), name("pad_w").c_str(),
                   name("dilation_w").c_str());
    check_windows_touch_input(g.h, g.oh, g.kh, g.sh, g.ph, g.dh, name("h").c_str(), name("dilation_h").c_str());
    check_windows_touch_input(g.w, g.ow, g.kw, g.sw, g.pw, g.dw, name("w").c_str(), name("dilation_w").c_str());
    checked_mul(checked_mul(checked_mul(p.n, p.c, "input size"), g.h, "input size"), g.w, "input size");
    checked_mul(checked_mul(p.n * p.c, g.oh, "output size"), g.ow, "output size");
    return p;
}

namespace {
// Indices checked per range when max_backward validates them (a range is a few microseconds).
constexpr int64_t kIndexGrain = 1 << 15;

// Planes per task: enough work to amortize dispatch, never so many that a thread idles.
int64_t planes_per_task(const geom& g) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, g.h * g.w)); }

template <class F>
void over_planes(int64_t planes, const geom& g, F&& f) {
    const int64_t per = planes_per_task(g), tasks = (planes + per - 1) / per;
    parallel_tasks(tasks, [&](int64_t t) {
        for (int64_t pl = t * per; pl < std::min(planes, (t + 1) * per); ++pl) f(pl);
    });
}
}  // namespace

void max_forward(const shape& p, const float* x, float* y, int64_t* idx) {
    const auto& k = active();
    const geom& g = p.g;
    const int64_t ip = g.h * g.w, op = g.oh * g.ow;
    if (!idx) {  // each task's planes in one call (max_planes)
        const int64_t planes = p.n * p.c, per = planes_per_task(g), tasks = (planes + per - 1) / per;
        return parallel_tasks(tasks, [&](int64_t t) {
            const int64_t pl = t * per;
            k.max_planes(x + pl * ip, g, std::min(per, planes - pl), y + pl * op);
        });
    }
    over_planes(p.n * p.c, g, [&](int64_t pl) { k.max_forward(x + pl * ip, g, y + pl * op, idx + pl * op); });
}

void max_backward(const shape& p, const float* dy, const int64_t* idx, float* dx) {
    const geom& g = p.g;
    const int64_t ip = g.h * g.w, op = g.oh * g.ow;
    // Validate every index before writing anything: a bad index is the caller's bug, not a crash.
    // Over the threads (ResNet-18's stem pooling at batch 8 has 1.6M indices, a serial pass of
    // about a millisecond otherwise); each range reports its first bad index and the smallest
    // wins, so the message names the same index as a serial scan would.
    const int64_t count = p.n * p.c * op;
    std::atomic<int64_t> first_bad{count};
    parallel_for(count, kIndexGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
            if (idx[i] < 0 || idx[i] >= ip) {
                int64_t seen = first_bad.load(std::memory_order_relaxed);
                while (i < seen && !first_bad.compare_exchange_weak(seen, i, std::memory_order_relaxed)) {
                }
                return;
            }
    });
    if (const int64_t i = first_bad.load(); i < count)
        invalid_argument("indices[", i, "] must be in [0, h * w = ", ip, "). Received: indices[", i, "]=", idx[i]);
    over_planes(p.n * p.c, g, [&](int64_t pl) {
        float* d = dx + pl * ip;
        std::memset(d, 0, sizeof(float) * static_cast<size_t>(ip));
        const float* s = dy + pl * op;
        const int64_t* id = idx + pl * op;
        for (int64_t o = 0; o < op; ++o) d[id[o]] += s[o];
    });
}

void avg_forward(const shape& p, const float* x, float* y) {
    const auto& k = active();
    const geom& g = p.g;
    const int64_t ip = g.h * g.w, op = g.oh * g.ow;
    over_planes(p.n * p.c, g, [&](int64_t pl) { k.avg_forward(x + pl * ip, g, y + pl * op); });
}

void avg_backward(const shape& p, const float* dy, float* dx) {
    const auto& k = active();
    const geom& g = p.g;
    const int64_t ip = g.h * g.w, op = g.oh * g.ow;
    over_planes(p.n * p.c, g, [&](int64_t pl) { k.avg_backward(dy + pl * op, g, dx + pl * ip); });
}

void adaptive_forward(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, const float* x, float* y) {
    const auto& ck = conv::active();
    geom g{};
    g.h = h, g.w = w;
    over_planes(n * c, g, [&](int64_t pl) {
        const float* xp = x + pl * h * w;
        float* yp = y + pl * oh * ow;
        if (oh == 1 && ow == 1) {  // global pooling: one SIMD reduction over the plane
            yp[0] = static_cast<float>(ck.sum(xp, h * w) / static_cast<double>(h * w));
            return;
        }
        for (int64_t i = 0; i < oh; ++i) {
            const int64_t h0 = adaptive_start(i, h, oh), h1 = adaptive_end(i, h, oh);
            for (int64_t j = 0; j < ow; ++j) {
                const int64_t w0 = adaptive_start(j, w, ow), w1 = adaptive_end(j, w, ow);
                double s = 0.0;
                for (int64_t a = h0; a < h1; ++a) s += ck.sum(xp + a * w + w0, w1 - w0);
                yp[i * ow + j] = static_cast<float>(s / static_cast<double>((h1 - h0) * (w1 - w0)));
            }
        }
    });
}

void adaptive_backward(int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh, int64_t ow, const float* dy,
                       float* dx) {
    geom g{};
    g.h = h, g.w = w;
    over_planes(n * c, g, [&](int64_t pl) {
        float* dp = dx + pl * h * w;
        const float* sp = dy + pl * oh * ow;
        if (oh == 1 && ow == 1) {
            const float v = static_cast<float>(static_cast<double>(sp[0]) / static_cast<double>(h * w));
            std::fill(dp, dp + h * w, v);
            return;
        }
        std::memset(dp, 0, sizeof(float) * static_cast<size_t>(h * w));
        for (int64_t i = 0; i < oh; ++i) {
            const int64_t h0 = adaptive_start(i, h, oh), h1 = adaptive_end(i, h, oh);
            for (int64_t j = 0; j < ow; ++j) {
                const int64_t w0 = adaptive_start(j, w, ow), w1 = adaptive_end(j, w, ow);
                const float v = sp[i * ow + j] / static_cast<float>((h1 - h0) * (w1 - w0));
                for (int64_t a = h0; a < h1; ++a)
                    for (int64_t b = w0; b < w1; ++b) dp[a * w + b] += v;
            }
        }
    });
}

}  // namespace nn::pool
