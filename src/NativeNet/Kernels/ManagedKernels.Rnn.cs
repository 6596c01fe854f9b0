namespace NativeNet.Kernels;

public sealed partial class ManagedKernels
{
    // Workspace: gates [T,B,G·H] (activated; backward overwrites them with pre-activation gradients),
    // extra [T,B,H] (LSTM cell state c_t; GRU W_hn·h + b_hn), then scratch [B,G·H] and 3·[B,H].
    /// <inheritdoc />
    public long RnnWorkspaceSize(in RnnDescriptor d)
    {
        d.Validate();
        long tb = (long)d.SeqLen * d.Batch;
        return tb * d.Gates * d.HiddenSize + tb * d.HiddenSize + (long)d.Batch * d.Gates * d.HiddenSize + 3L * d.Batch * d.HiddenSize;
    }

    private static void RnnChecks(in RnnDescriptor d, int x, int wIh, int wHh, int bIh, int bHh, int h0, int c0, int ws, long wsNeeded)
    {
        int gh = d.Gates * d.HiddenSize;
        KernelChecks.AtLeast((long)d.SeqLen * d.Batch * d.InputSize, x, "x");
        KernelChecks.AtLeast((long)gh * d.InputSize, wIh, "wIh");
        KernelChecks.AtLeast((long)gh * d.HiddenSize, wHh, "wHh");
        if (bIh != 0) KernelChecks.AtLeast(gh, bIh, "bIh");
        if (bHh != 0) KernelChecks.AtLeast(gh, bHh, "bHh");
        if (h0 != 0) KernelChecks.AtLeast((long)d.Batch * d.HiddenSize, h0, "h0");
        if (c0 != 0) KernelChecks.AtLeast((long)d.Batch * d.HiddenSize, c0, "c0");
        KernelChecks.AtLeast(wsNeeded, ws, "workspace");
    }

    private static float Sig(float v) => 1f / (1f + MathF.Exp(-v));

