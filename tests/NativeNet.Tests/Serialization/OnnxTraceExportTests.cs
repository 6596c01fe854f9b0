using NativeNet.Nn;
using NativeNet.Serialization.Onnx;
using NativeNet.Serialization.Onnx.Proto;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Serialization;

/// <summary>
/// ONNX export of user Module subclasses by tracing Forward, checked with ONNX Runtime 1.32 as the
/// client: the exported graph, run at another batch size than the traced one, gives Forward's
/// outputs within 1e-5.
/// </summary>
public class OnnxTraceExportTests
{
    // An MLP written with plain fields and tensor methods: residual add, scalar arithmetic, softmax.
    public sealed class ResidualMlp : Module
    {
        private readonly Linear _fc1 = new(6, 16);
        private readonly Linear _fc2 = new(16, 16);
        private readonly Linear _out = new(16, 3);

        public override Tensor Forward(Tensor x)
        {
            var h = _fc1.Forward(x).Relu();
            h = h + _fc2.Forward(h).Tanh();
            h = (h * 0.5f + 1f).Clamp(-3f, 3f);
            return _out.Forward(h).Softmax(-1);
        }
    }

    // A CNN: conv, batch norm (running statistics), pooling, strided conv, global pooling, flatten, log-softmax.
    public sealed class SmallCnn : Module
    {
        private readonly Conv2d _conv1 = new(3, 8, 3, padding: 1);
        private readonly BatchNorm2d _bn = new(8);
        private readonly MaxPool2d _pool = new(2);
        private readonly Conv2d _conv2 = new(8, 8, 3, stride: 2, padding: 1);
        private readonly AvgPool2d _avg = new(2);
        private readonly AdaptiveAvgPool2d _gap = new(1);
        private readonly Linear _fc = new(8, 4);

        public override Tensor Forward(Tensor x)
        {
            x = _pool.Forward(_bn.Forward(_conv1.Forward(x)).Relu());
            x = _avg.Forward(_conv2.Forward(x).LeakyRelu(0.1f));
            return _fc.Forward(_gap.Forward(x).Flatten(1)).LogSoftmax(1);
        }
    }

    // A gate with a buffer, used inside a Sequential of built-ins.
    public sealed class Gate : Module
    {
        private readonly Linear _gate;
        [Buffer] private readonly Tensor _shift;

        public Gate(int features)
        {
            _gate = new Linear(features, features);
            _shift = Tensor.FromArray(Enumerable.Range(0, features).Select(i => 0.1f * i).ToArray(), features);
        }

        public override Tensor Forward(Tensor x) => (x - _shift) * _gate.Forward(x).Sigmoid();
    }

    // The element-wise, reduction and layout ops of the tracer's list that the models above do not run.
    public sealed class Elementwise : Module
    {
        private readonly Linear _fc = new(6, 6);
        [Buffer] private readonly Tensor _mix = Tensor.FromArray([.. Enumerable.Range(0, 36).Select(i => MathF.Sin(i) * 0.5f)], 6, 6);

        public override Tensor Forward(Tensor x)
        {
            var h = _fc.Forward(x);
            var a = (h.Abs() + 1f).Log().Sqrt() - h.Neg().Exp().Mul(0.1f);
            var b = h.Gelu() + h.Elu(0.5f) + h.Relu6() + h.Hardsigmoid() + h.Softplus() + h.Square() / 4f + h.Hardswish() - h.Mish() + h.Silu();
            var c = a.Maximum(b).MatMul(_mix).Minimum(b);
            var d = c.Reshape(-1, 2, 3).Permute(0, 2, 1).Sum(2);
            return d / (d.Abs() + 1f);
        }
    }

