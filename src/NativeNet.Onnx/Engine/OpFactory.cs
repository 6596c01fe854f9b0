using NativeNet.Interop;
using NativeNet.Onnx.Engine.Steps;
using NativeNet.Onnx.Folding;
using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx.Engine;

/// <summary>
/// Turns one node into steps for the shapes at hand. Every op the engine runs is listed here;
/// anything else is a <see cref="NotSupportedException"/> naming the op, the node and the opset.
/// </summary>
internal static unsafe class OpFactory
{
    /// <summary>Values computed while planning (shape arithmetic, small constants) stay below this many elements; a larger ConstantOfShape becomes a fill step in the arena.</summary>
    private const long PlanFoldLimit = 1 << 22;

    public static void Add(PlanBuilder b, GraphNode node)
    {
        if (node.OpType == "ConstantOfShape" && b.StaticOrNull(node.Input(0)) is { } dims && dims.Count <= 64
            && ShapeMath.Count(dims.AsLongs()) > PlanFoldLimit)
        {
            // e.g. the zero initial state of an LSTM for a large batch: filled at run time, not materialized here
            var value = node.TensorAttr("value") is { } t ? OnnxFileReader.DecodeTensor(t, "", node.Label) : new StaticTensor([1], new float[] { 0 });
            if (value.IsInt || value.Count != 1) throw Unsupported(b, node, "a large integer ConstantOfShape");
            var shape = dims.AsLongs();
            int y = b.Define(node.Outputs[0], shape);
            b.AddStep(new FillStep(node.Label, y, ShapeMath.Count(shape), (float)value[0]));
            return;
        }
        if (b.TryFold(node, PlanFoldLimit)) return;
        switch (node.OpType)
        {
            case "Identity": case "Dropout":
                b.Alias(node.Outputs[0], node.Inputs[0], b.ShapeOf(node.Inputs[0]));
                if (node.Outputs.Length > 1 && node.Outputs[1].Length > 0) throw Unsupported(b, node, "the dropout mask output");
                return;
            case "Cast":
                if (node.Int("to", 1) != 1) throw Unsupported(b, node, $"a cast of runtime data to type {node.Int("to", 1)}");
                b.Alias(node.Outputs[0], node.Inputs[0], b.ShapeOf(node.Inputs[0]));
                return;
            case "Flatten":
                b.Alias(node.Outputs[0], node.Inputs[0], StaticOps.FlattenShape(node, b.ShapeOf(node.Inputs[0])));
                return;
            case "Reshape":
                b.Alias(node.Outputs[0], node.Inputs[0], StaticOps.ReshapeShape(node, b.ShapeOf(node.Inputs[0]), b.Static(node, 1).AsLongs()));
                return;
            case "Squeeze":
            {
                long[]? axes = b.Opset >= 13 ? b.StaticOrNull(node.Input(1))?.AsLongs() : node.Ints("axes");
                if (b.Opset >= 13 && node.Input(1) != null && axes == null) b.Static(node, 1);
                b.Alias(node.Outputs[0], node.Inputs[0], StaticOps.SqueezeShape(node, b.ShapeOf(node.Inputs[0]), axes));
                return;
            }
            case "Unsqueeze":
            {
                var axes = b.Opset >= 13 ? b.Static(node, 1).AsLongs() : node.Ints("axes") ?? throw node.Invalid("axes missing");
                b.Alias(node.Outputs[0], node.Inputs[0], StaticOps.UnsqueezeShape(node, b.ShapeOf(node.Inputs[0]), axes));
                return;
            }
            case "Conv": AddConv(b, node); return;
            case "ConvTranspose": AddConvTranspose(b, node); return;
            case "Gemm": AddGemm(b, node); return;
            case "MatMul": AddMatMul(b, node); return;
            case "Add": case "Sub": case "Mul": case "Div": case "Pow": case "Max": case "Min":
                AddBinary(b, node);
                return;
            case "Clip":
            {
                float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
                if (b.Opset >= 11)
                {
                    if (node.Input(1) != null) lo = (float)b.Static(node, 1)[0];
                    if (node.Input(2) != null) hi = (float)b.Static(node, 2)[0];
                }
                else { lo = node.Float("min", lo); hi = node.Float("max", hi); }
                AddUnary(b, node, new Activation(ActivationKind.Clip, lo, hi));
                return;
            }
            case "Softmax": case "LogSoftmax": AddSoftmax(b, node); return;
            case "MaxPool": case "AveragePool": AddPool(b, node); return;
            case "GlobalAveragePool":
            {
                var s = b.ShapeOf(node.Inputs[0]);
                if (s.Length < 3) throw node.Invalid($"input rank {s.Length} < 3");
                var os = s.Select((d, i) => i < 2 ? d : 1).ToArray();
                int y = b.Define(node.Outputs[0], os);
                b.AddStep(new GlobalPoolStep(node.Label, s[0], s[1], ShapeMath.Count(s.AsSpan(2)), b.Input(node, 0), y));
                return;
            }
            case "BatchNormalization":
            {
                var s = b.ShapeOf(node.Inputs[0]);
                if (node.Outputs.Skip(1).Any(o => o.Length > 0)) throw Unsupported(b, node, "training-mode outputs (running statistics)");
                int x = b.Input(node, 0), y = b.Define(node.Outputs[0], s);
                var p = b.Constants;
                b.AddStep(new BatchNormStep(node.Label, s[0], s.Length > 1 ? s[1] : 1, ShapeMath.Count(s.AsSpan(Math.Min(2, s.Length))),
                    p.Get(b.Static(node, 1)), p.Get(b.Static(node, 2)), p.Get(b.Static(node, 3)), p.Get(b.Static(node, 4)), node.Float("epsilon", 1e-5f), x, y));
                return;
            }
            case "LayerNormalization":
            {
                var s = b.ShapeOf(node.Inputs[0]);
                int axis = ShapeMath.Axis(node.Int("axis", -1), s.Length, node.Label);
                if (node.Outputs.Skip(1).Any(o => o.Length > 0)) throw Unsupported(b, node, "the mean / inverse deviation outputs");
                long d = ShapeMath.Count(s.AsSpan(axis));
                var gamma = b.Static(node, 1);
                var beta = b.StaticOrNull(node.Input(2));
                if (gamma.Count != d || (beta != null && beta.Count != d)) throw Unsupported(b, node, "scale/bias that broadcast");
                int x = b.Input(node, 0), y = b.Define(node.Outputs[0], s);
                b.AddStep(new LayerNormStep(node.Label, ShapeMath.Count(s.AsSpan(0, axis)), d, b.Constants.Get(gamma),
                    beta == null ? null : b.Constants.Get(beta), node.Float("epsilon", 1e-5f), x, y));
                return;
            }
            case "Transpose":
            {
                var s = b.ShapeOf(node.Inputs[0]);
                var perm = StaticOps.Permutation(node, s.Length);
                var os = perm.Select(p => s[p]).ToArray();
                // moving only dimensions of size 1 keeps the memory order: a view
                var moved = perm.Where(p => s[p] != 1).ToArray();
                if (moved.Zip(moved.Skip(1)).All(pair => pair.First < pair.Second))
                {
                    b.Alias(node.Outputs[0], node.Inputs[0], os);
                    return;
                }
                int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
                b.AddStep(new TransposeStep(node.Label, x, y, s, perm));
                return;
            }
            case "Concat": AddConcat(b, node); return;
            case "Split": AddSplit(b, node); return;
            case "Slice":
            {
                var s = b.ShapeOf(node.Inputs[0]);
                var (starts, steps, os) = StaticOps.SliceGeometry(node, s, b.Static(node, 1).AsLongs(), b.Static(node, 2).AsLongs(),
                    b.StaticOrNull(node.Input(3))?.AsLongs(), b.StaticOrNull(node.Input(4))?.AsLongs());
                var st = ShapeMath.Strides(s);
                long srcBase = 0;
                for (int d = 0; d < s.Length; d++) if (os[d] > 0) srcBase += starts[d] * st[d];
                int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
                b.AddStep(new StridedCopyStep(node.Label, x, y, os, st.Select((v, d) => v * steps[d]).ToArray(), srcBase, ShapeMath.Strides(os), 0));
                return;
            }
            case "Expand":
            {
                var s = b.ShapeOf(node.Inputs[0]);
                var os = ShapeMath.Broadcast(s, b.Static(node, 1).AsLongs(), node.Label);
                int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
                b.AddStep(new StridedCopyStep(node.Label, x, y, os, ShapeMath.BroadcastStrides(s, os), 0, ShapeMath.Strides(os), 0));
                return;
            }
            case "Gather":
            {
                var s = b.ShapeOf(node.Inputs[0]);
                var idx = b.Static(node, 1);
                int axis = ShapeMath.Axis(node.Int("axis", 0), s.Length, node.Label);
                long dim = s[axis];
                var ind = idx.AsLongs().Select(v => v < 0 ? v + dim : v).ToArray();
                if (ind.Any(v => v < 0 || v >= dim)) throw node.Invalid($"an index is out of range for dimension {dim}");
                long[] os = [.. s[..axis], .. idx.Shape, .. s[(axis + 1)..]];
                int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
                if (idx.Shape.Length == 0 && b.LastStep is TransposeStep t && t.Y == x && b.Readers(node.Inputs[0]).Count() == 1
                    && !b.IsGraphOutput(node.Inputs[0]))
                {
                    // One index of a transpose that only this Gather reads (an LSTM's last time
                    // step, PyTorch's o[:, -1]): one strided copy from the transpose's input.
                    b.ReplaceLastStep(t.Gathered(node.Label, axis, ind[0], y));
                    return;
                }
                b.AddStep(new GatherStep(node.Label, x, y, ShapeMath.Count(s.AsSpan(0, axis)), dim, ShapeMath.Count(s.AsSpan(axis + 1)), ind));
                return;
            }
            case "Pad": AddPad(b, node); return;
            case "Resize": case "Upsample": AddResize(b, node); return;
            case "ReduceMean": case "ReduceSum": AddReduce(b, node); return;
            case "LSTM": case "GRU": AddRecurrent(b, node); return;
            case "RNN": AddElmanRnn(b, node); return;
        }
        if (Activation.ForOp(node.OpType, node.FloatAttr) is { } act)
        {
            AddUnary(b, node, act);
            return;
        }
        throw new NotSupportedException($"{node.Label}: the op {node.OpType} is not supported (opset {b.Opset})");
    }

