namespace NativeNet;

public sealed partial class Tensor
{
    /// <summary>The NumPy/PyTorch broadcast of two shapes; throws naming both when they do not broadcast.</summary>
    public static int[] BroadcastShapes(int[] a, int[] b)
    {
        int r = Math.Max(a.Length, b.Length);
        var s = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i - (r - a.Length) >= 0 ? a[i - (r - a.Length)] : 1;
            int db = i - (r - b.Length) >= 0 ? b[i - (r - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"Shapes {ShapeString(a)} and {ShapeString(b)} cannot be broadcast together (dimension {i}: {da} vs {db}).");
            s[i] = da == 1 ? db : da;
        }
        return s;
    }

    internal static bool SameShape(int[] a, int[] b) => a.AsSpan().SequenceEqual(b);

    // Source strides aligned to the destination rank; 0 where the source dimension broadcasts.
    private static void BroadcastStrides(int[] src, int[] dst, Span<int> strides)
    {
        int r = dst.Length, off = r - src.Length, stride = 1;
        for (int d = r - 1; d >= 0; d--)
        {
            int sd = d - off >= 0 ? src[d - off] : 1;
            if (sd != 1 && sd != dst[d])
                throw new ArgumentException($"Shape {ShapeString(src)} cannot be broadcast to {ShapeString(dst)}.");
            strides[d] = sd == 1 ? 0 : stride;
            stride *= sd;
        }
    }

    /// <summary>dst (shape dstShape) = src broadcast from srcShape.</summary>
    internal static void BroadcastCopy(ReadOnlySpan<float> src, int[] srcShape, Span<float> dst, int[] dstShape)
    {
        int r = dstShape.Length;
        if (dst.Length == 0) return;
        // One source element (the gradient of Sum() and Mean()): one fill through the kernels (the
        // native one splits it over the pool), not one Fill per innermost row (x.Sum().Backward()
        // on a 32x32x56x56 output took 1.8 ms that way).
        if (src.Length == 1) { K.Fill(dst, src[0]); return; }
        if (r == 0) { dst[0] = src[0]; return; }
        Span<int> st = stackalloc int[r];
        Span<int> idx = stackalloc int[r];
        BroadcastStrides(srcShape, dstShape, st);
        int inner = dstShape[r - 1], outer = dst.Length / inner, s = 0;
        for (int o = 0; o < outer; o++)
        {
            var row = dst.Slice(o * inner, inner);
            if (st[r - 1] == 0) row.Fill(src[s]);
            else src.Slice(s, inner).CopyTo(row);
            for (int d = r - 2; d >= 0; d--)
            {
                idx[d]++;
                s += st[d];
                if (idx[d] < dstShape[d]) break;
                s -= st[d] * dstShape[d];
                idx[d] = 0;
            }
        }
    }

    /// <summary>dst (shape dstShape, overwritten) = the sum of g (shape gShape) over the broadcast dimensions.</summary>
    internal static void ReduceBroadcast(ReadOnlySpan<float> g, int[] gShape, Span<float> dst, int[] dstShape)
    {
        dst.Clear();
        int r = gShape.Length;
        if (g.Length == 0) return;
        if (r == 0) { dst[0] = g[0]; return; }
        Span<int> st = stackalloc int[r];
        Span<int> idx = stackalloc int[r];
        BroadcastStrides(dstShape, gShape, st);
        int inner = gShape[r - 1], outer = g.Length / inner, s = 0;
        var k = K;
        for (int o = 0; o < outer; o++)
        {
            var row = g.Slice(o * inner, inner);
            if (st[r - 1] == 0) dst[s] += (float)k.Sum(row);
            else k.Binary(Kernels.BinaryOp.Add, dst.Slice(s, inner), row, dst.Slice(s, inner));
            for (int d = r - 2; d >= 0; d--)
            {
                idx[d]++;
                s += st[d];
                if (idx[d] < gShape[d]) break;
                s -= st[d] * gShape[d];
                idx[d] = 0;
            }
        }
    }

    /// <summary>A copy broadcast to <paramref name="shape"/> (recorded: its gradient sums back).</summary>
    public Tensor Expand(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ThrowIfDisposed();
        var target = BroadcastShapes(_shape, shape);
        if (!SameShape(target, shape))
            throw new ArgumentException($"Shape {ShapeString(_shape)} cannot be expanded to {ShapeString(shape)}.", nameof(shape));
        var y = Empty(target);
        BroadcastCopy(Data, _shape, y.AsSpan(), target);
        if (Autograd.Needs(this))
        {
            var srcShape = _shape;
            Autograd.Record("Expand", y, new[] { this }, g => new Tensor?[] { g.SumTo(srcShape) });
        }
        return y;
    }

    /// <summary>Sums this tensor down to <paramref name="shape"/> (the reverse of broadcasting). Recorded.</summary>
    public Tensor SumTo(int[] shape)
    {
        ThrowIfDisposed();
        if (SameShape(shape, _shape)) return Clone();
        var y = Empty((int[])shape.Clone());
        ReduceBroadcast(Data, _shape, y.AsSpan(), shape);
        if (Autograd.Needs(this))
        {
            var srcShape = _shape;
            Autograd.Record("SumTo", y, new[] { this }, g => new Tensor?[] { g.Expand(srcShape) });
        }
        return y;
    }
}
