using System.Buffers;
using System.Numerics.Tensors;

namespace NativeNet.Kernels;

internal sealed partial class ManagedKernels
{
    /// <inheritdoc />
    /// <remarks>Computes in float32 whatever <paramref name="precision"/> says (the native backend has the bf16 convolutions).</remarks>
    public void Conv2dForward(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
                              Precision precision = Precision.Float32)
    {
        KernelAssert.Precision(precision);
        KernelAssert.Valid(g);
        KernelAssert.AtLeast(g.InputSize, input.Length, nameof(input));
        KernelAssert.AtLeast(g.WeightSize, weight.Length, nameof(weight));
        KernelAssert.AtLeast(g.OutputSize, output.Length, nameof(output));
        if (!bias.IsEmpty) KernelAssert.AtLeast(g.OutChannels, bias.Length, nameof(bias));
        int cg = g.InChannels / g.Groups, ocg = g.OutChannels / g.Groups;
        int kk = cg * g.KernelHeight * g.KernelWidth, ohw = g.OutHeight * g.OutWidth, ihw = g.InHeight * g.InWidth;
        bool direct = IsPointwise(g);
        float[]? colArr = direct ? null : ArrayPool<float>.Shared.Rent(kk * ohw);
        try
        {
            for (int n = 0; n < g.Batch; n++)
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    var x = input.Slice((n * g.InChannels + grp * cg) * ihw, cg * ihw);
                    ReadOnlySpan<float> col = x;
                    if (!direct) { Im2Col(g, x, colArr!); col = colArr.AsSpan(0, kk * ohw); }
                    var y = output.Slice((n * g.OutChannels + grp * ocg) * ohw, ocg * ohw);
                    Gemm(false, false, ocg, ohw, kk, 1f, weight.Slice(grp * ocg * kk, ocg * kk), kk, col, ohw, 0f, y, ohw,
                         bias.IsEmpty ? default : bias.Slice(grp * ocg, ocg), bias.IsEmpty ? BiasMode.None : BiasMode.Row);
                }
        }
        finally
        {
            if (colArr is not null) ArrayPool<float>.Shared.Return(colArr);
        }
    }

    /// <inheritdoc />
    /// <remarks>Computes in float32 whatever <paramref name="precision"/> says.</remarks>
    public void Conv2dBackwardData(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput,
                                   Precision precision = Precision.Float32)
    {
        KernelAssert.Precision(precision);
        KernelAssert.Valid(g);
        KernelAssert.AtLeast(g.OutputSize, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast(g.WeightSize, weight.Length, nameof(weight));
        KernelAssert.AtLeast(g.InputSize, gradInput.Length, nameof(gradInput));
        int cg = g.InChannels / g.Groups, ocg = g.OutChannels / g.Groups;
        int kk = cg * g.KernelHeight * g.KernelWidth, ohw = g.OutHeight * g.OutWidth, ihw = g.InHeight * g.InWidth;
        bool direct = IsPointwise(g);
        float[]? colArr = direct ? null : ArrayPool<float>.Shared.Rent(kk * ohw);
        try
        {
            for (int n = 0; n < g.Batch; n++)
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    var dy = gradOutput.Slice((n * g.OutChannels + grp * ocg) * ohw, ocg * ohw);
                    var dx = gradInput.Slice((n * g.InChannels + grp * cg) * ihw, cg * ihw);
                    var w = weight.Slice(grp * ocg * kk, ocg * kk);
                    if (direct)
                    {
                        Gemm(true, false, kk, ohw, ocg, 1f, w, kk, dy, ohw, 0f, dx, ohw);
                        continue;
                    }
                    var col = colArr.AsSpan(0, kk * ohw);
                    Gemm(true, false, kk, ohw, ocg, 1f, w, kk, dy, ohw, 0f, col, ohw);
                    Col2Im(g, col, dx);
                }
        }
        finally
        {
            if (colArr is not null) ArrayPool<float>.Shared.Return(colArr);
        }
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeights(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeight, Span<float> gradBias)
    {
        KernelAssert.Valid(g);
        KernelAssert.AtLeast(g.InputSize, input.Length, nameof(input));
        KernelAssert.AtLeast(g.OutputSize, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast(g.WeightSize, gradWeight.Length, nameof(gradWeight));
        if (!gradBias.IsEmpty) KernelAssert.AtLeast(g.OutChannels, gradBias.Length, nameof(gradBias));
        int cg = g.InChannels / g.Groups, ocg = g.OutChannels / g.Groups;
        int kk = cg * g.KernelHeight * g.KernelWidth, ohw = g.OutHeight * g.OutWidth, ihw = g.InHeight * g.InWidth;
        bool direct = IsPointwise(g);
        gradWeight[..(int)g.WeightSize].Clear();
        float[]? colArr = direct ? null : ArrayPool<float>.Shared.Rent(kk * ohw);
        try
        {
            for (int n = 0; n < g.Batch; n++)
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    var x = input.Slice((n * g.InChannels + grp * cg) * ihw, cg * ihw);
                    ReadOnlySpan<float> col = x;
                    if (!direct) { Im2Col(g, x, colArr!); col = colArr.AsSpan(0, kk * ohw); }
                    var dy = gradOutput.Slice((n * g.OutChannels + grp * ocg) * ohw, ocg * ohw);
                    Gemm(false, true, ocg, kk, ohw, 1f, dy, ohw, col, ohw, 1f, gradWeight.Slice(grp * ocg * kk, ocg * kk), kk);
                }
        }
        finally
        {
            if (colArr is not null) ArrayPool<float>.Shared.Return(colArr);
        }
        if (gradBias.IsEmpty) return;
        for (int oc = 0; oc < g.OutChannels; oc++)
        {
            double s = 0;
            for (int n = 0; n < g.Batch; n++) s += Sum(gradOutput.Slice((n * g.OutChannels + oc) * ohw, ohw));
            gradBias[oc] = (float)s;
        }
    }

    private static bool IsPointwise(in Conv2dGeometry g) =>
        g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    // col[(c*KH + kh)*KW + kw, oh*OW + ow] = x[c, oh*sh - ph + kh*dh, ow*sw - pw + kw*dw] (0 outside).
    private static void Im2Col(in Conv2dGeometry g, ReadOnlySpan<float> x, Span<float> col)
    {
        int cg = g.InChannels / g.Groups, oh = g.OutHeight, ow = g.OutWidth, ih = g.InHeight, iw = g.InWidth;
        int row = 0;
        for (int c = 0; c < cg; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    var dst = col.Slice(row * oh * ow, oh * ow);
                    for (int y = 0; y < oh; y++)
                    {
                        int iy = y * g.StrideH - g.PadH + kh * g.DilationH;
                        var d = dst.Slice(y * ow, ow);
                        if ((uint)iy >= (uint)ih) { d.Clear(); continue; }
                        var src = x.Slice((c * ih + iy) * iw, iw);
                        int off = kw * g.DilationW - g.PadW;
                        if (g.StrideW == 1)
                        {
                            // Valid ow range: 0 <= ox + off < iw.
                            int lo = Math.Max(0, -off), hi = Math.Min(ow, iw - off);
                            if (hi <= lo) { d.Clear(); continue; }
                            d[..lo].Clear();
                            src.Slice(lo + off, hi - lo).CopyTo(d.Slice(lo, hi - lo));
                            d[hi..].Clear();
                        }
                        else
                        {
                            for (int xo = 0; xo < ow; xo++)
                            {
                                int ix = xo * g.StrideW + off;
                                d[xo] = (uint)ix < (uint)iw ? src[ix] : 0f;
                            }
                        }
                    }
                }
    }

    private static void Col2Im(in Conv2dGeometry g, ReadOnlySpan<float> col, Span<float> dx)
    {
        int cg = g.InChannels / g.Groups, oh = g.OutHeight, ow = g.OutWidth, ih = g.InHeight, iw = g.InWidth;
        dx[..(cg * ih * iw)].Clear();
        int row = 0;
        for (int c = 0; c < cg; c++)
            for (int kh = 0; kh < g.KernelHeight; kh++)
                for (int kw = 0; kw < g.KernelWidth; kw++, row++)
                {
                    var srcRow = col.Slice(row * oh * ow, oh * ow);
                    for (int y = 0; y < oh; y++)
                    {
                        int iy = y * g.StrideH - g.PadH + kh * g.DilationH;
                        if ((uint)iy >= (uint)ih) continue;
                        var d = dx.Slice((c * ih + iy) * iw, iw);
                        var s = srcRow.Slice(y * ow, ow);
                        int off = kw * g.DilationW - g.PadW;
                        if (g.StrideW == 1)
                        {
                            // One vector add over the valid range 0 <= xo + off < iw.
                            int lo = Math.Max(0, -off), hi = Math.Min(ow, iw - off);
                            if (hi > lo) TensorPrimitives.Add(d.Slice(lo + off, hi - lo), s.Slice(lo, hi - lo), d.Slice(lo + off, hi - lo));
                            continue;
                        }
                        for (int xo = 0; xo < ow; xo++)
                        {
                            int ix = xo * g.StrideW + off;
                            if ((uint)ix < (uint)iw) d[ix] += s[xo];
                        }
                    }
                }
    }
}
