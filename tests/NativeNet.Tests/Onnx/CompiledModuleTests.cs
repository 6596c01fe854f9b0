using NativeNet.Cli.Bench;
using NativeNet.Cli.Tabular;
using NativeNet.Models;
using NativeNet.Kernels;
using NativeNet.Nn;
using NativeNet.Onnx;
using NativeNet.Optim;
using Xunit.Abstractions;

namespace NativeNet.Tests.Onnx;

/// <summary>
/// Native modules compiled onto the ONNX engine: the same outputs as their eager eval forward (zoo
/// backbones, the CLI's default networks, the bench models) within 2e-5 of the output's scale, the
/// same bits at 1 and 2 threads, recompiled when parameters change, and a clear refusal for what
/// the engine cannot run.
/// </summary>
[Collection(NativeNet.Tests.Support.NoParallel.Name)] // sets the native thread count
public class CompiledModuleTests(ITestOutputHelper output)
{
    // Folded BatchNorm and fused epilogues round differently from the eager layers; the gap grows
    // with depth and with the random weights (resnet50: 4.1e-6 to 6.6e-6 over several draws). A
    // folding or layout error is of the order of the output itself.
    private const float Tolerance = 2e-5f;

    // Small inputs keep the whole zoo cheap; every backbone takes 32x32.
    private static IEnumerable<(string Name, Func<Module> Build, int[] Shape)> Networks()
    {
        foreach (var name in Torchvision.Names)
            yield return (name, () => Torchvision.Create(name, 5), [2, 3, 32, 32]);
        foreach (var (kind, input, sample) in new[] { ("mlp", InputKinds.Table, new[] { 10 }), ("cnn", InputKinds.Images, new[] { 1, 28, 28 }), ("cnn", InputKinds.Images, new[] { 3, 20, 24 }), ("lstm", InputKinds.Signals, new[] { 30, 4 }) })
            yield return ($"cli {kind} {string.Join("x", sample)}", () => NetworkSpec.Parse(kind, "data", input).Build(sample, 3, 7), [3, .. sample]);
        yield return ("activation layers", () => NativeNet.Tests.Serialization.OnnxTraceExportTests.ActivationLayers(), [3, 6]);
        yield return ("decoder layers", () => NativeNet.Tests.Serialization.OnnxTraceExportTests.DecoderLayers(), [2, 4, 5, 6]);
        yield return ("rnn layers", () => NativeNet.Tests.Serialization.OnnxTraceExportTests.RnnLayers(), [3, 7, 5]);
        yield return ("pool1d layers", () => NativeNet.Tests.Serialization.OnnxTraceExportTests.Pool1dLayers(), [3, 2, 23]);
        yield return ("attention", NativeNet.Tests.Serialization.OnnxTraceExportTests.Attention, [3, 6, 5]);
        yield return ("transformer pre-norm", () => NativeNet.Tests.Serialization.OnnxTraceExportTests.Transformer(true, TransformerActivation.Gelu, true), [3, 6, 5]);
        yield return ("transformer sequence-first", () => NativeNet.Tests.Serialization.OnnxTraceExportTests.Transformer(false, TransformerActivation.Relu, false), [4, 3, 5]);
        yield return ("recurrent module", () => new NativeNet.Tests.Serialization.OnnxTraceExportTests.RecurrentModule(), [3, 7, 5]);
        foreach (var (name, create, shape, _) in LayerBench.Models.Where(m => m.Name is "mlp_small" or "lenet" or "diabetes_cnn" or "lstm_ecg"))
            yield return ($"bench {name}", create, [2, .. shape[1..]]);
    }

