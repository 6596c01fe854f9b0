using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>NCHW → NCHW16c at the start of a blocked chain (<see cref="BlockedChain"/>): the padding lanes are zero.</summary>
internal sealed unsafe class ToBlockedStep(string label, int x, int y, long[] shape)
    : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan) =>
        Native.Check(NativeMethods.nn_nchwc_from_nchw(plan.F(x), shape[0], shape[1], shape[2] * shape[3], plan.F(y)));
}

/// <summary>NCHW16c → NCHW where a blocked value meets its first reader that is not a blocked convolution.</summary>
internal sealed unsafe class FromBlockedStep(string label, int x, int y, long[] shape)
    : Step(label + " (to NCHW)", [x], [y])
{
    public override void Run(ExecutionPlan plan) =>
        Native.Check(NativeMethods.nn_nchwc_to_nchw(plan.F(x), shape[0], shape[1], shape[2] * shape[3], plan.F(y)));
}

/// <summary>
/// A Conv in the blocked layout (<c>nn_conv2d_nchwc_forward</c>): input, residual and output are
/// all NCHW16c, y = act(conv(x) + bias + residual) with the activation in the native epilogue.
/// </summary>
internal sealed unsafe class BlockedConvStep(string label, nint packed, long n, (nn_unary_op Op, float Alpha) act,
    int x, int y, int? residual)
    : Step(label, residual is { } r ? [x, r] : [x], [y])
{
    public override void Run(ExecutionPlan plan)
    {
        float* pr = residual is { } r ? plan.F(r) : null;
        Native.Check(NativeMethods.nn_conv2d_nchwc_forward(packed, n, plan.F(x), pr, act.Op, act.Alpha, plan.F(y)));
    }
}