    private static NotSupportedException Unsupported(PlanBuilder b, GraphNode node, string what) =>
        new($"{node.Label}: {what} is not supported (opset {b.Opset})");

    private static void AddUnary(PlanBuilder b, GraphNode node, Activation act)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        int x = b.Input(node, 0), y = b.Define(node.Outputs[0], s);
        b.AddStep(new UnaryStep(node.Label, act, x, y, ShapeMath.Count(s)));
    }

    private static Operand Operand(PlanBuilder b, GraphNode node, int i) =>
        b.StaticOrNull(node.Input(i)) is { } t ? Engine.Operand.Constant(b.Constants.Get(t)) : Engine.Operand.Slot(b.Input(node, i));

    private static void AddBinary(PlanBuilder b, GraphNode node)
    {
        if (node.Inputs.Length != 2) throw Unsupported(b, node, $"{node.Inputs.Length} inputs");
        var sa = b.ShapeOf(node.Inputs[0]);
        var sb = b.ShapeOf(node.Inputs[1]);
        var os = ShapeMath.Broadcast(sa, sb, node.Label);
        var kind = Enum.Parse<BinaryKind>(node.OpType);
        var a = Operand(b, node, 0);
        var c = Operand(b, node, 1);
        int y = b.Define(node.Outputs[0], os);
        b.AddStep(new BinaryStep(node.Label, kind, a, sa, c, sb, os, y, node.Activation));
    }

    private static int[] Ints2(GraphNode node, string name, int spatial, long fallback)
    {
        var v = node.Ints(name);
        if (v == null) return Enumerable.Repeat((int)fallback, spatial).ToArray();
        if (v.Length != spatial) throw node.Invalid($"{name} has {v.Length} values for {spatial} spatial dimensions");
        return v.Select(x => (int)Math.Clamp(x, int.MinValue, int.MaxValue)).ToArray();
    }

    /// <summary>Padding [begin.., end..] for 1 or 2 spatial dims, honouring auto_pad.</summary>
    private static (long[] Begin, long[] End) Pads(PlanBuilder b, GraphNode node, long[] inSize, int[] kernel, int[] stride, int[] dilation)
    {
        int n = inSize.Length;
        var begin = new long[n]; var end = new long[n];
        string autoPad = node.Str("auto_pad", "NOTSET");
        if (autoPad is "NOTSET" or "")
        {
            var p = node.Ints("pads") ?? new long[2 * n];
            if (p.Length != 2 * n) throw node.Invalid($"pads has {p.Length} values for {n} spatial dimensions");
            for (int i = 0; i < n; i++) { begin[i] = p[i]; end[i] = p[i + n]; }
        }
        else if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            for (int i = 0; i < n; i++)
            {
                long outSize = (inSize[i] + stride[i] - 1) / stride[i];
                long total = Math.Max(0, (outSize - 1) * stride[i] + (kernel[i] - 1) * dilation[i] + 1 - inSize[i]);
                begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                end[i] = total - begin[i];
            }
        }
        else if (autoPad != "VALID") throw Unsupported(b, node, $"auto_pad {autoPad}");
        if (begin.Concat(end).Any(v => v < 0)) throw node.Invalid("negative padding");
        return (begin, end);
    }

    private static void AddConv(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        var w = b.StaticOrNull(node.Input(1)) ?? throw Unsupported(b, node, "a weight computed at run time");
        if (s.Length is not (3 or 4) || w.Shape.Length != s.Length) throw Unsupported(b, node, $"a {s.Length}-D input with a {w.Shape.Length}-D weight (Conv1d and Conv2d are)");
        int spatial = s.Length - 2;
        long group = node.Int("group", 1);
        var kernel = w.Shape[2..].Select(v => (int)v).ToArray();
        var stride = Ints2(node, "strides", spatial, 1);
        var dil = Ints2(node, "dilations", spatial, 1);
        var (pb, pe) = Pads(b, node, s[2..], kernel, stride, dil);
        if (group < 1 || s[1] != w.Shape[1] * group || w.Shape[0] % group != 0)
            throw node.Invalid($"input channels {s[1]}, weight {ShapeMath.Format(w.Shape)} and group {group} disagree");
        bool twoD = spatial == 2;
        var desc = new nn_conv2d_desc
        {
            n = s[0], c = s[1], h = twoD ? s[2] : 1, w = twoD ? s[3] : s[2],
            k = w.Shape[0], r = twoD ? kernel[0] : 1, s = twoD ? kernel[1] : kernel[0],
            stride_h = twoD ? stride[0] : 1, stride_w = twoD ? stride[1] : stride[0],
            pad_top = twoD ? pb[0] : 0, pad_bottom = twoD ? pe[0] : 0, pad_left = twoD ? pb[1] : pb[0], pad_right = twoD ? pe[1] : pe[0],
            dilation_h = twoD ? dil[0] : 1, dilation_w = twoD ? dil[1] : dil[0], groups = group,
        };
        long oh, ow;
        Native.Check(NativeMethods.nn_conv2d_output_size(&desc, &oh, &ow));
        long[] os = twoD ? [s[0], w.Shape[0], oh, ow] : [s[0], w.Shape[0], ow];
        var bias = b.StaticOrNull(node.Input(2));
        if (node.Input(2) != null && bias == null) throw Unsupported(b, node, "a bias computed at run time");
        if (bias != null && bias.Count != w.Shape[0]) throw node.Invalid($"bias has {bias.Count} values for {w.Shape[0]} output channels");
        // A conv with a fused pooling stays NCHW: its pooled output is not what the blocked chain defines
        // (a strided stem still runs on the blocked stem kernel, with its pooling: BlockedStemPays below).
        // The blocked NCHW16c kernels multiply in float32: bf16 products take the packed path.
        if (node.MaxPool == null && !b.Constants.Bf16 && BlockedChain.TryAdd(b, node, desc, w, bias, os)) return;
        int x = b.Input(node, 0);
        Operand? residual = null;
        var act = node.Activation;
        string? separateResidual = null;
        if (node.Residual is { } res)
        {
            if (b.ShapeOf(res).AsSpan().SequenceEqual(os)) residual = b.StaticOrNull(res) is { } rt ? Engine.Operand.Constant(b.Constants.Get(rt)) : Engine.Operand.Slot(b.SlotOf(res));
            else separateResidual = res; // broadcasting residual: a separate Add after the conv
        }
        if (node.MaxPool is { } pool) // the optimizer fuses only 2-D convs without a residual, with a native activation
        {
            var (pd, pooled) = PoolDesc(b, pool, os);
            int yp = b.Define(node.Outputs[0], pooled);
            if (BlockedStemPays(b, desc, pd) && act.NativeUnary is { } native)
            {
                b.AddStep(new BlockedStemMaxPoolStep($"{node.Label} + {pool.Label}", b.Constants.BlockedConv(w, bias, desc), desc.n,
                    native, pd, x, yp));
                return;
            }
            b.AddStep(new ConvMaxPoolStep($"{node.Label} + {pool.Label}", b.Constants.PackedConv(w, bias, desc), desc.n, act, pd, x, yp));
            return;
        }
        string convOut = separateResidual == null ? node.Outputs[0] : node.Outputs[0] + " (conv)";
        int y = b.Define(convOut, os);
        b.AddStep(new ConvStep(node.Label, b.Constants.PackedConv(w, bias, desc), desc.n,
            separateResidual == null ? act : Activation.None, x, y, residual, ShapeMath.Count(os)));
        if (separateResidual != null)
        {
            var rs = b.ShapeOf(separateResidual);
            var full = ShapeMath.Broadcast(os, rs, node.Label);
            var rOp = b.StaticOrNull(separateResidual) is { } rt2 ? Engine.Operand.Constant(b.Constants.Get(rt2)) : Engine.Operand.Slot(b.SlotOf(separateResidual));
            int y2 = b.Define(node.Outputs[0], full);
            b.AddStep(new BinaryStep(node.Label, BinaryKind.Add, Engine.Operand.Slot(y), os, rOp, rs, full, y2, act));
        }
    }

    private static void AddConvTranspose(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        var w = b.StaticOrNull(node.Input(1)) ?? throw Unsupported(b, node, "a weight computed at run time");
        if (s.Length != 4 || w.Shape.Length != 4) throw Unsupported(b, node, $"a {s.Length}-D input (ConvTranspose2d is)");
        if (node.Has("output_shape")) throw Unsupported(b, node, "the output_shape attribute");
        long group = node.Int("group", 1);
        var kernel = w.Shape[2..].Select(v => (int)v).ToArray();
        var stride = Ints2(node, "strides", 2, 1);
        var dil = Ints2(node, "dilations", 2, 1);
        var outPad = Ints2(node, "output_padding", 2, 0);
        if (node.Str("auto_pad", "NOTSET") is not ("NOTSET" or "")) throw Unsupported(b, node, "auto_pad");
        var p = node.Ints("pads") ?? new long[4];
        if (p.Length != 4 || p.Any(v => v < 0)) throw node.Invalid("pads must be 4 non-negative values");
        if (group < 1 || s[1] != w.Shape[0] || s[1] % group != 0) throw node.Invalid($"input channels {s[1]} and weight {ShapeMath.Format(w.Shape)} disagree");
        long oh = checked(stride[0] * (s[2] - 1) + outPad[0] + (kernel[0] - 1) * dil[0] + 1 - p[0] - p[2]);
        long ow = checked(stride[1] * (s[3] - 1) + outPad[1] + (kernel[1] - 1) * dil[1] + 1 - p[1] - p[3]);
        long outC = w.Shape[1] * group;
        var desc = new nn_conv2d_desc
        {
            n = s[0], c = outC, h = oh, w = ow, k = s[1], r = kernel[0], s = kernel[1], stride_h = stride[0], stride_w = stride[1],
            pad_top = p[0], pad_bottom = p[2], pad_left = p[1], pad_right = p[3], dilation_h = dil[0], dilation_w = dil[1], groups = group,
        };
        long ch, cw;
        Native.Check(NativeMethods.nn_conv2d_output_size(&desc, &ch, &cw));
        if (ch != s[2] || cw != s[3]) throw node.Invalid("output_padding must be smaller than the stride");
        var bias = b.StaticOrNull(node.Input(2));
        long[] os = [s[0], outC, oh, ow];
        int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
        b.AddStep(new ConvTransposeStep(node.Label, desc, b.Constants.Get(w), bias == null ? null : b.Constants.Get(bias), node.Activation, x, y,
            ShapeMath.Count(os), oh * ow));
    }

    /// <summary>A bias of n values from a Gemm C / MatMul Add operand that broadcasts along rows ([n], [1,n], or a scalar).</summary>
    private static StaticTensor? ColumnBias(PlanBuilder b, GraphNode node, StaticTensor? c, long n, float beta)
    {
        if (c == null) return null;
        bool perColumn = c.Count == n && c.Shape.Length >= 1 && c.Shape[^1] == n;
        if (!perColumn && c.Count != 1) throw Unsupported(b, node, $"a bias of shape {ShapeMath.Format(c.Shape)} (per-column or scalar biases are)");
        if (perColumn && beta == 1f && c.F != null && c.Shape.Length == 1) return c;
        return b.Constants.Derived(node, "bias", () =>
        {
            var f = c.AsFloats();
            return new StaticTensor([n], Enumerable.Range(0, (int)n).Select(j => beta * f[perColumn ? j : 0]).ToArray());
        });
    }

    private static void AddGemm(PlanBuilder b, GraphNode node)
    {
        var sa = b.ShapeOf(node.Inputs[0]);
        var sb = b.ShapeOf(node.Inputs[1]);
        if (sa.Length != 2 || sb.Length != 2) throw node.Invalid("A and B must be 2-D");
        bool ta = node.Int("transA", 0) != 0, tb = node.Int("transB", 0) != 0;
        long m = ta ? sa[1] : sa[0], k = ta ? sa[0] : sa[1], n = tb ? sb[0] : sb[1];
        if ((tb ? sb[1] : sb[0]) != k) throw node.Invalid($"A {ShapeMath.Format(sa)} and B {ShapeMath.Format(sb)} do not multiply");
        float alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
        var cIn = node.Input(2);
        var c = b.StaticOrNull(cIn);
        if (cIn != null && c == null) throw Unsupported(b, node, "a C operand computed at run time");
        var bias = ColumnBias(b, node, c, n, beta);
        var w = b.StaticOrNull(node.Input(1));
        int y;
        if (w != null && !ta)
        {
            if (alpha != 1f)
            {
                var unscaled = w;
                w = b.Constants.Derived(node, "alpha", () => new StaticTensor(unscaled.Shape, unscaled.AsFloats().Select(v => v * alpha).ToArray()));
            }
            int a = b.Input(node, 0);
            y = b.Define(node.Outputs[0], [m, n]);
            b.AddStep(new PackedGemmStep(node.Label, m, n, k, b.Constants.Weight(w, tb, k, n), bias == null ? null : b.Constants.Get(bias), node.Activation, a, y));
            return;
        }
        var opA = Operand(b, node, 0);
        var opB = Operand(b, node, 1);
        y = b.Define(node.Outputs[0], [m, n]);
        b.AddStep(new GemmStep(node.Label, ta, tb, m, n, k, alpha, opA, opB, 1, [0], [0], bias == null ? null : b.Constants.Get(bias), node.Activation, y));
    }

    private static void AddMatMul(PlanBuilder b, GraphNode node)
    {
        var sa = b.ShapeOf(node.Inputs[0]);
        var sb = b.ShapeOf(node.Inputs[1]);
        if (sa.Length == 0 || sb.Length == 0) throw node.Invalid("scalar operand");
        // 1-D operands: promote, multiply, then drop the added dimension.
        long[] a2 = sa.Length == 1 ? [1, sa[0]] : sa;
        long[] b2 = sb.Length == 1 ? [sb[0], 1] : sb;
        long k = a2[^1], n = b2[^1];
        if (b2[^2] != k) throw node.Invalid($"A {ShapeMath.Format(sa)} and B {ShapeMath.Format(sb)} do not multiply");
        var batch = ShapeMath.Broadcast(a2[..^2], b2[..^2], node.Label);
        long m = a2[^2];
        var os = new List<long>(batch) { m, n };
        if (sa.Length == 1) os.RemoveAt(os.Count - 2);
        if (sb.Length == 1) os.RemoveAt(os.Count - 1);
        var w = b.StaticOrNull(node.Input(1));
        var bias = node.Bias != null ? ColumnBias(b, node, b.StaticOrNull(node.Bias), n, 1f) : null;
        float* pbias = bias == null ? null : b.Constants.Get(bias);
        if (w != null && sb.Length == 2)
        {
            // every row of every batch entry times one constant matrix: one packed GEMM with m = all rows
            int a = b.Input(node, 0);
            int y = b.Define(node.Outputs[0], [.. os]);
            b.AddStep(new PackedGemmStep(node.Label, ShapeMath.Count(a2[..^1]), n, k, b.Constants.Weight(w, false, k, n), pbias, node.Activation, a, y));
            return;
        }
        long count = ShapeMath.Count(batch);
        var aStr = ShapeMath.BroadcastStrides(a2[..^2], batch); var bStr = ShapeMath.BroadcastStrides(b2[..^2], batch);
        var bs = ShapeMath.Strides(batch);
        var aOff = new long[count]; var bOff = new long[count];
        for (long i = 0; i < count; i++)
        {
            long rem = i, ao = 0, bo = 0;
            for (int d = 0; d < batch.Length; d++) { long c = rem / bs[d]; rem -= c * bs[d]; ao += c * aStr[d]; bo += c * bStr[d]; }
            aOff[i] = ao * m * k; bOff[i] = bo * k * n;
        }
        var opA = Operand(b, node, 0);
        var opB = Operand(b, node, 1);
        int yy = b.Define(node.Outputs[0], [.. os]);
        b.AddStep(new GemmStep(node.Label, false, false, m, n, k, 1f, opA, opB, count, aOff, bOff, pbias, node.Activation, yy));
    }

    private static void AddSoftmax(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        int axis = ShapeMath.Axis(node.Int("axis", b.Opset >= 13 ? -1 : 1), s.Length, node.Label);
        long outer = ShapeMath.Count(s.AsSpan(0, axis));
        long dim, inner;
        if (b.Opset >= 13) { dim = s[axis]; inner = ShapeMath.Count(s.AsSpan(axis + 1)); }
        else { dim = ShapeMath.Count(s.AsSpan(axis)); inner = 1; } // opset < 13: the input is coerced to 2-D at axis
        int x = b.Input(node, 0), y = b.Define(node.Outputs[0], s);
        b.AddStep(new SoftmaxStep(node.Label, outer, dim, inner, node.OpType == "LogSoftmax", x, y));
    }

    private static void AddPool(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        bool max = node.OpType == "MaxPool";
        var (desc, os) = PoolDesc(b, node, s);
        int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
        var extra = CeilModeExtra(node, s, desc, os);
        if (extra.Any(e => e > 0))
        {
            // ceil_mode: the last windows run past the end padding. Max pooling ignores padding, so
            // the input is copied into a plane that much larger, filled with -inf, and pooled in floor mode.
            if (!max) throw Unsupported(b, node, "ceil_mode=1 average pooling whose last window runs past the padding");
            long[] padded = [s[0], s[1], .. s[2..].Select((d, i) => d + extra[i])];
            int xp = b.Scratch(node.Label + " ceil", ShapeMath.Count(padded));
            b.AddStep(new FillStep(node.Label, xp, ShapeMath.Count(padded), float.NegativeInfinity));
            b.AddStep(new StridedCopyStep(node.Label, x, xp, s, ShapeMath.Strides(s), 0, ShapeMath.Strides(padded), 0));
            if (s.Length == 4) (desc.h, desc.w) = (padded[2], padded[3]);
            else desc.w = padded[2];
            long oh, ow;
            Native.Check(NativeMethods.nn_pool2d_output_size(&desc, &oh, &ow));
            if (ow != os[^1] || (s.Length == 4 && oh != os[2])) throw node.Invalid("ceil_mode output size disagrees with the padded plane's"); // a bug guard, not input
            x = xp;
        }
        b.AddStep(new PoolStep(node.Label, desc, max, x, y));
    }

    // Per spatial dimension, how far the last ceil_mode window reaches past the end padding (0 in floor mode).
    private static long[] CeilModeExtra(GraphNode node, long[] s, nn_pool2d_desc desc, long[] os)
    {
        int spatial = s.Length - 2;
        var extra = new long[spatial];
        if (node.Int("ceil_mode", 0) == 0) return extra;
        bool twoD = spatial == 2;
        for (int i = 0; i < spatial; i++)
        {
            bool h = twoD && i == 0;
            long k = h ? desc.kernel_h : desc.kernel_w, st = h ? desc.stride_h : desc.stride_w, dil = h ? desc.dilation_h : desc.dilation_w;
            long p = h ? desc.pad_h : desc.pad_w;
            extra[i] = Math.Max(0, (os[2 + i] - 1) * st + dil * (k - 1) + 1 - (s[2 + i] + 2 * p));
        }
        return extra;
    }

    /// <summary>
    /// Whether a Conv → MaxPool runs on the blocked stem kernel (<see cref="BlockedStemMaxPoolStep"/>):
    /// float32, a stem the blocked kernels take from NCHW input (at most 4 input channels, up to 7×7),
    /// whole 16-channel blocks (no padding lanes computed for nothing), a stride above 1 (stride-1
    /// stems, LeNet's and diabetes_cnn's, have the NCHW direct kernel; strided ones took the im2col
    /// GEMM) and a pooling without dilation. ResNet-18's stem at batch 1, per-step best of 300 under
    /// real-time priority, Emerald Rapids, 2026-12-05: see docs/onnx.md.
    /// </summary>
    private static bool BlockedStemPays(PlanBuilder b, nn_conv2d_desc desc, nn_pool2d_desc pool)
    {
        if (b.BlockSize == 0 || b.Constants.Bf16 || desc.k % b.BlockSize != 0) return false;
        if (desc.stride_h == 1 && desc.stride_w == 1) return false;
        if (pool.dilation_h != 1 || pool.dilation_w != 1) return false;
        int supported;
        Native.Check(NativeMethods.nn_conv2d_nchwc_supported(&desc, &supported));
        return supported == 2;
    }

    /// <summary>The native descriptor and output shape of a MaxPool/AveragePool node over an input of shape <paramref name="s"/>.</summary>
    private static (nn_pool2d_desc Desc, long[] OutShape) PoolDesc(PlanBuilder b, GraphNode node, long[] s)
    {
        if (s.Length is not (3 or 4)) throw Unsupported(b, node, $"a {s.Length}-D input");
        int spatial = s.Length - 2;
        var kernel = node.Ints("kernel_shape")?.Select(v => (int)Math.Clamp(v, 0, int.MaxValue)).ToArray() ?? throw node.Invalid("kernel_shape missing");
        if (kernel.Length != spatial) throw node.Invalid("kernel_shape rank differs from the input's");
        var stride = Ints2(node, "strides", spatial, 1);
        var dil = Ints2(node, "dilations", spatial, 1);
        if (node.Outputs.Length > 1 && node.Outputs[1].Length > 0) throw Unsupported(b, node, "the indices output");
        var (pb, pe) = Pads(b, node, s[2..], kernel, stride, dil);
        if (!pb.SequenceEqual(pe)) throw Unsupported(b, node, "asymmetric padding");
        bool twoD = spatial == 2;
        var desc = new nn_pool2d_desc
        {
            n = s[0], c = s[1], h = twoD ? s[2] : 1, w = twoD ? s[3] : s[2],
            kernel_h = twoD ? kernel[0] : 1, kernel_w = twoD ? kernel[1] : kernel[0],
            stride_h = twoD ? stride[0] : 1, stride_w = twoD ? stride[1] : stride[0],
            pad_h = twoD ? pb[0] : 0, pad_w = twoD ? pb[1] : pb[0],
            dilation_h = twoD ? dil[0] : 1, dilation_w = twoD ? dil[1] : dil[0],
            count_include_pad = (int)node.Int("count_include_pad", 0),
        };
        long oh, ow;
        Native.Check(NativeMethods.nn_pool2d_output_size(&desc, &oh, &ow));
        if (node.Int("ceil_mode", 0) != 0)
        {
            // ONNX and PyTorch: round the window count up, but the last window must start inside the input or its begin padding
            static long Ceil(long n, long pad, long k, long stride, long dil)
            {
                long span = n + 2 * pad - dil * (k - 1) - 1, o = (span + stride - 1) / stride + 1;
                return (o - 1) * stride >= n + pad ? o - 1 : o;
            }
            ow = Ceil(desc.w, desc.pad_w, desc.kernel_w, desc.stride_w, desc.dilation_w);
            if (twoD) oh = Ceil(desc.h, desc.pad_h, desc.kernel_h, desc.stride_h, desc.dilation_h);
        }
        return (desc, twoD ? [s[0], s[1], oh, ow] : [s[0], s[1], ow]);
    }

    private static void AddConcat(PlanBuilder b, GraphNode node)
    {
        var parts = node.Inputs.Where(i => i.Length > 0).ToArray();
        var shapes = parts.Select(b.ShapeOf).ToArray();
        int axis = ShapeMath.Axis(node.Int("axis", 0), shapes[0].Length, node.Label);
        var os = StaticOps.ConcatShape(node, shapes, axis);
        var slots = Enumerable.Range(0, node.Inputs.Length).Where(i => node.Inputs[i].Length > 0).Select(i => b.Input(node, i)).ToArray();
        int y = b.Define(node.Outputs[0], os);
        var dst = ShapeMath.Strides(os);
        long offset = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            b.AddStep(new StridedCopyStep(node.Label, slots[p], y, shapes[p], ShapeMath.Strides(shapes[p]), 0, dst, offset * dst[axis]));
            offset += shapes[p][axis];
        }
    }

    private static void AddSplit(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        int axis = ShapeMath.Axis(node.Int("axis", 0), s.Length, node.Label);
        long[]? split = b.Opset >= 13 ? b.StaticOrNull(node.Input(1))?.AsLongs() : node.Ints("split");
        int outs = node.Outputs.Length;
        if (split == null)
        {
            if (s[axis] % outs != 0) throw node.Invalid($"dimension {s[axis]} does not split into {outs} equal parts");
            split = Enumerable.Repeat(s[axis] / outs, outs).ToArray();
        }
        if (split.Length != outs || split.Any(v => v < 0) || split.Sum() != s[axis]) throw node.Invalid($"split [{string.Join(",", split)}] does not match dimension {s[axis]}");
        int x = b.Input(node, 0);
        var st = ShapeMath.Strides(s);
        long offset = 0;
        for (int i = 0; i < outs; i++)
        {
            var os = (long[])s.Clone();
            os[axis] = split[i];
            if (node.Outputs[i].Length > 0)
            {
                int y = b.Define(node.Outputs[i], os);
                b.AddStep(new StridedCopyStep(node.Label, x, y, os, st, offset * st[axis], ShapeMath.Strides(os), 0));
            }
            offset += split[i];
        }
    }

    private static void AddPad(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        string mode = node.Str("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge")) throw Unsupported(b, node, $"mode '{mode}'");
        var pads = b.Opset >= 11 ? b.Static(node, 1).AsLongs() : node.Ints("pads") ?? throw node.Invalid("pads missing");
        float value = b.Opset >= 11 ? (node.Input(2) != null ? (float)b.Static(node, 2)[0] : 0f) : node.Float("value", 0f);
        if (pads.Length != 2 * s.Length) throw node.Invalid($"pads has {pads.Length} values for rank {s.Length}");
        if (pads.Any(p => p < 0)) throw Unsupported(b, node, "negative padding (cropping)");
        var os = s.Select((d, i) => checked(d + pads[i] + pads[i + s.Length])).ToArray();
        if (mode != "constant")
        {
            // reflect mirrors without repeating the border, so a pad must be shorter than its dimension (as in PyTorch)
            for (int d = 0; d < s.Length; d++)
                if ((pads[d] > 0 || pads[d + s.Length] > 0) && (s[d] == 0 || (mode == "reflect" && Math.Max(pads[d], pads[d + s.Length]) >= s[d])))
                    throw node.Invalid($"{mode} padding of {Math.Max(pads[d], pads[d + s.Length])} on dimension {d} of size {s[d]}");
            int xm = b.Input(node, 0), ym = b.Define(node.Outputs[0], os);
            b.AddStep(new MappedPadStep(node.Label, xm, ym, s, pads[..s.Length], os, mode == "reflect"));
            return;
        }
        int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
        var dst = ShapeMath.Strides(os);
        long dstBase = 0;
        for (int d = 0; d < s.Length; d++) dstBase += pads[d] * dst[d];
        b.AddStep(new FillStep(node.Label, y, ShapeMath.Count(os), value));
        b.AddStep(new StridedCopyStep(node.Label, x, y, s, ShapeMath.Strides(s), 0, dst, dstBase));
    }

    private static void AddResize(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        if (s.Length != 4) throw Unsupported(b, node, $"a {s.Length}-D input (4-D NCHW is)");
        string mode = node.Str("mode", "nearest");
        StaticTensor? scales = node.OpType == "Upsample" ? b.Static(node, 1) : b.StaticOrNull(node.Input(2));
        StaticTensor? sizes = node.OpType == "Upsample" ? null : b.StaticOrNull(node.Input(3));
        if (scales is { Count: 0 }) scales = null;
        long[] os;
        float sh, sw;
        if (sizes != null)
        {
            os = sizes.AsLongs();
            if (os.Length != 4) throw node.Invalid("sizes must have 4 values");
            sh = (float)os[2] / s[2]; sw = (float)os[3] / s[3];
        }
        else if (scales != null)
        {
            var f = scales.AsFloats();
            if (f.Length != 4 || f.Any(v => !(v > 0) || float.IsInfinity(v))) throw node.Invalid("scales must be 4 positive values");
            os = s.Select((d, i) => (long)Math.Floor(d * (double)f[i])).ToArray();
            sh = f[2]; sw = f[3];
        }
        else throw Unsupported(b, node, "scales and sizes computed at run time");
        if (os[0] != s[0] || os[1] != s[1]) throw Unsupported(b, node, "resizing the batch or channel dimension");
        string ct = node.Str("coordinate_transformation_mode", "half_pixel");
        bool linear = mode == "linear";
        if (mode == "nearest")
        {
            if (node.Str("nearest_mode", "round_prefer_floor") != "floor" || ct != "asymmetric") throw Unsupported(b, node, "nearest mode other than floor/asymmetric (PyTorch's)");
        }
        else if (!linear || ct is not ("half_pixel" or "pytorch_half_pixel" or "align_corners" or "asymmetric"))
            throw Unsupported(b, node, $"mode '{mode}' with coordinate_transformation_mode '{ct}'");
        int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
        b.AddStep(new ResizeStep(node.Label, x, y, s[0] * s[1], s[2], s[3], os[2], os[3], linear, ct == "align_corners", ct != "asymmetric", sh, sw));
    }

    private static void AddReduce(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        long[]? axes = node.OpType == "ReduceSum" && b.Opset >= 13 ? b.StaticOrNull(node.Input(1))?.AsLongs() : node.Ints("axes");
        bool keep = node.Int("keepdims", 1) != 0;
        if (axes == null || axes.Length == 0)
        {
            if (node.Int("noop_with_empty_axes", 0) != 0) { b.Alias(node.Outputs[0], node.Inputs[0], s); return; }
            axes = Enumerable.Range(0, s.Length).Select(i => (long)i).ToArray();
        }
        var set = axes.Select(a => ShapeMath.Axis(a, s.Length, node.Label)).Distinct().Order().ToArray();
        // the reduced axes must be adjacent once size-1 dimensions are ignored
        var real = set.Where(a => s[a] != 1).ToArray();
        int first = real.Length > 0 ? real[0] : set[0], last = real.Length > 0 ? real[^1] : set[0];
        for (int d = first; d <= last; d++)
            if (s[d] != 1 && !set.Contains(d)) throw Unsupported(b, node, $"reducing non-adjacent axes [{string.Join(",", axes)}]");
        long outer = ShapeMath.Count(s.AsSpan(0, first)), reduced = 1, inner = ShapeMath.Count(s.AsSpan(last + 1));
        foreach (var a in set) reduced *= s[a];
        var os = keep ? s.Select((d, i) => set.Contains(i) ? 1 : d).ToArray() : s.Where((_, i) => !set.Contains(i)).ToArray();
        int x = b.Input(node, 0), y = b.Define(node.Outputs[0], os);
        b.AddStep(new ReduceStep(node.Label, outer, reduced, inner, node.OpType == "ReduceMean", x, y));
    }

    private static void AddRecurrent(PlanBuilder b, GraphNode node)
    {
        bool lstm = node.OpType == "LSTM";
        var s = b.ShapeOf(node.Inputs[0]);
        if (s.Length != 3) throw node.Invalid("X must be 3-D");
        long hidden = node.Int("hidden_size", 0);
        string direction = node.Str("direction", "forward");
        if (direction is not ("forward" or "reverse" or "bidirectional")) throw node.Invalid($"direction must be forward, reverse or bidirectional. Received: '{direction}'");
        int dirs = direction == "bidirectional" ? 2 : 1;
        if (node.Has("clip") || node.Int("input_forget", 0) != 0 || node.Int("layout", 0) != 0 || node.Has("activations"))
            throw Unsupported(b, node, "clip, input_forget, layout=1 or custom activations");
        if (!lstm && node.Int("linear_before_reset", 0) == 0) throw Unsupported(b, node, "linear_before_reset=0 (PyTorch exports 1)");
        if (node.Input(4) != null) throw Unsupported(b, node, "sequence_lens");
        if (lstm && node.Input(7) != null) throw Unsupported(b, node, "peephole weights");
        var w = b.Static(node, 1); var r = b.Static(node, 2); var bias = b.StaticOrNull(node.Input(3));
        int gates = lstm ? 4 : 3;
        long inputSize = s[2];
        if (hidden <= 0 || w.Shape.Length != 3 || !w.Shape.SequenceEqual(new[] { dirs, gates * hidden, inputSize })
            || !r.Shape.SequenceEqual(new[] { dirs, gates * hidden, hidden }) || (bias != null && !bias.Shape.SequenceEqual(new[] { dirs, 2 * gates * hidden })))
            throw node.Invalid($"weights W {ShapeMath.Format(w.Shape)}, R {ShapeMath.Format(r.Shape)} do not match hidden_size {hidden}, input size {inputSize}, {dirs} direction(s)");
        // ONNX gate order → PyTorch's: LSTM i,o,f,c → i,f,g,o; GRU z,r,h → r,z,n
        int[] order = lstm ? [0, 2, 3, 1] : [1, 0, 2];
        var wf = w.AsFloats(); var rf = r.AsFloats(); var bf = bias?.AsFloats();
        // One direction at a time (desc.reverse picks it): nn_rnn_infer runs a single layer and direction.
        var desc = new nn_rnn_desc
        {
            cell = lstm ? nn_rnn_cell.NN_RNN_LSTM : nn_rnn_cell.NN_RNN_GRU, batch_first = 0, seq_len = s[0], batch = s[1],
            input_size = inputSize, hidden_size = hidden, num_layers = 1, bidirectional = 0,
            // bf16 products as every other weight product of a bf16 plan (the packed weights rounded once)
            precision = b.Constants.Bf16 ? nn_rnn_precision.NN_RNN_BF16 : nn_rnn_precision.NN_RNN_FLOAT32,
        };
        var directions = new RecurrentStep.Direction[dirs];
        var packDesc = desc;  // a copy for the lambdas: desc's address is taken below
        for (int d = 0; d < dirs; d++)
        {
            int dir = d;
            var packed = b.Constants.Derived(node, $"w{d} r{d} packed", () => PackRecurrent(packDesc,
                Regate(wf, dir, gates, hidden, inputSize, order), Regate(rf, dir, gates, hidden, hidden, order)));
            directions[d] = new RecurrentStep.Direction(
                direction == "reverse" || d == 1,
                (nint)b.Constants.Get(packed),
                bf == null ? 0 : (nint)b.Constants.Get(b.Constants.Derived(node, $"wb{d}", () => Regate(bf, 2 * dir, gates, hidden, 1, order))),
                bf == null ? 0 : (nint)b.Constants.Get(b.Constants.Derived(node, $"rb{d}", () => Regate(bf, 2 * dir + 1, gates, hidden, 1, order))));
        }
        long ws;
        Native.Check(NativeMethods.nn_rnn_infer_workspace_size(&desc, &ws));
        int x = b.Input(node, 0);
        Operand? h0 = node.Input(5) != null ? Operand(b, node, 5) : null;
        Operand? c0 = lstm && node.Input(6) != null ? Operand(b, node, 6) : null;
        string Out(int i) => i < node.Outputs.Length ? node.Outputs[i] : "";
        int y = b.Define(Out(0), [s[0], dirs, s[1], hidden]);
        int yh = Out(1).Length > 0 ? b.Define(Out(1), [dirs, s[1], hidden]) : -1;
        int yc = lstm && Out(2).Length > 0 ? b.Define(Out(2), [dirs, s[1], hidden]) : -1;
        int work = b.Scratch(node.Label, ws);
        int yScratch = dirs == 2 ? b.Scratch(node.Label + " y", s[0] * s[1] * hidden) : -1;
        b.AddStep(new RecurrentStep(node.Label, desc, directions, x, h0, c0, y, yh, yc, work, yScratch));
    }

    // ONNX RNN: W [D, H, I], R [D, H, H], B [D, 2H] (Wb then Rb), initial_h [D, B, H]; activations
    // one per direction, Tanh (the default) or Relu: what torch.onnx.export writes for nn.RNN.
    private static void AddElmanRnn(PlanBuilder b, GraphNode node)
    {
        var s = b.ShapeOf(node.Inputs[0]);
        if (s.Length != 3) throw node.Invalid("X must be 3-D");
        long hidden = node.Int("hidden_size", 0), steps = s[0], batch = s[1], inputSize = s[2];
        string direction = node.Str("direction", "forward");
        if (direction is not ("forward" or "reverse" or "bidirectional")) throw node.Invalid($"direction must be forward, reverse or bidirectional. Received: '{direction}'");
        int dirs = direction == "bidirectional" ? 2 : 1;
        if (node.Has("clip") || node.Int("layout", 0) != 0 || node.Has("activation_alpha") || node.Has("activation_beta"))
            throw Unsupported(b, node, "clip, layout=1 or activation_alpha/beta");
        if (node.Input(4) != null) throw Unsupported(b, node, "sequence_lens");
        string[] activations = node.Attr("activations") is { } list ? [.. list.Strings.Select(v => v.ToStringUtf8())] : [.. Enumerable.Repeat("Tanh", dirs)];
        if (activations.Length != dirs) throw node.Invalid($"activations must name {dirs} function(s). Received: {activations.Length}");
        var w = b.Static(node, 1); var r = b.Static(node, 2); var bias = b.StaticOrNull(node.Input(3));
        if (hidden <= 0 || !w.Shape.SequenceEqual(new[] { dirs, hidden, inputSize }) || !r.Shape.SequenceEqual(new[] { dirs, hidden, hidden })
            || (bias != null && !bias.Shape.SequenceEqual(new[] { dirs, 2 * hidden })))
            throw node.Invalid($"weights W {ShapeMath.Format(w.Shape)}, R {ShapeMath.Format(r.Shape)} do not match hidden_size {hidden}, input size {inputSize}, {dirs} direction(s)");
        var wf = w.AsFloats(); var rf = r.AsFloats(); var bf = bias?.AsFloats();
        var directions = new ElmanRnnStep.Direction[dirs];
        for (int d = 0; d < dirs; d++)
        {
            int dir = d;
            var act = activations[d] switch
            {
                "Tanh" => nn_unary_op.NN_UNARY_TANH,
                "Relu" => nn_unary_op.NN_UNARY_RELU,
                var other => throw Unsupported(b, node, $"the activation '{other}' (Tanh and Relu are)"),
            };
            var wd = b.Constants.Derived(node, $"w{d}", () => Regate(wf, dir, 1, hidden, inputSize, [0]));
            var rd = b.Constants.Derived(node, $"r{d}", () => Regate(rf, dir, 1, hidden, hidden, [0]));
            nint summed = bf == null ? 0 : (nint)b.Constants.Get(b.Constants.Derived(node, $"b{d}", () =>
                new StaticTensor([hidden], [.. Enumerable.Range(0, (int)hidden).Select(i => bf[2 * dir * hidden + i] + bf[(2 * dir + 1) * hidden + i])])));
            directions[d] = new ElmanRnnStep.Direction(b.Constants.Packed(wd, true, inputSize, hidden), b.Constants.Packed(rd, true, hidden, hidden),
                summed, act, direction == "reverse" || d == 1);
        }
        int x = b.Input(node, 0);
        Operand? h0 = node.Input(5) != null ? Operand(b, node, 5) : null;
        string Out(int i) => i < node.Outputs.Length ? node.Outputs[i] : "";
        int y = b.Define(Out(0), [steps, dirs, batch, hidden]);
        int yh = Out(1).Length > 0 ? b.Define(Out(1), [dirs, batch, hidden]) : -1;
        int projection = b.Scratch(node.Label, checked(steps * batch * hidden));
        b.AddStep(new ElmanRnnStep(node.Label, steps, batch, inputSize, hidden, directions, x, h0, y, yh, projection));
    }

    /// <summary>A direction's input weight W [gates·hidden, input] and recurrent weight R [gates·hidden, hidden] in <c>nn_rnn_pack</c>'s layout (independent of the ISA, the batch and the sequence length).</summary>
    private static StaticTensor PackRecurrent(nn_rnn_desc desc, StaticTensor w, StaticTensor r)
    {
        long floats;
        Native.Check(NativeMethods.nn_rnn_pack_size(&desc, &floats));
        var packed = new float[floats];
        fixed (float* pw = w.AsFloats())
        fixed (float* pr = r.AsFloats())
        fixed (float* dst = packed)
            Native.Check(NativeMethods.nn_rnn_pack(&desc, pw, pr, dst));
        return new StaticTensor([floats], packed);
    }

    /// <summary>Direction <paramref name="d"/>'s [gates·hidden, cols] block of an ONNX weight, with its gate blocks reordered.</summary>
    private static StaticTensor Regate(float[] src, int d, int gates, long hidden, long cols, int[] order)
    {
        long block = hidden * cols;
        var dst = new float[gates * block];
        for (int g = 0; g < gates; g++)
            Array.Copy(src, d * gates * block + order[g] * block, dst, g * block, block);
        return new StaticTensor([gates * hidden, cols], dst);
    }
}
