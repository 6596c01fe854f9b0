using System.Numerics;
using System.Runtime.CompilerServices;

namespace NativeNet.Kernels;

/// <summary>An element-wise forward function y = f(x, alpha), as a type so the JIT inlines it into the loop.</summary>
internal interface IVectorFunction
{
    static abstract Vector<float> Apply(Vector<float> x, Vector<float> alpha);
}

/// <summary>An element-wise derivative dx = f(x, y, dy, alpha) given the forward input and output.</summary>
internal interface IVectorDerivative
{
    static abstract Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha);
}

/// <summary>
/// Vector&lt;float&gt; (AVX2: 8 lanes, AVX-512 with DOTNET_PreferredVectorBitWidth=512: 16) loads and
/// stores that handle the tail of a span by zero padding, so each managed element-wise kernel is
/// written once, as vector code, with no scalar copy of its formula for the last few elements.
/// </summary>
internal static class ManagedVector
{
    public static int Width => Vector<float>.Count;

    /// <summary>The lanes of s from i on; lanes past the end read 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Load(ReadOnlySpan<float> s, int i) =>
        s.Length - i >= Vector<float>.Count ? new Vector<float>(s[i..]) : LoadTail(s, i);

    /// <summary>Writes the lanes of v to s from i on, as many as fit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<float> v, Span<float> s, int i)
    {
        if (s.Length - i >= Vector<float>.Count) v.CopyTo(s[i..]);
        else StoreTail(v, s, i);
    }

    // The tails live in their own methods: a stackalloc would keep Load/Store from being inlined.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector<float> LoadTail(ReadOnlySpan<float> s, int i)
    {
        Span<float> pad = stackalloc float[Vector<float>.Count];
        pad.Clear();
        s[i..].CopyTo(pad);
        return new Vector<float>(pad);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTail(Vector<float> v, Span<float> s, int i)
    {
        Span<float> pad = stackalloc float[Vector<float>.Count];
        v.CopyTo(pad);
        pad[..(s.Length - i)].CopyTo(s[i..]);
    }

    /// <summary>Lanes where <paramref name="mask"/> is set take a, the others b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Select(Vector<int> mask, Vector<float> a, Vector<float> b) =>
        Vector.ConditionalSelect(mask.As<int, float>(), a, b);

    /// <summary>erfc(z) with fractional error &lt; 1.2e-7 (Chebyshev fit, Numerical Recipes §6.2).</summary>
    public static Vector<float> Erfc(Vector<float> z)
    {
        var az = Vector.Abs(z);
        var one = Vector<float>.One;
        var t = one / (one + new Vector<float>(0.5f) * az);
        var p = new Vector<float>(0.17087277f);
        p = p * t + new Vector<float>(-0.82215223f);
        p = p * t + new Vector<float>(1.48851587f);
        p = p * t + new Vector<float>(-1.13520398f);
        p = p * t + new Vector<float>(0.27886807f);
        p = p * t + new Vector<float>(-0.18628806f);
        p = p * t + new Vector<float>(0.09678418f);
        p = p * t + new Vector<float>(0.37409196f);
        p = p * t + new Vector<float>(1.00002368f);
        p = p * t + new Vector<float>(-1.26551223f);
        var r = t * Vector.Exp(p - az * az);
        return Select(Vector.GreaterThanOrEqual(z, Vector<float>.Zero), r, new Vector<float>(2f) - r);
    }

    /// <summary>Φ(x) = ½·erfc(−x/√2), the standard normal CDF.</summary>
    public static Vector<float> NormalCdf(Vector<float> x) => new Vector<float>(0.5f) * Erfc(x * new Vector<float>(-0.70710678f));

    /// <summary>φ(x) = e^(−x²/2)/√(2π), the standard normal density.</summary>
    public static Vector<float> NormalPdf(Vector<float> x) =>
        new Vector<float>(0.39894228f) * Vector.Exp(new Vector<float>(-0.5f) * x * x);
}
