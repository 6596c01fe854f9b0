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
