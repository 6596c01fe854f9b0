using NativeNet.Onnx.Engine;
using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx.Folding;

/// <summary>
/// Load-time rewrites, each one semantics-preserving: fold nodes whose inputs are all constants;
/// fold an inference BatchNormalization into the Conv or Gemm before it (scaled weights, shifted
/// bias); move a Slice before the Transpose it reads; recognise the erf form of GELU; fuse a bias Add into MatMul; fuse a single-reader
/// activation into the Conv/Gemm/MatMul epilogue; fuse ResNet's residual Add (+ ReLU) into the Conv
/// that feeds it; run a MaxPool in the call of the Conv (+ activation) it reads. Rewrites only
/// apply when the intermediate value has no other reader and is not a graph output.
/// </summary>
internal static class GraphOptimizer
{
    public static void Optimize(OnnxGraph g, long maxFoldElements)
    {
        FoldConstants(g, maxFoldElements);
        SliceBeforeTranspose(g);
        FoldBatchNorm(g);
        FuseGelu(g);
        FuseMatMulBias(g);
        FuseResidual(g);
        FuseActivations(g);
        FuseMaxPool(g);
    }

    private static void FoldConstants(OnnxGraph g, long maxElements)
    {
        g.Nodes.RemoveAll(node =>
        {
            if (!StaticOps.CanFold(node.OpType) || node.OpType == "Shape" && !g.Constants.ContainsKey(node.Inputs[0])) return false;
            var inputs = new StaticTensor?[node.Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                if (node.Inputs[i].Length == 0) continue;
                if (!g.Constants.TryGetValue(node.Inputs[i], out var t)) return false;
                inputs[i] = t;
            }
            var results = StaticOps.Eval(node, inputs, g.Opset, maxElements);
            for (int i = 0; i < results.Length && i < node.Outputs.Length; i++)
                if (node.Outputs[i].Length > 0) g.Constants[node.Outputs[i]] = results[i];
            return true;
        });
    }

    /// <summary>
    /// A constant Slice that reads a Transpose (its only reader) slices the Transpose's input
    /// instead, along the axes the permutation maps its axes to, and the Transpose then moves only
    /// the slice. The last time step of a batch-first recurrent output as our tracer writes it
    /// (Transpose [T, B, H] → [B, T, H], Slice of step T-1) is then one row block of [T, B, H], and
    /// the transpose of [1, B, H] a view. (torch.onnx.export writes a Gather there: the plan merges a
    /// Gather of one index into the Transpose it reads, see TransposeStep.Gathered.)
    /// </summary>
    private static void SliceBeforeTranspose(OnnxGraph g)
    {
        if (g.Opset < 10) return; // Slice's starts/ends/axes are inputs from opset 10
        var readers = g.ReaderCounts();
        foreach (var slice in g.Nodes.Where(n => n.OpType == "Slice").ToList())
        {
            var transpose = g.Nodes.FirstOrDefault(n => n.OpType == "Transpose" && n.Outputs[0] == slice.Inputs[0]);
            if (transpose?.Ints("perm") is not { } perm || SoleReader(g, readers, slice.Inputs[0]) != slice) continue;
            int rank = perm.Length;
            if (slice.Input(3) is not { } axesName || !g.Constants.TryGetValue(axesName, out var axes) || axes.L == null) continue;
            if (slice.Inputs.Skip(1).Where(i => i.Length > 0).Any(i => !g.Constants.ContainsKey(i))) continue;
            if (axes.L.Any(a => a < -rank || a >= rank)) continue;
            string mappedAxes = axesName + " (before " + transpose.Name + ")", sliced = slice.Outputs[0] + " (before " + transpose.Name + ")";
            if (g.Constants.ContainsKey(mappedAxes) || readers.ContainsKey(sliced)) continue;
            g.Constants[mappedAxes] = new StaticTensor(axes.Shape, axes.L.Select(a => perm[a < 0 ? a + rank : a]).ToArray());
            var inputs = (string[])slice.Inputs.Clone();
            inputs[0] = transpose.Inputs[0];
            inputs[3] = mappedAxes;
            int at = g.Nodes.IndexOf(slice);
            g.Nodes[at] = new GraphNode(slice.Name, "Slice", inputs, [sliced], new());
            g.Nodes.Insert(at + 1, new GraphNode(transpose.Name, "Transpose", [sliced], [slice.Outputs[0]], new() { ["perm"] = IntsAttribute("perm", perm) }));
            g.Nodes.Remove(transpose);
        }
    }

