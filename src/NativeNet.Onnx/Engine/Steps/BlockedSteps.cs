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
/// A strided stem Conv [→ activation] → MaxPool with NCHW input and output (ResNet's 7×7/2 and 3×3/2),
/// <c>nn_conv2d_nchwc_forward_maxpool</c>: the blocked stem kernel convolves bands of rows into a
/// per-thread buffer and pools them from there, instead of the im2col GEMM and a pooling pass. The
/// values are those of the blocked stem, its conversion to NCHW and <see cref="PoolStep"/>, bit for bit.
/// </summary>
internal sealed unsafe class BlockedStemMaxPoolStep(string label, nint packed, long n, (nn_unary_op Op, float Alpha) act,
    nn_pool2d_desc pool, int x, int y)
    : Step(label, [x], [y])
{
    private readonly nn_pool2d_desc _pool = pool;

    public override void Run(ExecutionPlan plan)
    {
        var d = _pool;
        Native.Check(NativeMethods.nn_conv2d_nchwc_forward_maxpool(packed, n, plan.F(x), act.Op, act.Alpha, &d, plan.F(y)));
    }
}

/// <summary>
/// A Conv in the blocked layout (<c>nn_conv2d_nchwc_forward</c>): input, residual and output are
/// all NCHW16c, y = act(conv(x) + bias + residual) with the activation in the native epilogue.
/// </summary>
internal sealed unsafe class BlockedConvStep(string label, nint packed, long n, (nn_unary_op Op, float Alpha) act,
    int x, int y, int? residual, bool pointwise = false, bool stem = false)
    : Step(label, residual is { } r ? [x, r] : [x], [y])
{
    /// <summary>The packed layer, its activation and slots: what <see cref="BlockedExpandDwStep"/> takes over.</summary>
    public nint Packed => packed;
    public (nn_unary_op Op, float Alpha) Act => act;
    public int X => x;
    public int Y => y;
    public bool HasResidual => residual != null;

    /// <summary>A 1x1 stride-1 layer (an inverted residual block's expansion).</summary>
    public bool Pointwise => pointwise;

    /// <summary>A dense layer of few input channels reading NCHW (a network's stem), which the
    /// native call also takes as the first layer before a depthwise 3x3 (MobileNetV2's first block).</summary>
    public bool Stem => stem;

    public override void Run(ExecutionPlan plan)
    {
        float* pr = residual is { } r ? plan.F(r) : null;
        Native.Check(NativeMethods.nn_conv2d_nchwc_forward(packed, n, plan.F(x), pr, act.Op, act.Alpha, plan.F(y)));
    }
}

/// <summary>
/// An inverted residual block's 1x1 expansion (or the stem before a block without one) and the
/// depthwise 3x3 that alone reads its output, as one native call (<c>nn_conv2d_nchwc_forward_expand_dw</c>): over bands of output rows whose
/// expanded rows stay in cache, with the values of the two <see cref="BlockedConvStep"/>s it
/// replaces. The expanded value keeps its slot (<paramref name="mid"/>): the native call writes it
/// only where it runs the two passes (neither bands nor groups of expanded channels pay).
/// </summary>
internal sealed unsafe class BlockedExpandDwStep(string label, BlockedConvStep expand, nint depthwise, long n,
    (nn_unary_op Op, float Alpha) act, int mid, int y)
    : Step(label, [expand.X], [mid, y])
{
    private readonly nint _expand = expand.Packed;
    private readonly (nn_unary_op Op, float Alpha) _act1 = expand.Act;
    private readonly int _x = expand.X;

    /// <summary>What <see cref="BlockedBlockStep"/> takes over when the projection follows.</summary>
    public nint Expand => _expand;
    public nint Depthwise => depthwise;
    public (nn_unary_op Op, float Alpha) Act1 => _act1;
    public (nn_unary_op Op, float Alpha) Act2 => act;
    public int X => _x;
    public int Mid => mid;
    public int Y => y;

    public override void Run(ExecutionPlan plan) =>
        Native.Check(NativeMethods.nn_conv2d_nchwc_forward_expand_dw(_expand, depthwise, n, plan.F(_x), _act1.Op, _act1.Alpha,
            act.Op, act.Alpha, plan.F(mid), plan.F(y)));
}

/// <summary>
/// A whole inverted residual block: the expansion and depthwise layers of a
/// <see cref="BlockedExpandDwStep"/> and the 1x1 projection that alone reads the depthwise output,
/// with its residual, as one native call (<c>nn_conv2d_nchwc_forward_expand_dw_project</c>): each
/// band's depthwise rows are projected while in cache, the values of the three blocked calls it
/// replaces. The expanded and depthwise values keep their slots, written only where the native
/// call runs the separate passes.
/// </summary>
internal sealed unsafe class BlockedBlockStep(string label, BlockedExpandDwStep expandDw, nint project, long n,
    (nn_unary_op Op, float Alpha) act, int? residual, int y)
    : Step(label, residual is { } r ? [expandDw.X, r] : [expandDw.X], [expandDw.Mid, expandDw.Y, y])
{
    private readonly nint _expand = expandDw.Expand, _depthwise = expandDw.Depthwise;
    private readonly (nn_unary_op Op, float Alpha) _act1 = expandDw.Act1, _act2 = expandDw.Act2;
    private readonly int _x = expandDw.X, _mid = expandDw.Mid, _mid2 = expandDw.Y;

    public override void Run(ExecutionPlan plan)
    {
        float* pr = residual is { } r ? plan.F(r) : null;
        Native.Check(NativeMethods.nn_conv2d_nchwc_forward_expand_dw_project(_expand, _depthwise, project, n, plan.F(_x),
            _act1.Op, _act1.Alpha, _act2.Op, _act2.Alpha, pr, act.Op, act.Alpha, plan.F(_mid), plan.F(_mid2), plan.F(y)));
    }
}
