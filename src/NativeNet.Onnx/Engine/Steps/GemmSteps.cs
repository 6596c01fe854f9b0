using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>
/// Y[m×n] = act(A[m×k] · W + bias) with W a constant packed once at load for the chosen ISA (Gemm,
/// and MatMul by a constant over any number of leading dimensions). Bias and ReLU/sigmoid/tanh/GELU
/// run in the GEMM epilogue. A bf16-packed W runs the bf16 GEMM (products of bf16-rounded operands,
/// float32 sums) with the same epilogue.
/// </summary>
internal sealed unsafe class PackedGemmStep(string label, long m, long n, long k, PackedWeight packed, float* bias, Activation act, int a, int y)
    : Step(label, [a], [y])
{
    public override void Run(ExecutionPlan plan)
    {
        float* py = plan.F(y);
        bool fused = act.EpilogueCode >= 0;
        var biasMode = bias == null ? nn_bias_mode.NN_BIAS_NONE : nn_bias_mode.NN_BIAS_COL;
        var epilogue = fused ? (nn_unary_op)act.EpilogueCode : nn_unary_op.NN_UNARY_IDENTITY;
        Native.Check(packed.Bf16
            ? NativeMethods.nn_bf16_gemm_packed(nn_transpose.NN_NO_TRANS, m, n, k, 1f, plan.F(a), k, packed.Handle, 0f, py, n, bias, biasMode, epilogue)
            : NativeMethods.nn_sgemm_packed(nn_transpose.NN_NO_TRANS, m, n, k, 1f, plan.F(a), k, packed.Handle, 0f, py, n, bias, biasMode, epilogue));
        if (!fused) act.Apply(py, py, m * n);
    }
}

/// <summary>
/// A general product of two runtime operands (batched MatMul with broadcast batch dimensions, or a
/// Gemm with transposes): one GEMM per batch entry.
/// </summary>
internal sealed unsafe class GemmStep(string label, bool transA, bool transB, long m, long n, long k, float alpha,
    Operand a, Operand b, long batches, long[] aOffsets, long[] bOffsets, float* bias, Activation act, int y)
    : Step(label, SlotsOf(a, b), [y])
{
    private static int[] SlotsOf(Operand a, Operand b) =>
        [.. new[] { a, b }.Where(o => o.IsSlot).Select(o => o.SlotIndex)];

    public override void Run(ExecutionPlan plan)
    {
        float* pa = a.Get(plan), pb = b.Get(plan), py = plan.F(y);
        bool fused = act.EpilogueCode >= 0;
        for (long i = 0; i < batches; i++)
            Native.Check(NativeMethods.nn_sgemm_ex(transA ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS,
                transB ? nn_transpose.NN_TRANS : nn_transpose.NN_NO_TRANS, m, n, k, alpha,
                pa + aOffsets[i], transA ? m : k, pb + bOffsets[i], transB ? k : n, 0f, py + i * m * n, n,
                bias, bias == null ? nn_bias_mode.NN_BIAS_NONE : nn_bias_mode.NN_BIAS_COL, fused ? (nn_unary_op)act.EpilogueCode : nn_unary_op.NN_UNARY_IDENTITY));
        if (!fused) act.Apply(py, py, batches * m * n);
    }
}
