using NativeNet.Interop;

namespace NativeNet.Kernels;

public sealed unsafe partial class NativeKernels
{
    /// <inheritdoc />
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None, GemmActivation activation = GemmActivation.None)
    {
        // Only what the library cannot see is checked here (span lengths, enum ranges); sizes and
        // leading dimensions are validated by nn_sgemm_ex, whose message names the argument.
        KernelChecks.GemmBuffers(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, bias.Length, biasMode, activation);
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
            NativeStatus.Check(NativeMethods.nn_sgemm_ex(
                transA ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS, transB ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS,
                m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, pbias, (nn_bias_mode)biasMode, (nn_activation)activation));
    }
}

public sealed unsafe partial class NativeKernels
{
    /// <inheritdoc />
    public PackedMatrix PackB(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb)
    {
        PackedMatrix.CheckOperand(transB, k, n, b.Length, ldb);
        nint handle;
        fixed (float* pb = b)
            NativeStatus.Check(NativeMethods.nn_sgemm_pack_b(transB ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS, k, n, pb, ldb, &handle));
        return new Packed(handle, k, n);
    }

    /// <inheritdoc />
    public void GemmPacked(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, PackedMatrix packedB,
                           float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None,
                           GemmActivation activation = GemmActivation.None)
    {
        ArgumentNullException.ThrowIfNull(packedB);
        packedB.CheckUsable(typeof(NativeKernels), k, n);
        KernelChecks.GemmBuffers(transA, false, m, n, k, a.Length, lda, int.MaxValue, Math.Max(n, 1), c.Length, ldc, bias.Length, biasMode, activation);
        fixed (float* pa = a)
        fixed (float* pc = c)
        fixed (float* pbias = bias)
            NativeStatus.Check(NativeMethods.nn_sgemm_packed(transA ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS, m, n, k, alpha, pa, lda,
                ((Packed)packedB).Handle, beta, pc, ldc, pbias, (nn_bias_mode)biasMode, (nn_activation)activation));
        GC.KeepAlive(packedB);
    }

    /// <summary>An nn_packed_matrix handle.</summary>
    private sealed class Packed : PackedMatrix
    {
        public Packed(nint handle, int k, int n) : base(k, n) => Handle = handle;

        public nint Handle { get; }

        protected override void Free() => NativeMethods.nn_packed_matrix_destroy(Handle);
    }
}
