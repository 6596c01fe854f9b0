using NativeNet.Interop;

namespace NativeNet.Kernels;

internal sealed unsafe partial class NativeKernels
{
    /// <inheritdoc />
    public void BatchNormForward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, bool training, float momentum, float eps, Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        KernelAssert.That(n >= 0 && c > 0 && spatial >= 0, $"batch_norm n={n}, c={c}, spatial={spatial}");
        long total = (long)n * c * spatial;
        KernelAssert.AtLeast(total, x.Length, nameof(x));
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        KernelAssert.AtLeast(c, saveMean.Length, nameof(saveMean));
        KernelAssert.AtLeast(c, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelAssert.AtLeast(c, weight.Length, nameof(weight));
        if (!bias.IsEmpty) KernelAssert.AtLeast(c, bias.Length, nameof(bias));
        if (!runningMean.IsEmpty || !training)
        {
            KernelAssert.AtLeast(c, runningMean.Length, nameof(runningMean));
            KernelAssert.AtLeast(c, runningVar.Length, nameof(runningVar));
        }
        KernelAssert.That(!training || (long)n * spatial > 1, $"batch_norm training with batch={n}, spatial={spatial}");
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
        KernelAssert.That(n >= 0 && c > 0 && spatial >= 0, $"batch_norm n={n}, c={c}, spatial={spatial}");
        long total = (long)n * c * spatial;
        KernelAssert.AtLeast(total, x.Length, nameof(x));
        KernelAssert.AtLeast(total, dy.Length, nameof(dy));
        KernelAssert.AtLeast(total, dx.Length, nameof(dx));
        KernelAssert.AtLeast(c, saveMean.Length, nameof(saveMean));
        KernelAssert.AtLeast(c, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelAssert.AtLeast(c, weight.Length, nameof(weight));
        if (!dWeight.IsEmpty) KernelAssert.AtLeast(c, dWeight.Length, nameof(dWeight));
        if (!dBias.IsEmpty) KernelAssert.AtLeast(c, dBias.Length, nameof(dBias));
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
    public void BatchNormReluForward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> weight,
                                     ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, float momentum, float eps,
                                     Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        KernelAssert.That(n > 0 && c > 0 && spatial > 0 && (long)n * spatial > 1, $"batch_norm_relu n={n}, c={c}, spatial={spatial}");
        long total = (long)n * c * spatial;
        KernelAssert.AtLeast(total, x.Length, nameof(x));
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        if (!residual.IsEmpty) KernelAssert.AtLeast(total, residual.Length, nameof(residual));
        KernelAssert.AtLeast(c, saveMean.Length, nameof(saveMean));
        KernelAssert.AtLeast(c, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelAssert.AtLeast(c, weight.Length, nameof(weight));
        if (!bias.IsEmpty) KernelAssert.AtLeast(c, bias.Length, nameof(bias));
        if (!runningMean.IsEmpty)
        {
            KernelAssert.AtLeast(c, runningMean.Length, nameof(runningMean));
            KernelAssert.AtLeast(c, runningVar.Length, nameof(runningVar));
        }
        fixed (float* px = x)
        fixed (float* pr = residual)
        fixed (float* pw = weight)
        fixed (float* pb = bias)
        fixed (float* prm = runningMean)
        fixed (float* prv = runningVar)
        fixed (float* py = y)
        fixed (float* psm = saveMean)
        fixed (float* psi = saveInvStd)
            NativeStatus.Check(NativeMethods.nn_batch_norm_relu_forward_training(n, c, spatial, px, pr, pw, pb, prm, prv, momentum, eps, py, psm, psi));
    }

    /// <inheritdoc />
    public void BatchNormReluBackward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> dy2,
                                      ReadOnlySpan<float> weight, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd,
                                      Span<float> dx, Span<float> dWeight, Span<float> dBias, Span<float> dResidual)
    {
        KernelAssert.That(n > 0 && c > 0 && spatial > 0, $"batch_norm_relu n={n}, c={c}, spatial={spatial}");
        long total = (long)n * c * spatial;
        KernelAssert.AtLeast(total, x.Length, nameof(x));
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        KernelAssert.AtLeast(total, dy.Length, nameof(dy));
        KernelAssert.AtLeast(total, dx.Length, nameof(dx));
        if (!dy2.IsEmpty) KernelAssert.AtLeast(total, dy2.Length, nameof(dy2));
        if (!dResidual.IsEmpty) KernelAssert.AtLeast(total, dResidual.Length, nameof(dResidual));
        KernelAssert.AtLeast(c, saveMean.Length, nameof(saveMean));
        KernelAssert.AtLeast(c, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelAssert.AtLeast(c, weight.Length, nameof(weight));
        if (!dWeight.IsEmpty) KernelAssert.AtLeast(c, dWeight.Length, nameof(dWeight));
        if (!dBias.IsEmpty) KernelAssert.AtLeast(c, dBias.Length, nameof(dBias));
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pdy = dy)
        fixed (float* pw = weight)
        fixed (float* psm = saveMean)
        fixed (float* psi = saveInvStd)
        fixed (float* pdx = dx)
        fixed (float* pdw = dWeight)
        fixed (float* pdb = dBias)
        fixed (float* pdr = dResidual)
        fixed (float* pdy2 = dy2)
            NativeStatus.Check(pdy2 is null
                ? NativeMethods.nn_batch_norm_relu_backward(n, c, spatial, px, py, pdy, pw, psm, psi, pdx, pdw, pdb, pdr)
                : NativeMethods.nn_batch_norm_relu_backward_sum(n, c, spatial, px, py, pdy, pdy2, pw, psm, psi, pdx, pdw, pdb, pdr));
    }

    /// <inheritdoc />
    public void LayerNormForward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
    {
        KernelAssert.That(rows >= 0 && cols > 0, $"layer_norm rows={rows}, cols={cols}");
        KernelAssert.AtLeast((long)rows * cols, x.Length, nameof(x));
        KernelAssert.AtLeast((long)rows * cols, y.Length, nameof(y));
        KernelAssert.AtLeast(rows, saveMean.Length, nameof(saveMean));
        KernelAssert.AtLeast(rows, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelAssert.AtLeast(cols, weight.Length, nameof(weight));
        if (!bias.IsEmpty) KernelAssert.AtLeast(cols, bias.Length, nameof(bias));
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
        KernelAssert.That(rows >= 0 && cols > 0, $"layer_norm rows={rows}, cols={cols}");
        KernelAssert.AtLeast((long)rows * cols, x.Length, nameof(x));
        KernelAssert.AtLeast((long)rows * cols, dy.Length, nameof(dy));
        KernelAssert.AtLeast((long)rows * cols, dx.Length, nameof(dx));
        KernelAssert.AtLeast(rows, saveMean.Length, nameof(saveMean));
        KernelAssert.AtLeast(rows, saveInvStd.Length, nameof(saveInvStd));
        if (!weight.IsEmpty) KernelAssert.AtLeast(cols, weight.Length, nameof(weight));
        if (!dWeight.IsEmpty) KernelAssert.AtLeast(cols, dWeight.Length, nameof(dWeight));
        if (!dBias.IsEmpty) KernelAssert.AtLeast(cols, dBias.Length, nameof(dBias));
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
