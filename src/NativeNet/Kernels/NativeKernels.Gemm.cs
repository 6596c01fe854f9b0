using NativeNet.Interop;

namespace NativeNet.Kernels;

internal sealed unsafe partial class NativeKernels
{
    /// <inheritdoc />
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None, GemmActivation activation = GemmActivation.None, Precision precision = Precision.Float32)
    {
        // The C# boundary checked the arguments; nn_sgemm_ex / nn_bf16_gemm check sizes and leading
        // dimensions again (a public C ABI), naming the argument.
        KernelAssert.Gemm(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, bias.Length, biasMode, activation);
        KernelAssert.Precision(precision);
        var ta = transA ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS;
        var tb = transB ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
            NativeStatus.Check(precision == Precision.BFloat16
                ? NativeMethods.nn_bf16_gemm(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, (nn_bias_mode)biasMode, (nn_unary_op)activation)
                : NativeMethods.nn_sgemm_ex(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, (nn_bias_mode)biasMode, (nn_unary_op)activation));
    }
}

internal sealed unsafe partial class NativeKernels
{
    /// <inheritdoc />
    public PackedMatrix PackB(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, Precision precision = Precision.Float32)
    {
        KernelAssert.Operand(transB, k, n, b.Length, ldb);
        KernelAssert.Precision(precision);
        nint handle;
        var tb = transB ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS;
        fixed (float* pb = b)
            NativeStatus.Check(precision == Precision.BFloat16
                ? NativeMethods.nn_bf16_pack_b(tb, k, n, pb, ldb, &handle)
                : NativeMethods.nn_sgemm_pack_b(tb, k, n, pb, ldb, &handle));
        return new Packed(handle, k, n, precision);
    }

    /// <inheritdoc />
    public void GemmPacked(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, PackedMatrix packedB,
                           float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None,
                           GemmActivation activation = GemmActivation.None)
    {
        packedB.CheckUsable(typeof(NativeKernels), k, n);
        KernelAssert.Gemm(transA, false, m, n, k, a.Length, lda, int.MaxValue, Math.Max(n, 1), c.Length, ldc, bias.Length, biasMode, activation);
        var ta = transA ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS;
        nint handle = ((Packed)packedB).Handle;
        fixed (float* pa = a)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
            NativeStatus.Check(packedB.Precision == Precision.BFloat16
                ? NativeMethods.nn_bf16_gemm_packed(ta, m, n, k, alpha, pa, lda, handle, beta, pc, ldc, pbias, (nn_bias_mode)biasMode, (nn_unary_op)activation)
                : NativeMethods.nn_sgemm_packed(ta, m, n, k, alpha, pa, lda, handle, beta, pc, ldc, pbias, (nn_bias_mode)biasMode, (nn_unary_op)activation));
        GC.KeepAlive(packedB);
    }

    /// <summary>An nn_packed_matrix (float32) or nn_bf16_matrix (bfloat16) handle.</summary>
    private sealed class Packed : PackedMatrix
    {
        public Packed(nint handle, int k, int n, Precision precision) : base(k, n, precision) => Handle = handle;

        public nint Handle { get; }

        protected override void Free()
        {
            if (Precision == Precision.BFloat16) NativeMethods.nn_bf16_matrix_destroy(Handle);
            else NativeMethods.nn_packed_matrix_destroy(Handle);
        }
    }
}