    [Fact]
    public void Compiled_forward_equals_the_eager_eval_forward_at_one_and_two_threads()
    {
        int saved = NativeNetRuntime.Threads;
        try
        {
            foreach (var (name, build, shape) in Networks())
            {
                using var prepared = Prepare(build, shape, 3);
                var (net, x, eager) = (prepared.Net, prepared.X, prepared.Eager);
                using var compiled = net.CompileForInference(shape);
                NativeNetRuntime.Threads = 1;
                var one = Compiled(compiled, x);
                NativeNetRuntime.Threads = 2;
                var two = Compiled(compiled, x);
                output.WriteLine($"{name}: max |compiled - eager| / max |eager| = {RelativeError(eager, one):E2}");
                AssertClose(eager, one, name);
                Assert.True(one.AsSpan().SequenceEqual(two), $"{name}: 1 and 2 threads differ");
                Assert.Equal(1, compiled.Compilations);
            }
        }
        finally
        {
            NativeNetRuntime.Threads = saved;
        }
    }

    [Fact]
    public void Another_batch_size_runs_on_the_same_compilation()
    {
        using var net = Torchvision.Create("resnet18", 4);
        net.Eval();
        using var compiled = net.CompileForInference(1, 3, 32, 32);
        using var x = Input([3, 3, 32, 32], 5);
        AssertClose(Eager(net, x), Compiled(compiled, x), "resnet18 at batch 3");
        Assert.Equal([3, 4], compiled.OutputShape(3, 3, 32, 32));
        // bench infer --profile of a .safetensors model: the engine's steps, ResNet's residual convolutions among them.
        var steps = compiled.Profile([3, 3, 32, 32], 1);
        Assert.True(steps.Count(s => s.Step.StartsWith("Conv ")) >= 8, string.Join("; ", steps.Select(s => s.Step)));
        Assert.All(steps, s => Assert.True(s.Ms >= 0));
        Assert.Equal(1, compiled.Compilations);
    }

    [Fact]
    public void Changed_parameters_recompile_and_unchanged_ones_do_not()
    {
        using var net = NetworkSpec.Parse("cnn", "data", InputKinds.Images).Build([1, 12, 12], 2, 3);
        using var x = Input([4, 1, 12, 12], 9);
        net.Eval();
        using var compiled = net.CompileForInference(4, 1, 12, 12);
        var before = Compiled(compiled, x);
        Eager(net, x);                       // an eager forward reads, never writes, the parameters
        Assert.Equal(before, Compiled(compiled, x));
        Assert.Equal(1, compiled.Compilations);

        // An optimizer step moves every trained parameter.
        net.Train();
        var opt = new SGD(net.Parameters(), lr: 0.5);
        using (var y = net.Forward(x)) using (var loss = y.Sum()) loss.Backward();
        opt.Step();
        net.Eval();
        var stepped = Compiled(compiled, x);
        Assert.Equal(2, compiled.Compilations);
        AssertClose(Eager(net, x), stepped, "after an optimizer step");
        Assert.NotEqual(before, stepped);

        // A loaded state dict (new tensors under the same names) too.
        using var other = NetworkSpec.Parse("cnn", "data", InputKinds.Images).Build([1, 12, 12], 2, 4);
        net.LoadStateDict(other.StateDict());
        AssertClose(Eager(net, x), Compiled(compiled, x), "after LoadStateDict");
        Assert.Equal(3, compiled.Compilations);
    }

    [Fact]
    public void What_the_engine_cannot_run_is_refused_by_name_and_TryCompile_leaves_it_eager()
    {
        // A user's module whose Forward takes a maximum over time: the exporter has no mapping for Max.
        using var peaks = new PeakSteps();
        var e = Assert.Throws<NotSupportedException>(() => peaks.CompileForInference(2, 20, 4));
        Assert.Contains("'Max'", e.Message);
        Assert.Null(CompiledModule.TryCompile(peaks, [2, 20, 4], out var reason));
        Assert.Equal(e.Message, reason);

        var requested = KernelProvider.Requested;
        try
        {
            KernelProvider.Requested = Backend.Managed;
            using var managed = new Sequential(new Linear(4, 3));
            Assert.Contains("native kernels", Assert.Throws<NotSupportedException>(() => managed.CompileForInference(2, 4)).Message);
        }
        finally
        {
            KernelProvider.Requested = requested;
        }

        using var mlp = new Sequential(new Linear(4, 3), new ReLU());
        using var compiled = mlp.CompileForInference(2, 4);
        using var wrong = Tensor.Zeros(2, 5);
        Assert.Contains("[batch, 4]", Assert.Throws<ArgumentException>(() => compiled.Forward(wrong)).Message);
        Assert.Throws<ArgumentException>(() => mlp.CompileForInference(4));
    }

