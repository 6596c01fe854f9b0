using NativeNet.Kernels;

namespace NativeNet;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product. [.., m, k] × [k, n] → [.., m, n] (leading dimensions of the left operand are
    /// batched rows), or [b, m, k] × [b, k, n] → [b, m, n]. 1-D right operand [k] gives [.., m].
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        ThrowIfDisposed();
        other.ThrowIfDisposed();
        var a = this;
        if (a.Rank == 0 || other.Rank == 0) throw new ArgumentException("MatMul needs tensors with at least one dimension.");
        if (other.Rank == 1)
        {
            using var col = other.Unsqueeze(1);
            using var r = MatMul(col);
            return r.Squeeze(-1);
        }
        if (a.Rank == 1)
        {
            using var row = a.Unsqueeze(0);
            using var r = row.MatMul(other);
            return r.Squeeze(0);
        }
        int k = a._shape[^1];
        if (other.Rank == 2)
        {
            if (other._shape[0] != k)
                throw new ArgumentException($"MatMul: inner dimensions differ. Received: {ShapeString(a._shape)} × {ShapeString(other._shape)}");
            int n = other._shape[1], m = a._count / Math.Max(k, 1);
            if (k == 0) m = a._count == 0 ? RowsOf(a._shape) : m;
            var shape = (int[])a._shape.Clone();
            shape[^1] = n;
            var y = Empty(shape);
            K.Gemm(false, false, m, n, k, 1f, a.Data, Math.Max(k, 1), other.Data, Math.Max(n, 1), 0f, y.AsSpan(), Math.Max(n, 1));
            if (Autograd.Needs(a, other))
            {
                var b = other;
                Autograd.Record("MatMul", y, new[] { a, b }, g =>
                {
                    Tensor? ga = null, gb = null;
                    if (a.RequiresGrad)
                    {
                        ga = Empty(a.ShapeChecked(), register: false);
                        K.Gemm(false, true, m, k, n, 1f, g.Data, Math.Max(n, 1), b.Data, Math.Max(n, 1), 0f, ga.AsSpan(), Math.Max(k, 1));
                    }
                    if (b.RequiresGrad)
                    {
                        gb = Empty(b.ShapeChecked(), register: false);
                        K.Gemm(true, false, k, n, m, 1f, a.Data, Math.Max(k, 1), g.Data, Math.Max(n, 1), 0f, gb.AsSpan(), Math.Max(n, 1));
                    }
                    return new[] { ga, gb };
                });
            }
            GC.KeepAlive(a);
            GC.KeepAlive(other);
            return y;
        }
        if (a.Rank == 3 && other.Rank == 3)
        {
            int bs = a._shape[0], m = a._shape[1], n = other._shape[2];
            if (other._shape[0] != bs || other._shape[1] != k)
                throw new ArgumentException($"MatMul: batched shapes do not match. Received: {ShapeString(a._shape)} × {ShapeString(other._shape)}");
            var y = Empty(new[] { bs, m, n });
            var kk = K;
            for (int i = 0; i < bs; i++)
                kk.Gemm(false, false, m, n, k, 1f, a.Data.Slice(i * m * k, m * k), Math.Max(k, 1), other.Data.Slice(i * k * n, k * n), Math.Max(n, 1), 0f, y.AsSpan().Slice(i * m * n, m * n), Math.Max(n, 1));
            if (Autograd.Needs(a, other))
            {
                var b = other;
                Autograd.Record("BatchMatMul", y, new[] { a, b }, g =>
                {
                    Tensor? ga = null, gb = null;
                    if (a.RequiresGrad)
                    {
                        ga = Empty(a.ShapeChecked(), register: false);
                        for (int i = 0; i < bs; i++)
                            K.Gemm(false, true, m, k, n, 1f, g.Data.Slice(i * m * n, m * n), Math.Max(n, 1), b.Data.Slice(i * k * n, k * n), Math.Max(n, 1), 0f, ga.AsSpan().Slice(i * m * k, m * k), Math.Max(k, 1));
                    }
                    if (b.RequiresGrad)
                    {
                        gb = Empty(b.ShapeChecked(), register: false);
                        for (int i = 0; i < bs; i++)
                            K.Gemm(true, false, k, n, m, 1f, a.Data.Slice(i * m * k, m * k), Math.Max(k, 1), g.Data.Slice(i * m * n, m * n), Math.Max(n, 1), 0f, gb.AsSpan().Slice(i * k * n, k * n), Math.Max(n, 1));
                    }
                    return new[] { ga, gb };
                });
            }
            GC.KeepAlive(a);
            GC.KeepAlive(other);
            return y;
        }
        throw new ArgumentException($"MatMul supports [.., m, k] × [k, n] and [b, m, k] × [b, k, n]. Received: {ShapeString(a._shape)} × {ShapeString(other._shape)}");
    }

    private static int RowsOf(int[] shape)
    {
        int m = 1;
        for (int i = 0; i < shape.Length - 1; i++) m *= shape[i];
        return m;
    }

    /// <summary>
    /// Runs reverse-mode autograd from this tensor: gradients accumulate into <see cref="Grad"/> of every
    /// leaf that requires grad. A scalar needs no <paramref name="gradient"/> (seed 1); otherwise pass
    /// dLoss/dThis with this tensor's shape. The graph is freed afterwards unless
    /// <paramref name="retainGraph"/> (PyTorch's retain_graph): then its saved values stay, so a
    /// later Backward() can run through it again (the last one should not retain, to free it).
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => Autograd.RunBackward(this, gradient, retainGraph);
}
