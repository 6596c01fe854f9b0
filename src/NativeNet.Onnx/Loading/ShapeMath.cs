namespace NativeNet.Onnx.Loading;

/// <summary>Element counts, axis normalization and broadcasting, with overflow checked.</summary>
internal static class ShapeMath
{
    /// <summary>The number of elements; throws InvalidDataException on a negative dimension or overflow.</summary>
    public static long Count(ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (long d in shape)
        {
            if (d < 0) throw new InvalidDataException($"negative dimension {d} in shape [{string.Join(",", shape.ToArray())}]");
            try { n = checked(n * d); }
            catch (OverflowException) { throw new InvalidDataException($"shape [{string.Join(",", shape.ToArray())}] has more than 2^63 elements"); }
        }
        return n;
    }

    /// <summary>Normalizes a possibly negative axis into [0, rank) (or [0, rank] when <paramref name="inclusive"/>).</summary>
    public static int Axis(long axis, int rank, string op, bool inclusive = false)
    {
        int limit = inclusive ? rank + 1 : rank;
        long a = axis < 0 ? axis + limit : axis;
        if (a < 0 || a >= limit) throw new InvalidDataException($"{op}: axis {axis} is out of range for rank {rank}");
        return (int)a;
    }

    /// <summary>NumPy-style broadcast of two shapes.</summary>
    public static long[] Broadcast(long[] a, long[] b, string op)
    {
        int rank = Math.Max(a.Length, b.Length);
        var r = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            long db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new InvalidDataException($"{op}: shapes [{string.Join(",", a)}] and [{string.Join(",", b)}] do not broadcast");
            r[i] = da == 1 ? db : da;
        }
        return r;
    }

    /// <summary>Row-major strides of <paramref name="shape"/> as seen from <paramref name="outShape"/>: 0 on broadcast axes.</summary>
    public static long[] BroadcastStrides(long[] shape, long[] outShape)
    {
        int rank = outShape.Length;
        var s = new long[rank];
        long stride = 1;
        for (int i = rank - 1; i >= 0; i--)
        {
            int j = i - (rank - shape.Length);
            if (j < 0) { s[i] = 0; continue; }
            s[i] = shape[j] == 1 && outShape[i] != 1 ? 0 : stride;
            stride *= shape[j];
        }
        return s;
    }

    public static long[] Strides(long[] shape)
    {
        var s = new long[shape.Length];
        long stride = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = stride; stride *= shape[i]; }
        return s;
    }

    public static string Format(long[] shape) => "[" + string.Join(",", shape) + "]";
}
