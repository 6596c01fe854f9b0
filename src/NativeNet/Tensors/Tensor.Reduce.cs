using NativeNet.Kernels;

namespace NativeNet;

public sealed partial class Tensor
{
    private void Split(int d, out int outer, out int size, out int inner)
    {
        outer = 1; inner = 1; size = _shape[d];
        for (int i = 0; i < d; i++) outer *= _shape[i];
        for (int i = d + 1; i < _shape.Length; i++) inner *= _shape[i];
    }

    private static int[] ReducedShape(int[] shape, int d, bool keepDim)
    {
        if (keepDim)
        {
            var s = (int[])shape.Clone();
            s[d] = 1;
            return s;
        }
        var r = new int[shape.Length - 1];
        for (int i = 0, j = 0; i < shape.Length; i++) if (i != d) r[j++] = shape[i];
        return r;
    }

    /// <summary>The sum of all elements (a 0-d tensor), accumulated in double.</summary>
    public Tensor Sum()
    {
        ThrowIfDisposed();
        var y = Empty(Array.Empty<int>());
        y.AsSpan()[0] = (float)K.Sum(Data);
        if (Autograd.Needs(this))
        {
            var src = _shape;
            Autograd.Record("Sum", y, new[] { this }, g => new Tensor?[] { g.Expand(src) });
        }
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>The mean of all elements (a 0-d tensor).</summary>
    public Tensor Mean()
    {
        using var s = Sum();
        return s.Div(_count);
    }

    /// <summary>Sum over dimension <paramref name="dim"/>.</summary>
    public Tensor Sum(int dim, bool keepDim = false)
    {
        ThrowIfDisposed();
        int d = NormalizeDim(dim, _shape.Length);
        Split(d, out int outer, out int size, out int inner);
        var shape = ReducedShape(_shape, d, keepDim);
        var y = Empty(shape);
        var dst = y.AsSpan();
        var src = Data;
        var k = K;
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) dst[o] = (float)k.Sum(src.Slice(o * size, size));
        }
        else
        {
            for (int o = 0; o < outer; o++)
            {
                var acc = dst.Slice(o * inner, inner);
                src.Slice(o * size * inner, inner).CopyTo(acc);
                for (int s = 1; s < size; s++) k.Binary(BinaryOp.Add, acc, src.Slice((o * size + s) * inner, inner), acc);
            }
        }
        if (Autograd.Needs(this))
        {
            var src0 = _shape;
            var keep = ReducedShape(_shape, d, true);
            Autograd.Record("SumDim", y, new[] { this }, g =>
            {
                using var gv = g.ViewAs(keep);
                return new Tensor?[] { gv.Expand(src0) };
            });
            if (Autograd.Tracing) Autograd.Annotate(y, new Nn.ModuleSpec("SumDim").With("dim", d).With("keepdim", keepDim));
        }
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>Mean over dimension <paramref name="dim"/>.</summary>
    public Tensor Mean(int dim, bool keepDim = false)
    {
        int n = Size(dim);
        using var s = Sum(dim, keepDim);
        return s.Div(n);
    }

    /// <summary>Maximum over <paramref name="dim"/> (gradient flows to the first maximum).</summary>
    public Tensor Max(int dim, bool keepDim = false)
    {
        ThrowIfDisposed();
        int d = NormalizeDim(dim, _shape.Length);
        Split(d, out int outer, out int size, out int inner);
        if (size == 0) throw new InvalidOperationException($"Max over an empty dimension {d}.");
        var y = Empty(ReducedShape(_shape, d, keepDim));
        var arg = new int[outer * inner];
        ArgMaxCore(Data, outer, size, inner, y.AsSpan(), arg);
        if (Autograd.Needs(this))
        {
            var src = _shape;
            Autograd.Record("Max", y, new[] { this }, g =>
            {
                var gx = Zeros(src);
                var gd = gx.AsSpan();
                var gs = g.Data;
                for (int o = 0; o < outer; o++)
                    for (int i = 0; i < inner; i++)
                        gd[(o * size + arg[o * inner + i]) * inner + i] = gs[o * inner + i];
                return new Tensor?[] { gx };
            });
        }
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>The largest element (not recorded).</summary>
    public float MaxValue()
    {
        var d = Data;
        if (d.IsEmpty) throw new InvalidOperationException("MaxValue of an empty tensor.");
        return System.Numerics.Tensors.TensorPrimitives.Max(d);
    }

    /// <summary>Indices (as floats holding integers) of the maxima along <paramref name="dim"/>; first maximum wins. Not recorded.</summary>
    public Tensor Argmax(int dim = -1, bool keepDim = false)
    {
        ThrowIfDisposed();
        int d = NormalizeDim(dim, _shape.Length);
        Split(d, out int outer, out int size, out int inner);
        if (size == 0) throw new InvalidOperationException($"Argmax over an empty dimension {d}.");
        var y = Empty(ReducedShape(_shape, d, keepDim));
        var arg = new int[outer * inner];
        Span<float> tmp = outer * inner <= 256 ? stackalloc float[outer * inner] : new float[outer * inner];
        ArgMaxCore(Data, outer, size, inner, tmp, arg);
        var dst = y.AsSpan();
        for (int i = 0; i < arg.Length; i++) dst[i] = arg[i];
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>Argmax along the last dimension as integers (e.g. predicted classes).</summary>
    public int[] ArgmaxIndices()
    {
        ThrowIfDisposed();
        int d = _shape.Length - 1;
        Split(d, out int outer, out int size, out int inner);
        var arg = new int[outer * inner];
        var tmp = new float[outer * inner];
        ArgMaxCore(Data, outer, size, inner, tmp, arg);
        return arg;
    }

    private static void ArgMaxCore(ReadOnlySpan<float> src, int outer, int size, int inner, Span<float> values, int[] arg)
    {
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                int b = o * size * inner + i, best = 0;
                float bv = src[b];
                for (int s = 1; s < size; s++)
                {
                    float v = src[b + s * inner];
                    if (v > bv || (float.IsNaN(v) && !float.IsNaN(bv))) { bv = v; best = s; }
                }
                values[o * inner + i] = bv;
                arg[o * inner + i] = best;
            }
    }

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public Tensor Softmax(int dim) => SoftmaxCore(dim, log: false);

    /// <summary>Log-softmax along <paramref name="dim"/> (numerically stable).</summary>
    public Tensor LogSoftmax(int dim) => SoftmaxCore(dim, log: true);

    private Tensor SoftmaxCore(int dim, bool log)
    {
        ThrowIfDisposed();
        int d = NormalizeDim(dim, _shape.Length);
        Split(d, out int outer, out int size, out int inner);
        var y = Empty((int[])_shape.Clone());
        if (_count > 0) K.Softmax(outer, size, inner, Data, y.AsSpan(), log);
        if (Autograd.Needs(this))
        {
            Autograd.Record(log ? "LogSoftmax" : "Softmax", y, new[] { this }, g =>
            {
                var gx = Empty(g.ShapeChecked(), register: false);
                if (gx.Count > 0) K.SoftmaxBackward(outer, size, inner, y.Data, g.Data, gx.AsSpan(), log);
                return new Tensor?[] { gx };
            });
            if (Autograd.Tracing) Autograd.Annotate(y, new Nn.ModuleSpec(log ? "LogSoftmax" : "Softmax").With("dim", d));
        }
        GC.KeepAlive(this);
        return y;
    }
}
