using System.Buffers;
using System.Numerics.Tensors;
using NativeNet.Interop;

namespace NativeNet.Kernels;

internal sealed unsafe partial class NativeKernels
{
    /// <inheritdoc />
    public void Softmax(int outer, int dim, int inner, ReadOnlySpan<float> x, Span<float> y, bool log)
    {
        KernelAssert.That(outer >= 0 && dim > 0 && inner > 0, $"softmax outer={outer}, dim={dim}, inner={inner}");
        long total = (long)outer * dim * inner;
        KernelAssert.AtLeast(total, x.Length, nameof(x));
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        fixed (float* px = x)
        fixed (float* py = y)
            NativeStatus.Check(NativeMethods.nn_softmax_forward(outer, dim, inner, px, py, log ? 1 : 0));
    }

    /// <inheritdoc />
    public void SoftmaxBackward(int outer, int dim, int inner, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool log)
    {
        KernelAssert.That(outer >= 0 && dim > 0 && inner > 0, $"softmax outer={outer}, dim={dim}, inner={inner}");
        long total = (long)outer * dim * inner;
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        KernelAssert.AtLeast(total, dy.Length, nameof(dy));
        KernelAssert.AtLeast(total, dx.Length, nameof(dx));
        fixed (float* py = y)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
            NativeStatus.Check(NativeMethods.nn_softmax_backward(outer, dim, inner, py, pdy, pdx, log ? 1 : 0));
    }

    /// <inheritdoc />
    public void CrossEntropy(int rows, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<float> classWeights, float labelSmoothing, int ignoreIndex, Span<float> rowLoss, Span<float> rowWeight, Span<float> gradLogits)
    {
        KernelAssert.That(rows >= 0 && classes > 0, $"cross_entropy rows={rows}, classes={classes}");
        long total = (long)rows * classes;
        KernelAssert.AtLeast(total, logits.Length, nameof(logits));
        KernelAssert.AtLeast(rows, targets.Length, nameof(targets));
        KernelAssert.AtLeast(rows, rowLoss.Length, nameof(rowLoss));
        KernelAssert.AtLeast(rows, rowWeight.Length, nameof(rowWeight));
        if (!classWeights.IsEmpty) KernelAssert.AtLeast(classes, classWeights.Length, nameof(classWeights));
        if (!gradLogits.IsEmpty) KernelAssert.AtLeast(total, gradLogits.Length, nameof(gradLogits));
        KernelAssert.That(labelSmoothing is >= 0f and <= 1f, $"label_smoothing={labelSmoothing}");
        if (rows == 0) return;
        bool wantGrad = !gradLogits.IsEmpty;
        // The native log-softmax (and exp) do the O(rows·classes) work; the gradient lands in
        // gradLogits itself, so only a loss-only call needs a scratch buffer.
        float[]? rented = wantGrad ? null : ArrayPool<float>.Shared.Rent((int)total);
        Span<float> lsm = wantGrad ? gradLogits[..(int)total] : rented.AsSpan(0, (int)total);
        try
        {
            Softmax(rows, classes, 1, logits, lsm, log: true);
            float wSum = classWeights.IsEmpty ? classes : TensorPrimitives.Sum(classWeights[..classes]);
            for (int r = 0; r < rows; r++)
            {
                int t = targets[r];
                if (t == ignoreIndex) { rowLoss[r] = 0; rowWeight[r] = 0; continue; }
                KernelAssert.That((uint)t < (uint)classes, $"target {t} of {classes} classes (row {r})");
                var row = lsm.Slice(r * classes, classes);
                float wt = classWeights.IsEmpty ? 1f : classWeights[t];
                double smooth = 0;
                if (labelSmoothing > 0)
                    smooth = classWeights.IsEmpty ? TensorPrimitives.Sum<float>(row) : TensorPrimitives.Dot(classWeights[..classes], row);
                rowLoss[r] = -wt * (1 - labelSmoothing) * row[t] - (float)(labelSmoothing / classes * smooth);
                rowWeight[r] = wt;
            }
            if (!wantGrad) return;
            Unary(UnaryOp.Exp, lsm, lsm);  // probabilities p
            for (int r = 0; r < rows; r++)
            {
                var grow = lsm.Slice(r * classes, classes);
                int t = targets[r];
                if (t == ignoreIndex) { grow.Clear(); continue; }
                float wt = classWeights.IsEmpty ? 1f : classWeights[t];
                float a = (1 - labelSmoothing) * wt, e = labelSmoothing / classes;
                // grad = a·p + e·(wSum·p − w_c), then −a at the target.
                TensorPrimitives.Multiply(grow, a + e * wSum, grow);
                if (e != 0)
                {
                    if (classWeights.IsEmpty) TensorPrimitives.Add(grow, -e, grow);
                    else TensorPrimitives.MultiplyAdd(classWeights[..classes], -e, grow, grow);
                }
                grow[t] -= a;
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }
}
