namespace NativeNet.Serialization;

/// <summary>
/// One tensor of a <see cref="SafetensorsFile"/>: name, dtype, shape and a zero-copy view of its
/// bytes. Valid only while the file is open.
/// </summary>
public sealed class SafetensorsEntry
{
    private readonly SafetensorsFile _file;
    private readonly long _absoluteOffset;

    internal SafetensorsEntry(SafetensorsFile file, string name, SafetensorsDtype dtype, long[] shape,
        long elementCount, long dataBegin, long dataEnd, long absoluteOffset)
    {
        _file = file;
        Name = name;
        Dtype = dtype;
        Shape = Array.AsReadOnly(shape);
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
        _absoluteOffset = absoluteOffset;
    }

    /// <summary>The tensor's name (for model files: the PyTorch state-dict key).</summary>
    public string Name { get; }

    /// <summary>The stored element type.</summary>
    public SafetensorsDtype Dtype { get; }

    /// <summary>The dimensions, outermost first. Empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>Start of the tensor's bytes, relative to the data section (the header's data_offsets[0]).</summary>
    public long DataBegin { get; }

    /// <summary>End (exclusive) of the tensor's bytes, relative to the data section.</summary>
    public long DataEnd { get; }

    /// <summary>The number of bytes the tensor occupies.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>
    /// The raw little-endian bytes, without copying (into the memory map for large files).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The file was disposed.</exception>
    /// <exception cref="NotSupportedException">The tensor is larger than 2 GiB (a span cannot address it).</exception>
    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            _file.ThrowIfDisposed();
            if (ByteLength > int.MaxValue)
                throw new NotSupportedException(
                    $"Tensor '{Name}' in '{_file.SourceName}' holds {ByteLength} bytes; a span addresses at most {int.MaxValue}.");
            return _file.Storage.Slice(_absoluteOffset, (int)ByteLength);
        }
    }

    /// <summary>The shape as a new array.</summary>
    public long[] GetShapeArray() => [.. Shape];

    /// <summary>
    /// The values converted to float32: every dtype is accepted (F16/BF16/F8 widen exactly, F64
    /// and large integers round to nearest float, BOOL gives 0 or 1).
    /// </summary>
    public float[] ToFloat32()
    {
        var bytes = Bytes;
        var result = new float[CheckedArrayLength()];
        ElementConversion.ToFloat32(Dtype, bytes, result);
        return result;
    }

    /// <summary>The values as int64; only integer and BOOL dtypes are accepted.</summary>
    /// <exception cref="InvalidOperationException">The dtype is floating point.</exception>
    /// <exception cref="OverflowException">A U64 value does not fit in a long.</exception>
    public long[] ToInt64()
    {
        var bytes = Bytes;
        var result = new long[CheckedArrayLength()];
        if (!ElementConversion.TryToInt64(Dtype, bytes, result, out long overflowAt))
            throw new InvalidOperationException(
                $"Tensor '{Name}' in '{_file.SourceName}' has dtype {Dtype}; ToInt64 needs an integer or BOOL dtype. Use ToFloat32.");
        if (overflowAt >= 0)
            throw new OverflowException(
                $"Tensor '{Name}' in '{_file.SourceName}': U64 element {overflowAt} exceeds long.MaxValue.");
        return result;
    }

    private int CheckedArrayLength() => ElementCount <= Array.MaxLength
        ? (int)ElementCount
        : throw new NotSupportedException($"Tensor '{Name}' has {ElementCount} elements; more than an array can hold.");

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Dtype}[{string.Join(", ", Shape)}]";
}
