namespace NativeNet.Serialization;

/// <summary>
/// The element types of the safetensors format, spelled as they appear in a file's header.
/// </summary>
public enum SafetensorsDtype
{
    /// <summary>Boolean, one byte (0 or 1).</summary>
    BOOL,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>Signed 8-bit integer.</summary>
    I8,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16,
    /// <summary>Signed 16-bit integer.</summary>
    I16,
    /// <summary>IEEE 754 half precision.</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of an IEEE float32.</summary>
    BF16,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>IEEE 754 single precision.</summary>
    F32,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
    /// <summary>IEEE 754 double precision.</summary>
    F64,
    /// <summary>8-bit float, 4 exponent bits, 3 mantissa bits, no infinities (OCP "E4M3FN").</summary>
    F8_E4M3,
    /// <summary>8-bit float, 5 exponent bits, 2 mantissa bits (IEEE-like, with infinities).</summary>
    F8_E5M2,
}

/// <summary>Facts about <see cref="SafetensorsDtype"/> values: sizes and header spellings.</summary>
public static class SafetensorsDtypes
{
    /// <summary>Size in bytes of one element of <paramref name="dtype"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined dtype.</exception>
    public static int ElementSize(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.BOOL or SafetensorsDtype.U8 or SafetensorsDtype.I8
            or SafetensorsDtype.F8_E4M3 or SafetensorsDtype.F8_E5M2 => 1,
        SafetensorsDtype.U16 or SafetensorsDtype.I16 or SafetensorsDtype.F16 or SafetensorsDtype.BF16 => 2,
        SafetensorsDtype.U32 or SafetensorsDtype.I32 or SafetensorsDtype.F32 => 4,
        SafetensorsDtype.U64 or SafetensorsDtype.I64 or SafetensorsDtype.F64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype,
            $"dtype must be a defined SafetensorsDtype. Received: dtype={(int)dtype}"),
    };

    /// <summary>The spelling used in a safetensors header ("F32", "BF16", ...).</summary>
    public static string HeaderName(this SafetensorsDtype dtype)
    {
        _ = ElementSize(dtype); // rejects undefined values
        return dtype.ToString();
    }

    /// <summary>
    /// Parses a header dtype spelling. Exact, case-sensitive match, as the format specifies;
    /// numeric strings are rejected (Enum.TryParse would accept "3").
    /// </summary>
    public static bool TryParse(string? text, out SafetensorsDtype dtype)
    {
        foreach (var value in Enum.GetValues<SafetensorsDtype>())
        {
            if (string.Equals(value.ToString(), text, StringComparison.Ordinal))
            {
                dtype = value;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>True for the floating-point dtypes (F8, F16, BF16, F32, F64).</summary>
    public static bool IsFloatingPoint(this SafetensorsDtype dtype) => dtype is SafetensorsDtype.F16
        or SafetensorsDtype.BF16 or SafetensorsDtype.F32 or SafetensorsDtype.F64
        or SafetensorsDtype.F8_E4M3 or SafetensorsDtype.F8_E5M2;
}
