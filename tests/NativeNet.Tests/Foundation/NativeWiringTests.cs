using NativeNet.Interop;
using NativeNet.Kernels;

namespace NativeNet.Tests.Foundation;

/// <summary>
/// NativeKernels really reaches the C++ library for every kernel family (not a managed fallback),
/// and agrees with ManagedKernels on the same inputs.
/// </summary>
public class NativeWiringTests
{
    private static readonly NativeKernels N = NativeKernels.Instance;
    private static readonly ManagedKernels M = ManagedKernels.Instance;

    private static float[] Data(int n, int seed, float lo = -1f, float hi = 1f)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => lo + (float)r.NextDouble() * (hi - lo)).ToArray();
    }

    private static void Close(float[] want, float[] got, float rtol, float atol, string what)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= atol + rtol * Math.Abs(want[i]), $"{what}: [{i}] managed {want[i]} native {got[i]}");
    }

    [Fact]
    public void GemmBadLeadingDimensionIsRejectedByTheNativeLibrary()
    {
        // The C ABI is public, so nn_sgemm checks its arguments itself and its message names the
        // argument. Called directly: NativeKernels trusts the C# boundary and only asserts (Debug).
        var ex = Assert.Throws<ArgumentException>(() => Sgemm(false, 3, 4, 5, 2, 4));
        Assert.Contains("lda must be >= 5. Received: lda=2", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Sgemm(true, 3, 4, 5, 5, 3));
        Assert.Contains("ldb must be >= 5. Received: ldb=3", ex.Message);
    }

    private static unsafe void Sgemm(bool transB, long m, long n, long k, long lda, long ldb)
    {
        float[] a = new float[64], b = new float[64], c = new float[64];
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            NativeStatus.Check(NativeMethods.nn_sgemm(nn_transpose.NN_NO_TRANS, transB ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS,
                                                      m, n, k, 1f, pa, lda, pb, ldb, 0f, pc, n));
    }

    [Fact]
    public void GemmWithEpilogueAgrees()
    {
        foreach (var (ta, tb, m, n, k) in new[] { (false, false, 7, 9, 13), (true, false, 16, 33, 5), (false, true, 1, 70, 31), (true, true, 29, 3, 64) })
        {
            float[] a = Data(m * k, 1), b = Data(k * n, 2), bias = Data(Math.Max(m, n), 3), cn = Data(m * n, 4), cm = (float[])cn.Clone();
            foreach (var (mode, act) in new[] { (BiasMode.None, GemmActivation.None), (BiasMode.Column, GemmActivation.Relu), (BiasMode.Row, GemmActivation.Gelu) })
            {
                N.Gemm(ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 0.25f, cn, n, bias, mode, act);
                M.Gemm(ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 0.25f, cm, n, bias, mode, act);
                Close(cm, cn, 1e-5f, 1e-5f, $"gemm {ta}{tb} {m}x{n}x{k} {mode} {act}");
            }
        }
    }

    [Fact]
    public void ConvolutionAndPoolingAgree()
    {
        var g = new Conv2dGeometry(2, 4, 9, 11, 6, 3, 3, StrideH: 2, StrideW: 1, PadH: 1, PadW: 2, DilationH: 1, DilationW: 2, Groups: 2);
        float[] x = Data((int)g.InputSize, 5), w = Data((int)g.WeightSize, 6), bias = Data(g.OutChannels, 7), dy = Data((int)g.OutputSize, 8);
        float[] yn = new float[g.OutputSize], ym = new float[g.OutputSize];
        N.Conv2dForward(g, x, w, bias, yn); M.Conv2dForward(g, x, w, bias, ym);
        Close(ym, yn, 1e-5f, 1e-5f, "conv forward");
        float[] dxn = new float[g.InputSize], dxm = new float[g.InputSize];
        N.Conv2dBackwardData(g, dy, w, dxn); M.Conv2dBackwardData(g, dy, w, dxm);
        Close(dxm, dxn, 1e-5f, 1e-5f, "conv backward data");
        float[] dwn = new float[g.WeightSize], dwm = new float[g.WeightSize], dbn = new float[g.OutChannels], dbm = new float[g.OutChannels];
        N.Conv2dBackwardWeights(g, x, dy, dwn, dbn); M.Conv2dBackwardWeights(g, x, dy, dwm, dbm);
        Close(dwm, dwn, 1e-5f, 1e-5f, "conv backward weights");
        Close(dbm, dbn, 1e-5f, 1e-5f, "conv backward bias");

        foreach (bool include in new[] { true, false })
        {
            var p = new Pool2dGeometry(2, 3, 10, 7, 3, 2, 2, 2, PadH: 1, PadW: 1, CountIncludePad: include);
            int ins = 2 * 3 * 10 * 7, outs = 2 * 3 * p.OutHeight * p.OutWidth;
            float[] px = Data(ins, 9), pdy = Data(outs, 10);
            float[] on = new float[outs], om = new float[outs], gn = new float[ins], gm = new float[ins];
            long[] an = new long[outs], am = new long[outs];
            N.MaxPool2dForward(p, px, on, an); M.MaxPool2dForward(p, px, om, am);
            Assert.Equal(om, on); Assert.Equal(am, an);
            N.MaxPool2dBackward(p, pdy, an, gn); M.MaxPool2dBackward(p, pdy, am, gm);
            Assert.Equal(gm, gn);
            N.AvgPool2dForward(p, px, on); M.AvgPool2dForward(p, px, om);
            Close(om, on, 1e-6f, 1e-6f, $"avg pool include={include}");
            N.AvgPool2dBackward(p, pdy, gn); M.AvgPool2dBackward(p, pdy, gm);
            Close(gm, gn, 1e-6f, 1e-6f, $"avg pool backward include={include}");
        }
        // Max pooling, both backends bit for bit: coarse values (ties keep the first maximum), NaNs
        // (the last NaN of a window wins, as PyTorch), the 2x2/2 paths on odd and even planes, a
        // plane count large enough for the managed threads, and no indices at all.
        foreach (var p in new[] { new Pool2dGeometry(3, 5, 13, 11, 2, 2, 2, 2), new Pool2dGeometry(64, 32, 26, 26, 2, 2, 2, 2),
                                  new Pool2dGeometry(2, 3, 9, 8, 3, 3, 1, 2, PadH: 1, PadW: 1) })
        {
            int ins = p.Batch * p.Channels * p.InHeight * p.InWidth, outs = p.Batch * p.Channels * p.OutHeight * p.OutWidth;
            float[] px = Data(ins, 13);
            for (int i = 0; i < ins; i++) px[i] = MathF.Round(px[i] * 3);
            for (int i = 0; i < ins; i += 7) px[i] = float.NaN;
            float[] on = new float[outs], om = new float[outs], om2 = new float[outs];
            long[] an = new long[outs], am = new long[outs];
            N.MaxPool2dForward(p, px, on, an); M.MaxPool2dForward(p, px, om, am);
            Assert.Equal(on, om);
            Assert.Equal(an, am);
            M.MaxPool2dForward(p, px, om2, Span<long>.Empty);
            Assert.Equal(on, om2);
            // Average pooling on the same geometries (the large one splits planes over threads).
            float[] ax0 = Data(ins, 14), ady = Data(outs, 15), agn0 = new float[ins], agm0 = new float[ins];
            N.AvgPool2dForward(p, ax0, on); M.AvgPool2dForward(p, ax0, om);
            Close(om, on, 1e-6f, 1e-6f, "avg pool (threads)");
            N.AvgPool2dBackward(p, ady, agn0); M.AvgPool2dBackward(p, ady, agm0);
            Close(agm0, agn0, 1e-6f, 1e-6f, "avg pool backward (threads)");
        }
        float[] ax = Data(6 * 9 * 7, 11), ay = Data(6 * 4 * 3, 12);
        float[] an2 = new float[6 * 4 * 3], am2 = new float[6 * 4 * 3], agn = new float[6 * 9 * 7], agm = new float[6 * 9 * 7];
        N.AdaptiveAvgPool2dForward(6, 9, 7, 4, 3, ax, an2); M.AdaptiveAvgPool2dForward(6, 9, 7, 4, 3, ax, am2);
        Close(am2, an2, 1e-6f, 1e-6f, "adaptive avg pool");
        N.AdaptiveAvgPool2dBackward(6, 9, 7, 4, 3, ay, agn); M.AdaptiveAvgPool2dBackward(6, 9, 7, 4, 3, ay, agm);
        Close(agm, agn, 1e-6f, 1e-6f, "adaptive avg pool backward");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NormalizationAgrees(bool training)
    {
        int n = 3, c = 4, sp = 13, total = n * c * sp;
        float[] x = Data(total, 13, -2, 3), dy = Data(total, 14), w = Data(c, 15, 0.5f, 1.5f), b = Data(c, 16);
        float[] rmN = Data(c, 17), rvN = Data(c, 18, 0.5f, 2f), rmM = (float[])rmN.Clone(), rvM = (float[])rvN.Clone();
        float[] yn = new float[total], ym = new float[total], smN = new float[c], siN = new float[c], smM = new float[c], siM = new float[c];
        N.BatchNormForward(n, c, sp, x, w, b, rmN, rvN, training, 0.1f, 1e-5f, yn, smN, siN);
        M.BatchNormForward(n, c, sp, x, w, b, rmM, rvM, training, 0.1f, 1e-5f, ym, smM, siM);
        Close(ym, yn, 1e-5f, 1e-5f, "batch norm y"); Close(rmM, rmN, 1e-6f, 1e-6f, "running mean"); Close(rvM, rvN, 1e-5f, 1e-6f, "running var");
        Close(siM, siN, 1e-6f, 1e-6f, "save invstd");
        float[] dxn = new float[total], dxm = new float[total], dwn = new float[c], dwm = new float[c], dbn = new float[c], dbm = new float[c];
        N.BatchNormBackward(n, c, sp, x, dy, w, smN, siN, training, dxn, dwn, dbn);
        M.BatchNormBackward(n, c, sp, x, dy, w, smM, siM, training, dxm, dwm, dbm);
        Close(dxm, dxn, 1e-4f, 1e-5f, "batch norm dx"); Close(dwm, dwn, 1e-4f, 1e-5f, "dgamma"); Close(dbm, dbn, 1e-5f, 1e-5f, "dbeta");

        int rows = 5, cols = 37;
        float[] lx = Data(rows * cols, 19), ldy = Data(rows * cols, 20), lw = Data(cols, 21), lb = Data(cols, 22);
        float[] lyn = new float[rows * cols], lym = new float[rows * cols], mN = new float[rows], iN = new float[rows], mM = new float[rows], iM = new float[rows];
        N.LayerNormForward(rows, cols, lx, lw, lb, 1e-5f, lyn, mN, iN); M.LayerNormForward(rows, cols, lx, lw, lb, 1e-5f, lym, mM, iM);
        Close(lym, lyn, 1e-5f, 1e-5f, "layer norm");
        float[] ldxn = new float[rows * cols], ldxm = new float[rows * cols], lgwn = new float[cols], lgwm = new float[cols], lgbn = new float[cols], lgbm = new float[cols];
        N.LayerNormBackward(rows, cols, lx, ldy, lw, mN, iN, ldxn, lgwn, lgbn); M.LayerNormBackward(rows, cols, lx, ldy, lw, mM, iM, ldxm, lgwm, lgbm);
        Close(ldxm, ldxn, 1e-4f, 1e-5f, "layer norm dx"); Close(lgwm, lgwn, 1e-5f, 1e-5f, "layer norm dgamma"); Close(lgbm, lgbn, 1e-5f, 1e-5f, "layer norm dbeta");
    }

    [Theory]
    [InlineData(RnnCell.Lstm, false, false)]
    [InlineData(RnnCell.Gru, true, false)]
    [InlineData(RnnCell.Lstm, true, true)]
    [InlineData(RnnCell.Gru, false, true)]
    public void RecurrentAgrees(RnnCell cell, bool reverse, bool batchFirst)
    {
        var d = new RnnDescriptor(cell, 5, 3, 4, 6, reverse, batchFirst);
        int gh = d.Gates * d.HiddenSize, bh = d.Batch * d.HiddenSize, tbh = d.SeqLen * bh, tbi = d.SeqLen * d.Batch * d.InputSize;
        float[] x = Data(tbi, 23), wih = Data(gh * d.InputSize, 24, -0.4f, 0.4f), whh = Data(gh * d.HiddenSize, 25, -0.4f, 0.4f);
        float[] bih = Data(gh, 26), bhh = Data(gh, 27), h0 = Data(bh, 28), c0 = Data(bh, 29), dy = Data(tbh, 30), dhN = Data(bh, 31), dcN = Data(bh, 32);
        var results = new List<float[][]>();
        foreach (IKernels k in new IKernels[] { M, N })
        {
            var ws = new float[k.RnnWorkspaceSize(d)];
            float[] y = new float[tbh], hN = new float[bh], cN = new float[bh];
            k.RnnForward(d, x, wih, whh, bih, bhh, h0, c0, y, hN, cN, ws);
            float[] dx = new float[tbi], dh0 = new float[bh], dc0 = new float[bh], dwih = new float[wih.Length], dwhh = new float[whh.Length], dbih = new float[gh], dbhh = new float[gh];
            k.RnnBackward(d, x, wih, whh, h0, c0, y, ws, dy, dhN, dcN, dx, dh0, dc0, dwih, dwhh, dbih, dbhh);
            results.Add(cell == RnnCell.Lstm ? new[] { y, hN, cN, dx, dh0, dc0, dwih, dwhh, dbih, dbhh } : new[] { y, hN, dx, dh0, dwih, dwhh, dbih, dbhh });
        }
        Assert.Equal(N.RnnWorkspaceSize(d), (long)(d.SeqLen * d.Batch * (d.Gates + 3) + d.Batch * (2 * d.Gates + 5)) * d.HiddenSize);
        for (int i = 0; i < results[0].Length; i++) Close(results[0][i], results[1][i], 1e-4f, 1e-5f, $"{cell} output {i}");
        if (!batchFirst) return;
        // Batch-first must be the time-major run on transposed x / dy, with y / dx transposed back.
        var tm = d with { BatchFirst = false };
        var wsT = new float[M.RnnWorkspaceSize(tm)];
        float[] yT = new float[tbh], hT = new float[bh], cT = new float[bh], dxT = new float[tbi];
        M.RnnForward(tm, SwapLeading(x, d.Batch, d.SeqLen), wih, whh, bih, bhh, h0, c0, yT, hT, cT, wsT);
        M.RnnBackward(tm, SwapLeading(x, d.Batch, d.SeqLen), wih, whh, h0, c0, yT, wsT, SwapLeading(dy, d.Batch, d.SeqLen), dhN, dcN, dxT,
                      new float[bh], new float[bh], new float[wih.Length], new float[whh.Length], new float[gh], new float[gh]);
        Close(SwapLeading(yT, d.SeqLen, d.Batch), results[1][0], 1e-4f, 1e-5f, $"{cell} batch-first y");
        Close(hT, results[1][1], 1e-4f, 1e-5f, $"{cell} batch-first h_n");
        Close(SwapLeading(dxT, d.SeqLen, d.Batch), results[1][cell == RnnCell.Lstm ? 3 : 2], 1e-4f, 1e-5f, $"{cell} batch-first dx");
    }

    // [a, b, rest] → [b, a, rest] for a flat array holding a·b rows of equal length.
    private static float[] SwapLeading(float[] src, int a, int b)
    {
        int c = src.Length / (a * b);
        var dst = new float[src.Length];
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                Array.Copy(src, (i * b + j) * c, dst, (j * a + i) * c, c);
        return dst;
    }

    [Fact]
    public void SoftmaxCrossEntropyAndScalarOpsAgree()
    {
        foreach (var (outer, dim, inner) in new[] { (4, 11, 1), (2, 5, 19), (1, 300, 1) })
            foreach (bool log in new[] { false, true })
            {
                int t = outer * dim * inner;
                float[] x = Data(t, 33, -20, 20), dy = Data(t, 34), yn = new float[t], ym = new float[t], gn = new float[t], gm = new float[t];
                N.Softmax(outer, dim, inner, x, yn, log); M.Softmax(outer, dim, inner, x, ym, log);
                // Managed log-softmax rounds x − (max + lse) to the spacing of |x| ≤ 20 (~2e-6).
                Close(ym, yn, 1e-5f, log ? 5e-6f : 1e-6f, $"softmax log={log} {outer}x{dim}x{inner}");
                N.SoftmaxBackward(outer, dim, inner, ym, dy, gn, log); M.SoftmaxBackward(outer, dim, inner, ym, dy, gm, log);
                Close(gm, gn, 1e-4f, 1e-6f, $"softmax backward log={log}");
            }
        int rows = 6, classes = 9;
        float[] logits = Data(rows * classes, 35, -4, 4), cw = Data(classes, 36, 0.5f, 2f);
        int[] targets = { 0, 8, -100, 3, 3, 5 };
        foreach (var weights in new[] { Array.Empty<float>(), cw })
            foreach (float smoothing in new[] { 0f, 0.1f })
            {
                float[] ln = new float[rows], lm = new float[rows], wn = new float[rows], wm = new float[rows], gn = new float[rows * classes], gm = new float[rows * classes];
                N.CrossEntropy(rows, classes, logits, targets, weights, smoothing, -100, ln, wn, gn);
                M.CrossEntropy(rows, classes, logits, targets, weights, smoothing, -100, lm, wm, gm);
                Close(lm, ln, 1e-5f, 1e-6f, "ce loss"); Assert.Equal(wm, wn); Close(gm, gn, 1e-5f, 1e-6f, "ce grad");
                N.CrossEntropy(rows, classes, logits, targets, weights, smoothing, -100, ln, wn, default);
                Close(lm, ln, 1e-5f, 1e-6f, "ce loss without gradient");
            }
        float[] a = Data(1001, 37, -3, 3);
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            float[] yn = new float[a.Length], ym = new float[a.Length];
            N.BinaryScalar(op, a, 0.3f, yn); M.BinaryScalar(op, a, 0.3f, ym);
            Assert.Equal(ym, yn);
        }
    }

    [Fact]
    public void OptimizerStepsAgreeBitwise()
    {
        const int n = 1037;
        float[] g = Data(n, 38);
        foreach (var (mom, nest, wd) in new[] { (0f, false, 0f), (0.9f, true, 0.01f), (0.9f, false, 0f) })
        {
            float[] pn = Data(n, 39), pm = (float[])pn.Clone(), bn = new float[n], bm = new float[n];
            for (int s = 0; s < 3; s++)
            {
                N.SgdStep(pn, g, mom == 0 ? default : bn, 0.1f, mom, 0f, wd, nest, false, s == 0);
                M.SgdStep(pm, g, mom == 0 ? default : bm, 0.1f, mom, 0f, wd, nest, false, s == 0);
            }
            Assert.Equal(pm, pn); Assert.Equal(bm, bn);
        }
        foreach (var (decoupled, ams, max) in new[] { (false, false, false), (true, true, false), (false, true, true) })
        {
            float[] pn = Data(n, 40), pm = (float[])pn.Clone();
            float[][] sn = { new float[n], new float[n], new float[n] }, sm = { new float[n], new float[n], new float[n] };
            for (int s = 1; s <= 3; s++)
            {
                N.AdamStep(pn, g, sn[0], sn[1], sn[2], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled, ams, max, s);
                M.AdamStep(pm, g, sm[0], sm[1], sm[2], 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled, ams, max, s);
            }
            Assert.Equal(pm, pn); Assert.Equal(sm[0], sn[0]); Assert.Equal(sm[1], sn[1]); Assert.Equal(sm[2], sn[2]);
        }
        foreach (var (centered, mom) in new[] { (false, 0f), (true, 0.9f) })
        {
            float[] pn = Data(n, 41), pm = (float[])pn.Clone();
            float[][] sn = { new float[n], new float[n], new float[n] }, sm = { new float[n], new float[n], new float[n] };
            for (int s = 0; s < 3; s++)
            {
                N.RmspropStep(pn, g, sn[0], sn[1], sn[2], 0.01f, 0.99f, 1e-8f, 0.001f, mom, centered, false);
                M.RmspropStep(pm, g, sm[0], sm[1], sm[2], 0.01f, 0.99f, 1e-8f, 0.001f, mom, centered, false);
            }
            Assert.Equal(pm, pn); Assert.Equal(sm[0], sn[0]);
        }
        // The native library validates what C# passes through: flags, steps, betas.
        var ex = Assert.Throws<ArgumentException>(() => N.AdamStep(new float[2], new float[2], new float[2], new float[2], default, 0.1f, 1.5f, 0.999f, 1e-8f, 0f, false, false, false, 1));
        Assert.Contains("beta1 must be in [0, 1). Received: beta1=1.5", ex.Message);
    }
}
