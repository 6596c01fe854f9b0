namespace NativeNet.Onnx.Loading;

/// <summary>
/// A tensor whose values are known before any input arrives: an initializer, a Constant node, or
/// the result of folding (shape arithmetic, weight transforms). Float tensors keep float storage;
/// every integer and boolean type is held as int64 (the width shape arithmetic needs).
/// </summary>
internal sealed class StaticTensor
{
    public StaticTensor(long[] shape, float[] data)
    {
        Shape = shape;
        F = data;
    }

    public StaticTensor(long[] shape, long[] data)
    {
        Shape = shape;
        L = data;
    }

    public long[] Shape { get; }

    /// <summary>Float values (FLOAT, DOUBLE, FLOAT16 converted), or null for an integer tensor.</summary>
    public float[]? F { get; }

    /// <summary>Integer values (INT64, INT32, INT8, UINT8, BOOL, …), or null for a float tensor.</summary>
    public long[]? L { get; }

    public bool IsInt => L != null;

    public long Count => F?.LongLength ?? L!.LongLength;

    public double this[long i] => F != null ? F[i] : L![i];

    /// <summary>The values as int64 (floats truncated), for attributes carried as tensors (axes, pads, sizes).</summary>
    public long[] AsLongs() => L ?? Array.ConvertAll(F!, v => (long)v);

    public float[] AsFloats() => F ?? Array.ConvertAll(L!, v => (float)v);

    /// <summary>A new tensor of the same element kind: <paramref name="value"/>(i) for each output index.</summary>
    public static StaticTensor Build(bool isInt, long[] shape, Func<long, double> value)
    {
        long n = ShapeMath.Count(shape);
        if (isInt)
        {
            var d = new long[n];
            for (long i = 0; i < n; i++) d[i] = (long)value(i);
            return new StaticTensor(shape, d);
        }
        var f = new float[n];
        for (long i = 0; i < n; i++) f[i] = (float)value(i);
        return new StaticTensor(shape, f);
    }

    /// <summary>A copy of elements picked by index: out[i] = this[source(i)] (type-preserving).</summary>
    public StaticTensor Take(long[] shape, Func<long, long> source)
    {
        long n = ShapeMath.Count(shape);
        if (L != null)
        {
            var d = new long[n];
            for (long i = 0; i < n; i++) d[i] = L[source(i)];
            return new StaticTensor(shape, d);
        }
        var f = new float[n];
        for (long i = 0; i < n; i++) f[i] = F![source(i)];
        return new StaticTensor(shape, f);
    }

    public StaticTensor WithShape(long[] shape) => L != null ? new StaticTensor(shape, L) : new StaticTensor(shape, F!);

    public override string ToString() => $"{(IsInt ? "int64" : "float")}[{string.Join(",", Shape)}]";
}
