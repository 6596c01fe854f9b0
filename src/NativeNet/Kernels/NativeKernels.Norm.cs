using NativeNet.Interop;

namespace NativeNet.Kernels;

public sealed unsafe partial class NativeKernels
{
    /// <inheritdoc />
    public void BatchNormForward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, bool training, float momentum, float eps, Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        if (n < 0 || c <= 0 || spatial < 0) throw new ArgumentException($"batch_norm sizes must be positive. Received: n={n}, c={c}, spatial={spatial}");
        long total = (long)n * c * spatial;
        KernelChecks.AtLeast(total, x.Length, nameof(x));
        KernelChecks.AtLeast(total, y.Length, nameof(y));
        KernelChecks.AtLeast(c, saveMean.Length, nameof(saveMean));
        KernelChecks.AtLeast(c, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelChecks.AtLeast(c, weight.Length, nameof(weight));
        if (!bias.IsEmpty) KernelChecks.AtLeast(c, bias.Length, nameof(bias));
        if (!runningMean.IsEmpty || !training)
        {
            KernelChecks.AtLeast(c, runningMean.Length, nameof(runningMean));
            KernelChecks.AtLeast(c, runningVar.Length, nameof(runningVar));
        }
        if (training && (long)n * spatial <= 1)
            throw new ArgumentException($"Expected more than 1 value per channel when training. Received: batch={n}, spatial={spatial}");
        fixed (float* px = x)
        fixed (float* pw = weight)
        fixed (float* pb = bias)
        fixed (float* prm = runningMean)
        fixed (float* prv = runningVar)
        fixed (float* py = y)
        fixed (float* psm = saveMean)
        fixed (float* psi = saveInvStd)
        {
            if (training)
            {
                NativeStatus.Check(NativeMethods.nn_batch_norm_forward_training(n, c, spatial, px, pw, pb, prm, prv, momentum, eps, py, psm, psi));
                return;
            }
            // Inference: the backward pass treats the running statistics as constants, so they
            // are what gets saved (c values; the native call does not report them).
            for (int ch = 0; ch < c; ch++)
            {
                saveMean[ch] = runningMean[ch];
                saveInvStd[ch] = (float)(1.0 / Math.Sqrt(runningVar[ch] + (double)eps));
            }
            if (total > 0)
                NativeStatus.Check(NativeMethods.nn_batch_norm_forward_inference(n, c, spatial, px, pw, pb, prm, prv, eps, py));
        }
    }

    /// <inheritdoc />
    public void BatchNormBackward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, bool training, Span<float> dx, Span<float> dWeight, Span<float> dBias)
    {
        if (n < 0 || c <= 0 || spatial < 0) throw new ArgumentException($"batch_norm sizes must be positive. Received: n={n}, c={c}, spatial={spatial}");
        long total = (long)n * c * spatial;
        KernelChecks.AtLeast(total, x.Length, nameof(x));
        KernelChecks.AtLeast(total, dy.Length, nameof(dy));
        KernelChecks.AtLeast(total, dx.Length, nameof(dx));
        KernelChecks.AtLeast(c, saveMean.Length, nameof(saveMean));
        KernelChecks.AtLeast(c, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelChecks.AtLeast(c, weight.Length, nameof(weight));
        if (!dWeight.IsEmpty) KernelChecks.AtLeast(c, dWeight.Length, nameof(dWeight));
        if (!dBias.IsEmpty) KernelChecks.AtLeast(c, dBias.Length, nameof(dBias));
        if (total == 0)
        {
            if (!dWeight.IsEmpty) dWeight[..c].Clear();
            if (!dBias.IsEmpty) dBias[..c].Clear();
            return;
        }
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pw = weight)
        fixed (float* psm = saveMean)
        fixed (float* psi = saveInvStd)
        fixed (float* pdx = dx)
        fixed (float* pdw = dWeight)
        fixed (float* pdb = dBias)
            NativeStatus.Check(training
                ? NativeMethods.nn_batch_norm_backward(n, c, spatial, px, pdy, pw, psm, psi, pdx, pdw, pdb)
                : NativeMethods.nn_batch_norm_backward_inference(n, c, spatial, px, pdy, pw, psm, psi, pdx, pdw, pdb));
    }

    /// <inheritdoc />
    public void LayerNormForward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        if (rows < 0 || cols <= 0) throw new ArgumentException($"layer_norm sizes must be positive. Received: rows={rows}, cols={cols}");
        KernelChecks.AtLeast((long)rows * cols, x.Length, nameof(x));
        KernelChecks.AtLeast((long)rows * cols, y.Length, nameof(y));
        KernelChecks.AtLeast(rows, saveMean.Length, nameof(saveMean));
        KernelChecks.AtLeast(rows, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelChecks.AtLeast(cols, weight.Length, nameof(weight));
        if (!bias.IsEmpty) KernelChecks.AtLeast(cols, bias.Length, nameof(bias));
        if (rows == 0) return;
        fixed (float* px = x)
        fixed (float* pw = weight)
        fixed (float* pb = bias)
        fixed (float* py = y)
        fixed (float* psm = saveMean)
        fixed (float* psi = saveInvStd)
            NativeStatus.Check(NativeMethods.nn_layer_norm_forward(rows, cols, px, pw, pb, eps, py, psm, psi));
    }

    /// <inheritdoc />
    public void LayerNormBackward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, Span<float> dx, Span<float> dWeight, Span<float> dBias)
    {
        if (rows < 0 || cols <= 0) throw new ArgumentException($"layer_norm sizes must be positive. Received: rows={rows}, cols={cols}");
        KernelChecks.AtLeast((long)rows * cols, x.Length, nameof(x));
        KernelChecks.AtLeast((long)rows * cols, dy.Length, nameof(dy));
        KernelChecks.AtLeast((long)rows * cols, dx.Length, nameof(dx));
        KernelChecks.AtLeast(rows, saveMean.Length, nameof(saveMean));
        KernelChecks.AtLeast(rows, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelChecks.AtLeast(cols, weight.Length, nameof(weight));
        if (!dWeight.IsEmpty) KernelChecks.AtLeast(cols, dWeight.Length, nameof(dWeight));
        if (!dBias.IsEmpty) KernelChecks.AtLeast(cols, dBias.Length, nameof(dBias));
        if (rows == 0)
        {
            if (!dWeight.IsEmpty) dWeight[..cols].Clear();
            if (!dBias.IsEmpty) dBias[..cols].Clear();
            return;
        }
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pw = weight)
        fixed (float* psm = saveMean)
        fixed (float* psi = saveInvStd)
        fixed (float* pdx = dx)
        fixed (float* pdw = dWeight)
        fixed (float* pdb = dBias)
            NativeStatus.Check(NativeMethods.nn_layer_norm_backward(rows, cols, px, pdy, pw, psm, psi, pdx, pdw, pdb));
    }
}
