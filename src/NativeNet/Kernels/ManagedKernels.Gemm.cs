using System.Numerics.Tensors;

namespace NativeNet.Kernels;

internal sealed partial class ManagedKernels
{
    /// <inheritdoc />
    public void BinaryScalar(BinaryOp op, ReadOnlySpan<float> a, float b, Span<float> y)
    {
        KernelAssert.Defined(op);
        KernelAssert.SameLength(a.Length, y.Length, "y", "a");
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Max: MaxMin(a, new ReadOnlySpan<float>(in b), y, max: true, broadcastB: true); break;
            case BinaryOp.Min: MaxMin(a, new ReadOnlySpan<float>(in b), y, max: false, broadcastB: true); break;
        }
    }

    /// <inheritdoc />
    public unsafe void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
                            ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
                            ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None, GemmActivation activation = GemmActivation.None,
                            Precision precision = Precision.Float32)
    {
        KernelAssert.Gemm(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, bias.Length, biasMode, activation);
        KernelAssert.Precision(precision);
        if (m == 0 || n == 0) return;
        if (precision == Precision.BFloat16 && k > 0)
        {
            // Both operands rounded (as stored), then the float32 product: what the native path computes.
            a = RoundedCopy(a, transA ? k : m, transA ? m : k, lda);
            b = RoundedCopy(b, transB ? n : k, transB ? k : n, ldb);
        }
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
            ManagedGemm.Run(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        GemmEpilogue(this, m, n, c, ldc, bias, biasMode, activation);
    }

    /// <summary>Bias then activation over C, row by row.</summary>
    internal static void GemmEpilogue(IKernels kernels, int m, int n, Span<float> c, int ldc, ReadOnlySpan<float> bias, BiasMode biasMode, GemmActivation activation)
    {
        if (biasMode == BiasMode.None && activation == GemmActivation.None) return;
        var op = activation switch
        {
            GemmActivation.Relu => UnaryOp.Relu,
            GemmActivation.Sigmoid => UnaryOp.Sigmoid,
            GemmActivation.Tanh => UnaryOp.Tanh,
            GemmActivation.Gelu => UnaryOp.Gelu,
            _ => UnaryOp.Identity,
        };
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (biasMode == BiasMode.Column) TensorPrimitives.Add(row, bias[..n], row);
            else if (biasMode == BiasMode.Row) TensorPrimitives.Add(row, bias[i], row);
            if (op != UnaryOp.Identity) kernels.Unary(op, row, row);
        }
    }
}

internal sealed partial class ManagedKernels
{
    // The rows x cols operand (leading dimension ld) rounded to bf16, same layout.
    private static float[] RoundedCopy(ReadOnlySpan<float> x, int rows, int cols, int ld)
    {
        var r = new float[rows == 0 ? 0 : (long)(rows - 1) * ld + cols];
        for (int i = 0; i < rows; i++) BFloat16Convert.Round(x.Slice(i * ld, cols), r.AsSpan(i * ld, cols));
        return r;
    }

    /// <inheritdoc />
    public PackedMatrix PackB(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, Precision precision = Precision.Float32)
    {
        KernelAssert.Operand(transB, k, n, b.Length, ldb);
        KernelAssert.Precision(precision);
        // The managed GEMM has no packed layout of its own: "packing" makes op(B) a dense k×n
        // row-major copy, which GemmPacked multiplies without a transpose.
        var dense = new float[(long)k * n];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++)
                dense[(long)i * n + j] = transB ? b[j * ldb + i] : b[i * ldb + j];
        if (precision == Precision.BFloat16) BFloat16Convert.Round(dense, dense);
        return new Packed(dense, k, n, precision);
    }

    /// <inheritdoc />
    public void GemmPacked(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, PackedMatrix packedB,
                           float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None,
                           GemmActivation activation = GemmActivation.None)
    {
        packedB.CheckUsable(typeof(ManagedKernels), k, n);
        // A bf16 B is already rounded; rounding it again changes nothing.
        Gemm(transA, false, m, n, k, alpha, a, lda, ((Packed)packedB).Dense, Math.Max(n, 1), beta, c, ldc, bias, biasMode, activation, packedB.Precision);
    }

    /// <summary>op(B) as a dense row-major array.</summary>
    private sealed class Packed : PackedMatrix
    {
        public Packed(float[] dense, int k, int n, Precision precision) : base(k, n, precision) => Dense = dense;

        public float[] Dense { get; }

        protected override void Free() { }
    }
}
