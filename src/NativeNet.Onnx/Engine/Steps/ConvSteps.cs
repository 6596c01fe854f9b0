using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>
/// Conv (1-D runs as 2-D with height 1) on weights packed once at load (<c>nn_conv2d_pack</c>: the
/// Winograd, direct-tile, GEMM-panel or depthwise layout the native library picks for the shape):
/// bias, a fused residual Add (ResNet's and MobileNet's skip connections) and the activation run in
/// the native epilogue, y = act(conv(x) + bias + residual). An activation with no native form
/// (<see cref="Activation.NativeUnary"/> null) runs as its own pass afterwards.
/// </summary>
internal sealed unsafe class ConvStep(string label, nint packed, long n, Activation act, int x, int y, Operand? residual,
    long outCount)
    : Step(label, residual is { IsSlot: true } r ? [x, r.SlotIndex] : [x], [y])
{
    private readonly (nn_unary_op Op, float Alpha) _native = act.NativeUnary ?? (nn_unary_op.NN_UNARY_IDENTITY, 0f);
    private readonly bool _managedActivation = act.NativeUnary == null;

    public override void Run(ExecutionPlan plan)
    {
        float* py = plan.F(y);
        float* pr = residual is { } r ? r.Get(plan) : null;
        Native.Check(NativeMethods.nn_conv2d_packed_forward(packed, n, plan.F(x), pr, _native.Op, _native.Alpha, py));
        if (_managedActivation) act.Apply(py, py, outCount);
    }
}

/// <summary>
/// Conv [→ activation] → MaxPool as one native call (<c>nn_conv2d_packed_forward_maxpool</c>): a few
/// images at a time are convolved into a cache-sized buffer and pooled there, so only the pooled
/// output is written; the values are those of <see cref="ConvStep"/> then <see cref="PoolStep"/>.
/// </summary>
internal sealed unsafe class ConvMaxPoolStep(string label, nint packed, long n, Activation act, nn_pool2d_desc pool, int x, int y)
    : Step(label, [x], [y])
{
    private readonly nn_pool2d_desc _pool = pool;
    private readonly (nn_unary_op Op, float Alpha) _native = act.NativeUnary
        ?? throw new ArgumentException($"{label}: {act.Kind} has no native form to run before the pooling", nameof(act));

    public override void Run(ExecutionPlan plan)
    {
        var d = _pool;
        Native.Check(NativeMethods.nn_conv2d_packed_forward_maxpool(packed, n, plan.F(x), _native.Op, _native.Alpha, &d, plan.F(y)));
    }
}

/// <summary>ConvTranspose as the data gradient of the matching convolution, then bias and activation.</summary>
internal sealed unsafe class ConvTransposeStep(string label, nn_conv2d_desc desc, float* weight, float* bias, Activation act,
    int x, int y, long outCount, long planeSize)
    : Step(label, [x], [y])
{
    private readonly nn_conv2d_desc _desc = desc;

    public override void Run(ExecutionPlan plan)
    {
        var d = _desc;
        float* py = plan.F(y);
        Native.Check(NativeMethods.nn_conv2d_backward_data(&d, plan.F(x), weight, py));
        if (bias != null)
            for (long p = 0; p < d.n * d.c; p++)
                Native.Check(NativeMethods.nn_binary_scalar(nn_binary_op.NN_BINARY_ADD, py + p * planeSize, bias[p % d.c], py + p * planeSize, planeSize));
        act.Apply(py, py, outCount);
    }
}
