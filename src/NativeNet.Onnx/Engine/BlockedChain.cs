using NativeNet.Interop;
using NativeNet.Onnx.Engine.Steps;
using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx.Engine;

/// <summary>
/// Runs chains of convolutions in the channel-blocked layout NCHW16c (MobileNet's inverted
/// residual blocks: 1x1 expansion, depthwise 3x3, 1x1 projection, residual Add, and the stem
/// before them, which reads NCHW and writes blocked), where the
/// native library has blocked kernels (AVX-512; <c>nn_nchwc_block</c>). A Conv joins when its
/// geometry has a blocked kernel (<c>nn_conv2d_nchwc_supported</c>), its activation a native
/// form and its residual the output's shape, and when its input is already blocked or one of its
/// readers is likely to be blocked too: a lone layer would pay two conversions for nothing. The
/// chain's input is converted once by its first layer (or read as it is, by a stem); its output once, by the first reader that
/// is not a blocked convolution (<see cref="PlanBuilder.SlotOf"/>), such as GlobalAveragePool.
/// </summary>
internal static unsafe class BlockedChain
{
    /// <summary>Adds <paramref name="node"/>'s steps in the blocked layout; false when it stays NCHW.</summary>
    public static bool TryAdd(PlanBuilder b, GraphNode node, nn_conv2d_desc desc, StaticTensor w, StaticTensor? bias, long[] os)
    {
        if (b.BlockSize == 0 || os.Length != 4 || b.IsStatic(node.Inputs[0])) return false;
        if (node.Activation.NativeUnary is not { } act) return false;
        string? res = node.Residual;
        if (res != null && (b.IsStatic(res) || !b.ShapeOf(res).AsSpan().SequenceEqual(os))) return false;
        int supported;
        Native.Check(NativeMethods.nn_conv2d_nchwc_supported(&desc, &supported));
        if (supported == 0) return false;
        bool stem = supported == 2; // reads NCHW, writes blocked: a chain's first layer
        if (!(b.IsBlocked(node.Inputs[0]) && !stem) && !b.Readers(node.Outputs[0]).Any(r => LikelyBlocked(b, r))) return false;
        int x = stem ? b.SlotOf(node.Inputs[0]) : b.BlockedSlotOf(node.Label, node.Inputs[0]);
        int? r = res == null ? null : b.BlockedSlotOf(node.Label, res);
        int y = b.DefineBlocked(node.Outputs[0], os);
        nint packed = b.Constants.BlockedConv(w, bias, desc);
        bool pointwise = desc.r == 1 && desc.s == 1; // supported, so stride 1, unpadded, one group
        if (r == null && !stem && desc.r == 3 && desc.s == 3 && desc.groups == desc.c
            && b.LastStep is BlockedConvStep { HasResidual: false } expand && (expand.Pointwise || expand.Stem) && expand.Y == x
            && b.Readers(node.Inputs[0]).Count() == 1 && !b.IsGraphOutput(node.Inputs[0]))
        {
            // The expansion (or the stem: MobileNetV2's first block has none) just added feeds only
            // this depthwise layer: one pass over row bands or channel groups.
            b.ReplaceLastStep(new BlockedExpandDwStep(expand.Label + " + " + node.Label, expand, packed, desc.n, act, x, y));
            return true;
        }
        if (pointwise && !stem && b.LastStep is BlockedExpandDwStep expandDw && expandDw.Y == x
            && b.Readers(node.Inputs[0]).Count() == 1 && !b.IsGraphOutput(node.Inputs[0]))
        {
            // The projection of the block whose expansion and depthwise layers were just added.
            b.ReplaceLastStep(new BlockedBlockStep(expandDw.Label + " + " + node.Label, expandDw, packed, desc.n, act, r, y));
            return true;
        }
        b.AddStep(new BlockedConvStep(node.Label, packed, desc.n, act, x, y, r, pointwise, stem));
        return true;
    }

    /// <summary>
    /// A reader that <see cref="TryAdd"/> will probably take, judged from its attributes and weight
    /// alone (its input shape is not known yet): a 1x1 stride-1 unpadded Conv, or a depthwise 3x3
    /// with padding 1 and stride 1 or 2. A wrong guess costs one conversion, never a wrong answer.
    /// </summary>
    private static bool LikelyBlocked(PlanBuilder b, GraphNode n)
    {
        if (n.OpType != "Conv" || b.StaticOrNull(n.Input(1)) is not { Shape.Length: 4 } w) return false;
        if (n.Str("auto_pad", "NOTSET") != "NOTSET" || (n.Ints("dilations") ?? [1, 1]).Any(d => d != 1)) return false;
        var strides = n.Ints("strides") ?? [1, 1];
        var pads = n.Ints("pads") ?? [0, 0, 0, 0];
        long group = n.Int("group", 1);
        if (w.Shape[2] == 1 && w.Shape[3] == 1) return group == 1 && strides.All(s => s == 1) && pads.All(p => p == 0);
        return w.Shape[2] == 3 && w.Shape[3] == 3 && w.Shape[1] == 1 && group == w.Shape[0] && pads.All(p => p == 1)
            && strides.Length == 2 && strides[0] == strides[1] && strides[0] is 1 or 2;
    }
}

/// <summary>The native library's blocked-layout width in this process.</summary>
internal static unsafe class BlockedLayout
{
    /// <summary>Channels per block (16 with AVX-512), or 0 when the blocked kernels are absent.</summary>
    public static long BlockSize { get; } = Query();

    private static long Query()
    {
        long block;
        Native.Check(NativeMethods.nn_nchwc_block(&block));
        return block;
    }
}
