using NativeNet.Kernels;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Foundation;

/// <summary>Native and managed element-wise kernels agree; mismatched tensors are rejected before either runs.</summary>
public class KernelBackendTests
{
    public static IEnumerable<object[]> UnaryOps() =>
        Enum.GetValues<UnaryOp>().Select(op => new object[] { op });

    private static float[] Data(int n, int seed, float lo, float hi)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => lo + (float)r.NextDouble() * (hi - lo)).ToArray();
    }

    private static (float lo, float hi) Range(UnaryOp op) => op switch
    {
        UnaryOp.Log or UnaryOp.Sqrt => (0.01f, 50f),
        UnaryOp.Exp => (-20f, 20f),
        _ => (-6f, 6f),
    };

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void UnaryForwardAndBackwardAgree(UnaryOp op)
    {
        var (lo, hi) = Range(op);
        foreach (int n in new[] { 0, 1, 7, 16, 17, 1000, 70001 })
        {
            float[] x = Data(n, n + 1, lo, hi), dy = Data(n, n + 2, -1, 1);
            float[] yn = new float[n], ym = new float[n], dxn = new float[n], dxm = new float[n];
            NativeKernels.Instance.Unary(op, x, yn, 0.2f);
            ManagedKernels.Instance.Unary(op, x, ym, 0.2f);
            AssertClose(ym, yn, 2e-6f, 1e-6f, $"{op} n={n}");
            NativeKernels.Instance.UnaryBackward(op, x, yn, dy, dxn, 0.2f);
            ManagedKernels.Instance.UnaryBackward(op, x, yn, dy, dxm, 0.2f);
            AssertClose(dxm, dxn, 5e-6f, 1e-6f, $"{op}' n={n}");
        }
    }

    [Theory]
    [InlineData(BinaryOp.Add)]
    [InlineData(BinaryOp.Sub)]
    [InlineData(BinaryOp.Mul)]
    [InlineData(BinaryOp.Div)]
    [InlineData(BinaryOp.Max)]
    [InlineData(BinaryOp.Min)]
    public void BinaryAgreesExactly(BinaryOp op)
    {
        float[] a = Data(1003, 1, -3, 3), b = Data(1003, 2, 0.5f, 2f);
        float[] yn = new float[a.Length], ym = new float[a.Length];
        NativeKernels.Instance.Binary(op, a, b, yn);
        ManagedKernels.Instance.Binary(op, a, b, ym);
        Assert.Equal(ym, yn);
    }

    [Fact]
    public void AxpbyAndSumAgree()
    {
        float[] x = Data(100_003, 3, -1, 1);
        float[] yn = Enumerable.Repeat(float.NaN, x.Length).ToArray(), ym = (float[])yn.Clone();
        NativeKernels.Instance.Axpby(0.5f, x, 0f, yn);  // beta = 0 overwrites NaN
        ManagedKernels.Instance.Axpby(0.5f, x, 0f, ym);
        Assert.Equal(ym, yn);
        Assert.DoesNotContain(yn, float.IsNaN);
        Assert.Equal(ManagedKernels.Instance.Sum(x), NativeKernels.Instance.Sum(x));
    }

    [Fact]
    public void SumAgreesBitwiseOnOrderSensitiveData()
    {
        // Magnitudes 2^-30..2^70 with random signs: double drops the small values next to the large
        // ones, so two summation orders give different bits (checked first, else this proves nothing).
        var r = new Random(17);
        float[] all = Enumerable.Range(0, 100_003)
            .Select(_ => MathF.ScaleB(1 + (float)r.NextDouble(), r.Next(-30, 71)) * (r.Next(2) == 0 ? 1 : -1)).ToArray();
        // Every 64th large value cancelled 33 places later: the totals are rounding residue.
        for (int i = 0; i + 33 < all.Length; i += 64) all[i + 33] = -all[i];
        double sequential = 0;
        foreach (float v in all) sequential += v;
        Assert.NotEqual(BitConverter.DoubleToInt64Bits(sequential), BitConverter.DoubleToInt64Bits(NativeKernels.Instance.Sum(all)));
        foreach (int n in new[] { 0, 1, 31, 33, 4095, 4096, 4097, 100_003 })
        {
            var x = all.AsSpan(0, n);
            Assert.True(BitConverter.DoubleToInt64Bits(ManagedKernels.Instance.Sum(x)) == BitConverter.DoubleToInt64Bits(NativeKernels.Instance.Sum(x)),
                $"n={n}: managed {ManagedKernels.Instance.Sum(x):R} vs native {NativeKernels.Instance.Sum(x):R}");
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void LengthMismatchIsRejectedAtTheTensorBoundary(string backend)
    {
        // The kernels trust their callers; the tensor op names both shapes before any kernel runs.
        using var _ = Backends.Use(backend);
        using var a = Tensor.FromArray(new float[3], 3);
        using var b = Tensor.FromArray(new float[2], 2);
        var e = Assert.Throws<ArgumentException>(() => a.Add(b));
        Assert.Contains("[3] and [2] cannot be broadcast", e.Message);
        e = Assert.Throws<ArgumentException>(() => a.Maximum(b));
        Assert.Contains("[3] and [2]", e.Message);
    }

    private static void AssertClose(float[] want, float[] got, float rtol, float atol, string what)
    {
        for (int i = 0; i < want.Length; i++)
        {
            float w = want[i], g = got[i];
            if (float.IsNaN(w) && float.IsNaN(g)) continue;
            Assert.True(Math.Abs(w - g) <= atol + rtol * Math.Abs(w), $"{what}: [{i}] managed {w} native {g}");
        }
    }
}