    [Fact]
    public void A_bf16_module_compiles_with_bf16_products_and_a_precision_change_recompiles()
    {
        int saved = NativeNetRuntime.Threads;
        try
        {
            foreach (var (name, build, shape) in Networks().Where(n => n.Name is "resnet18" or "mobilenet_v2" or "cli mlp 10" or "bench lenet" or "bench lstm_ecg" or "recurrent module"))
            {
                using var prepared = Prepare(build, shape, 21);
                var (net, x, fp32) = (prepared.Net, prepared.X, prepared.Eager);
                using var compiled = net.CompileForInference(shape);
                var compiledFp32 = Compiled(compiled, x);

                net.ToPrecision(Precision.BFloat16);
                var eagerBf16 = Eager(net, x);
                NativeNetRuntime.Threads = 1;
                var one = Compiled(compiled, x);
                NativeNetRuntime.Threads = 2;
                var two = Compiled(compiled, x);
                Assert.Equal(2, compiled.Compilations);
                Assert.True(one.AsSpan().SequenceEqual(two), $"{name}: 1 and 2 threads differ in bf16");
                // bf16 products round every weight and activation to 8 bits of mantissa: the output
                // moves off float32's (so the products did change) but stays within the fixtures' 2e-2.
                Assert.NotEqual(compiledFp32, one);
                output.WriteLine($"{name}: bf16 compiled vs float32 eager {RelativeError(fp32, one):E2}, vs bf16 eager {RelativeError(eagerBf16, one):E2}");
                Assert.True(RelativeError(fp32, one) <= 2e-2f, $"{name}: bf16 compiled differs from float32 by {RelativeError(fp32, one):E2}");
                Assert.True(RelativeError(eagerBf16, one) <= 2e-2f, $"{name}: bf16 compiled differs from bf16 eager by {RelativeError(eagerBf16, one):E2}");

                net.ToPrecision(Precision.Float32);
                Assert.Equal(compiledFp32, Compiled(compiled, x));
                Assert.Equal(3, compiled.Compilations);
            }
        }
        finally
        {
            NativeNetRuntime.Threads = saved;
        }
    }

