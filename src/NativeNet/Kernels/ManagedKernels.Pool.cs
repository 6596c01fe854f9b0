namespace NativeNet.Kernels;

internal sealed partial class ManagedKernels
{
    /// <inheritdoc />
    public unsafe void MaxPool2dForward(in Pool2dGeometry g, ReadOnlySpan<float> input, Span<float> output, Span<long> argmax)
    {
        KernelAssert.Valid(g);
        int planes = g.Batch * g.Channels, ihw = g.InHeight * g.InWidth, ohw = g.OutHeight * g.OutWidth;
        KernelAssert.AtLeast((long)planes * ihw, input.Length, nameof(input));
        KernelAssert.AtLeast((long)planes * ohw, output.Length, nameof(output));
        bool withIndices = !argmax.IsEmpty;
        if (withIndices) KernelAssert.AtLeast((long)planes * ohw, argmax.Length, nameof(argmax));
        if (planes == 0 || ohw == 0) return;
        var geo = g;
        bool twoByTwo = g is { KernelHeight: 2, KernelWidth: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 };
        fixed (float* px = input)
        fixed (float* py = output)
        fixed (long* pi = argmax)
        {
            float* x = px, y = py;
            long* idx = withIndices ? pi : null;
            // Planes are independent: split them over the managed threads when there is enough work.
            ForEachPlane(planes, (long)planes * ohw * g.KernelHeight * g.KernelWidth, p =>
            {
                if (twoByTwo) MaxPlane2x2(geo, x + (long)p * ihw, y + (long)p * ohw, idx is null ? null : idx + (long)p * ohw);
                else MaxPlane(geo, x + (long)p * ihw, y + (long)p * ohw, idx is null ? null : idx + (long)p * ohw);
            });
        }
    }

