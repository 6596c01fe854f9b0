using System.Numerics;
using System.Numerics.Tensors;
using static NativeNet.Kernels.ManagedVector;

namespace NativeNet.Kernels;

internal sealed partial class ManagedKernels
{
    // Workspace: gates [T,B,G·H] (activated; backward overwrites them with pre-activation gradients),
    // extra [T,B,H] (LSTM cell state c_t; GRU W_hn·h + b_hn), then scratch [B,G·H] and 3·[B,H].
    /// <inheritdoc />
    public long RnnWorkspaceSize(in RnnDescriptor d)
    {
        KernelAssert.Valid(d);
        long tb = (long)d.SeqLen * d.Batch;
        return tb * d.Gates * d.HiddenSize + tb * d.HiddenSize + (long)d.Batch * d.Gates * d.HiddenSize + 3L * d.Batch * d.HiddenSize;
    }

    private static void RnnChecks(in RnnDescriptor d, int x, int wIh, int wHh, int bIh, int bHh, int h0, int c0, int ws, long wsNeeded)
    {
        int gh = d.Gates * d.HiddenSize;
        KernelAssert.AtLeast((long)d.SeqLen * d.Batch * d.InputSize, x, "x");
        KernelAssert.AtLeast((long)gh * d.InputSize, wIh, "wIh");
        KernelAssert.AtLeast((long)gh * d.HiddenSize, wHh, "wHh");
        if (bIh != 0) KernelAssert.AtLeast(gh, bIh, "bIh");
        if (bHh != 0) KernelAssert.AtLeast(gh, bHh, "bHh");
        if (h0 != 0) KernelAssert.AtLeast((long)d.Batch * d.HiddenSize, h0, "h0");
        if (c0 != 0) KernelAssert.AtLeast((long)d.Batch * d.HiddenSize, c0, "c0");
        KernelAssert.AtLeast(wsNeeded, ws, "workspace");
    }

