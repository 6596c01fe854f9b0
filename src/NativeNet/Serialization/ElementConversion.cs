using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace NativeNet.Serialization;

/// <summary>
/// Converts raw little-endian safetensors element bytes to and from float32 / int64.
/// Reads are unaligned-safe: a foreign file's data section need not start 8-byte aligned.
/// </summary>
internal static class ElementConversion
{
    private static readonly float[] E4M3Table = BuildFloat8Table(exponentBits: 4, mantissaBits: 3, bias: 7, hasInfinity: false);
    private static readonly float[] E5M2Table = BuildFloat8Table(exponentBits: 5, mantissaBits: 2, bias: 15, hasInfinity: true);

    public static void ToFloat32(SafetensorsDtype dtype, ReadOnlySpan<byte> src, Span<float> dst)
    {
        int n = dst.Length;
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                if (BitConverter.IsLittleEndian) { MemoryMarshal.Cast<byte, float>(src[..(n * 4)]).CopyTo(dst); return; }
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(i * 4)..]);
                return;
            case SafetensorsDtype.F16:
                for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src[(i * 2)..]);
                return;
            case SafetensorsDtype.BF16:
                for (int i = 0; i < n; i++) dst[i] = BFloat16ToFloat(BinaryPrimitives.ReadUInt16LittleEndian(src[(i * 2)..]));
                return;
            case SafetensorsDtype.F64:
                for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(i * 8)..]);
                return;
            case SafetensorsDtype.F8_E4M3:
                for (int i = 0; i < n; i++) dst[i] = E4M3Table[src[i]];
                return;
            case SafetensorsDtype.F8_E5M2:
                for (int i = 0; i < n; i++) dst[i] = E5M2Table[src[i]];
                return;
            case SafetensorsDtype.BOOL:
                for (int i = 0; i < n; i++) dst[i] = src[i] != 0 ? 1f : 0f;
                return;
            case SafetensorsDtype.U8:
                for (int i = 0; i < n; i++) dst[i] = src[i];
                return;
            case SafetensorsDtype.I8:
                for (int i = 0; i < n; i++) dst[i] = (sbyte)src[i];
                return;
            case SafetensorsDtype.U16:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadUInt16LittleEndian(src[(i * 2)..]);
                return;
            case SafetensorsDtype.I16:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(i * 2)..]);
                return;
            case SafetensorsDtype.U32:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadUInt32LittleEndian(src[(i * 4)..]);
                return;
            case SafetensorsDtype.I32:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(i * 4)..]);
                return;
            case SafetensorsDtype.U64:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadUInt64LittleEndian(src[(i * 8)..]);
                return;
            case SafetensorsDtype.I64:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt64LittleEndian(src[(i * 8)..]);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype.");
        }
    }

    /// <summary>Integer and bool dtypes only; returns false for floating-point dtypes.</summary>
    public static bool TryToInt64(SafetensorsDtype dtype, ReadOnlySpan<byte> src, Span<long> dst, out long overflowIndex)
    {
        overflowIndex = -1;
        int n = dst.Length;
        switch (dtype)
        {
            case SafetensorsDtype.BOOL: for (int i = 0; i < n; i++) dst[i] = src[i] != 0 ? 1 : 0; return true;
            case SafetensorsDtype.U8: for (int i = 0; i < n; i++) dst[i] = src[i]; return true;
            case SafetensorsDtype.I8: for (int i = 0; i < n; i++) dst[i] = (sbyte)src[i]; return true;
            case SafetensorsDtype.U16: for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadUInt16LittleEndian(src[(i * 2)..]); return true;
            case SafetensorsDtype.I16: for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(i * 2)..]); return true;
            case SafetensorsDtype.U32: for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadUInt32LittleEndian(src[(i * 4)..]); return true;
            case SafetensorsDtype.I32: for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(i * 4)..]); return true;
            case SafetensorsDtype.I64: for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt64LittleEndian(src[(i * 8)..]); return true;
            case SafetensorsDtype.U64:
                for (int i = 0; i < n; i++)
                {
                    ulong v = BinaryPrimitives.ReadUInt64LittleEndian(src[(i * 8)..]);
                    if (v > long.MaxValue) { overflowIndex = i; return true; }
                    dst[i] = (long)v;
                }
                return true;
            default:
                return false;
        }
    }

    /// <summary>Encodes float32 values as <paramref name="dtype"/> (F32, F16, BF16 or F64).</summary>
    public static byte[] FromFloat32(ReadOnlySpan<float> values, SafetensorsDtype dtype)
    {
        var bytes = new byte[checked(values.Length * dtype.ElementSize())];
        var dst = bytes.AsSpan();
        switch (dtype)
        {
            case SafetensorsDtype.F32:
                if (BitConverter.IsLittleEndian) { MemoryMarshal.AsBytes(values).CopyTo(dst); break; }
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(i * 4)..], values[i]);
                break;
            case SafetensorsDtype.F16:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(dst[(i * 2)..], (Half)values[i]);
                break;
            case SafetensorsDtype.BF16:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(dst[(i * 2)..], FloatToBFloat16(values[i]));
                break;
            case SafetensorsDtype.F64:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(dst[(i * 8)..], values[i]);
                break;
            default:
                throw new ArgumentException(
                    $"float32 values can be stored as F32, F16, BF16 or F64. Received: dtype={dtype}", nameof(dtype));
        }
        return bytes;
    }

    public static byte[] FromInt64(ReadOnlySpan<long> values)
    {
        var bytes = new byte[checked(values.Length * 8)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }

    public static float BFloat16ToFloat(ushort bits) => BFloat16Convert.ToSingle(bits);

    /// <summary>Round to nearest, ties to even (what PyTorch does); NaN stays a quiet NaN.</summary>
    public static ushort FloatToBFloat16(float value) => BFloat16Convert.FromSingle(value);

    private static float[] BuildFloat8Table(int exponentBits, int mantissaBits, int bias, bool hasInfinity)
    {
        var table = new float[256];
        int maxExponent = (1 << exponentBits) - 1;
        int mantissaMask = (1 << mantissaBits) - 1;
        for (int b = 0; b < 256; b++)
        {
            bool negative = (b & 0x80) != 0;
            int exponent = (b >> mantissaBits) & maxExponent;
            int mantissa = b & mantissaMask;
            double magnitude;
            if (hasInfinity && exponent == maxExponent)
                magnitude = mantissa == 0 ? double.PositiveInfinity : double.NaN;
            else if (!hasInfinity && exponent == maxExponent && mantissa == mantissaMask)
                magnitude = double.NaN; // E4M3FN: only S.1111.111 is NaN, no infinities
            else if (exponent == 0)
                magnitude = Math.ScaleB((double)mantissa / (1 << mantissaBits), 1 - bias);
            else
                magnitude = Math.ScaleB(1.0 + (double)mantissa / (1 << mantissaBits), exponent - bias);
            table[b] = (float)(negative ? -magnitude : magnitude);
        }
        return table;
    }
}
