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
        "Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "AddScalar", "SubScalar", "MulScalar", "DivScalar", "MatMul", "Clamp",
        "Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Abs", "Neg", "Square", "Gelu", "LeakyRelu", "Elu", "Relu6", "Hardsigmoid", "Hardswish",
        "Softplus", "Mish", "Silu", "Reshape", "View", "Flatten", "Squeeze", "Unsqueeze", "Permute", "Clone", "SumDim", "Concat",
    ];

    /// <summary>Emits the traced graph of <paramref name="module"/> reading value <paramref name="x"/> of <paramref name="shape"/>; returns the output value and shape.</summary>
    public static (string Output, int[] Shape) Emit(OnnxGraphBuilder b, Module module, string prefix, string x, int[] shape)
    {
        if (!Autograd.IsEnabled)
            throw new InvalidOperationException($"ONNX export of {module.GetType().Name} traces Forward through autograd: call it outside Autograd.NoGrad().");
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
            var context = new Context(b, values, stateNames, module.GetType().Name, prefix);
            foreach (var node in TopologicalOrder(output.GradFn)) context.EmitNode(node);
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

    private sealed class Context(OnnxGraphBuilder b, Dictionary<Tensor, string> values, Dictionary<Tensor, string> stateNames, string typeName, string prefix)
    {
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
                _ => throw Unsupported(node),
            };
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

        // A view to the traced output shape; 0 keeps the batch dimension symbolic when the view keeps it.
        private string Reshape(Tensor input, Tensor output, string hint)
        {
            var target = Array.ConvertAll(output.Shape, d => (long)d);
            if (target.Length > 0 && input.Rank > 0 && output.Shape[0] == input.Shape[0]) target[0] = 0;
            return b.Node("Reshape", [Value(input), b.Int64Initializer(hint + "_shape", target)], hint);
        }
    }
}
