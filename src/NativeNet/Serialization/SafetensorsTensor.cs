namespace NativeNet.Serialization;

/// <summary>
/// A tensor to write with <see cref="SafetensorsWriter"/>: name, dtype, shape and the raw
/// little-endian bytes. The factories convert from float32 / int64.
/// </summary>
public sealed class SafetensorsTensor
{
    /// <summary>Creates a tensor from raw little-endian bytes.</summary>
    /// <exception cref="ArgumentException">The name is empty, a dimension is negative, or the byte count does not match dtype × shape.</exception>
    public SafetensorsTensor(string name, SafetensorsDtype dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name.Length == 0)
            throw new ArgumentException("Tensor name must not be empty.", nameof(name));
        if (name == "__metadata__")
            throw new ArgumentException("Tensor name '__metadata__' is reserved by the safetensors format.", nameof(name));
        long count = 1;
        foreach (long d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"Tensor '{name}': dimensions must be non-negative. Received: shape=[{string.Join(", ", shape)}]", nameof(shape));
            count = checked(count * d);
        }
        long expected = checked(count * dtype.ElementSize());
        if (data.Length != expected)
            throw new ArgumentException(
                $"Tensor '{name}': {dtype} [{string.Join(", ", shape)}] needs {expected} bytes. Received: {data.Length} bytes", nameof(data));
        Name = name;
        Dtype = dtype;
        Shape = [.. shape];
        Data = data;
    }

    /// <summary>Float32 values stored as <paramref name="storeAs"/> (F32, F16, BF16 round-to-nearest-even, or F64).</summary>
    public static SafetensorsTensor FromFloat32(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values,
        SafetensorsDtype storeAs = SafetensorsDtype.F32)
        => new(name, storeAs, shape, ElementConversion.FromFloat32(values, storeAs));

    /// <summary>Int64 values stored as I64.</summary>
    public static SafetensorsTensor FromInt64(string name, IReadOnlyList<long> shape, ReadOnlySpan<long> values)
        => new(name, SafetensorsDtype.I64, shape, ElementConversion.FromInt64(values));

    /// <summary>The tensor's name; unique within a file.</summary>
    public string Name { get; }

    /// <summary>The element type written to the header.</summary>
    public SafetensorsDtype Dtype { get; }

    /// <summary>The dimensions (a copy of what was given).</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The raw little-endian bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }
}
