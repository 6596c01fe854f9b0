using System.Numerics.Tensors;

namespace NativeNet.Kernels;

internal sealed partial class ManagedKernels
{
    /// <inheritdoc />
    public void Softmax(int outer, int dim, int inner, ReadOnlySpan<float> x, Span<float> y, bool log)
    {
        KernelAssert.That(outer >= 0 && dim > 0 && inner > 0, $"softmax outer={outer}, dim={dim}, inner={inner}");
        long total = (long)outer * dim * inner;
        KernelAssert.AtLeast(total, x.Length, nameof(x));
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        if (inner == 1 && !y.Overlaps(x))
        {
            // Contiguous rows (the usual last-axis softmax): whole-row vector passes (which would
            // read overwritten values if y aliased x; that case takes the loop below).
            for (int o = 0; o < outer; o++)
            {
                var xs = x.Slice(o * dim, dim);
                var ys = y.Slice(o * dim, dim);
                float max = TensorPrimitives.Max(xs);
                TensorPrimitives.Subtract(xs, max, ys);
                TensorPrimitives.Exp(ys, ys);
                double sum = Sum(ys);
                if (log) TensorPrimitives.Subtract(xs, max + (float)Math.Log(sum), ys);
                else TensorPrimitives.Multiply(ys, (float)(1.0 / sum), ys);
            }
            return;
        }
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * dim * inner + i;
                float max = float.NegativeInfinity;
                for (int d = 0; d < dim; d++) max = Math.Max(max, x[b + d * inner]);
                double s = 0;
                for (int d = 0; d < dim; d++) s += Math.Exp(x[b + d * inner] - max);
                if (log)
                {
                    float lse = max + (float)Math.Log(s);
                    for (int d = 0; d < dim; d++) y[b + d * inner] = x[b + d * inner] - lse;
                }
                else
                {
                    double inv = 1.0 / s;
                    for (int d = 0; d < dim; d++) y[b + d * inner] = (float)(Math.Exp(x[b + d * inner] - max) * inv);
                }
            }
    }

    /// <inheritdoc />
    public void SoftmaxBackward(int outer, int dim, int inner, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool log)
    {
        long total = (long)outer * dim * inner;
        KernelAssert.AtLeast(total, y.Length, nameof(y));
        KernelAssert.AtLeast(total, dy.Length, nameof(dy));
        KernelAssert.AtLeast(total, dx.Length, nameof(dx));
        if (inner == 1 && !dx.Overlaps(y) && !dx.Overlaps(dy))
        {
            for (int o = 0; o < outer; o++)
            {
                var ys = y.Slice(o * dim, dim);
                var dys = dy.Slice(o * dim, dim);
                var dxs = dx.Slice(o * dim, dim);
                if (log)
                {
                    // dx = dy − exp(y)·Σdy
                    float s = (float)Sum(dys);
                    TensorPrimitives.Exp(ys, dxs);
                    TensorPrimitives.MultiplyAdd(dxs, -s, dys, dxs);
                }
                else
                {
                    // dx = y·(dy − Σ dy·y)
                    float s = TensorPrimitives.Dot(dys, ys);
                    TensorPrimitives.Subtract(dys, s, dxs);
                    TensorPrimitives.Multiply(dxs, ys, dxs);
                }
            }
            return;
        }
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * dim * inner + i;
                double s = 0;
                if (log)
                {
                    for (int d = 0; d < dim; d++) s += dy[b + d * inner];
                    for (int d = 0; d < dim; d++) { int j = b + d * inner; dx[j] = dy[j] - MathF.Exp(y[j]) * (float)s; }
                }
                else
                {
                    for (int d = 0; d < dim; d++) { int j = b + d * inner; s += dy[j] * y[j]; }
                    for (int d = 0; d < dim; d++) { int j = b + d * inner; dx[j] = y[j] * (dy[j] - (float)s); }
                }
            }
    }

    /// <inheritdoc />
    public void CrossEntropy(int rows, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<float> classWeights,
                             float labelSmoothing, int ignoreIndex, Span<float> rowLoss, Span<float> rowWeight, Span<float> gradLogits)
    {
        KernelAssert.That(rows >= 0 && classes > 0, $"cross_entropy rows={rows}, classes={classes}");
        KernelAssert.AtLeast((long)rows * classes, logits.Length, nameof(logits));
        KernelAssert.AtLeast(rows, targets.Length, nameof(targets));
        KernelAssert.AtLeast(rows, rowLoss.Length, nameof(rowLoss));
        KernelAssert.AtLeast(rows, rowWeight.Length, nameof(rowWeight));
        if (!classWeights.IsEmpty) KernelAssert.AtLeast(classes, classWeights.Length, nameof(classWeights));
        KernelAssert.That(labelSmoothing is >= 0f and <= 1f, $"label_smoothing={labelSmoothing}");
        float wSum = 0;
        if (!classWeights.IsEmpty) for (int c = 0; c < classes; c++) wSum += classWeights[c];
        else wSum = classes;
        Span<float> lsm = classes <= 1024 ? stackalloc float[classes] : new float[classes];
        bool wantGrad = !gradLogits.IsEmpty;
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            var grow = wantGrad ? gradLogits.Slice(r * classes, classes) : default;
            if (t == ignoreIndex)
            {
                rowLoss[r] = 0; rowWeight[r] = 0;
                if (wantGrad) grow.Clear();
                continue;
            }
            KernelAssert.That((uint)t < (uint)classes, $"target {t} of {classes} classes (row {r})");
            var row = logits.Slice(r * classes, classes);
            Softmax(1, classes, 1, row, lsm, log: true);
            float wt = classWeights.IsEmpty ? 1f : classWeights[t];
            double smooth = 0;
            if (labelSmoothing > 0)
                for (int c = 0; c < classes; c++) smooth += (classWeights.IsEmpty ? 1f : classWeights[c]) * lsm[c];
            rowLoss[r] = -wt * (1 - labelSmoothing) * lsm[t] - (float)(labelSmoothing / classes * smooth);
            rowWeight[r] = wt;
            if (!wantGrad) continue;
            float a = (1 - labelSmoothing) * wt, e = labelSmoothing / classes;
            for (int c = 0; c < classes; c++)
            {
                float p = MathF.Exp(lsm[c]);
                float wc = classWeights.IsEmpty ? 1f : classWeights[c];
                grow[c] = a * p + e * (wSum * p - wc);
            }
            grow[t] -= a;
        }
    }
}
