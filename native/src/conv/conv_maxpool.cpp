// Convolution -> activation -> max pooling at inference (conv.h: forward_packed_maxpool).
//
// A CNN's pooled layers write a convolution output four times the size of what the pooling
// keeps, then read it back in a second pass (LeNet's first layer at batch 64: 5.5 MB each way).
// Here each task convolves a few whole images into a per-thread buffer sized to stay in L2 and
// pools them from there, so only the pooled values reach memory; with several threads, each
// runs whole images, with no fork and join inside the two layers. The convolution of an image
// does not depend on the batch it runs in, nor the pooling of a plane on its neighbours, so
// the values are those of the two passes bit for bit.
#include <algorithm>

#include "conv/conv.h"
#include "conv/conv_direct.h"
#include "conv/conv_winograd.h"
#include "pool/pool.h"
#include "runtime/thread_scratch.h"
#include "runtime/threadpool.h"

namespace nn::conv {

namespace {
// Convolution output a task holds: 256 KiB, in L2 beside the layer's input and weights.
constexpr int64_t kTaskOutputFloats = 64 * 1024;
}  // namespace

void forward_packed_maxpool(const packed_conv& pc, int64_t n, const float* x, int act, float alpha,
                            const pool::geom& pool, float* y) {
    const shape& p = pc.p;
    const int64_t in_image = p.c * p.h * p.w, plane = p.oh * p.ow, pooled_plane = pool.oh * pool.ow;
    // Winograd with 2x2 stride-2 pooling (LeNet's second layer, diabetes_cnn's): each output tile
    // is a pooling window, so the output transform writes the pooled value and nothing else; the
    // driver's own task split, over the whole batch.
    if (pc.a == packed_conv::algo::winograd && !pc.bf16 && act <= NN_UNARY_GELU && pool.kh == 2 && pool.kw == 2 &&
        pool.sh == 2 && pool.sw == 2 && pool.ph == 0 && pool.pw == 0 && pool.dh == 1 && pool.dw == 1) {
        shape q = p;
        q.n = n;
        return winograd_forward_packed_maxpool2(q, x, pc.w.data(), pc.bias.empty() ? nullptr : pc.bias.data(), act, y);
    }
    // The direct kernel with 2x2 stride-2 pooling (diabetes_cnn's and LeNet-5's first layers):
    // pooled in the tile's registers, only the pooled values written; its own task split, over
    // the whole batch.
    if (pc.a == packed_conv::algo::direct && !pc.bf16 && act <= NN_UNARY_GELU && pool.kh == 2 && pool.kw == 2 &&
        pool.sh == 2 && pool.sw == 2 && pool.ph == 0 && pool.pw == 0 && pool.dh == 1 && pool.dw == 1) {
        shape q = p;
        q.n = n;
        return direct_forward_packed_maxpool2(q, x, pc.w.data(), pc.bias.empty() ? nullptr : pc.bias.data(), act, y);
    }
    const int64_t out_image = p.k * plane, threads = threads_here();
    int64_t per = std::clamp<int64_t>(kTaskOutputFloats / out_image, 1, n);
    // At least two tasks a thread where the batch allows: no thread waits long on another's last.
    if (threads > 1) per = std::min(per, std::max<int64_t>(1, n / (2 * threads)));
    const int64_t tasks = (n + per - 1) / per;
    if (tasks < threads) {
        // Fewer images than threads (batch 1): each pass split over the threads inside it.
        float* out = thread_scratch(scratch::conv_pooled_input, static_cast<size_t>(n * out_image));
        forward_packed(pc, n, x, nullptr, act, alpha, out);
        pool::max_forward(pool::shape{n, p.k, pool}, out, y, nullptr);
        return;
    }
    const auto& pk = pool::active();
    // The direct kernel under other poolings (a 3x3 stride-2 one) writes its rows at the padded
    // band's pitch, whole vectors, where the pooling reads no column past ow (no left or right
    // padding; floor windows) and the activation is in the kernel: the pooling then reads the
    // planes at that pitch. Same values, fewer and simpler stores.
    const bool flat = pc.a == packed_conv::algo::direct && !pc.bf16 && act <= NN_UNARY_GELU && pool.pw == 0;
    const int64_t pitch = flat ? direct_flat_pitch(p) : p.ow;
    pool::geom g = pool;
    g.w = pitch;
    const int64_t task_image = p.k * p.oh * pitch;
    parallel_tasks(tasks, [&](int64_t t) {
        const int64_t i0 = t * per, images = std::min(per, n - i0);
        float* out = thread_scratch(scratch::conv_pooled_input, static_cast<size_t>(images * task_image));
        // Nested: the convolution's own task split runs on this thread alone.
        if (flat) {
            shape q = p;
            q.n = images;
            direct_forward_packed_flat(q, x + i0 * in_image, pc.w.data(), pc.bias.empty() ? nullptr : pc.bias.data(), act, out);
        } else {
            forward_packed(pc, images, x + i0 * in_image, nullptr, act, alpha, out);
        }
        float* dst = y + i0 * p.k * pooled_plane;
        pk.max_planes(out, g, images * p.k, dst);
    });
}

}  // namespace nn::conv
