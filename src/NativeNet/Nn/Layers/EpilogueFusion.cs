using NativeNet.Kernels;

namespace NativeNet.Nn;

/// <summary>
/// A layer that can apply the activation module that follows it inside its own epilogue (the
/// GEMM's bias-and-activation pass), giving one kernel call, one autograd node and no
/// intermediate tensor. <see cref="Sequential"/> fuses any such layer with a following activation
/// that <see cref="EpilogueFusion.ActivationOf"/> maps and <see cref="CanFuse"/> accepts.
/// </summary>
internal interface IEpilogueFusable
{
    /// <summary>Whether <see cref="Forward(Tensor, GemmActivation)"/> takes <paramref name="activation"/>.</summary>
    bool CanFuse(GemmActivation activation);

    /// <summary>
    /// activation(layer(input)) in one pass, or null where the layer cannot fuse this call (a
    /// convolution fuses only at inference, on packed weights); the caller then runs both modules.
    /// </summary>
    Tensor? Forward(Tensor input, GemmActivation activation);
}

/// <summary>Which activation modules an epilogue can apply.</summary>
internal static class EpilogueFusion
{
    /// <summary>
    /// The epilogue activation that computes <paramref name="module"/>, or null. Only activations
    /// whose derivative follows from the output (ReLU, sigmoid, tanh) are listed, so the fused node
    /// keeps no pre-activation tensor for backward.
    /// </summary>
    public static GemmActivation? ActivationOf(Module module) => module switch
    {
        ReLU => GemmActivation.Relu,
        Sigmoid => GemmActivation.Sigmoid,
        Tanh => GemmActivation.Tanh,
        _ => null,
    };

    /// <summary>
    /// The element-wise op that computes activation module <paramref name="module"/> in an inference
    /// epilogue (no backward needed, so any op without a parameter), or null.
    /// </summary>
    public static UnaryOp? InferenceOpOf(Module module) => module switch
    {
        ReLU => UnaryOp.Relu,
        ReLU6 => UnaryOp.Relu6,
        Sigmoid => UnaryOp.Sigmoid,
        Tanh => UnaryOp.Tanh,
        Hardswish => UnaryOp.Hardswish,
        Hardsigmoid => UnaryOp.Hardsigmoid,
        SiLU => UnaryOp.Silu,
        _ => null,
    };

    /// <summary>The element-wise op of an epilogue activation (the numbering is shared).</summary>
    public static UnaryOp ToUnaryOp(GemmActivation activation) => (UnaryOp)(int)activation;
}