    private static void ForEachPlane(int planes, long work, Action<int> body)
    {
        int threads = work < (1 << 18) ? 1 : Math.Min(Threads, planes);
        if (threads <= 1)
        {
            for (int p = 0; p < planes; p++) body(p);
            return;
        }
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (int p = (int)((long)planes * t / threads), e = (int)((long)planes * (t + 1) / threads); p < e; p++) body(p);
        });
    }

    // PyTorch's rule: a tap replaces the best when greater, or when NaN (so the last NaN wins);
    // windows are scanned row by row, so ties keep the first maximum.
    private static unsafe void MaxPlane(in Pool2dGeometry g, float* x, float* y, long* idx)
    {
        int oh = g.OutHeight, ow = g.OutWidth;
        for (int r = 0; r < oh; r++)
        {
            int h0 = r * g.StrideH - g.PadH, h1 = Math.Min(h0 + g.KernelHeight, g.InHeight);
            h0 = Math.Max(h0, 0);
            for (int c = 0; c < ow; c++)
            {
                int w0 = c * g.StrideW - g.PadW, w1 = Math.Min(w0 + g.KernelWidth, g.InWidth);
                w0 = Math.Max(w0, 0);
                float best = float.NegativeInfinity;
                int bi = h0 * g.InWidth + w0;
                for (int iy = h0; iy < h1; iy++)
                    for (int ix = w0; ix < w1; ix++)
                    {
                        float v = x[iy * g.InWidth + ix];
                        if (v > best || float.IsNaN(v)) { best = v; bi = iy * g.InWidth + ix; }
                    }
                y[r * ow + c] = best;
                if (idx != null) idx[r * ow + c] = bi;
            }
        }
    }

    // 2x2 windows, stride 2, no padding: the four taps straight from two input rows, same rule.
    private static unsafe void MaxPlane2x2(in Pool2dGeometry g, float* x, float* y, long* idx)
    {
        int oh = g.OutHeight, ow = g.OutWidth, w = g.InWidth;
        for (int r = 0; r < oh; r++)
        {
            float* top = x + 2 * r * w, bottom = top + w;
            float* yr = y + r * ow;
            for (int c = 0; c < ow; c++)
            {
                int j = 2 * c;
                float best = top[j];
                int k = 0;
                float v = top[j + 1];
                if (v > best || float.IsNaN(v)) { best = v; k = 1; }
                v = bottom[j];
                if (v > best || float.IsNaN(v)) { best = v; k = 2; }
                v = bottom[j + 1];
                if (v > best || float.IsNaN(v)) { best = v; k = 3; }
                yr[c] = best;
                if (idx != null) idx[r * ow + c] = (2 * r + (k >> 1)) * w + j + (k & 1);
            }
        }
    }

    /// <inheritdoc />
    public void MaxPool2dBackward(in Pool2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<long> argmax, Span<float> gradInput)
    {
        KernelAssert.Valid(g);
        int planes = g.Batch * g.Channels, ihw = g.InHeight * g.InWidth, ohw = g.OutHeight * g.OutWidth;
        KernelAssert.AtLeast((long)planes * ohw, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast((long)planes * ohw, argmax.Length, nameof(argmax));
        KernelAssert.AtLeast((long)planes * ihw, gradInput.Length, nameof(gradInput));
        gradInput[..(planes * ihw)].Clear();
        for (int p = 0; p < planes; p++)
        {
            var dx = gradInput.Slice(p * ihw, ihw);
            for (int o = 0; o < ohw; o++)
            {
                long i = argmax[p * ohw + o];
                KernelAssert.That((ulong)i < (ulong)ihw, $"argmax[{p * ohw + o}]={i} outside a {ihw}-element plane");
                dx[(int)i] += gradOutput[p * ohw + o];
            }
        }
    }

    private static int AvgDivisor(in Pool2dGeometry g, int y, int xo, out int h0, out int h1, out int w0, out int w1)
    {
        h0 = y * g.StrideH - g.PadH;
        w0 = xo * g.StrideW - g.PadW;
        h1 = Math.Min(h0 + g.KernelHeight, g.InHeight + g.PadH);
        w1 = Math.Min(w0 + g.KernelWidth, g.InWidth + g.PadW);
        int padded = (h1 - h0) * (w1 - w0);
        h0 = Math.Max(h0, 0); w0 = Math.Max(w0, 0);
        h1 = Math.Min(h1, g.InHeight); w1 = Math.Min(w1, g.InWidth);
        return g.CountIncludePad ? padded : (h1 - h0) * (w1 - w0);
    }

    /// <inheritdoc />
    public unsafe void AvgPool2dForward(in Pool2dGeometry g, ReadOnlySpan<float> input, Span<float> output)
    {
        KernelAssert.Valid(g);
        int planes = g.Batch * g.Channels, ihw = g.InHeight * g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        KernelAssert.AtLeast((long)planes * ihw, input.Length, nameof(input));
        KernelAssert.AtLeast((long)planes * oh * ow, output.Length, nameof(output));
        var geo = g;
        fixed (float* px = input)
        fixed (float* py = output)
        {
            float* xs = px, ys = py;
            ForEachPlane(planes, (long)planes * oh * ow * g.KernelHeight * g.KernelWidth, p =>
            {
                float* x = xs + (long)p * ihw, y = ys + (long)p * oh * ow;
                for (int r = 0; r < oh; r++)
                    for (int c = 0; c < ow; c++)
                    {
                        int div = AvgDivisor(geo, r, c, out int h0, out int h1, out int w0, out int w1);
                        float s = 0;
                        for (int iy = h0; iy < h1; iy++)
                            for (int ix = w0; ix < w1; ix++) s += x[iy * geo.InWidth + ix];
                        y[r * ow + c] = s / div;
                    }
            });
        }
    }

    /// <inheritdoc />
    public unsafe void AvgPool2dBackward(in Pool2dGeometry g, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
    {
        KernelAssert.Valid(g);
        int planes = g.Batch * g.Channels, ihw = g.InHeight * g.InWidth, oh = g.OutHeight, ow = g.OutWidth;
        KernelAssert.AtLeast((long)planes * oh * ow, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast((long)planes * ihw, gradInput.Length, nameof(gradInput));
        var geo = g;
        fixed (float* pdy = gradOutput)
        fixed (float* pdx = gradInput)
        {
            float* dys = pdy, dxs = pdx;
            ForEachPlane(planes, (long)planes * oh * ow * g.KernelHeight * g.KernelWidth, p =>
            {
                float* dy = dys + (long)p * oh * ow, dx = dxs + (long)p * ihw;
                new Span<float>(dx, ihw).Clear();
                for (int r = 0; r < oh; r++)
                    for (int c = 0; c < ow; c++)
                    {
                        int div = AvgDivisor(geo, r, c, out int h0, out int h1, out int w0, out int w1);
                        float v = dy[r * ow + c] / div;
                        for (int iy = h0; iy < h1; iy++)
                            for (int ix = w0; ix < w1; ix++) dx[iy * geo.InWidth + ix] += v;
                    }
            });
        }
    }

    /// <inheritdoc />
    public void AdaptiveAvgPool2dForward(int planes, int inH, int inW, int outH, int outW, ReadOnlySpan<float> input, Span<float> output)
    {
        KernelAssert.Adaptive(planes, inH, inW, outH, outW);
        KernelAssert.AtLeast((long)planes * inH * inW, input.Length, nameof(input));
        KernelAssert.AtLeast((long)planes * outH * outW, output.Length, nameof(output));
        for (int p = 0; p < planes; p++)
        {
            var x = input.Slice(p * inH * inW, inH * inW);
            for (int y = 0; y < outH; y++)
            {
                int h0 = y * inH / outH, h1 = ((y + 1) * inH + outH - 1) / outH;
                for (int xo = 0; xo < outW; xo++)
                {
                    int w0 = xo * inW / outW, w1 = ((xo + 1) * inW + outW - 1) / outW;
                    float s = 0;
                    for (int iy = h0; iy < h1; iy++)
                        for (int ix = w0; ix < w1; ix++) s += x[iy * inW + ix];
                    output[(p * outH + y) * outW + xo] = s / ((h1 - h0) * (w1 - w0));
                }
            }
        }
    }

    /// <inheritdoc />
    public void AdaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
    {
        KernelAssert.Adaptive(planes, inH, inW, outH, outW);
        KernelAssert.AtLeast((long)planes * outH * outW, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast((long)planes * inH * inW, gradInput.Length, nameof(gradInput));
        gradInput[..(planes * inH * inW)].Clear();
        for (int p = 0; p < planes; p++)
        {
            var dx = gradInput.Slice(p * inH * inW, inH * inW);
            for (int y = 0; y < outH; y++)
            {
                int h0 = y * inH / outH, h1 = ((y + 1) * inH + outH - 1) / outH;
                for (int xo = 0; xo < outW; xo++)
                {
                    int w0 = xo * inW / outW, w1 = ((xo + 1) * inW + outW - 1) / outW;
                    float v = gradOutput[(p * outH + y) * outW + xo] / ((h1 - h0) * (w1 - w0));
                    for (int iy = h0; iy < h1; iy++)
                        for (int ix = w0; ix < w1; ix++) dx[iy * inW + ix] += v;
                }
            }
        }
    }
}
