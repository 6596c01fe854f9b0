using System.Buffers.Binary;

namespace NativeNet.Data;

/// <summary>
/// An n-dimensional array read from a NumPy <c>.npy</c> file, held as little-endian C-order
/// bytes whatever the file's byte order and memory order were. Convert with
/// <see cref="ToFloatArray"/>, <see cref="ToInt64Array"/> or <see cref="ToDoubleArray"/>.
/// </summary>
public sealed class NpyArray
{
    internal NpyArray(string dtype, int[] shape, byte[] data)
    {
        DType = dtype;
        Shape = shape;
        Data = data;
        long n = 1;
        foreach (var s in shape) n *= s;
        Length = n;
    }

    /// <summary>Element type without byte order: b1, u1, i1, u2, i2, u4, i4, u8, i8, f2, f4 or f8.</summary>
    public string DType { get; }

    /// <summary>Dimensions (empty for a scalar).</summary>
    public IReadOnlyList<int> Shape { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Raw little-endian C-order bytes.</summary>
    internal byte[] Data { get; }

    /// <summary>The elements converted to float (bool → 0/1), C order.</summary>
    public float[] ToFloatArray()
    {
        var r = new float[Length];
        for (long i = 0; i < Length; i++) r[i] = (float)Get(i);
        return r;
    }

    /// <summary>The elements converted to double, C order.</summary>
    public double[] ToDoubleArray()
    {
        var r = new double[Length];
        for (long i = 0; i < Length; i++) r[i] = Get(i);
        return r;
    }

    /// <summary>The elements as 64-bit integers; throws for a float element that is not whole.</summary>
    public long[] ToInt64Array()
    {
        var r = new long[Length];
        for (long i = 0; i < Length; i++)
        {
            if (DType is "u8") { r[i] = (long)BinaryPrimitives.ReadUInt64LittleEndian(Data.AsSpan((int)(i * 8))); continue; }
            if (DType is "i8") { r[i] = BinaryPrimitives.ReadInt64LittleEndian(Data.AsSpan((int)(i * 8))); continue; }
            double v = Get(i);
            if (v != Math.Floor(v)) throw new InvalidDataException($"Element {i} of a {DType} array is not a whole number: {v}.");
            r[i] = (long)v;
        }
        return r;
    }

    private double Get(long i)
    {
        var s = Data.AsSpan();
        int o = checked((int)(i * ItemSize(DType)));
        return DType switch
        {
            "b1" => s[o] != 0 ? 1 : 0,
            "u1" => s[o],
            "i1" => (sbyte)s[o],
            "u2" => BinaryPrimitives.ReadUInt16LittleEndian(s[o..]),
            "i2" => BinaryPrimitives.ReadInt16LittleEndian(s[o..]),
            "u4" => BinaryPrimitives.ReadUInt32LittleEndian(s[o..]),
            "i4" => BinaryPrimitives.ReadInt32LittleEndian(s[o..]),
            "u8" => BinaryPrimitives.ReadUInt64LittleEndian(s[o..]),
            "i8" => BinaryPrimitives.ReadInt64LittleEndian(s[o..]),
            "f2" => (double)BinaryPrimitives.ReadHalfLittleEndian(s[o..]),
            "f4" => BinaryPrimitives.ReadSingleLittleEndian(s[o..]),
            "f8" => BinaryPrimitives.ReadDoubleLittleEndian(s[o..]),
            _ => throw new InvalidOperationException($"unsupported dtype {DType}"),
        };
    }

    internal static int ItemSize(string dtype) => dtype switch
    {
        "b1" or "u1" or "i1" => 1,
        "u2" or "i2" or "f2" => 2,
        "u4" or "i4" or "f4" => 4,
        "u8" or "i8" or "f8" => 8,
        _ => 0,
    };
}