    [Fact]
    public void Forward_into_a_kept_output_allocates_nothing_once_the_batch_has_run()
    {
        // A zoo backbone (registered explicitly) and a user's module whose layers are plain fields
        // (registered by reflection on every state walk): the per-call staleness check must not allocate.
        foreach (var (name, build, shape) in new (string, Func<Module>, int[])[]
                 {
                     ("resnet18", () => Torchvision.Create("resnet18", 4), [2, 3, 32, 32]),
                     ("user module with field layers", () => new FieldLayers(), [3, 6]),
                 })
        {
            using var net = build();
            net.Eval();
            using var compiled = net.CompileForInference(shape);
            using var x = Input(shape, 11);
            using var y = Tensor.Zeros(compiled.OutputShape(shape));
            compiled.Forward(x, y); // the batch's plan and the result shape
            var first = y.ToArray();
            Assert.Equal(Compiled(compiled, x), first);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) compiled.Forward(x, y);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{name}: {allocated} bytes allocated over 100 calls");
            Assert.Equal(first, y.ToArray());
            Assert.Equal(1, compiled.Compilations);

            using var wrong = Tensor.Zeros([shape[0] + 1, .. compiled.OutputShape(shape)[1..]]);
            var e = Assert.Throws<ArgumentException>(() => compiled.Forward(x, wrong));
            Assert.Equal("output", e.ParamName);
        }
    }

    [Fact]
    public void Forward_into_a_kept_output_sees_a_changed_parameter_and_a_replaced_layer()
    {
        using var net = new FieldLayers();
        net.Eval();
        using var compiled = net.CompileForInference(3, 6);
        using var x = Input([3, 6], 12);
        using var y = Tensor.Zeros(3, 2);
        compiled.Forward(x, y);
        var before = y.ToArray();

        // the output layer's bias: a change that reaches the output whatever the ReLU zeroes
        using (global::NativeNet.Autograd.NoGrad()) net.Parameters().Last().AsSpan()[0] += 1f;
        compiled.Forward(x, y);
        Assert.Equal(2, compiled.Compilations);
        AssertClose(Eager(net, x), y.ToArray(), "after a parameter write");
        Assert.NotEqual(before, y.ToArray());

        net.ReplaceOutput(new Linear(5, 2));
        compiled.Forward(x, y);
        Assert.Equal(3, compiled.Compilations);
        AssertClose(Eager(net, x), y.ToArray(), "after replacing a field layer");
    }

    private sealed class FieldLayers : Module
    {
        private readonly Linear _hidden = new(6, 5);
        private Linear _out = new(5, 2);

        public void ReplaceOutput(Linear layer)
        {
            _out.Dispose();
            _out = layer;
        }

        public override Tensor Forward(Tensor input)
        {
            using var h = _hidden.Call(input);
            using var a = h.Relu();
            return _out.Call(a);
        }
    }

    private sealed class PeakSteps : Module
    {
        private readonly Linear _fc = new(4, 2);

        public PeakSteps() => RegisterModule("fc", _fc);

        public override Tensor Forward(Tensor input)
        {
            using var peak = input.Max(1);
            return _fc.Call(peak);
        }
    }

    internal static Tensor Input(int[] shape, int seed)
    {
        var data = new float[shape.Aggregate(1, (a, d) => a * d)];
        new Generator((ulong)seed).FillNormal(data, 0, 1);
        return Tensor.FromArray(data, shape);
    }

    // A network in eval mode whose norm statistics moved, its input, and its eager eval output.
    private sealed record Prepared(Module Net, Tensor X, float[] Eager) : IDisposable
    {
        public void Dispose()
        {
            Net.Dispose();
            X.Dispose();
        }
    }

    private static Prepared Prepare(Func<Module> build, int[] shape, int seed)
    {
        var net = build();
        var x = Input(shape, seed);
        MoveNormStatistics(net, x);
        net.Eval();
        return new Prepared(net, x, Eager(net, x));
    }

    // A training-mode forward moves BatchNorm's running statistics away from (0, 1), so folding them matters.
    private static void MoveNormStatistics(Module net, Tensor x)
    {
        net.Train();
        using (global::NativeNet.Autograd.NoGrad()) net.Forward(x).Dispose();
    }

    private static float[] Eager(Module net, Tensor x)
    {
        using (global::NativeNet.Autograd.NoGrad()) using (var y = net.Forward(x)) return y.ToArray();
    }

    private static float[] Compiled(CompiledModule compiled, Tensor x)
    {
        using var y = compiled.Forward(x);
        return y.ToArray();
    }

    private static float RelativeError(float[] expected, float[] actual)
    {
        float scale = expected.Max(MathF.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = MathF.Max(worst, MathF.Abs(expected[i] - actual[i]));
        return worst / Math.Max(scale, 1e-30f);
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(RelativeError(expected, actual) <= Tolerance, $"{what}: compiled differs from eager by {RelativeError(expected, actual):E2} of the output's scale");
    }
}
