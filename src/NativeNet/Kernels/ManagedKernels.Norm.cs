using System.Numerics.Tensors;

namespace NativeNet.Kernels;

internal sealed partial class ManagedKernels
{
    /// <inheritdoc />
    public void BatchNormForward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                                 Span<float> runningMean, Span<float> runningVar, bool training, float momentum, float eps,
                                 Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        KernelAssert.That(n >= 0 && c > 0 && spatial >= 0, $"batch_norm n={n}, c={c}, spatial={spatial}");
        long total = (long)n * c * spatial;
        KernelAssert.AtLeast(total, x.Length, nameof(x));
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        KernelAssert.AtLeast(c, saveMean.Length, nameof(saveMean));
        KernelAssert.AtLeast(c, saveInvStd.Length, nameof(saveInvStd));
        long count = (long)n * spatial;
        KernelAssert.That(!training || count > 1, $"batch_norm training with batch={n}, spatial={spatial}");
        for (int ch = 0; ch < c; ch++)
        {
            float mean, invStd;
            if (training)
            {
                double s = 0;
                for (int b = 0; b < n; b++) s += Sum(x.Slice((b * c + ch) * spatial, spatial));
                double m = s / count;
                double sq = 0;
                for (int b = 0; b < n; b++)
                {
                    var row = x.Slice((b * c + ch) * spatial, spatial);
                    for (int i = 0; i < row.Length; i++) { double d = row[i] - m; sq += d * d; }
                }
                double var = sq / count;
                mean = (float)m;
                invStd = (float)(1.0 / Math.Sqrt(var + eps));
                if (!runningMean.IsEmpty)
                {
                    runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean;
                    runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * (float)(sq / (count - 1));
                }
            }
            else
            {
                mean = runningMean[ch];
                invStd = (float)(1.0 / Math.Sqrt(runningVar[ch] + (double)eps));
            }
            saveMean[ch] = mean;
            saveInvStd[ch] = invStd;
            float w = weight.IsEmpty ? 1f : weight[ch], bb = bias.IsEmpty ? 0f : bias[ch];
            float scale = w * invStd, shift = bb - mean * scale;
            for (int b = 0; b < n; b++)
            {
                var src = x.Slice((b * c + ch) * spatial, spatial);
                var dst = y.Slice((b * c + ch) * spatial, spatial);
                TensorPrimitives.Multiply(src, scale, dst);
                TensorPrimitives.Add(dst, shift, dst);
            }
        }
    }

    /// <inheritdoc />
    public void BatchNormBackward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight,
                                  ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, bool training,
                                  Span<float> dx, Span<float> dWeight, Span<float> dBias)
    {
        long total = (long)n * c * spatial;
        KernelAssert.AtLeast(total, x.Length, nameof(x));
        KernelAssert.AtLeast(total, dy.Length, nameof(dy));
        KernelAssert.AtLeast(total, dx.Length, nameof(dx));
        double count = (double)n * spatial;
        for (int ch = 0; ch < c; ch++)
        {
            float mean = saveMean[ch], invStd = saveInvStd[ch];
            double sumDy = 0, sumDyXhat = 0;
            for (int b = 0; b < n; b++)
            {
                var xs = x.Slice((b * c + ch) * spatial, spatial);
                var gs = dy.Slice((b * c + ch) * spatial, spatial);
                for (int i = 0; i < xs.Length; i++) { sumDy += gs[i]; sumDyXhat += gs[i] * (xs[i] - mean) * invStd; }
            }
            if (!dWeight.IsEmpty) dWeight[ch] = (float)sumDyXhat;
            if (!dBias.IsEmpty) dBias[ch] = (float)sumDy;
            float w = weight.IsEmpty ? 1f : weight[ch];
            float k = w * invStd;
            float meanDy = (float)(sumDy / count), meanDyXhat = (float)(sumDyXhat / count);
            for (int b = 0; b < n; b++)
            {
                var xs = x.Slice((b * c + ch) * spatial, spatial);
                var gs = dy.Slice((b * c + ch) * spatial, spatial);
                var ds = dx.Slice((b * c + ch) * spatial, spatial);
                if (training)
                    for (int i = 0; i < xs.Length; i++) ds[i] = k * (gs[i] - meanDy - (xs[i] - mean) * invStd * meanDyXhat);
                else
                    for (int i = 0; i < xs.Length; i++) ds[i] = k * gs[i];
            }
        }
    }

    /// <inheritdoc />
    public void BatchNormReluForward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> weight,
                                     ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, float momentum, float eps,
                                     Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        // The reference backend runs the three steps in turn: the bits the fused native kernel matches.
        BatchNormForward(n, c, spatial, x, weight, bias, runningMean, runningVar, true, momentum, eps, y, saveMean, saveInvStd);
        long total = (long)n * c * spatial;
        if (!residual.IsEmpty)
        {
            KernelAssert.AtLeast(total, residual.Length, nameof(residual));
            Binary(BinaryOp.Add, y[..(int)total], residual[..(int)total], y[..(int)total]);
        }
        Unary(UnaryOp.Relu, y[..(int)total], y[..(int)total]);
    }

    /// <inheritdoc />
    public void BatchNormReluBackward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> dy2,
                                      ReadOnlySpan<float> weight, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd,
                                      Span<float> dx, Span<float> dWeight, Span<float> dBias, Span<float> dResidual)
    {
        int total = checked(n * c * spatial);
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        KernelAssert.AtLeast(total, dy.Length, nameof(dy));
        if (!dy2.IsEmpty) KernelAssert.AtLeast(total, dy2.Length, nameof(dy2));
        // ReLU's derivative from its output: y > 0 exactly where its input was.
        float[]? rented = dResidual.IsEmpty ? System.Buffers.ArrayPool<float>.Shared.Rent(total) : null;
        var g = rented is null ? dResidual[..total] : rented.AsSpan(0, total);
        try
        {
            if (dy2.IsEmpty) UnaryBackward(UnaryOp.Relu, y[..total], y[..total], dy[..total], g);
            else
            {
                // The two parts summed first (g as the buffer), as the separate steps would.
                Binary(BinaryOp.Add, dy[..total], dy2[..total], g);
                UnaryBackward(UnaryOp.Relu, y[..total], y[..total], g, g);
            }
            BatchNormBackward(n, c, spatial, x, g, weight, saveMean, saveInvStd, true, dx, dWeight, dBias);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <inheritdoc />
    public void LayerNormForward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps,
                                 Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        KernelAssert.That(rows >= 0 && cols > 0, $"layer_norm rows={rows}, cols={cols}");
        KernelAssert.AtLeast((long)rows * cols, x.Length, nameof(x));
        KernelAssert.AtLeast((long)rows * cols, y.Length, nameof(y));
        for (int r = 0; r < rows; r++)
        {
            var xs = x.Slice(r * cols, cols);
            var ys = y.Slice(r * cols, cols);
            double m = Sum(xs) / cols, sq = 0;
            for (int i = 0; i < cols; i++) { double d = xs[i] - m; sq += d * d; }
            float mean = (float)m, invStd = (float)(1.0 / Math.Sqrt(sq / cols + eps));
            saveMean[r] = mean;
            saveInvStd[r] = invStd;
            for (int i = 0; i < cols; i++)
            {
                float v = (xs[i] - mean) * invStd;
                ys[i] = (weight.IsEmpty ? v : v * weight[i]) + (bias.IsEmpty ? 0f : bias[i]);
            }
        }
    }

    /// <inheritdoc />
    public void LayerNormBackward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight,
                                  ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, Span<float> dx, Span<float> dWeight, Span<float> dBias)
    {
        KernelAssert.AtLeast((long)rows * cols, x.Length, nameof(x));
        KernelAssert.AtLeast((long)rows * cols, dy.Length, nameof(dy));
        KernelAssert.AtLeast((long)rows * cols, dx.Length, nameof(dx));
        if (!dWeight.IsEmpty) dWeight[..cols].Clear();
        if (!dBias.IsEmpty) dBias[..cols].Clear();
        for (int r = 0; r < rows; r++)
        {
            var xs = x.Slice(r * cols, cols);
            var gs = dy.Slice(r * cols, cols);
            var ds = dx.Slice(r * cols, cols);
            float mean = saveMean[r], invStd = saveInvStd[r];
            double sumG = 0, sumGX = 0;
            for (int i = 0; i < cols; i++)
            {
                float xhat = (xs[i] - mean) * invStd;
                float gw = weight.IsEmpty ? gs[i] : gs[i] * weight[i];
                sumG += gw;
                sumGX += gw * xhat;
                if (!dWeight.IsEmpty) dWeight[i] += gs[i] * xhat;
                if (!dBias.IsEmpty) dBias[i] += gs[i];
            }
            float mg = (float)(sumG / cols), mgx = (float)(sumGX / cols);
            for (int i = 0; i < cols; i++)
            {
                float xhat = (xs[i] - mean) * invStd;
                float gw = weight.IsEmpty ? gs[i] : gs[i] * weight[i];
                ds[i] = invStd * (gw - mg - xhat * mgx);
            }
        }
    }
}