    /// <inheritdoc />
    public void RnnForward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh,
                           ReadOnlySpan<float> bIh, ReadOnlySpan<float> bHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
                           Span<float> y, Span<float> hN, Span<float> cN, Span<float> workspace)
    {
        KernelAssert.Valid(d);
        if (d.BatchFirst)
        {
            // Reference backend: run time-major on transposed copies.
            var tm = d with { BatchFirst = false };
            KernelAssert.AtLeast((long)d.SeqLen * d.Batch * d.InputSize, x.Length, nameof(x));
            KernelAssert.AtLeast((long)d.SeqLen * d.Batch * d.HiddenSize, y.Length, nameof(y));
            var yt = new float[d.SeqLen * d.Batch * d.HiddenSize];
            RnnForward(tm, SwapLeadingDims(x, d.Batch, d.SeqLen, d.InputSize), wIh, wHh, bIh, bHh, h0, c0, yt, hN, cN, workspace);
            SwapLeadingDims(yt, d.SeqLen, d.Batch, d.HiddenSize).CopyTo(y);
            return;
        }
        RnnChecks(d, x.Length, wIh.Length, wHh.Length, bIh.Length, bHh.Length, h0.Length, d.Cell == RnnCell.Lstm ? c0.Length : 0, workspace.Length, RnnWorkspaceSize(d));
        int T = d.SeqLen, B = d.Batch, I = d.InputSize, H = d.HiddenSize, G = d.Gates, GH = G * H, BH = B * H;
        KernelAssert.AtLeast((long)T * BH, y.Length, nameof(y));
        var gates = workspace[..(T * B * GH)];
        var extra = workspace.Slice(T * B * GH, T * BH);
        var scratch = workspace.Slice(T * B * GH + T * BH, B * GH);
        var zeros = workspace.Slice(T * B * GH + T * BH + B * GH, BH);
        zeros.Clear();
        // Input projections for every step at once (with b_ih; LSTM folds b_hh in too).
        Gemm(false, true, T * B, GH, I, 1f, x, I, wIh, I, 0f, gates, GH, bIh, bIh.IsEmpty ? BiasMode.None : BiasMode.Column);
        bool lstm = d.Cell == RnnCell.Lstm;
        if (lstm && !bHh.IsEmpty)
            for (int r = 0; r < T * B; r++) TensorPrimitives.Add(gates.Slice(r * GH, GH), bHh[..GH], gates.Slice(r * GH, GH));
        for (int s = 0; s < T; s++)
        {
            int t = d.Reverse ? T - 1 - s : s, tp = d.Reverse ? t + 1 : t - 1;
            ReadOnlySpan<float> hPrev = s == 0 ? (h0.IsEmpty ? zeros : h0[..BH]) : y.Slice(tp * BH, BH);
            var gt = gates.Slice(t * B * GH, B * GH);
            var ht = y.Slice(t * BH, BH);
            if (lstm)
            {
                ReadOnlySpan<float> cPrev = s == 0 ? (c0.IsEmpty ? zeros : c0[..BH]) : extra.Slice(tp * BH, BH);
                Gemm(false, true, B, GH, H, 1f, hPrev, H, wHh, H, 1f, gt, GH);
                var ct = extra.Slice(t * BH, BH);
                for (int b = 0; b < B; b++)
                {
                    // Gate rows i, f, g, o: activate in place, then c = f·c_prev + i·g and h = o·tanh(c).
                    var g = gt.Slice(b * GH, GH);
                    var c = ct.Slice(b * H, H);
                    var h = ht.Slice(b * H, H);
                    TensorPrimitives.Sigmoid(g[..(2 * H)], g[..(2 * H)]);
                    TensorPrimitives.Tanh(g.Slice(2 * H, H), g.Slice(2 * H, H));
                    TensorPrimitives.Sigmoid(g.Slice(3 * H, H), g.Slice(3 * H, H));
                    TensorPrimitives.Multiply(g.Slice(H, H), cPrev.Slice(b * H, H), c);
                    TensorPrimitives.MultiplyAdd(g[..H], g.Slice(2 * H, H), c, c);
                    TensorPrimitives.Tanh(c, h);
                    TensorPrimitives.Multiply(h, g.Slice(3 * H, H), h);
                }
            }
            else
            {
                Gemm(false, true, B, GH, H, 1f, hPrev, H, wHh, H, 0f, scratch, GH, bHh, bHh.IsEmpty ? BiasMode.None : BiasMode.Column);
                var hn = extra.Slice(t * BH, BH);
                for (int b = 0; b < B; b++)
                {
                    // r, z = σ(x-part + h-part); n = tanh(x-part + r·(W_hn·h + b_hn)); h = n + z·(h_prev − n).
                    var g = gt.Slice(b * GH, GH);
                    var hw = scratch.Slice(b * GH, GH);
                    var rz = g[..(2 * H)];
                    var n = g.Slice(2 * H, H);
                    var h = ht.Slice(b * H, H);
                    TensorPrimitives.Add(rz, hw[..(2 * H)], rz);
                    TensorPrimitives.Sigmoid(rz, rz);
                    hw.Slice(2 * H, H).CopyTo(hn.Slice(b * H, H));
                    TensorPrimitives.MultiplyAdd(g[..H], hw.Slice(2 * H, H), n, n);
                    TensorPrimitives.Tanh(n, n);
                    TensorPrimitives.Subtract(hPrev.Slice(b * H, H), n, h);
                    TensorPrimitives.MultiplyAdd(h, g.Slice(H, H), n, h);
                }
            }
        }
        int last = d.Reverse ? 0 : T - 1;
        if (!hN.IsEmpty) y.Slice(last * BH, BH).CopyTo(hN);
        if (lstm && !cN.IsEmpty) extra.Slice(last * BH, BH).CopyTo(cN);
    }

    /// <inheritdoc />
    public void RnnBackward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh,
                            ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, ReadOnlySpan<float> y, Span<float> workspace,
                            ReadOnlySpan<float> dy, ReadOnlySpan<float> dhN, ReadOnlySpan<float> dcN,
                            Span<float> dx, Span<float> dh0, Span<float> dc0, Span<float> dWIh, Span<float> dWHh, Span<float> dbIh, Span<float> dbHh)
    {
        KernelAssert.Valid(d);
        if (d.BatchFirst)
        {
            var tm = d with { BatchFirst = false };
            int sT = d.SeqLen, sB = d.Batch, sI = d.InputSize, sH = d.HiddenSize;
            KernelAssert.AtLeast((long)sT * sB * sI, x.Length, nameof(x));
            KernelAssert.AtLeast((long)sT * sB * sH, y.Length, nameof(y));
            if (!dy.IsEmpty) KernelAssert.AtLeast((long)sT * sB * sH, dy.Length, nameof(dy));
            KernelAssert.AtLeast((long)sT * sB * sI, dx.Length, nameof(dx));
            var dxt = new float[sT * sB * sI];
            RnnBackward(tm, SwapLeadingDims(x, sB, sT, sI), wIh, wHh, h0, c0, SwapLeadingDims(y, sB, sT, sH), workspace,
                        dy.IsEmpty ? default : SwapLeadingDims(dy, sB, sT, sH), dhN, dcN, dxt, dh0, dc0, dWIh, dWHh, dbIh, dbHh);
            SwapLeadingDims(dxt, sT, sB, sI).CopyTo(dx);
            return;
        }
        RnnChecks(d, x.Length, wIh.Length, wHh.Length, 0, 0, h0.Length, d.Cell == RnnCell.Lstm ? c0.Length : 0, workspace.Length, RnnWorkspaceSize(d));
        int T = d.SeqLen, B = d.Batch, I = d.InputSize, H = d.HiddenSize, G = d.Gates, GH = G * H, BH = B * H;
        KernelAssert.AtLeast((long)T * BH, y.Length, nameof(y));
        KernelAssert.AtLeast((long)T * B * I, dx.Length, nameof(dx));
        KernelAssert.AtLeast((long)GH * I, dWIh.Length, nameof(dWIh));
        KernelAssert.AtLeast((long)GH * H, dWHh.Length, nameof(dWHh));
        var gates = workspace[..(T * B * GH)];
        var extra = workspace.Slice(T * B * GH, T * BH);
        var scratch = workspace.Slice(T * B * GH + T * BH, B * GH);
        var dhNext = workspace.Slice(T * B * GH + T * BH + B * GH, BH);
        var dcNext = workspace.Slice(T * B * GH + T * BH + B * GH + BH, BH);
        var zeros = workspace.Slice(T * B * GH + T * BH + B * GH + 2 * BH, BH);
        zeros.Clear();
        if (dhN.IsEmpty) dhNext.Clear(); else dhN[..BH].CopyTo(dhNext);
        if (d.Cell == RnnCell.Lstm) { if (dcN.IsEmpty) dcNext.Clear(); else dcN[..BH].CopyTo(dcNext); }
        dWHh[..(GH * H)].Clear();
        if (!dbHh.IsEmpty) dbHh[..GH].Clear();
        bool lstm = d.Cell == RnnCell.Lstm;
        for (int s = T - 1; s >= 0; s--)
        {
            int t = d.Reverse ? T - 1 - s : s, tp = d.Reverse ? t + 1 : t - 1;
            ReadOnlySpan<float> hPrev = s == 0 ? (h0.IsEmpty ? zeros : h0[..BH]) : y.Slice(tp * BH, BH);
            var gt = gates.Slice(t * B * GH, B * GH);
            var dyt = dy.IsEmpty ? default : dy.Slice(t * BH, BH);
            if (lstm)
            {
                ReadOnlySpan<float> cPrev = s == 0 ? (c0.IsEmpty ? zeros : c0[..BH]) : extra.Slice(tp * BH, BH);
                var tanhC = scratch[..BH];
                TensorPrimitives.Tanh(extra.Slice(t * BH, BH), tanhC);
                for (int b = 0; b < B; b++)
                {
                    // Overwrites the activated gates with the pre-activation gradients.
                    var g = gt.Slice(b * GH, GH);
                    Span<float> gi = g[..H], gf = g.Slice(H, H), gg = g.Slice(2 * H, H), go = g.Slice(3 * H, H);
                    var dhRow = dhNext.Slice(b * H, H);
                    var dcRow = dcNext.Slice(b * H, H);
                    ReadOnlySpan<float> dyRow = dy.IsEmpty ? default : dyt.Slice(b * H, H), tc = tanhC.Slice(b * H, H), cp = cPrev.Slice(b * H, H);
                    for (int j = 0; j < H; j += Width)
                    {
                        Vector<float> ig = Load(gi, j), fg = Load(gf, j), gv = Load(gg, j), og = Load(go, j), tcj = Load(tc, j);
                        var dh = dy.IsEmpty ? Load(dhRow, j) : Load(dhRow, j) + Load(dyRow, j);
                        var dc = Load(dcRow, j) + dh * og * (Vector<float>.One - tcj * tcj);
                        Store(dc * gv * ig * (Vector<float>.One - ig), gi, j);
                        Store(dc * Load(cp, j) * fg * (Vector<float>.One - fg), gf, j);
                        Store(dc * ig * (Vector<float>.One - gv * gv), gg, j);
                        Store(dh * tcj * og * (Vector<float>.One - og), go, j);
                        Store(dc * fg, dcRow, j);
                    }
                }
                Gemm(true, false, GH, H, B, 1f, gt, GH, hPrev, H, 1f, dWHh, H);
                Gemm(false, false, B, H, GH, 1f, gt, GH, wHh, H, 0f, dhNext, H);
            }
            else
            {
                var hn = extra.Slice(t * BH, BH);
                for (int b = 0; b < B; b++)
                {
                    // g receives the input-side pre-activation gradients, dhw the hidden-side ones.
                    var g = gt.Slice(b * GH, GH);
                    var dhw = scratch.Slice(b * GH, GH);
                    Span<float> gr = g[..H], gz = g.Slice(H, H), gn = g.Slice(2 * H, H);
                    var dhRow = dhNext.Slice(b * H, H);
                    ReadOnlySpan<float> dyRow = dy.IsEmpty ? default : dyt.Slice(b * H, H), hp = hPrev.Slice(b * H, H), hnRow = hn.Slice(b * H, H);
                    for (int j = 0; j < H; j += Width)
                    {
                        Vector<float> r = Load(gr, j), z = Load(gz, j), nv = Load(gn, j);
                        var dh = dy.IsEmpty ? Load(dhRow, j) : Load(dhRow, j) + Load(dyRow, j);
                        var dnPre = dh * (Vector<float>.One - z) * (Vector<float>.One - nv * nv);
                        var dzPre = dh * (Load(hp, j) - nv) * z * (Vector<float>.One - z);
                        var drPre = dnPre * Load(hnRow, j) * r * (Vector<float>.One - r);
                        Store(drPre, gr, j);
                        Store(dzPre, gz, j);
                        Store(dnPre, gn, j);
                        Store(drPre, dhw[..H], j);
                        Store(dzPre, dhw.Slice(H, H), j);
                        Store(dnPre * r, dhw.Slice(2 * H, H), j);
                        Store(dh * z, dhRow, j);
                    }
                }
                Gemm(true, false, GH, H, B, 1f, scratch, GH, hPrev, H, 1f, dWHh, H);
                if (!dbHh.IsEmpty)
                    for (int b = 0; b < B; b++) TensorPrimitives.Add(dbHh[..GH], scratch.Slice(b * GH, GH), dbHh[..GH]);
                Gemm(false, false, B, H, GH, 1f, scratch, GH, wHh, H, 1f, dhNext, H);
            }
        }
        if (!dh0.IsEmpty) dhNext.CopyTo(dh0);
        if (lstm && !dc0.IsEmpty) dcNext.CopyTo(dc0);
        Gemm(true, false, GH, I, T * B, 1f, gates, GH, x, I, 0f, dWIh, I);
        Gemm(false, false, T * B, I, GH, 1f, gates, GH, wIh, I, 0f, dx, I);
        if (!dbIh.IsEmpty)
        {
            dbIh[..GH].Clear();
            for (int r = 0; r < T * B; r++) TensorPrimitives.Add(dbIh[..GH], gates.Slice(r * GH, GH), dbIh[..GH]);
            if (lstm && !dbHh.IsEmpty) dbIh[..GH].CopyTo(dbHh);
        }
        else if (lstm && !dbHh.IsEmpty)
        {
            for (int r = 0; r < T * B; r++) TensorPrimitives.Add(dbHh[..GH], gates.Slice(r * GH, GH), dbHh[..GH]);
        }
    }

    // [a, b, c] → a new [b, a, c] array (batch-first ↔ time-major).
    private static float[] SwapLeadingDims(ReadOnlySpan<float> src, int a, int b, int c)
    {
        var dst = new float[a * b * c];
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                src.Slice((i * b + j) * c, c).CopyTo(dst.AsSpan((j * a + i) * c, c));
        return dst;
    }
}
