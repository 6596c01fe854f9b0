using System.Text.Json.Nodes;
using Google.Protobuf;
using NativeNet.Nn;
using NativeNet.Serialization.Onnx.Proto;
using static NativeNet.Serialization.Onnx.OnnxGraphBuilder;

namespace NativeNet.Serialization.Onnx;

/// <summary>
/// Exports a module for inference as an ONNX model (opset <see cref="OpsetVersion"/>, float32):
/// Linear, Conv1d/Conv2d, MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d, BatchNorm1d/2d, LayerNorm,
/// ConvTranspose2d, Upsample, ReLU, LeakyReLU, ELU, GELU, Sigmoid, Tanh, ReLU6, Hardsigmoid, Hardswish, SiLU,
/// Softplus, Mish, Softmax, LogSoftmax, Flatten, ReduceMean, Dropout, StochasticDepth, Identity,
/// Embedding, LSTM, GRU and RNN (stacked, bidirectional, batch_first), nested in Sequential; and any
/// user-defined Module subclass, whose Forward is traced on an example input of the given shape
/// (see <see cref="OnnxTracer"/>: the ops it runs, as <c>torch.onnx.export</c> records them), which
/// covers MultiheadAttention (self-attention) and TransformerEncoderLayer. The graph
/// has one input "input" and one output "output"; dimension 0 is symbolic ("batch") by default.
/// Evaluation-mode semantics: dropout is the identity, batch norm uses the running statistics.
/// </summary>
/// <remarks>
/// Each layer is described by its <see cref="Module.ToSpec"/> hyper-parameters and its state dict,
/// and the exporter runs the module once on zeros to learn every intermediate shape (so Flatten and
/// recurrent layers reshape correctly). A module it does not know raises NotSupportedException.
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the exporter targets.</summary>
    public const int OpsetVersion = 13;

    /// <summary>The ONNX IR version matching <see cref="OpsetVersion"/> (IR 7).</summary>
    public const int IrVersion = 7;

    /// <summary>Writes the ONNX model of <paramref name="module"/> for inputs of <paramref name="inputShape"/> to <paramref name="path"/> (atomically).</summary>
    /// <param name="module">The model (left in the training mode it was in).</param>
    /// <param name="inputShape">A full input shape including the batch dimension, e.g. [1, 3, 224, 224].</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="dynamicBatch">Whether dimension 0 of input and output is symbolic ("batch").</param>
    /// <param name="standardize">Optional standardization (per feature, or per channel along another axis) folded into the graph before the module, so the ONNX model takes raw input.</param>
    /// <exception cref="NotSupportedException">A module type, or an op a traced Forward runs, has no ONNX mapping; the message names it.</exception>
    /// <exception cref="ArgumentException">The input shape is empty or has a non-positive dimension, or the standardization does not match its last dimension.</exception>
    public static void Export(Module module, int[] inputShape, string path, bool dynamicBatch = true, InputStandardization? standardize = null)
    {
        byte[] bytes = ExportToBytes(module, inputShape, dynamicBatch, standardize);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>The serialized ONNX ModelProto (see <see cref="Export"/>; the parameters are its, plus <paramref name="metadata"/>).</summary>
    /// <param name="module">The model (left in the training mode it was in).</param>
    /// <param name="inputShape">A full input shape including the batch dimension.</param>
    /// <param name="dynamicBatch">Whether dimension 0 of input and output is symbolic ("batch").</param>
    /// <param name="standardize">Optional standardization folded into the graph before the module.</param>
    /// <param name="metadata">Written to the model's <c>metadata_props</c> (for example the schema `nativenet predict` reads back).</param>
    public static byte[] ExportToBytes(Module module, int[] inputShape, bool dynamicBatch = true, InputStandardization? standardize = null,
        IReadOnlyDictionary<string, string>? metadata = null)
        => ExportToProto(module, inputShape, dynamicBatch, standardize, metadata).ToByteArray();

    /// <summary>The ONNX ModelProto of <paramref name="module"/> (see <see cref="ExportToBytes"/>), for an in-process reader such as the inference engine.</summary>
    internal static ModelProto ExportToProto(Module module, int[] inputShape, bool dynamicBatch = true, InputStandardization? standardize = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"inputShape must be non-empty with positive dimensions. Received: inputShape=[{string.Join(", ", inputShape)}]", nameof(inputShape));
        if (standardize is not null)
        {
            int axis = standardize.Axis < 0 ? standardize.Axis + inputShape.Length : standardize.Axis;
            if (axis < 1 || axis >= inputShape.Length)
                throw new ArgumentException($"standardize.Axis must name a non-batch axis of the {inputShape.Length}-d input. Received: Axis={standardize.Axis}", nameof(standardize));
            if (standardize.Mean.Count != inputShape[axis] || standardize.Scale.Count != inputShape[axis])
                throw new ArgumentException($"standardize must have one mean and one scale per entry of axis {axis} ({inputShape[axis]}). Received: {standardize.Mean.Count} means, {standardize.Scale.Count} scales", nameof(standardize));
        }
        bool wasTraining = module.Training;
        module.Eval();
        try
        {
            var b = new OnnxGraphBuilder();
            string input = b.Fresh("input");
            b.Graph.Input.Add(Value(input, inputShape, dynamicBatch));
            string first = standardize is null ? input : Standardize(b, standardize, input, inputShape.Length);
            var (last, shape) = Emit(b, module, "", first, inputShape);
            // The graph output gets a stable name whatever the last node was.
            string output = b.Fresh("output");
            b.Node("Identity", [last], output);
            b.Graph.Node[^1].Output[0] = output;
            b.Graph.Output.Add(Value(output, shape, dynamicBatch));
            var model = new ModelProto
            {
                IrVersion = IrVersion,
                ProducerName = "NativeNet",
                ProducerVersion = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(typeof(OnnxExporter).Assembly)?.InformationalVersion ?? "0",
                Graph = b.Graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
            foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            return model;
        }
        finally
        {
            module.Train(wasTraining);
        }
    }

    /// <summary>(x − mean) / scale along one axis: Sub and Div with [C, 1, …, 1] initializers (broadcast over the trailing axes).</summary>
    private static string Standardize(OnnxGraphBuilder b, InputStandardization st, string x, int rank)
    {
        int axis = st.Axis < 0 ? st.Axis + rank : st.Axis;
        long[] dims = [st.Mean.Count, .. Enumerable.Repeat(1L, rank - 1 - axis)];
        string centered = b.Node("Sub", [x, b.Initializer("input_mean", st.Mean.ToArray(), dims)], "input_centered");
        return b.Node("Div", [centered, b.Initializer("input_scale", st.Scale.ToArray(), dims)], "input_standardized");
    }

    private static (string Output, int[] Shape) Emit(OnnxGraphBuilder b, Module module, string prefix, string x, int[] shape)
    {
        if (module is Sequential)
        {
            foreach (var (name, child) in module.NamedChildren())
                (x, shape) = Emit(b, child, prefix + name + ".", x, shape);
            return (x, shape);
        }
        // A user's Module subclass, or a composite model of the library (the torchvision backbones
        // and their blocks): its Forward is code wiring children together, so it is traced.
        if (module.GetType().Assembly != typeof(Module).Assembly || module.Children().Any())
            return OnnxTracer.Emit(b, module, prefix, x, shape);
        var spec = module.ToSpec();
        int[] outShape = OutputShape(module, shape);
        var state = module.StateDict();
        string hint = (prefix.Length == 0 ? spec.Type : prefix.TrimEnd('.')).Replace('.', '_');
        string y = spec.Type switch
        {
            "Linear" => Linear(b, state, prefix, x, shape, hint),
            "Conv1d" or "Conv2d" => Conv(b, spec, state, prefix, x, hint),
            "ConvTranspose2d" => b.Node("ConvTranspose", [x, Param(b, state, prefix, "weight"), OptionalParam(b, state, prefix, "bias")], hint,
                Ints("kernel_shape", Pair(spec, "kernel_size")), Ints("strides", Pair(spec, "stride")), Ints("pads", Pads(Pair(spec, "padding"))),
                Ints("output_padding", Pair(spec, "output_padding")), Ints("dilations", Pair(spec, "dilation")), Int("group", spec.GetInt("groups", 1))),
            "Upsample" => Upsample(b, spec, x, hint),
            "MaxPool2d" => b.Node("MaxPool", [x], hint, Ints("kernel_shape", Pair(spec, "kernel_size")),
                Ints("strides", Pair(spec, "stride")), Ints("pads", Pads(Pair(spec, "padding")))),
            "AvgPool2d" => b.Node("AveragePool", [x], hint, Ints("kernel_shape", Pair(spec, "kernel_size")),
                Ints("strides", Pair(spec, "stride")), Ints("pads", Pads(Pair(spec, "padding"))),
                Int("count_include_pad", spec.GetBool("count_include_pad", true) ? 1 : 0)),
            "MaxPool1d" => b.Node("MaxPool", [x], hint, Ints("kernel_shape", spec.GetInt("kernel_size")),
                Ints("strides", spec.GetInt("stride")), Ints("pads", spec.GetInt("padding"), spec.GetInt("padding"))),
            "AvgPool1d" => b.Node("AveragePool", [x], hint, Ints("kernel_shape", spec.GetInt("kernel_size")),
                Ints("strides", spec.GetInt("stride")), Ints("pads", spec.GetInt("padding"), spec.GetInt("padding")),
                Int("count_include_pad", spec.GetBool("count_include_pad", true) ? 1 : 0)),
            "AdaptiveAvgPool2d" => AdaptiveAvgPool(b, spec, x, shape, hint),
            "BatchNorm1d" or "BatchNorm2d" => BatchNorm(b, spec, state, prefix, x, hint),
            "LayerNorm" => LayerNorm(b, spec, state, prefix, x, hint),
            "ReLU" => b.Node("Relu", [x], hint),
            "Sigmoid" => b.Node("Sigmoid", [x], hint),
            "Tanh" => b.Node("Tanh", [x], hint),
            "LeakyReLU" => b.Node("LeakyRelu", [x], hint, Float("alpha", spec.GetFloat("negative_slope", 0.01f))),
            "ELU" => b.Node("Elu", [x], hint, Float("alpha", spec.GetFloat("alpha", 1f))),
            "GELU" => Gelu(b, x, hint),
            "ReLU6" => Activation(b, "Relu6", x, hint),
            "Hardsigmoid" => Activation(b, "Hardsigmoid", x, hint),
            "Hardswish" => Activation(b, "Hardswish", x, hint),
            "SiLU" => Activation(b, "Silu", x, hint),
            "Softplus" => Activation(b, "Softplus", x, hint),
            "Mish" => Activation(b, "Mish", x, hint),
            "Softmax" => b.Node("Softmax", [x], hint, Int("axis", spec.GetInt("dim", -1))),
            "LogSoftmax" => b.Node("LogSoftmax", [x], hint, Int("axis", spec.GetInt("dim", -1))),
            "Flatten" => Flatten(b, spec, x, shape, hint),
            "ReduceMean" => b.Node("ReduceMean", [x], hint, Ints("axes", spec.GetInt("dim")), Int("keepdims", 0)),
            "Dropout" or "Identity" or "StochasticDepth" => b.Node("Identity", [x], hint),
            "Embedding" => b.Node("Gather", [Param(b, state, prefix, "weight"), b.Node("Cast", [x], hint + "_indices", Int("to", (int)TensorProto.Types.DataType.Int64))], hint, Int("axis", 0)),
            "LSTM" or "GRU" or "RNN" => Recurrent(b, spec, state, prefix, x, hint),
            _ => throw new NotSupportedException($"ONNX export does not support module type '{spec.Type}' (at '{prefix.TrimEnd('.')}').")
        };
        return (y, outShape);
    }

    /// <summary>Runs the module on zeros to learn its output shape.</summary>
    private static int[] OutputShape(Module module, int[] shape)
    {
        using (Autograd.NoGrad())
        using (var zeros = Tensor.Zeros(shape))
        using (var y = module.Forward(zeros))
            return y.Shape;
    }

    private static string Param(OnnxGraphBuilder b, IReadOnlyDictionary<string, Tensor> state, string prefix, string name)
    {
        var t = state[name];
        return b.Initializer(prefix + name, t.AsSpan(), Array.ConvertAll(t.Shape, d => (long)d));
    }

    private static string OptionalParam(OnnxGraphBuilder b, IReadOnlyDictionary<string, Tensor> state, string prefix, string name)
        => state.ContainsKey(name) ? Param(b, state, prefix, name) : "";

    internal static long[] Pair(ModuleSpec spec, string key)
    {
        var (a, c) = spec.GetPair(key, (1, 1));
        return [a, c];
    }

    private static long[] Pads(long[] padding) => [.. padding, .. padding];

    private static string Linear(OnnxGraphBuilder b, IReadOnlyDictionary<string, Tensor> state, string prefix, string x, int[] shape, string hint)
    {
        string bias = OptionalParam(b, state, prefix, "bias");
        if (shape.Length == 2)
            return b.Node("Gemm", [x, Param(b, state, prefix, "weight"), bias], hint, Int("transB", 1));
        // Batched input [..., in]: MatMul with the transposed weight, then the bias.
        var w = state["weight"];
        int outF = w.Shape[0], inF = w.Shape[1];
        var wt = new float[w.Count];
        var src = w.AsSpan();
        for (int o = 0; o < outF; o++)
            for (int i = 0; i < inF; i++) wt[i * outF + o] = src[o * inF + i];
        string y = b.Node("MatMul", [x, b.Initializer(prefix + "weight_t", wt, inF, outF)], hint + (bias.Length > 0 ? "_matmul" : ""));
        return bias.Length > 0 ? b.Node("Add", [y, bias], hint) : y;
    }

    private static string Conv(OnnxGraphBuilder b, ModuleSpec spec, IReadOnlyDictionary<string, Tensor> state, string prefix, string x, string hint)
    {
        long[] kernel, stride, padding, dilation;
        if (spec.Type == "Conv2d")
        {
            kernel = Pair(spec, "kernel_size"); stride = Pair(spec, "stride"); padding = Pair(spec, "padding"); dilation = Pair(spec, "dilation");
        }
        else
        {
            kernel = [spec.GetInt("kernel_size")]; stride = [spec.GetInt("stride", 1)]; padding = [spec.GetInt("padding", 0)]; dilation = [spec.GetInt("dilation", 1)];
        }
        return b.Node("Conv", [x, Param(b, state, prefix, "weight"), OptionalParam(b, state, prefix, "bias")], hint,
            Ints("kernel_shape", kernel), Ints("strides", stride), Ints("pads", Pads(padding)), Ints("dilations", dilation),
            Int("group", spec.GetInt("groups", 1)));
    }

    /// <summary>
    /// Upsample as Resize the way PyTorch maps interpolate: nearest = floor of the source index
    /// ("asymmetric", "floor"); bilinear = "pytorch_half_pixel", or "align_corners". A scale factor
    /// becomes scales (the source index divides by it, as PyTorch's does); a size becomes sizes built
    /// from the input's batch and channels at run time (Shape, Slice, Concat), so the batch stays symbolic.
    /// </summary>
    private static string Upsample(OnnxGraphBuilder b, ModuleSpec spec, string x, string hint)
    {
        bool nearest = !(spec.Config.TryGetValue("mode", out var m) && m is JsonValue v && v.TryGetValue<string>(out var name) && name == "bilinear");
        var mode = nearest
            ? new[] { String("mode", "nearest"), String("coordinate_transformation_mode", "asymmetric"), String("nearest_mode", "floor") }
            : [String("mode", "linear"), String("coordinate_transformation_mode", spec.GetBool("align_corners", false) ? "align_corners" : "pytorch_half_pixel")];
        if (!spec.Config.ContainsKey("size"))
        {
            float f = (float)spec.GetDouble("scale_factor", 2);
            return b.Node("Resize", [x, "", b.Initializer(hint + "_scales", [1f, 1f, f, f], 4)], hint, mode);
        }
        var (oh, ow) = spec.GetPair("size", (1, 1));
        string batchAndChannels = b.Node("Slice", [b.Node("Shape", [x], hint + "_shape"), b.Int64Initializer(hint + "_starts", 0), b.Int64Initializer(hint + "_ends", 2)], hint + "_nc");
        string sizes = b.Node("Concat", [batchAndChannels, b.Int64Initializer(hint + "_hw", oh, ow)], hint + "_sizes", Int("axis", 0));
        return b.Node("Resize", [x, "", "", sizes], hint, mode);
    }

    internal static string AdaptiveAvgPool(OnnxGraphBuilder b, ModuleSpec spec, string x, int[] shape, string hint)
    {
        var (oh, ow) = spec.GetPair("output_size", (1, 1));
        int h = shape[^2], w = shape[^1];
        if (oh == 1 && ow == 1) return b.Node("GlobalAveragePool", [x], hint);
        if (h % oh != 0 || w % ow != 0)
            throw new NotSupportedException($"ONNX export of AdaptiveAvgPool2d needs the input size ({h}x{w}) to be a multiple of output_size ({oh}x{ow}).");
        return b.Node("AveragePool", [x], hint, Ints("kernel_shape", h / oh, w / ow), Ints("strides", h / oh, w / ow));
    }

    private static string BatchNorm(OnnxGraphBuilder b, ModuleSpec spec, IReadOnlyDictionary<string, Tensor> state, string prefix, string x, string hint)
    {
        if (!state.ContainsKey("running_mean"))
            throw new NotSupportedException($"ONNX export of {spec.Type} at '{prefix.TrimEnd('.')}' needs running statistics (track_running_stats=true).");
        int c = spec.GetInt("num_features");
        string scale = state.ContainsKey("weight") ? Param(b, state, prefix, "weight") : b.Initializer(prefix + "weight", Enumerable.Repeat(1f, c).ToArray(), c);
        string bias = state.ContainsKey("bias") ? Param(b, state, prefix, "bias") : b.Initializer(prefix + "bias", new float[c], c);
        return b.Node("BatchNormalization", [x, scale, bias, Param(b, state, prefix, "running_mean"), Param(b, state, prefix, "running_var")], hint,
            Float("epsilon", (float)spec.GetDouble("eps", 1e-5)));
    }

    /// <summary>Opset 13 has no LayerNormalization: (x - mean) / sqrt(var + eps) * weight + bias over the last axes.</summary>
    private static string LayerNorm(OnnxGraphBuilder b, ModuleSpec spec, IReadOnlyDictionary<string, Tensor> state, string prefix, string x, string hint)
    {
        int k = spec.Config.TryGetValue("normalized_shape", out var ns) && ns is JsonArray arr ? arr.Count : 1;
        return LayerNorm(b, x, k, (float)spec.GetDouble("eps", 1e-5), prefix + "eps", OptionalParam(b, state, prefix, "weight"),
            OptionalParam(b, state, prefix, "bias"), hint);
    }

    /// <summary>
    /// LayerNorm over the last <paramref name="axes"/> dimensions as its opset-13 decomposition (what
    /// torch.onnx.export writes below opset 17): mean, centred, mean of squares, √(var + eps), divide,
    /// then weight and bias (each optional: "" for none), for layers and traced Forwards alike.
    /// </summary>
    internal static string LayerNorm(OnnxGraphBuilder b, string x, int axes, float eps, string epsName, string weight, string bias, string hint)
    {
        long[] dims = Enumerable.Range(-axes, axes).Select(a => (long)a).ToArray();
        string mean = b.Node("ReduceMean", [x], hint + "_mean", Ints("axes", dims), Int("keepdims", 1));
        string centered = b.Node("Sub", [x, mean], hint + "_centered");
        string variance = b.Node("ReduceMean", [b.Node("Mul", [centered, centered], hint + "_sq")], hint + "_var", Ints("axes", dims), Int("keepdims", 1));
        string std = b.Node("Sqrt", [b.Node("Add", [variance, b.Scalar(epsName, eps)], hint + "_var_eps")], hint + "_std");
        bool affine = weight.Length > 0, shifted = bias.Length > 0;
        string y = b.Node("Div", [centered, std], hint + (affine || shifted ? "_normalized" : ""));
        if (affine) y = b.Node("Mul", [y, weight], hint + (shifted ? "_scaled" : ""));
        return shifted ? b.Node("Add", [y, bias], hint) : y;
    }

    /// <summary>
    /// The activations opset 13 has no single op for, or whose op needs PyTorch's constants, by the
    /// tensor op's name (the tracer's) — one mapping for layers and traced Forwards alike:
    /// ReLU6 = Clip(0, 6); Hardsigmoid = HardSigmoid(1/6, 1/2); Hardswish = x·Hardsigmoid(x) (the
    /// HardSwish op is opset 14); SiLU = x·Sigmoid(x); Softplus = Softplus (PyTorch's threshold 20
    /// only skips the exp where log(1 + e^x) rounds to x); Mish = x·Tanh(Softplus(x)).
    /// </summary>
    internal static string Activation(OnnxGraphBuilder b, string op, string x, string hint) => op switch
    {
        "Relu6" => b.Node("Clip", [x, b.Scalar(hint + "_min", 0f), b.Scalar(hint + "_max", 6f)], hint),
        "Hardsigmoid" => b.Node("HardSigmoid", [x], hint, Float("alpha", 1f / 6), Float("beta", 0.5f)),
        "Hardswish" => b.Node("Mul", [x, b.Node("HardSigmoid", [x], hint + "_gate", Float("alpha", 1f / 6), Float("beta", 0.5f))], hint),
        "Silu" => b.Node("Mul", [x, b.Node("Sigmoid", [x], hint + "_sigmoid")], hint),
        "Softplus" => b.Node("Softplus", [x], hint),
        "Mish" => b.Node("Mul", [x, b.Node("Tanh", [b.Node("Softplus", [x], hint + "_softplus")], hint + "_tanh")], hint),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not an activation with an ONNX mapping"),
    };

    /// <summary>Exact (erf) GELU, as PyTorch's default: 0.5 · x · (1 + erf(x / √2)).</summary>
    internal static string Gelu(OnnxGraphBuilder b, string x, string hint)
    {
        string erf = b.Node("Erf", [b.Node("Div", [x, b.Scalar(hint + "_sqrt2", MathF.Sqrt(2f))], hint + "_scaled")], hint + "_erf");
        string onePlus = b.Node("Add", [erf, b.Scalar(hint + "_one", 1f)], hint + "_one_plus");
        return b.Node("Mul", [b.Node("Mul", [x, onePlus], hint + "_x"), b.Scalar(hint + "_half", 0.5f)], hint);
    }

    private static string Flatten(OnnxGraphBuilder b, ModuleSpec spec, string x, int[] shape, string hint)
    {
        int rank = shape.Length;
        int start = spec.GetInt("start_dim", 1), end = spec.GetInt("end_dim", -1);
        if (start < 0) start += rank;
        if (end < 0) end += rank;
        if (start == 1 && end == rank - 1) return b.Node("Flatten", [x], hint, Int("axis", 1));
        // Reshape: 0 copies a leading dimension (keeps the batch symbolic), -1 is the flattened run.
        var target = new List<long>();
        for (int i = 0; i < start; i++) target.Add(0);
        target.Add(-1);
        for (int i = end + 1; i < rank; i++) target.Add(shape[i]);
        return b.Node("Reshape", [x, b.Int64Initializer(hint + "_shape", [.. target])], hint);
    }

    /// <summary>
    /// One ONNX LSTM/GRU node per layer. PyTorch gate blocks are reordered to ONNX's (LSTM i,f,g,o →
    /// i,o,f,c; GRU r,z,n → z,r,h), biases concatenated [W_b, R_b], GRU with linear_before_reset=1
    /// (PyTorch's formulation). ONNX Y [T, dirs, B, H] becomes [T, B, dirs·H] between layers.
    /// </summary>
    private static string Recurrent(OnnxGraphBuilder b, ModuleSpec spec, IReadOnlyDictionary<string, Tensor> state, string prefix, string x, string hint)
    {
        bool lstm = spec.Type == "LSTM", elman = spec.Type == "RNN";
        int hidden = spec.GetInt("hidden_size"), layers = spec.GetInt("num_layers", 1);
        bool bidirectional = spec.GetBool("bidirectional", false), batchFirst = spec.GetBool("batch_first", false), hasBias = spec.GetBool("bias", true);
        int[] order = elman ? [0] : OnnxGateOrder(lstm);
        string activation = elman && spec.Config.TryGetValue("nonlinearity", out var nl) && nl is JsonValue nv && nv.TryGetValue<string>(out var nls) && nls == "relu" ? "Relu" : "Tanh";
        string[] suffixes = bidirectional ? ["", "_reverse"] : [""];
        if (batchFirst) x = b.Node("Transpose", [x], hint + "_time_major", Ints("perm", 1, 0, 2));
        for (int l = 0; l < layers; l++)
        {
            var w = new List<float>(); var r = new List<float>(); var bias = new List<float>();
            int inputSize = 0;
            foreach (var sfx in suffixes)
            {
                var wih = state[$"weight_ih_l{l}{sfx}"];
                inputSize = wih.Shape[1];
                w.AddRange(Reorder(wih.AsSpan(), order, hidden));
                r.AddRange(Reorder(state[$"weight_hh_l{l}{sfx}"].AsSpan(), order, hidden));
                if (hasBias)
                {
                    bias.AddRange(Reorder(state[$"bias_ih_l{l}{sfx}"].AsSpan(), order, hidden));
                    bias.AddRange(Reorder(state[$"bias_hh_l{l}{sfx}"].AsSpan(), order, hidden));
                }
            }
            int dirs = suffixes.Length, gates = order.Length;
            string layerHint = $"{hint}_l{l}";
            string wName = b.Initializer($"{prefix}W_l{l}", w.ToArray(), dirs, gates * hidden, inputSize);
            string rName = b.Initializer($"{prefix}R_l{l}", r.ToArray(), dirs, gates * hidden, hidden);
            string bName = hasBias ? b.Initializer($"{prefix}B_l{l}", bias.ToArray(), dirs, 2 * gates * hidden) : "";
            var attrs = new List<AttributeProto> { Int("hidden_size", hidden), String("direction", bidirectional ? "bidirectional" : "forward") };
            if (elman)
            {
                var names = new AttributeProto { Name = "activations", Type = AttributeProto.Types.AttributeType.Strings };
                for (int d = 0; d < dirs; d++) names.Strings.Add(ByteString.CopyFromUtf8(activation));
                attrs.Add(names);
            }
            else if (!lstm) attrs.Add(Int("linear_before_reset", 1));
            string y = b.Node(spec.Type, [x, wName, rName, bName], layerHint + "_y", [.. attrs]);
            string tbdh = b.Node("Transpose", [y], layerHint + "_tbdh", Ints("perm", 0, 2, 1, 3));
            x = b.Node("Reshape", [tbdh, b.Int64Initializer(layerHint + "_shape", 0, 0, -1)], batchFirst || l < layers - 1 ? layerHint : hint);
        }
        return batchFirst ? b.Node("Transpose", [x], hint, Ints("perm", 1, 0, 2)) : x;
    }

    /// <summary>PyTorch's gate blocks in ONNX's order (LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h).</summary>
    internal static int[] OnnxGateOrder(bool lstm) => lstm ? [0, 3, 1, 2] : [1, 0, 2];

    internal static float[] Reorder(ReadOnlySpan<float> source, int[] order, int hidden)
    {
        int block = source.Length / order.Length;
        var result = new float[source.Length];
        for (int i = 0; i < order.Length; i++)
            source.Slice(order[i] * block, block).CopyTo(result.AsSpan(i * block));
        return result;
    }

}

/// <summary>A standardization the exporter puts in front of the network: input = (raw − Mean) / Scale, per entry of one axis.</summary>
/// <param name="Mean">Means, one per entry of <paramref name="Axis"/>.</param>
/// <param name="Scale">Scales (non-zero), one per entry of <paramref name="Axis"/>.</param>
/// <param name="Axis">The axis of the batched input the values run along: -1 (features of a table, a signal's last axis) or 1 (image channels of [N, C, H, W]).</param>
public sealed record InputStandardization(IReadOnlyList<float> Mean, IReadOnlyList<float> Scale, int Axis = -1);
