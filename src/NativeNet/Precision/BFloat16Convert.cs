using System.Runtime.CompilerServices;

namespace NativeNet;

/// <summary>
/// float32 ↔ bfloat16 conversion (bf16 held as <see cref="ushort"/>: the upper 16 bits of a
/// float32). Rounds to nearest, ties to even; a NaN stays a quiet NaN; subnormals round, never
/// flush. Bit for bit what the native kernels compute (nn_f32_to_bf16).
/// </summary>
public static class BFloat16Convert
{
    /// <summary>x rounded to bf16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float x)
    {
        uint u = BitConverter.SingleToUInt32Bits(x);
        if (float.IsNaN(x)) return (ushort)((u >> 16) | 0x0040u);
        return (ushort)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
    }

    /// <summary>The bf16 value h widened to float32 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort h) => BitConverter.UInt32BitsToSingle((uint)h << 16);

    /// <summary>x rounded to the nearest bf16 value, as a float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Round(float x) => ToSingle(FromSingle(x));

    /// <summary>y[i] = bf16(x[i]). The spans must have the same length.</summary>
    public static void FromSingle(ReadOnlySpan<float> x, Span<ushort> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"x and y must have the same length. Received: x.Length={x.Length}, y.Length={y.Length}", nameof(y));
        for (int i = 0; i < x.Length; i++) y[i] = FromSingle(x[i]);
    }

    /// <summary>y[i] = x[i] widened to float32. The spans must have the same length.</summary>
    public static void ToSingle(ReadOnlySpan<ushort> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"x and y must have the same length. Received: x.Length={x.Length}, y.Length={y.Length}", nameof(y));
        for (int i = 0; i < x.Length; i++) y[i] = ToSingle(x[i]);
    }

    /// <summary>y[i] = x[i] rounded to bf16, as float32 (y may be x).</summary>
    public static void Round(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"x and y must have the same length. Received: x.Length={x.Length}, y.Length={y.Length}", nameof(y));
        for (int i = 0; i < x.Length; i++) y[i] = Round(x[i]);
    }
}