    private static NativeNet.Serialization.Onnx.Proto.AttributeProto IntsAttribute(string name, long[] values)
    {
        var a = new NativeNet.Serialization.Onnx.Proto.AttributeProto { Name = name, Type = NativeNet.Serialization.Onnx.Proto.AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>The single node reading <paramref name="value"/>, if exactly one does and it is not a graph output.</summary>
    private static GraphNode? SoleReader(OnnxGraph g, Dictionary<string, int> readers, string value)
    {
        if (readers.GetValueOrDefault(value) != 1 || g.Outputs.Contains(value)) return null;
        return g.Nodes.FirstOrDefault(n => n.Inputs.Contains(value));
    }

    /// <summary>Replaces <paramref name="consumer"/> by making <paramref name="producer"/> write its output.</summary>
    private static void Absorb(OnnxGraph g, GraphNode producer, GraphNode consumer)
    {
        producer.Outputs[0] = consumer.Outputs[0];
        g.Nodes.Remove(consumer);
    }

    private static void FoldBatchNorm(OnnxGraph g)
    {
        var readers = g.ReaderCounts();
        foreach (var bn in g.Nodes.Where(n => n.OpType == "BatchNormalization").ToList())
        {
            if (bn.Outputs.Skip(1).Any(o => o.Length > 0)) continue;
            var p = Enumerable.Range(1, 4).Select(i => g.Constants.GetValueOrDefault(bn.Input(i) ?? "")).ToArray();
            if (p.Any(t => t == null)) continue;
            var prod = g.Nodes.FirstOrDefault(n => n.Outputs.Length > 0 && n.Outputs[0] == bn.Inputs[0]);
            if (prod == null || SoleReader(g, readers, bn.Inputs[0]) != bn) continue;
            var w = g.Constants.GetValueOrDefault(prod.Input(1) ?? "");
            if (w?.F == null) continue;
            var bias = prod.Input(2) is { } bname ? g.Constants.GetValueOrDefault(bname) : null;
            if (prod.Input(2) != null && bias == null) continue;
            long channels = p[0]!.Count;
            float eps = bn.Float("epsilon", 1e-5f);
            var scale = new float[channels]; var shift = new float[channels];
            float[] gamma = p[0]!.AsFloats(), beta = p[1]!.AsFloats(), mean = p[2]!.AsFloats(), variance = p[3]!.AsFloats();
            if (beta.Length != channels || mean.Length != channels || variance.Length != channels) continue;
            for (long c = 0; c < channels; c++)
            {
                scale[c] = gamma[c] / MathF.Sqrt(variance[c] + eps);
                shift[c] = beta[c] - mean[c] * scale[c];
            }
            float[] nw, nb;
            if (prod.OpType == "Conv" && w.Shape.Length >= 3 && w.Shape[0] == channels && prod.Residual == null)
            {
                long per = w.Count / channels;
                nw = w.F.Select((v, i) => v * scale[i / per]).ToArray();
            }
            else if (prod.OpType == "Gemm" && w.Shape.Length == 2 && prod.Int("transA", 0) == 0 && prod.Float("alpha", 1) == 1 && prod.Float("beta", 1) == 1)
            {
                bool tb = prod.Int("transB", 0) != 0;
                long n = tb ? w.Shape[0] : w.Shape[1];
                if (n != channels || (bias != null && bias.Count != n)) continue;
                nw = w.F.Select((v, i) => v * scale[tb ? i / w.Shape[1] : i % n]).ToArray();
            }
            else continue;
            var ob = bias?.AsFloats();
            nb = Enumerable.Range(0, (int)channels).Select(c => (ob?[c] ?? 0) * scale[c] + shift[c]).ToArray();
            string wName = $"{prod.Name}.weight (BatchNorm folded)", bName = $"{prod.Name}.bias (BatchNorm folded)";
            g.Constants[wName] = new StaticTensor(w.Shape, nw);
            g.Constants[bName] = new StaticTensor([channels], nb);
            prod.Inputs = [prod.Inputs[0], wName, bName];
            Absorb(g, prod, bn);
            readers = g.ReaderCounts();
        }
    }

    private static bool IsScalar(OnnxGraph g, string? name, float value, float tolerance = 1e-6f) =>
        name != null && g.Constants.TryGetValue(name, out var t) && t.Count == 1 && Math.Abs(t[0] - value) <= tolerance * Math.Max(1, Math.Abs(value));

    /// <summary>x · 0.5 · (1 + erf(x / √2)) as emitted by torch.onnx.export for nn.GELU → one Gelu node.</summary>
    private static void FuseGelu(OnnxGraph g)
    {
        var readers = g.ReaderCounts();
        foreach (var div in g.Nodes.Where(n => n.OpType == "Div").ToList())
        {
            if (!IsScalar(g, div.Input(1), MathF.Sqrt(2), 1e-5f)) continue;
            string x = div.Inputs[0];
            var erf = SoleReader(g, readers, div.Outputs[0]);
            if (erf?.OpType != "Erf") continue;
            var add = SoleReader(g, readers, erf.Outputs[0]);
            if (add?.OpType != "Add" || !IsScalar(g, add.Inputs.FirstOrDefault(i => i != erf.Outputs[0]), 1f)) continue;
            var mul1 = SoleReader(g, readers, add.Outputs[0]);
            if (mul1?.OpType != "Mul" || !mul1.Inputs.Contains(x)) continue;
            var mul2 = SoleReader(g, readers, mul1.Outputs[0]);
            if (mul2?.OpType != "Mul" || !IsScalar(g, mul2.Inputs.FirstOrDefault(i => i != mul1.Outputs[0]), 0.5f)) continue;
            div.OpType = "Gelu";
            div.Inputs = [x];
            div.Outputs[0] = mul2.Outputs[0];
            g.Nodes.Remove(erf); g.Nodes.Remove(add); g.Nodes.Remove(mul1); g.Nodes.Remove(mul2);
            readers = g.ReaderCounts();
        }
    }

    /// <summary>MatMul(x, W) + b with a constant per-column b (nn.Linear on a 3-D input) → one GEMM with a bias epilogue.</summary>
    private static void FuseMatMulBias(OnnxGraph g)
    {
        var readers = g.ReaderCounts();
        foreach (var mm in g.Nodes.Where(n => n.OpType == "MatMul").ToList())
        {
            if (!g.Constants.TryGetValue(mm.Input(1) ?? "", out var w) || w.Shape.Length != 2) continue;
            var add = SoleReader(g, readers, mm.Outputs[0]);
            if (add?.OpType != "Add" || add.Inputs.Length != 2) continue;
            string other = add.Inputs[0] == mm.Outputs[0] ? add.Inputs[1] : add.Inputs[0];
            if (!g.Constants.TryGetValue(other, out var bias) || bias.Count != w.Shape[1] || bias.Shape.Length != 1) continue;
            mm.Bias = other;
            Absorb(g, mm, add);
            readers = g.ReaderCounts();
        }
    }

    /// <summary>Conv → Add(·, skip) [→ Relu]: the skip is added in the conv's output pass.</summary>
    private static void FuseResidual(OnnxGraph g)
    {
        var readers = g.ReaderCounts();
        foreach (var conv in g.Nodes.Where(n => n.OpType == "Conv").ToList())
        {
            var add = SoleReader(g, readers, conv.Outputs[0]);
            if (add?.OpType != "Add" || add.Inputs.Length != 2 || add.Inputs[0] == add.Inputs[1]) continue;
            string skip = add.Inputs[0] == conv.Outputs[0] ? add.Inputs[1] : add.Inputs[0];
            // the skip must be computed before the conv runs
            int convIndex = g.Nodes.IndexOf(conv);
            var skipProducer = g.Nodes.FindIndex(n => n.Outputs.Contains(skip));
            if (skipProducer > convIndex) continue;
            conv.Residual = skip;
            Absorb(g, conv, add);
            readers = g.ReaderCounts();
        }
    }

    private static void FuseActivations(OnnxGraph g)
    {
        var readers = g.ReaderCounts();
        foreach (var node in g.Nodes.Where(n => n.OpType is "Conv" or "Gemm" or "MatMul" or "ConvTranspose").ToList())
        {
            if (node.Activation.Kind != ActivationKind.None) continue;
            var next = SoleReader(g, readers, node.Outputs[0]);
            if (next == null || next.Inputs.Length != 1 && next.OpType != "Clip") continue;
            Activation? act = next.OpType == "Clip" ? ClipActivation(g, next) : Activation.ForOp(next.OpType, next.FloatAttr);
            if (act == null || act.Value.Kind is not (ActivationKind.Relu or ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.Gelu
                or ActivationKind.LeakyRelu or ActivationKind.Clip or ActivationKind.HardSwish or ActivationKind.HardSigmoid)) continue;
            // a residual is added before the activation; only ReLU is fused after it (ResNet)
            if (node.Residual != null && act.Value.Kind != ActivationKind.Relu) continue;
            node.Activation = act.Value;
            Absorb(g, node, next);
            readers = g.ReaderCounts();
        }
    }

    /// <summary>
    /// Conv [→ activation] → MaxPool (2-D, floor mode, no indices): one native call convolves a few
    /// images at a time and pools them while they are in cache (LeNet's and diabetes_cnn's stages).
    /// Not after a residual, nor an activation that runs as a managed pass of its own.
    /// </summary>
    private static void FuseMaxPool(OnnxGraph g)
    {
        var readers = g.ReaderCounts();
        foreach (var conv in g.Nodes.Where(n => n.OpType == "Conv" && n.Residual == null).ToList())
        {
            var pool = SoleReader(g, readers, conv.Outputs[0]);
            if (pool?.OpType != "MaxPool" || pool.Int("ceil_mode", 0) != 0 || pool.Outputs.Skip(1).Any(o => o.Length > 0)) continue;
            if (pool.Ints("kernel_shape")?.Length != 2 || !g.Constants.TryGetValue(conv.Input(1) ?? "", out var w) || w.Shape.Length != 4) continue;
            if (conv.Activation.NativeUnary == null) continue;
            conv.MaxPool = pool;
            Absorb(g, conv, pool);
            readers = g.ReaderCounts();
        }
    }

    private static Activation? ClipActivation(OnnxGraph g, GraphNode clip)
    {
        if (g.Opset < 11) return new Activation(ActivationKind.Clip, clip.Float("min", float.NegativeInfinity), clip.Float("max", float.PositiveInfinity));
        float lo = float.NegativeInfinity, hi = float.PositiveInfinity;
        if (clip.Input(1) is { } a) { if (!g.Constants.TryGetValue(a, out var t) || t.Count != 1) return null; lo = (float)t[0]; }
        if (clip.Input(2) is { } c) { if (!g.Constants.TryGetValue(c, out var t) || t.Count != 1) return null; hi = (float)t[0]; }
        return new Activation(ActivationKind.Clip, lo, hi);
    }
}