    // Recurrent layers inside a user module: a stacked bidirectional batch-first LSTM (each layer and
    // direction one op: reverse LSTMs), its states, then a time-major GRU started from the LSTM's
    // last hidden states; the classifier reads the last step and the final state.
    public sealed class RecurrentModule : Module
    {
        private readonly LSTM _lstm = new(5, 6, numLayers: 2, batchFirst: true, bidirectional: true);
        private readonly GRU _gru = new(12, 6);
        private readonly Linear _fc = new(12, 3);

        public override Tensor Forward(Tensor x)
        {
            var lstm = _lstm.ForwardWithState(x);                    // [B, T, 12], h_n [4, B, 6]
            var timeMajor = lstm.Output.Permute(1, 0, 2);             // [T, B, 12]
            var gru = _gru.ForwardWithState(timeMajor, lstm.HN.Narrow(0, 3, 1));
            var last = gru.Output.Select(0, gru.Output.Shape[0] - 1);  // [B, 6]
            return _fc.Forward(Tensor.Concat([last, gru.HN.Select(0, 0) + lstm.CN!.Select(0, 2)], 1));
        }
    }

    public sealed class RowMax : Module
    {
        private readonly Linear _fc = new(4, 4);
        public override Tensor Forward(Tensor x) => _fc.Forward(x).Max(1);
    }

    public static TheoryData<string> Models => new()
    {
        "mlp", "cnn", "sequential_with_user_module", "elementwise", "activation_layers", "decoder_layers", "rnn_layers", "pool1d_layers",
        "attention", "transformer_post_norm", "transformer_pre_norm_gelu", "transformer_sequence_first", "recurrent_module",
    };

    // A signal model's layers by their specs: 1-D convolution with max and average pooling (ONNX 1-D MaxPool/AveragePool).
    internal static Sequential Pool1dLayers() => new(
        new Conv1d(2, 4, 3, padding: 1), new ReLU(), new MaxPool1d(3, 2, 1), new Conv1d(4, 4, 3), new AvgPool1d(2, countIncludePad: false),
        new StochasticDepth(0.2), new AvgPool1d(3, 1, 1), new Flatten(), new Linear(4 * 5, 3));

    // Self-attention and transformer blocks (traced: Narrow of the stacked projection becomes Slice,
    // the heads fold into the batch through views whose batch dimension stays symbolic).
    internal static Module Attention() => new Sequential(new Linear(5, 8), new MultiheadAttention(8, 2, batchFirst: true));

    internal static Module Transformer(bool normFirst, TransformerActivation activation, bool batchFirst) => new Sequential(
        new Linear(5, 8), new TransformerEncoderLayer(8, 2, 16, dropout: 0.1, activation, batchFirst: batchFirst, normFirst: normFirst),
        new TransformerEncoderLayer(8, 4, 12, dropout: 0.1, activation, batchFirst: batchFirst, normFirst: normFirst));

    // Elman RNN layers (ONNX RNN): stacked bidirectional tanh, then relu, batch first.
    internal static Sequential RnnLayers() => new(
        new RNN(5, 6, numLayers: 2, batchFirst: true, bidirectional: true), new RNN(12, 4, nonlinearity: RnnNonlinearity.Relu, batchFirst: true));

    // The activation layers by their specs (a Sequential of built-ins is exported layer by layer, not traced).
    internal static Sequential ActivationLayers() => new(
        new Linear(6, 8), new ReLU6(), new Linear(8, 8), new Hardswish(), new Linear(8, 8), new Hardsigmoid(),
        new Linear(8, 8), new SiLU(), new Linear(8, 8), new Softplus(), new Linear(8, 8), new Mish(), new Linear(8, 3));

