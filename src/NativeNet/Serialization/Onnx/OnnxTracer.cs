using System.Text.Json.Nodes;
using NativeNet.Nn;
using NativeNet.Serialization.Onnx.Proto;
using static NativeNet.Serialization.Onnx.OnnxGraphBuilder;

namespace NativeNet.Serialization.Onnx;

/// <summary>
/// Exports a user's <see cref="Module"/> subclass as PyTorch's <c>torch.onnx.export</c> does: runs
/// its <see cref="Module.Forward"/> once on an example input that requires gradients, with
/// <see cref="Autograd.Trace"/> on so every op attaches its hyper-parameters to its autograd
/// node, then walks the recorded graph from the output back to the input and emits one ONNX
/// node (or a few) per op. Parameters and buffers become initializers under their state-dict
/// names; other tensors the forward pass read (constants) become initializers too. Control flow
/// in Forward is frozen at the traced input, as in PyTorch. An op without an ONNX mapping raises
/// NotSupportedException naming it.
/// </summary>
internal static class OnnxTracer
{
    private static readonly string[] Supported =
    [
        "Linear", "LinearRelu", "LinearSigmoid", "LinearTanh", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm", "Softmax", "LogSoftmax",
        "Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "AddScalar", "SubScalar", "MulScalar", "DivScalar", "MatMul", "BatchMatMul", "Clamp",
        "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Abs", "Neg", "Square", "Gelu", "LeakyRelu", "Elu", "Relu6", "Hardsigmoid", "Hardswish",
        "Softplus", "Mish", "Silu", "Reshape", "View", "Flatten", "Squeeze", "Unsqueeze", "Permute", "Clone", "SumDim", "Concat", "Narrow", "LayerNorm", "LSTM", "GRU",
    ];

    /// <summary>Emits the traced graph of <paramref name="module"/> reading value <paramref name="x"/> of <paramref name="shape"/>; returns the output value and shape.</summary>
    public static (string Output, int[] Shape) Emit(OnnxGraphBuilder b, Module module, string prefix, string x, int[] shape)
    {
        if (!Autograd.IsEnabled)
            throw new InvalidOperationException($"ONNX export of {module.GetType().Name} traces Forward through autograd: call it outside Autograd.NoGrad().");
        // A batch of 1 hides where the batch dimension goes (a view can put a 1 anywhere), so a
        // batch-1 export is traced at batch 2 when the output then keeps the batch first.
        if (shape[0] == 1 && TryEmit(b, module, prefix, x, [2, .. shape[1..]], batchFirstOutput: true) is { } two)
            return (two.Output, [1, .. two.Shape[1..]]);
        return TryEmit(b, module, prefix, x, shape, batchFirstOutput: false)!.Value;
    }