    /// <inheritdoc />
    public void RnnForward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh,
                           ReadOnlySpan<float> bIh, ReadOnlySpan<float> bHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
                           Span<float> y, Span<float> hN, Span<float> cN, Span<float> workspace)
    {
        d.Validate();
        if (d.BatchFirst)
        {
            // Reference backend: run time-major on transposed copies.
            var tm = d with { BatchFirst = false };
            KernelChecks.AtLeast((long)d.SeqLen * d.Batch * d.InputSize, x.Length, nameof(x));
            KernelChecks.AtLeast((long)d.SeqLen * d.Batch * d.HiddenSize, y.Length, nameof(y));
            var yt = new float[d.SeqLen * d.Batch * d.HiddenSize];
            RnnForward(tm, SwapLeadingDims(x, d.Batch, d.SeqLen, d.InputSize), wIh, wHh, bIh, bHh, h0, c0, yt, hN, cN, workspace);
            SwapLeadingDims(yt, d.SeqLen, d.Batch, d.HiddenSize).CopyTo(y);
            return;
        }
        RnnChecks(d, x.Length, wIh.Length, wHh.Length, bIh.Length, bHh.Length, h0.Length, d.Cell == RnnCell.Lstm ? c0.Length : 0, workspace.Length, RnnWorkspaceSize(d));
        int T = d.SeqLen, B = d.Batch, I = d.InputSize, H = d.HiddenSize, G = d.Gates, GH = G * H, BH = B * H;
        KernelChecks.AtLeast((long)T * BH, y.Length, nameof(y));
        var gates = workspace[..(T * B * GH)];
        var extra = workspace.Slice(T * B * GH, T * BH);
        var scratch = workspace.Slice(T * B * GH + T * BH, B * GH);
        var zeros = workspace.Slice(T * B * GH + T * BH + B * GH, BH);
        zeros.Clear();
        // Input projections for every step at once (with b_ih; LSTM folds b_hh in too).
        Gemm(false, true, T * B, GH, I, 1f, x, I, wIh, I, 0f, gates, GH, bIh, bIh.IsEmpty ? BiasMode.None : BiasMode.Column);
        bool lstm = d.Cell == RnnCell.Lstm;
        if (lstm && !bHh.IsEmpty)
            for (int r = 0; r < T * B; r++) System.Numerics.Tensors.TensorPrimitives.Add(gates.Slice(r * GH, GH), bHh[..GH], gates.Slice(r * GH, GH));
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
                    var g = gt.Slice(b * GH, GH);
                    for (int j = 0; j < H; j++)
                    {
                        float ig = Sig(g[j]), fg = Sig(g[H + j]), gg = MathF.Tanh(g[2 * H + j]), og = Sig(g[3 * H + j]);
                        g[j] = ig; g[H + j] = fg; g[2 * H + j] = gg; g[3 * H + j] = og;
                        float c = fg * cPrev[b * H + j] + ig * gg;
                        ct[b * H + j] = c;
                        ht[b * H + j] = og * MathF.Tanh(c);
                    }
                }
            }
            else
            {
                Gemm(false, true, B, GH, H, 1f, hPrev, H, wHh, H, 0f, scratch, GH, bHh, bHh.IsEmpty ? BiasMode.None : BiasMode.Column);
                var hn = extra.Slice(t * BH, BH);
                for (int b = 0; b < B; b++)
                {
                    var g = gt.Slice(b * GH, GH);
                    var hw = scratch.Slice(b * GH, GH);
                    for (int j = 0; j < H; j++)
                    {
                        float r = Sig(g[j] + hw[j]), z = Sig(g[H + j] + hw[H + j]);
                        float hnj = hw[2 * H + j];
                        float n = MathF.Tanh(g[2 * H + j] + r * hnj);
                        g[j] = r; g[H + j] = z; g[2 * H + j] = n;
                        hn[b * H + j] = hnj;
                        ht[b * H + j] = (1 - z) * n + z * hPrev[b * H + j];
                    }
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
        d.Validate();
        if (d.BatchFirst)
        {
            var tm = d with { BatchFirst = false };
            int sT = d.SeqLen, sB = d.Batch, sI = d.InputSize, sH = d.HiddenSize;
            KernelChecks.AtLeast((long)sT * sB * sI, x.Length, nameof(x));
            KernelChecks.AtLeast((long)sT * sB * sH, y.Length, nameof(y));
            if (!dy.IsEmpty) KernelChecks.AtLeast((long)sT * sB * sH, dy.Length, nameof(dy));
            KernelChecks.AtLeast((long)sT * sB * sI, dx.Length, nameof(dx));
            var dxt = new float[sT * sB * sI];
            RnnBackward(tm, SwapLeadingDims(x, sB, sT, sI), wIh, wHh, h0, c0, SwapLeadingDims(y, sB, sT, sH), workspace,
                        dy.IsEmpty ? default : SwapLeadingDims(dy, sB, sT, sH), dhN, dcN, dxt, dh0, dc0, dWIh, dWHh, dbIh, dbHh);
            SwapLeadingDims(dxt, sT, sB, sI).CopyTo(dx);
            return;
        }
        RnnChecks(d, x.Length, wIh.Length, wHh.Length, 0, 0, h0.Length, d.Cell == RnnCell.Lstm ? c0.Length : 0, workspace.Length, RnnWorkspaceSize(d));
        int T = d.SeqLen, B = d.Batch, I = d.InputSize, H = d.HiddenSize, G = d.Gates, GH = G * H, BH = B * H;
        KernelChecks.AtLeast((long)T * BH, y.Length, nameof(y));
        KernelChecks.AtLeast((long)T * B * I, dx.Length, nameof(dx));
        KernelChecks.AtLeast((long)GH * I, dWIh.Length, nameof(dWIh));
        KernelChecks.AtLeast((long)GH * H, dWHh.Length, nameof(dWHh));
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
                var ct = extra.Slice(t * BH, BH);
                for (int b = 0; b < B; b++)
                {
                    var g = gt.Slice(b * GH, GH);
                    for (int j = 0; j < H; j++)
                    {
                        int k = b * H + j;
                        float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
                        float dh = dhNext[k] + (dy.IsEmpty ? 0f : dyt[k]);
                        float tc = MathF.Tanh(ct[k]);
                        float dc = dcNext[k] + dh * og * (1 - tc * tc);
                        g[j] = dc * gg * ig * (1 - ig);
                        g[H + j] = dc * cPrev[k] * fg * (1 - fg);
                        g[2 * H + j] = dc * ig * (1 - gg * gg);
                        g[3 * H + j] = dh * tc * og * (1 - og);
                        dcNext[k] = dc * fg;
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
                    var g = gt.Slice(b * GH, GH);
                    var dhw = scratch.Slice(b * GH, GH);
                    for (int j = 0; j < H; j++)
                    {
                        int k = b * H + j;
                        float r = g[j], z = g[H + j], n = g[2 * H + j];
                        float dh = dhNext[k] + (dy.IsEmpty ? 0f : dyt[k]);
                        float dnPre = dh * (1 - z) * (1 - n * n);
                        float dzPre = dh * (hPrev[k] - n) * z * (1 - z);
                        float drPre = dnPre * hn[k] * r * (1 - r);
                        g[j] = drPre; g[H + j] = dzPre; g[2 * H + j] = dnPre;
                        dhw[j] = drPre; dhw[H + j] = dzPre; dhw[2 * H + j] = dnPre * r;
                        dhNext[k] = dh * z;
                    }
                }
                Gemm(true, false, GH, H, B, 1f, scratch, GH, hPrev, H, 1f, dWHh, H);
                if (!dbHh.IsEmpty)
                    for (int b = 0; b < B; b++) System.Numerics.Tensors.TensorPrimitives.Add(dbHh[..GH], scratch.Slice(b * GH, GH), dbHh[..GH]);
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
            for (int r = 0; r < T * B; r++) System.Numerics.Tensors.TensorPrimitives.Add(dbIh[..GH], gates.Slice(r * GH, GH), dbIh[..GH]);
            if (lstm && !dbHh.IsEmpty) dbIh[..GH].CopyTo(dbHh);
        }
        else if (lstm && !dbHh.IsEmpty)
        {
            for (int r = 0; r < T * B; r++) System.Numerics.Tensors.TensorPrimitives.Add(dbHh[..GH], gates.Slice(r * GH, GH), dbHh[..GH]);
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