    // A decoder's layers by their specs: strided ConvTranspose2d with output padding, a grouped and
    // dilated one, nearest by a scale factor, bilinear to a size (half-pixel and align_corners).
    internal static Sequential DecoderLayers() => new(
        new ConvTranspose2d(4, 6, (3, 3), stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)), new ReLU(),
        new ConvTranspose2d(6, 4, (3, 2), padding: (2, 1), groups: 2, dilation: (2, 1)), new Upsample(2.0), new Conv2d(4, 3, 3, padding: 1),
        new Upsample((17, 13), InterpolationMode.Bilinear), new Conv2d(3, 2, 1), new Upsample((9, 21), InterpolationMode.Bilinear, alignCorners: true));

    private static (Module Model, int[] SampleShape) Build(string name) => name switch
    {
        "mlp" => (new ResidualMlp(), [6]),
        "cnn" => (new SmallCnn(), [3, 12, 12]),
        "elementwise" => (new Elementwise(), [6]),
        "activation_layers" => (ActivationLayers(), [6]),
        "decoder_layers" => (DecoderLayers(), [4, 5, 6]),
        "rnn_layers" => (RnnLayers(), [7, 5]),
        "pool1d_layers" => (Pool1dLayers(), [2, 23]),
        "recurrent_module" => (new RecurrentModule(), [7, 5]),
        "attention" => (Attention(), [6, 5]),
        "transformer_post_norm" => (Transformer(false, TransformerActivation.Relu, true), [6, 5]),
        "transformer_pre_norm_gelu" => (Transformer(true, TransformerActivation.Gelu, true), [6, 5]),
        // [T, B, E]: dimension 0, the symbolic one, is the sequence here, and it moves to 1 inside attention.
        "transformer_sequence_first" => (Transformer(false, TransformerActivation.Relu, false), [3, 5]),
        _ => (new Sequential(new Linear(4, 6), new ReLU(), new Gate(6), new Linear(6, 2)), [4]),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Traced_export_runs_in_OnnxRuntime_like_Forward(string name)
    {
        using var dir = new TempDir();
        Generator.ManualSeed(11);
        var (model, sample) = Build(name);
        using var _ = model;
        using (var warm = ModelFileTests.Input(12, [8, .. sample]))
            model.Forward(warm).Dispose(); // training mode: batch norm running statistics move
        model.Eval();
        string path = dir.File(name + ".onnx");
        OnnxExporter.Export(model, [2, .. sample], path);

        using var x = ModelFileTests.Input(13, [5, .. sample]); // another batch size than the traced one
        float[] expected;
        using (global::NativeNet.Autograd.NoGrad())
        using (var y = model.Forward(x))
            expected = y.ToArray();
        float[] actual = OnnxRuntimeClient.Run(path, x.ToArray(), [5, .. sample.Select(d => (long)d)]);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"{name}: output {i}: Forward {expected[i]}, ONNX Runtime {actual[i]}");

        // Parameters and buffers keep their state-dict names as initializers, except a recurrent
        // layer's, which ONNX wants stacked per layer (W, R, B over directions and gates), and the
        // weight of a Linear layer on a 3-D input, stored transposed for MatMul (".weight_t").
        var initializers = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)).Graph.Initializer.Select(t => t.Name).ToHashSet();
        foreach (var key in model.StateDict().Keys.Where(k => !k.Contains("num_batches_tracked") && !k.Contains("_ih_l") && !k.Contains("_hh_l")))
            Assert.True(initializers.Contains(key) || initializers.Contains(key + "_t"), $"{name}: no initializer named {key}");
    }

    [Fact]
    public void An_op_without_an_ONNX_mapping_is_named_and_nothing_is_written()
    {
        using var dir = new TempDir();
        using var model = new RowMax();
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model, [1, 4], dir.File("n.onnx")));
        Assert.Contains("'Max'", e.Message);
        Assert.Contains(nameof(RowMax), e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Tracing_leaves_the_model_and_autograd_as_they_were()
    {
        using var model = new ResidualMlp();
        OnnxExporter.ExportToBytes(model, [1, 6]);
        Assert.True(model.Training);
        Assert.True(model.Parameters().All(p => p.Grad is null));
        Assert.False(global::NativeNet.Autograd.Tracing);
    }
}