    // Traces Forward at the given shape and emits its graph; null, with nothing emitted, when
    // batchFirstOutput is asked and the output does not hold the batch as its own first dimension.
    private static (string Output, int[] Shape)? TryEmit(OnnxGraphBuilder b, Module module, string prefix, string x, int[] shape, bool batchFirstOutput)
    {
        var stateNames = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, t) in module.StateDict()) stateNames.TryAdd(t, prefix + name);
        var values = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);

        // A normal sample rather than zeros, so no op sees a degenerate input.
        var example = new float[shape.Aggregate(1, (a, d) => a * d)];
        new Generator(0x0ACE).FillNormal(example, 0, 1);
        using var input = Tensor.FromArray(example, shape);
        input.RequiresGrad = true;
        values[input] = x;
        Tensor output;
        using (Autograd.Trace())
            output = module.Forward(input);
        if (ReferenceEquals(output, input)) return (b.Node("Identity", [x], prefix + "identity"), shape);
        try
        {
            if (output.GradFn is null)
                throw new NotSupportedException($"ONNX export of {module.GetType().Name}: the output of Forward was not computed from its input by recorded ops (was it detached, or computed under Autograd.NoGrad()?).");
            var context = new Context(b, values, input, stateNames, module.GetType().Name, prefix);
            var order = TopologicalOrder(output.GradFn);
            foreach (var node in order) context.Track(node);
            if (batchFirstOutput && context.BatchAxisOf(output) != new BatchAxis(0, 1, 1)) return null;
            foreach (var node in order) context.EmitNode(node);
            return (context.Value(output), output.Shape);
        }
        finally
        {
            output.Dispose();
        }
    }

    // Nodes from the input side to the output, each after every node it reads (iterative post-order).
    private static List<Node> TopologicalOrder(Node last)
    {
        var order = new List<Node>();
        var done = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Node Node, bool Expanded)>();
        stack.Push((last, false));
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (done.Contains(node)) continue;
            if (expanded)
            {
                done.Add(node);
                order.Add(node);
                continue;
            }
            stack.Push((node, true));
            foreach (var input in node.Inputs)
                if (input.GradFn is { } producer && !done.Contains(producer)) stack.Push((producer, false));
        }
        return order;
    }

    // Where a traced value carries the input's dimension 0 (the symbolic batch B): dimension Axis,
    // of size Outer · B · Inner (views fold fixed dimensions into it, as attention folds its heads:
    // [B, h, T, d] -> [B·h, T, d] -> [B, h, T, d]).
    private readonly record struct BatchAxis(int Axis, long Outer, long Inner);

    // The batch axes let a view keep the batch symbolic (-1 where it lands) wherever the ops moved
    // it; they are tracked only when the traced batch is above 1 (see Emit).
    private sealed class Context(OnnxGraphBuilder b, Dictionary<Tensor, string> values, Tensor input,
        Dictionary<Tensor, string> stateNames, string typeName, string prefix)
    {
        private readonly long _batch = input.Shape[0];
        private readonly Dictionary<Tensor, BatchAxis> _batchAxes = new(ReferenceEqualityComparer.Instance) { [input] = new BatchAxis(0, 1, 1) };

        public BatchAxis? BatchAxisOf(Tensor t) => _batchAxes.TryGetValue(t, out var a) ? a : null;

        /// <summary>Records where the node's output holds the batch; call in topological order before emitting.</summary>
        public void Track(Node node)
        {
            if (_batch <= 1) return;
            if (node.Name is "LSTM" or "GRU")
            {
                // y keeps the input's layout; h_n and c_n are [B, H]: they hold the batch when the input's batch dimension is B.
                if (BatchAxisOf(node.Inputs[0]) is not { } x) return;
                _batchAxes[node.Outputs[0]] = x;
                if (x.Axis == (Spec(node).GetBool("batch_first", false) ? 0 : 1))
                    for (int i = 1; i < node.Outputs.Count; i++) _batchAxes[node.Outputs[i]] = x with { Axis = 0 };
                return;
            }
            if (node.Outputs.Count == 1 && BatchAxisOf(node, node.Outputs[0]) is { } a) _batchAxes[node.Outputs[0]] = a;
        }

        private int _constants;

        /// <summary>The ONNX value of a tensor: an op's output already emitted, a parameter or buffer, or a constant.</summary>
        public string Value(Tensor t)
        {
            if (values.TryGetValue(t, out var name)) return name;
            if (t.GradFn is not null)
                throw new InvalidOperationException($"ONNX export of {typeName}: internal error, op '{t.GradFn.Name}' was not emitted before its output was read.");
            string hint = stateNames.TryGetValue(t, out var stateName) ? stateName : $"{prefix}constant_{_constants++}";
            name = b.Initializer(hint, t.AsSpan(), Array.ConvertAll(t.Shape, d => (long)d));
            values[t] = name;
            return name;
        }

        private ModuleSpec Spec(Node node) => node.Attributes?.Spec
            ?? throw new InvalidOperationException($"ONNX export of {typeName}: op '{node.Name}' recorded no attributes while tracing.");

        public void EmitNode(Node node)
        {
            if (node.Name is "LSTM" or "GRU")
            {
                Recurrent(node);
                return;
            }
            if (node.Outputs.Count != 1)
                throw Unsupported(node);
            var output = node.Outputs[0];
            var ins = node.Inputs;
            string hint = $"{prefix}{node.Name.ToLowerInvariant()}";
            string X(int i) => Value(ins[i]);
            values[output] = node.Name switch
            {
                "Linear" => Linear(ins, hint),
                "LinearRelu" or "LinearSigmoid" or "LinearTanh" => b.Node(node.Name["Linear".Length..], [Linear(ins, hint + "_linear")], hint),
                "Conv2d" => Conv(Spec(node), ins, hint),
                "MaxPool2d" => b.Node("MaxPool", [X(0)], hint, PoolAttributes(Spec(node))),
                "AvgPool2d" => b.Node("AveragePool", [X(0)], hint,
                    [.. PoolAttributes(Spec(node)), Int("count_include_pad", Spec(node).GetBool("count_include_pad", true) ? 1 : 0)]),
                "AdaptiveAvgPool2d" => OnnxExporter.AdaptiveAvgPool(b, Spec(node), X(0), ins[0].Shape, hint),
                "BatchNorm" => BatchNorm(node, hint),
                "Softmax" or "LogSoftmax" => b.Node(node.Name, [X(0)], hint, Int("axis", Spec(node).GetInt("dim"))),
                "Add" or "Sub" or "Mul" or "Div" or "MatMul" => b.Node(node.Name, [X(0), X(1)], hint),
                "BatchMatMul" => b.Node("MatMul", [X(0), X(1)], hint),
                "Maximum" => b.Node("Max", [X(0), X(1)], hint),
                "Minimum" => b.Node("Min", [X(0), X(1)], hint),
                "AddScalar" or "SubScalar" or "MulScalar" or "DivScalar" =>
                    b.Node(node.Name[..^"Scalar".Length], [X(0), b.Scalar(hint + "_value", Spec(node).GetFloat("value", 0f))], hint),
                "Clamp" => b.Node("Clip", [X(0), b.Scalar(hint + "_min", Spec(node).GetFloat("min", 0f)), b.Scalar(hint + "_max", Spec(node).GetFloat("max", 0f))], hint),
                "Relu" or "Sigmoid" or "Tanh" or "Exp" or "Log" or "Sqrt" or "Abs" or "Neg" => b.Node(node.Name, [X(0)], hint),
                "Square" => b.Node("Mul", [X(0), X(0)], hint),
                "Relu6" or "Hardsigmoid" or "Hardswish" or "Silu" or "Softplus" or "Mish" => OnnxExporter.Activation(b, node.Name, X(0), hint),
                "Gelu" => OnnxExporter.Gelu(b, X(0), hint),
                "LeakyRelu" => b.Node("LeakyRelu", [X(0)], hint, Float("alpha", Spec(node).GetFloat("alpha", 0.01f))),
                "Elu" => b.Node("Elu", [X(0)], hint, Float("alpha", Spec(node).GetFloat("alpha", 1f))),
                "Reshape" or "View" or "Flatten" or "Squeeze" or "Unsqueeze" => Reshape(ins[0], output, hint),
                "Permute" => b.Node("Transpose", [X(0)], hint, Ints("perm", [.. ((JsonArray)Spec(node).Config["dims"]!).Select(v => (long)v!.GetValue<int>())])),
                "Clone" => b.Node("Identity", [X(0)], hint),
                "Concat" => b.Node("Concat", [.. ins.Select(Value)], hint, Int("axis", Spec(node).GetInt("dim"))),
                "SumDim" => b.Node("ReduceSum", [X(0), b.Int64Initializer(hint + "_axes", Spec(node).GetInt("dim"))], hint,
                    Int("keepdims", Spec(node).GetBool("keepdim", false) ? 1 : 0)),
                "Narrow" => Slice(Spec(node), X(0), hint),
                "LayerNorm" => LayerNorm(node, ins[0], hint),
                _ => throw Unsupported(node),
            };
        }

        // The output's batch axis from its inputs': element-wise ops align shapes at the end (numpy
        // broadcasting), a permutation moves it, a reduction over it or a view that splits it loses it
        // (null: that value's shape is then fixed at the traced one).
        private BatchAxis? BatchAxisOf(Node node, Tensor output)
        {
            var (source, axis) = (default(Tensor), default(BatchAxis));
            foreach (var t in node.Inputs)
                if (_batchAxes.TryGetValue(t, out var a)) { (source, axis) = (t, a); break; }
            if (source is null) return null;
            switch (node.Name)
            {
                case "Permute":
                    var dims = ((JsonArray)Spec(node).Config["dims"]!).Select(v => v!.GetValue<int>()).ToList();
                    return axis with { Axis = dims.IndexOf(axis.Axis) };
                case "Reshape" or "View" or "Flatten" or "Squeeze" or "Unsqueeze":
                    return ViewAxis(source.Shape, axis, output.Shape);
                case "SumDim" or "Narrow":
                    int d = Spec(node).GetInt("dim");
                    if (d == axis.Axis) return null;
                    return node.Name == "SumDim" && d < axis.Axis && !Spec(node).GetBool("keepdim", false) ? axis with { Axis = axis.Axis - 1 } : axis;
                default:
                    int at = axis.Axis + output.Rank - source.Rank;
                    return at >= 0 && at < output.Rank && output.Shape[at] == source.Shape[axis.Axis] ? axis with { Axis = at } : null;
            }
        }

        // The view's dimension that holds the whole batch (with fixed neighbours merged in), or null
        // when the view splits it. In flat element order the batch spans [before, through) of
        // the leading dimensions' product; dimension j holds it when its span covers that one.
        private BatchAxis? ViewAxis(int[] from, BatchAxis axis, int[] to)
        {
            long before = axis.Outer;
            for (int i = 0; i < axis.Axis; i++) before *= from[i];
            long through = before * _batch, p = 1;
            for (int j = 0; j < to.Length; j++)
            {
                long next = p * to[j];
                if (p <= before && next >= through && before % p == 0 && next % through == 0) return new BatchAxis(j, before / p, next / through);
                p = next;
            }
            return null;
        }

        private NotSupportedException Unsupported(Node node) => new(
            $"ONNX export of {typeName}: its Forward runs the op '{node.Name}', which has no ONNX mapping in the exporter. Supported ops: {string.Join(", ", Supported)}.");

        // Linear: Gemm on [N, in]; MatMul with the transposed weight plus the bias on [..., in].
        private string Linear(Tensor[] ins, string hint)
        {
            string x = Value(ins[0]), w = Value(ins[1]), bias = ins.Length > 2 ? Value(ins[2]) : "";
            if (ins[0].Rank == 2) return b.Node("Gemm", [x, w, bias], hint, Int("transB", 1));
            string wt = b.Node("Transpose", [w], hint + "_weight_t", Ints("perm", 1, 0));
            string y = b.Node("MatMul", [x, wt], hint + (bias.Length > 0 ? "_matmul" : ""));
            return bias.Length > 0 ? b.Node("Add", [y, bias], hint) : y;
        }

        private string Conv(ModuleSpec spec, Tensor[] ins, string hint)
        {
            long[] kernel = OnnxExporter.Pair(spec, "kernel_size"), padding = OnnxExporter.Pair(spec, "padding");
            return b.Node("Conv", [Value(ins[0]), Value(ins[1]), ins.Length > 2 ? Value(ins[2]) : ""], hint,
                Ints("kernel_shape", kernel), Ints("strides", OnnxExporter.Pair(spec, "stride")), Ints("pads", [.. padding, .. padding]),
                Ints("dilations", OnnxExporter.Pair(spec, "dilation")), Int("group", spec.GetInt("groups", 1)));
        }

        private static AttributeProto[] PoolAttributes(ModuleSpec spec)
        {
            long[] padding = OnnxExporter.Pair(spec, "padding");
            return [Ints("kernel_shape", OnnxExporter.Pair(spec, "kernel_size")), Ints("strides", OnnxExporter.Pair(spec, "stride")), Ints("pads", [.. padding, .. padding])];
        }

        private string BatchNorm(Node node, string hint)
        {
            var spec = Spec(node);
            var state = node.Attributes!.State!;
            if (spec.GetBool("training", false) || state["running_mean"] is null || state["running_var"] is null)
                throw new NotSupportedException($"ONNX export of {typeName}: a batch norm ran with batch statistics; export needs running statistics in evaluation mode (track_running_stats=true).");
            int c = spec.GetInt("num_features");
            string scale = state["weight"] is { } w ? Value(w) : b.Initializer(hint + "_weight", Enumerable.Repeat(1f, c).ToArray(), c);
            string bias = state["bias"] is { } bb ? Value(bb) : b.Initializer(hint + "_bias", new float[c], c);
            return b.Node("BatchNormalization", [Value(node.Inputs[0]), scale, bias, Value(state["running_mean"]!), Value(state["running_var"]!)], hint,
                Float("epsilon", spec.GetFloat("eps", 1e-5f)));
        }

        // A view to the traced output shape with the batch dimension symbolic where it lands: 0
        // (copy the input's) when it stays first, else -1 (every other dimension is fixed).
        private string Reshape(Tensor input, Tensor output, string hint)
        {
            var target = Array.ConvertAll(output.Shape, d => (long)d);
            if (BatchAxisOf(output) is { } to && BatchAxisOf(input) is { } from)
            {
                if (to.Axis == 0 && from.Axis == 0 && output.Shape[0] == input.Shape[0]) target[0] = 0;
                else if (output.Shape.All(d => d > 0)) target[to.Axis] = -1;
            }
            else if (_batch == 1 && target.Length > 0 && input.Rank > 0 && output.Shape[0] == input.Shape[0]) target[0] = 0; // untracked: keep dimension 0 as it was
            return b.Node("Reshape", [Value(input), b.Int64Initializer(hint + "_shape", target)], hint);
        }

        // Narrow(dim, start, length) as Slice with constant starts/ends/axes.
        private string Slice(ModuleSpec spec, string x, string hint)
        {
            int start = spec.GetInt("start");
            return b.Node("Slice", [x, b.Int64Initializer(hint + "_starts", start), b.Int64Initializer(hint + "_ends", start + spec.GetInt("length")),
                b.Int64Initializer(hint + "_axes", spec.GetInt("dim"))], hint);
        }

        // One layer and direction of an LSTM/GRU (Functional.RnnLayer) as an ONNX LSTM/GRU of one
        // direction: W, R and B from the weights in ONNX's gate order, the initial states given
        // [1, B, H], and the outputs back in the op's layouts (y [T, B, H] or [B, T, H], h_n and c_n [B, H]).
        private void Recurrent(Node node)
        {
            var spec = Spec(node);
            var state = node.Attributes!.State!;
            bool lstm = node.Name == "LSTM", batchFirst = spec.GetBool("batch_first", false);
            int hidden = spec.GetInt("hidden_size");
            string hint = $"{prefix}{node.Name.ToLowerInvariant()}";
            int[] order = OnnxExporter.OnnxGateOrder(lstm);
            float[] Weights(string key)
            {
                var t = state[key]!;
                if (t.GradFn is not null)
                    throw new NotSupportedException($"ONNX export of {typeName}: the {node.Name} op's {key} is computed in Forward; export needs it to be a parameter or constant.");
                return OnnxExporter.Reorder(t.AsSpan(), order, hidden);
            }
            var wih = state["weight_ih"]!;
            int gates = order.Length, inputSize = wih.Shape[1];
            string w = b.Initializer(hint + "_W", Weights("weight_ih"), 1, gates * hidden, inputSize);
            string r = b.Initializer(hint + "_R", Weights("weight_hh"), 1, gates * hidden, hidden);
            string bias = "";
            if (state["bias_ih"] is not null || state["bias_hh"] is not null)
            {
                float[] Bias(string key) => state[key] is null ? new float[gates * hidden] : Weights(key);
                bias = b.Initializer(hint + "_B", [.. Bias("bias_ih"), .. Bias("bias_hh")], 1, 2 * gates * hidden);
            }
            string State(string key) => state[key] is { } t
                ? b.Node("Unsqueeze", [Value(t), b.Int64Initializer(hint + "_" + key + "_axes", 0)], hint + "_" + key) : "";
            string x = Value(node.Inputs[0]);
            if (batchFirst) x = b.Node("Transpose", [x], hint + "_time_major", Ints("perm", 1, 0, 2));
            var attrs = new List<AttributeProto> { Int("hidden_size", hidden), String("direction", spec.GetBool("reverse", false) ? "reverse" : "forward") };
            if (!lstm) attrs.Add(Int("linear_before_reset", 1));
            string[] inputs = lstm ? [x, w, r, bias, "", State("h0"), State("c0")] : [x, w, r, bias, "", State("h0")];
            var names = b.Node(node.Name, inputs, lstm ? [hint + "_y", hint + "_y_h", hint + "_y_c"] : [hint + "_y", hint + "_y_h"], [.. attrs]);
            // Y [T, 1, B, H] -> [T, B, H] (-> [B, T, H]); Y_h, Y_c [1, B, H] -> [B, H].
            string y = b.Node("Squeeze", [names[0], b.Int64Initializer(hint + "_y_axes", 1)], hint + "_y_tbh");
            values[node.Outputs[0]] = batchFirst ? b.Node("Transpose", [y], hint + "_output", Ints("perm", 1, 0, 2)) : y;
            for (int i = 1; i < node.Outputs.Count; i++)
                values[node.Outputs[i]] = b.Node("Squeeze", [names[i], b.Int64Initializer(hint + "_state_axes", 0)], hint + (i == 1 ? "_h_n" : "_c_n"));
        }

        // LayerNorm over the trailing dimensions whose product is the normalized size.
        private string LayerNorm(Node node, Tensor input, string hint)
        {
            var spec = Spec(node);
            var state = node.Attributes!.State!;
            int size = spec.GetInt("normalized_size"), axes = 0;
            for (long p = 1; p < size && axes < input.Rank;) p *= input.Shape[input.Rank - 1 - axes++];
            if (axes == 0) axes = 1;
            return OnnxExporter.LayerNorm(b, Value(input), axes, spec.GetFloat("eps", 1e-5f), hint + "_eps",
                state["weight"] is { } w ? Value(w) : "", state["bias"] is { } bb ? Value(bb) : "", hint);
        }
    }
}
