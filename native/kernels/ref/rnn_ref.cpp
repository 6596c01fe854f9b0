// Scalar whole-layer recurrent reference (see rnn_ref.h). Clarity over speed: each sequence is
// run on its own, its states kept per step, then walked back.
#include "rnn_ref.h"

#include <cmath>
#include <vector>

namespace nn::rnn::ref {
namespace {

template <class T>
T sigm(T v) { return T(1) / (T(1) + std::exp(-v)); }

struct dims {
    int64_t T, B, I, H, G;
    bool lstm, batch_first, reverse;
    int64_t row(int64_t t, int64_t b) const { return batch_first ? b * T + t : t * B + b; }
    int64_t len(const int64_t* lengths, int64_t b) const { return lengths ? lengths[b] : T; }
    // time index of step s for a sequence of length n
    int64_t time(int64_t s, int64_t n) const { return reverse ? n - 1 - s : s; }
};

dims dims_of(const nn_rnn_desc& d) {
    return {d.seq_len, d.batch, d.input_size, d.hidden_size, d.cell == NN_RNN_LSTM ? 4 : 3, d.cell == NN_RNN_LSTM,
            d.batch_first != 0, d.reverse != 0};
}

// Per sequence, per step: the activated gates, the GRU's W_hn h + b_hn, the states before and after.
template <class T>
struct trace {
    std::vector<std::vector<T>> gates, hn, h, c;  // h[s], c[s]: state before step s; h[n]: final
};

template <class T>
trace<T> run_sequence(const dims& k, int64_t b, int64_t n, const T* x, const T* w_ih, const T* w_hh, const T* b_ih,
                      const T* b_hh, const T* h0, const T* c0) {
    trace<T> tr;
    const int64_t H = k.H;
    std::vector<T> h(H, T(0)), c(H, T(0));
    for (int64_t j = 0; j < H; ++j) {
        if (h0) h[j] = h0[b * H + j];
        if (c0 && k.lstm) c[j] = c0[b * H + j];
    }
    tr.h.push_back(h);
    tr.c.push_back(c);
    for (int64_t s = 0; s < n; ++s) {
        const T* xt = x + k.row(k.time(s, n), b) * k.I;
        std::vector<T> ax(k.G * H), ah(k.G * H);  // W_ih x + b_ih, W_hh h + b_hh
        for (int64_t q = 0; q < k.G * H; ++q) {
            T sx = b_ih ? b_ih[q] : T(0), sh = b_hh ? b_hh[q] : T(0);
            for (int64_t p = 0; p < k.I; ++p) sx += w_ih[q * k.I + p] * xt[p];
            for (int64_t p = 0; p < H; ++p) sh += w_hh[q * H + p] * h[p];
            ax[q] = sx, ah[q] = sh;
        }
        std::vector<T> g(k.G * H), hn(H);
        for (int64_t j = 0; j < H; ++j) {
            if (k.lstm) {
                T i = sigm(ax[j] + ah[j]), f = sigm(ax[H + j] + ah[H + j]);
                T gg = std::tanh(ax[2 * H + j] + ah[2 * H + j]), o = sigm(ax[3 * H + j] + ah[3 * H + j]);
                g[j] = i, g[H + j] = f, g[2 * H + j] = gg, g[3 * H + j] = o;
                c[j] = f * c[j] + i * gg;
                h[j] = o * std::tanh(c[j]);
            } else {
                T r = sigm(ax[j] + ah[j]), z = sigm(ax[H + j] + ah[H + j]);
                T nn_ = std::tanh(ax[2 * H + j] + r * ah[2 * H + j]);
                g[j] = r, g[H + j] = z, g[2 * H + j] = nn_;
                hn[j] = ah[2 * H + j];
                h[j] = (T(1) - z) * nn_ + z * h[j];
            }
        }
        tr.gates.push_back(g);
        tr.hn.push_back(hn);
        tr.h.push_back(h);
        tr.c.push_back(c);
    }
    return tr;
}

}  // namespace

template <class T>
void forward(const nn_rnn_desc& d, const T* x, const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
             const T* h0, const T* c0, const int64_t* lengths, T* y, T* h_n, T* c_n) {
    const dims k = dims_of(d);
    for (int64_t i = 0; i < k.T * k.B * k.H; ++i) y[i] = T(0);
    for (int64_t b = 0; b < k.B; ++b) {
        const int64_t n = k.len(lengths, b);
        trace<T> tr = run_sequence(k, b, n, x, w_ih, w_hh, b_ih, b_hh, h0, c0);
        for (int64_t s = 0; s < n; ++s)
            for (int64_t j = 0; j < k.H; ++j) y[k.row(k.time(s, n), b) * k.H + j] = tr.h[s + 1][j];
        for (int64_t j = 0; j < k.H; ++j) {
            if (h_n) h_n[b * k.H + j] = tr.h[n][j];
            if (c_n && k.lstm) c_n[b * k.H + j] = tr.c[n][j];
        }
    }
}

template <class T>
void backward(const nn_rnn_desc& d, const T* x, const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh,
              const T* h0, const T* c0, const int64_t* lengths, const T* dy, const T* dh_n, const T* dc_n, T* dx,
              T* dh0, T* dc0, T* dw_ih, T* dw_hh, T* db_ih, T* db_hh) {
    const dims k = dims_of(d);
    const int64_t H = k.H, GH = k.G * H;
    for (int64_t i = 0; i < k.T * k.B * k.I; ++i) dx[i] = T(0);
    for (int64_t i = 0; i < GH * k.I; ++i) dw_ih[i] = T(0);
    for (int64_t i = 0; i < GH * H; ++i) dw_hh[i] = T(0);
    std::vector<T> dbi(GH, T(0)), dbh(GH, T(0));
    for (int64_t b = 0; b < k.B; ++b) {
        const int64_t n = k.len(lengths, b);
        trace<T> tr = run_sequence(k, b, n, x, w_ih, w_hh, b_ih, b_hh, h0, c0);
        std::vector<T> dh(H, T(0)), dc(H, T(0));
        for (int64_t j = 0; j < H; ++j) {
            if (dh_n) dh[j] = dh_n[b * H + j];
            if (dc_n && k.lstm) dc[j] = dc_n[b * H + j];
        }
        for (int64_t s = n - 1; s >= 0; --s) {
            const int64_t r = k.row(k.time(s, n), b);
            if (dy)
                for (int64_t j = 0; j < H; ++j) dh[j] += dy[r * H + j];
            const std::vector<T>& g = tr.gates[s];
            const std::vector<T>& hp = tr.h[s];
            std::vector<T> dax(GH), dah(GH), dh_prev(H, T(0));
            for (int64_t j = 0; j < H; ++j) {
                if (k.lstm) {
                    T i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
                    T tc = std::tanh(tr.c[s + 1][j]);
                    T dct = dc[j] + dh[j] * o * (T(1) - tc * tc);
                    dax[j] = dct * gg * i * (T(1) - i);
                    dax[H + j] = dct * tr.c[s][j] * f * (T(1) - f);
                    dax[2 * H + j] = dct * i * (T(1) - gg * gg);
                    dax[3 * H + j] = dh[j] * tc * o * (T(1) - o);
                    for (int q = 0; q < 4; ++q) dah[q * H + j] = dax[q * H + j];
                    dc[j] = dct * f;
                } else {
                    T rr = g[j], z = g[H + j], nn_ = g[2 * H + j];
                    T dn = dh[j] * (T(1) - z) * (T(1) - nn_ * nn_);
                    T dz = dh[j] * (hp[j] - nn_) * z * (T(1) - z);
                    T dr = dn * tr.hn[s][j] * rr * (T(1) - rr);
                    dax[j] = dr, dax[H + j] = dz, dax[2 * H + j] = dn;
                    dah[j] = dr, dah[H + j] = dz, dah[2 * H + j] = dn * rr;
                    dh_prev[j] = dh[j] * z;
                }
            }
            const T* xt = x + r * k.I;
            for (int64_t q = 0; q < GH; ++q) {
                dbi[q] += dax[q];
                dbh[q] += dah[q];
                for (int64_t p = 0; p < k.I; ++p) {
                    dw_ih[q * k.I + p] += dax[q] * xt[p];
                    dx[r * k.I + p] += dax[q] * w_ih[q * k.I + p];
                }
                for (int64_t p = 0; p < H; ++p) {
                    dw_hh[q * H + p] += dah[q] * hp[p];
                    dh_prev[p] += dah[q] * w_hh[q * H + p];
                }
            }
            dh = dh_prev;
        }
        for (int64_t j = 0; j < H; ++j) {
            if (dh0) dh0[b * H + j] = dh[j];
            if (dc0 && k.lstm) dc0[b * H + j] = dc[j];
        }
    }
    for (int64_t q = 0; q < GH; ++q) {
        if (db_ih) db_ih[q] = dbi[q];
        if (db_hh) db_hh[q] = dbh[q];
    }
}

#define NN_RNN_REF_INSTANTIATE(T)                                                                                \
    template void forward<T>(const nn_rnn_desc&, const T*, const T*, const T*, const T*, const T*, const T*,     \
                             const T*, const int64_t*, T*, T*, T*);                                             \
    template void backward<T>(const nn_rnn_desc&, const T*, const T*, const T*, const T*, const T*, const T*,    \
                              const T*, const int64_t*, const T*, const T*, const T*, T*, T*, T*, T*, T*, T*, T*);
NN_RNN_REF_INSTANTIATE(float)
NN_RNN_REF_INSTANTIATE(double)
#undef NN_RNN_REF_INSTANTIATE

}  // namespace nn::rnn::ref
