using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>
/// Conv (1-D runs as 2-D with height 1): bias and a ReLU/sigmoid/tanh/GELU are fused into the native
/// kernel's epilogue; a fused residual Add (ResNet's skip connection) is added before the activation
/// in one pass over the output while it is still in cache.
/// </summary>
internal sealed unsafe class ConvStep(string label, nn_conv2d_desc desc, float* weight, float* bias, Activation act,
    int x, int y, Operand? residual, long outCount)
    : Step(label, residual is { IsSlot: true } r ? [x, r.SlotIndex] : [x], [y])
{
    private readonly nn_conv2d_desc _desc = desc;

    public override void Run(ExecutionPlan plan)
    {
        var d = _desc;
        float* py = plan.F(y);
        bool fused = residual == null && act.EpilogueCode >= 0;
        Native.Check(NativeMethods.nn_conv2d_forward(&d, plan.F(x), weight, bias, fused ? act.EpilogueCode : 0, py));
        if (residual is { } r)
        {
            if (act.Kind == ActivationKind.Relu) Elementwise.AddRelu(py, r.Get(plan), py, outCount);
            else
            {
                Native.Check(NativeMethods.nn_binary(nn_binary_op.NN_BINARY_ADD, py, r.Get(plan), py, outCount));
                act.Apply(py, py, outCount);
            }
        }
        else if (!fused) act.Apply(py, py, outCount);
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
