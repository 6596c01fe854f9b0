using NativeNet.Cli;
using NativeNet.Interop;
using NativeNet.Kernels;
using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Foundation;

/// <summary>
/// bfloat16: the managed conversion is bit for bit the native one; the bf16 GEMM of both backends
/// agrees (native: vdpbf16ps where the CPU has AVX512_BF16, else rounded operands through the
/// float32 kernels), packed equals unpacked, and the operands really are rounded.
/// </summary>
public unsafe class BFloat16Tests
{
    private static readonly NativeKernels N = NativeKernels.Instance;
    private static readonly ManagedKernels M = ManagedKernels.Instance;

    private static float[] Data(int n, int seed)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
    }

    [Fact]
    public void ManagedConversionIsBitwiseTheNativeOne()
    {
        var r = new Random(11);
        var x = new float[4096];
        uint[] edges = { 0x3F808000, 0x3F818000, 0x7F7FFFFF, 0x7F800000, 0x7F800001, 0xFF800001, 0x80000000, 0x00018000, 0x00008000 };
        for (int i = 0; i < x.Length; i++)
            x[i] = BitConverter.UInt32BitsToSingle(i < edges.Length ? edges[i] : (uint)r.NextInt64(0, 1L << 32));
        var native = new ushort[x.Length];
        fixed (float* px = x)
        fixed (ushort* py = native)
            NativeStatus.Check(NativeMethods.nn_f32_to_bf16(px, py, x.Length));
        var managed = new ushort[x.Length];
        BFloat16Convert.FromSingle(x, managed);
        for (int i = 0; i < x.Length; i++)
            Assert.True(native[i] == managed[i], $"[{i}] 0x{BitConverter.SingleToUInt32Bits(x[i]):X8}: native 0x{native[i]:X4} managed 0x{managed[i]:X4}");
        Assert.Equal((ushort)0x3F80, BFloat16Convert.FromSingle(BitConverter.UInt32BitsToSingle(0x3F808000)));  // tie to even
        Assert.Equal((ushort)0x7FC0, BFloat16Convert.FromSingle(BitConverter.UInt32BitsToSingle(0x7F800001)));  // NaN stays NaN
        Assert.Equal(1.5f, BFloat16Convert.ToSingle(BFloat16Convert.FromSingle(1.5f)));
    }

    [Fact]
    public void Bf16GemmAgreesAcrossBackendsAndRoundsItsOperands()
    {
        foreach (var (ta, tb, m, n, k) in new[] { (false, false, 7, 9, 13), (true, false, 16, 33, 5), (false, true, 1, 70, 31), (true, true, 29, 3, 64), (false, false, 40, 50, 600) })
        {
            float[] a = Data(m * k, 1), b = Data(k * n, 2), bias = Data(Math.Max(m, n), 3), c0 = Data(m * n, 4);
            foreach (var (mode, act) in new[] { (BiasMode.None, GemmActivation.None), (BiasMode.Column, GemmActivation.Relu), (BiasMode.Row, GemmActivation.Gelu) })
            {
                float[] cn = (float[])c0.Clone(), cm = (float[])c0.Clone(), cp = (float[])c0.Clone(), c32 = (float[])c0.Clone();
                int lda = ta ? m : k, ldb = tb ? k : n;
                N.Gemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, cn, n, bias, mode, act, Precision.BFloat16);
                M.Gemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, cm, n, bias, mode, act, Precision.BFloat16);
                using (var packed = N.PackB(tb, k, n, b, ldb, Precision.BFloat16))
                {
                    Assert.Equal(Precision.BFloat16, packed.Precision);
                    N.GemmPacked(ta, m, n, k, 0.5f, a, lda, packed, 0.25f, cp, n, bias, mode, act);
                }
                M.Gemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 0.25f, c32, n, bias, mode, act);
                string what = $"bf16 gemm {ta}{tb} {m}x{n}x{k} {mode} {act}";
                Assert.Equal(cn, cp);  // packed and unpacked: bitwise
                double worst = 0, moved = 0;
                for (int i = 0; i < cn.Length; i++)
                {
                    Assert.True(Math.Abs(cm[i] - cn[i]) <= 2e-6f * (k + 2) + 1e-5f * Math.Abs(cm[i]), $"{what}: [{i}] managed {cm[i]} native {cn[i]}");
                    worst = Math.Max(worst, Math.Abs(cm[i] - cn[i]));
                    moved = Math.Max(moved, Math.Abs(c32[i] - cn[i]));
                }
                // Rounding both operands to 8 significant bits moves the result far more than
                // float32 summation order does: a bf16 GEMM that multiplied in float32 fails here.
                if (k >= 5) Assert.True(moved > 10 * worst && moved > 1e-4, $"{what}: bf16 result within {moved} of float32 (order noise {worst})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void Bf16ArgumentsAreCheckedAtThePublicApi(string backend)
    {
        // The packed bf16 weight is only reached through Linear, which names a wrong input width
        // before any product runs, packed (eval, second call) or not.
        using var _ = Backends.Use(backend);
        using var layer = new Linear(4, 3);
        layer.ToPrecision(Precision.BFloat16).Eval();
        using var x = Tensor.FromArray(Data(8, 5), 2, 4);
        using (NativeNet.Autograd.NoGrad())
        {
            layer.Call(x).Dispose();
            layer.Call(x).Dispose();  // the second call packs the weight as bf16
            using var wrong = Tensor.FromArray(Data(10, 6), 2, 5);
            var ex = Assert.Throws<ArgumentException>(() => layer.Call(wrong));
            Assert.Contains("in_features=4", ex.Message);
        }
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => layer.ToPrecision((Precision)7));
        Assert.Equal("precision", bad.ParamName);
        Assert.Contains("Received: 7", bad.Message);
        bad = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.Linear(x, layer.Weight, null, (Precision)7));
        Assert.Equal("precision", bad.ParamName);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void FunctionalLinearInBf16IsTheLayersProduct(string backend)
    {
        using var _ = Backends.Use(backend);
        using var layer = new Linear(33, 5);
        layer.ToPrecision(Precision.BFloat16);
        using var x = Tensor.FromArray(Data(4 * 33, 8), 4, 33);
        using var fromLayer = layer.Call(x);
        using var bf16 = Functional.Linear(x, layer.Weight, layer.Bias, Precision.BFloat16);
        using var fp32 = Functional.Linear(x, layer.Weight, layer.Bias, Precision.Float32);
        Assert.Equal(fromLayer.ToArray(), bf16.ToArray());
        Assert.NotEqual(fp32.ToArray(), bf16.ToArray());  // the operands really were rounded
    }

    [Fact]
    public void BenchGemmTakesAPrecision()
    {
        var o = new StringWriter();
        Assert.Equal(0, CliApp.Run(new[] { "bench", "gemm", "--json", "--precision", "bf16", "--shape", "16x40x33" }, o, new StringWriter()));
        using var doc = System.Text.Json.JsonDocument.Parse(o.ToString().Trim());
        Assert.Equal("gemm_bf16", doc.RootElement.GetProperty("suite").GetString());
        Assert.True(doc.RootElement.GetProperty("gflops").GetDouble() > 0);
        var err = new StringWriter();
        Assert.Equal(2, CliApp.Run(new[] { "bench", "gemm", "--precision", "fp8", "--shape", "4x4x4" }, new StringWriter(), err));
        Assert.Contains("--precision must be fp32 or bf16. Received: 'fp8'", err.ToString());
    }

    [Fact]
    public void BenchModelsComparesPrecisionsLikeForLike()
    {
        // Each precision's inference is compiled onto the ONNX engine in that precision, and every line says how it ran.
        var o = new StringWriter();
        Assert.Equal(0, CliApp.Run(new[] { "bench", "models", "--json", "--model", "mlp_small", "--precision", "fp32", "--precision", "bf16" }, o, new StringWriter()));
        var lines = o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l)).ToList();
        Assert.Equal(new[] { "models", "models_bf16" }, lines.Select(d => d.RootElement.GetProperty("suite").GetString()));
        Assert.All(lines, d => Assert.Equal("compiled", d.RootElement.GetProperty("infer").GetString()));
        o = new StringWriter();
        Assert.Equal(0, CliApp.Run(new[] { "bench", "models", "--json", "--model", "mlp_small" }, o, new StringWriter()));
        using var alone = System.Text.Json.JsonDocument.Parse(o.ToString().Trim());
        Assert.Equal("compiled", alone.RootElement.GetProperty("infer").GetString());
        foreach (var d in lines) d.Dispose();
    }
}
