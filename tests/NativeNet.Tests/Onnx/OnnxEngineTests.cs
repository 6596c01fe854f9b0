using Google.Protobuf;
using NativeNet.Nn;
using NativeNet.Onnx;
using NativeNet.Serialization.Onnx;
using NativeNet.Serialization.Onnx.Proto;
using NativeNet.Tests.Serialization;

namespace NativeNet.Tests.Onnx;

/// <summary>
/// The engine on NativeNet's own exports (no Python needed): outputs equal the modules' eval-mode
/// forward pass; a run allocates nothing after the first; native memory stays flat.
/// </summary>
[Collection(NativeNet.Tests.Support.NoParallel.Name)] // the working-set check sees the whole process
public class OnnxEngineTests
{
    [Fact]
    public void Own_exports_run_and_match_the_modules()
    {
        using var dir = new TempDir();
        foreach (var (name, build, shape) in PyTorchInterchangeTests.Architectures())
        {
            using var net = build();
            using var x = ModelFileTests.Input(61, shape);
            PyTorchInterchangeTests.Run(net, x); // a training pass moves BatchNorm statistics away from (0, 1)
            net.Eval();
            var expected = PyTorchInterchangeTests.Run(net, x);
            string path = dir.File(name + ".onnx");
            OnnxExporter.Export(net, shape, path);
            using var model = OnnxModel.Load(path);
            var y = new float[expected.Length];
            model.Run(x.ToArray(), shape.Select(d => (long)d).ToArray(), y);
            OnnxImportTests.AssertClose(expected, y, name);
        }
    }

    private static (OnnxModel Model, long[] Shape, float[] X, float[] Y) SmallCnn(TempDir dir)
    {
        var g = new Generator(5);
        using var net = new Sequential(new Conv2d(3, 8, 3, padding: 1, generator: g), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 8, 3, padding: 1, generator: g), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(8, 4, generator: g), new Softmax(-1));
        net.Eval();
        string path = dir.File("cnn.onnx");
        OnnxExporter.Export(net, [2, 3, 16, 16], path);
        var model = OnnxModel.Load(path);
        long[] shape = [2, 3, 16, 16];
        var x = Enumerable.Range(0, 2 * 3 * 16 * 16).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        return (model, shape, x, new float[8]);
    }

    [Fact]
    public void Conv_relu_maxpool_runs_as_one_step_with_the_values_of_the_separate_steps()
    {
        // LeNet's two stages, small: Conv -> ReLU -> MaxPool (26 -> 13 and 11 -> 5, floor) and a
        // 3x3/2 padded pooling after a padded conv, as ResNet's stem.
        using var dir = new TempDir();
        var g = new Generator(23);
        using var net = new Sequential(new Conv2d(1, 8, 3, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 16, 3, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(16, 8, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(3, 2, 1), new Flatten());
        net.Eval();
        string fusedPath = dir.File("fused.onnx"), splitPath = dir.File("split.onnx");
        OnnxExporter.Export(net, [5, 1, 28, 28], fusedPath);
        // The same graph with every ReLU output also a graph output: no MaxPool is its conv's sole reader.
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fusedPath));
        foreach (var relu in proto.Graph.Node.Where(n => n.OpType == "Relu").ToList())
            proto.Graph.Output.Add(new ValueInfoProto { Name = relu.Output[0] });
        File.WriteAllBytes(splitPath, proto.ToByteArray());
        using var fused = OnnxModel.Load(fusedPath);
        using var split = OnnxModel.Load(splitPath);
        int saved = NativeNetRuntime.Threads;
        try
        {
            foreach (long batch in new long[] { 5, 1 })
            {
                long[] shape = [batch, 1, 28, 28];
                Assert.Equal(3, fused.Profile(shape, 1).Count(s => s.Step.Contains(" + MaxPool node ")));
                Assert.DoesNotContain(split.Profile(shape, 1), s => s.Step.Contains(" + MaxPool node "));
                var x = Enumerable.Range(0, (int)(batch * 28 * 28)).Select(i => MathF.Sin(i * 0.61f) * 2).ToArray();
                var want = new float[batch * 8 * 3 * 3];
                foreach (int threads in new[] { 1, 2 }) // batch 5 at two threads: whole images a task; batch 1: the two passes
                {
                    NativeNetRuntime.Threads = threads;
                    var got = new float[want.Length];
                    split.Run(x, shape, want);
                    fused.Run(x, shape, got);
                    Assert.Equal(want, got); // max is exact: the same bits
                }
                using var xt = Tensor.FromArray(x, shape.Select(d => (int)d).ToArray());
                OnnxImportTests.AssertClose(PyTorchInterchangeTests.Run(net, xt), want, $"batch {batch}");
            }
        }
        finally
        {
            NativeNetRuntime.Threads = saved;
        }
    }

    [Fact]
    public void Strided_stem_and_maxpool_run_blocked_with_the_values_of_the_separate_steps()
    {
        // ResNet's stem, small: Conv 7x7/2 pad 3 -> BatchNorm -> ReLU -> MaxPool 3x3/2 pad 1. With the
        // blocked kernels (AVX-512) it is one BlockedStemMaxPoolStep; the split graph (the ReLU also an
        // output) runs the im2col convolution and the pooling: another sum order, so within 1e-5.
        using var dir = new TempDir();
        var g = new Generator(29);
        using var net = new Sequential(new Conv2d(3, 32, 7, stride: 2, padding: 3, bias: false, generator: g), new BatchNorm2d(32),
            new ReLU(), new MaxPool2d(3, 2, 1), new Flatten());
        net.Eval();
        string fusedPath = dir.File("stem.onnx"), splitPath = dir.File("stem_split.onnx");
        OnnxExporter.Export(net, [2, 3, 30, 26], fusedPath);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(fusedPath));
        foreach (var relu in proto.Graph.Node.Where(n => n.OpType == "Relu").ToList())
            proto.Graph.Output.Add(new ValueInfoProto { Name = relu.Output[0] });
        File.WriteAllBytes(splitPath, proto.ToByteArray());
        using var fused = OnnxModel.Load(fusedPath);
        using var split = OnnxModel.Load(splitPath);
        int saved = NativeNetRuntime.Threads;
        try
        {
            foreach (long batch in new long[] { 2, 1 })
            {
                long[] shape = [batch, 3, 30, 26];
                Assert.Equal(NativeNet.Onnx.Engine.BlockedLayout.BlockSize > 0 ? 1 : 0, fused.Profile(shape, 1).Count(s => s.Step.EndsWith(" BlockedStemMaxPoolStep")));
                Assert.DoesNotContain(split.Profile(shape, 1), s => s.Step.Contains(" + MaxPool node "));
                var x = Enumerable.Range(0, (int)(batch * 3 * 30 * 26)).Select(i => MathF.Sin(i * 0.43f) * 2).ToArray();
                var want = new float[batch * 32 * 8 * 7];
                var first = new float[want.Length];
                foreach (int threads in new[] { 1, 2 })
                {
                    NativeNetRuntime.Threads = threads;
                    var got = new float[want.Length];
                    split.Run(x, shape, want);
                    fused.Run(x, shape, got);
                    OnnxImportTests.AssertClose(want, got, $"batch {batch}, {threads} threads");
                    if (threads == 1) got.CopyTo(first, 0);
                    else Assert.Equal(first, got); // bands differ with the threads, the bits do not
                }
                using var xt = Tensor.FromArray(x, shape.Select(d => (int)d).ToArray());
                OnnxImportTests.AssertClose(PyTorchInterchangeTests.Run(net, xt), first, $"batch {batch} against PyTorch");
            }
        }
        finally
        {
            NativeNetRuntime.Threads = saved;
        }
    }

    /// <summary>x [batch, 3, 4, 5] -> Transpose(perm) -> Gather(axis, index) -> y; the transposed value also an output where asked.</summary>
    private static string TransposeGather(TempDir dir, string file, long[] perm, long axis, long index, bool transposedIsOutput)
    {
        var m = new ModelProto { IrVersion = 7, Graph = new GraphProto { Name = "g" } };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var g = m.Graph;
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (long d in new long[] { 3, 4, 5 }) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        g.Input.Add(new ValueInfoProto { Name = "x", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } });
        g.Output.Add(new ValueInfoProto { Name = "y" });
        if (transposedIsOutput) g.Output.Add(new ValueInfoProto { Name = "t" });
        var i = new TensorProto { Name = "i", DataType = 7 }; // a scalar int64: Gather drops the axis
        i.Int64Data.Add(index);
        g.Initializer.Add(i);
        var tr = new NodeProto { OpType = "Transpose", Name = "tr", Input = { "x" }, Output = { "t" } };
        tr.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeProto.Types.AttributeType.Ints, Ints = { perm } });
        var ga = new NodeProto { OpType = "Gather", Name = "ga", Input = { "t", "i" }, Output = { "y" } };
        ga.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis });
        g.Node.Add(tr);
        g.Node.Add(ga);
        string path = dir.File(file);
        File.WriteAllBytes(path, m.ToByteArray());
        return path;
    }

    [Fact]
    public void Gather_of_one_index_of_a_transpose_copies_straight_from_the_transpose_input()
    {
        // PyTorch's o[:, -1] after an LSTM (Transpose to batch-first, Gather of the last step),
        // and a permutation that moves every axis, gathered on an inner axis.
        using var dir = new TempDir();
        var cases = new (long[] Perm, long Axis, long Index, Func<long, long, long, float[], float> Want)[]
        {
            ([0, 2, 1, 3], 1, -1, (a, b, c, x) => x[((a * 3 + b) * 4 + 3) * 5 + c]),  // y[a][b][c] = x[a][b][3][c]
            ([2, 0, 3, 1], 2, 1, (a, b, c, x) => x[((b * 3 + c) * 4 + a) * 5 + 1]),   // y[a][b][c] = x[b][c][a][1]
        };
        foreach (var (perm, axis, index, want) in cases)
        {
            using var fused = OnnxModel.Load(TransposeGather(dir, "fused.onnx", perm, axis, index, false));
            using var split = OnnxModel.Load(TransposeGather(dir, "split.onnx", perm, axis, index, true));
            foreach (long batch in new long[] { 2, 1 })
            {
                long[] shape = [batch, 3, 4, 5];
                Assert.Single(fused.Profile(shape, 1), s => s.Step.StartsWith("Transpose node 'tr' + Gather node 'ga' "));
                Assert.DoesNotContain(split.Profile(shape, 1), s => s.Step.Contains(" + "));
                var x = Enumerable.Range(0, (int)(batch * 60)).Select(v => v * 0.5f - 7).ToArray();
                var os = fused.OutputShape(shape);
                Assert.Equal(3, os.Length);
                var y = new float[os[0] * os[1] * os[2]];
                fused.Run(x, shape, y);
                var expected = new float[y.Length];
                for (long a = 0; a < os[0]; a++)
                    for (long b = 0; b < os[1]; b++)
                        for (long c = 0; c < os[2]; c++)
                            expected[(a * os[1] + b) * os[2] + c] = want(a, b, c, x);
                Assert.Equal(expected, y);
                Assert.Equal(expected, split.Run(new Dictionary<string, (float[], long[])> { ["x"] = (x, shape) })["y"].Data);
            }
        }
    }

    [Fact]
    public void A_selection_after_a_transpose_selects_first_with_the_same_values()
    {
        // A batch-first LSTM read at its last step: [T, B, H] -> Transpose -> [B, T, H] -> Slice/Squeeze
        // (our tracer: the Slice moves before the transpose) or Gather (torch.onnx.export: merged
        // into the transpose's copy) of step T-1. Neither transposes the whole sequence; the graph
        // with every Transpose output also a graph output does.
        using var dir = new TempDir();
        Generator.ManualSeed(31);
        using var net = new LastStep();
        net.Eval();
        string movedPath = dir.File("moved.onnx"), keptPath = dir.File("kept.onnx"), gatherPath = dir.File("gather.onnx");
        OnnxExporter.Export(net, [2, 7, 5], movedPath);
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(movedPath));
        var kept = proto.Clone();
        foreach (var t in kept.Graph.Node.Where(n => n.OpType == "Transpose").ToList())
            kept.Graph.Output.Add(new ValueInfoProto { Name = t.Output[0] });
        File.WriteAllBytes(keptPath, kept.ToByteArray());
        // The torch form: the Slice + Squeeze of the GRU's last step as one Gather of a scalar index.
        var gather = proto.Clone();
        var slice = gather.Graph.Node.First(n => n.OpType == "Slice" && gather.Graph.Node.Any(t => t.OpType == "Transpose" && t.Output[0] == n.Input[0]));
        var squeeze = gather.Graph.Node.Single(n => n.Input.Count > 0 && n.Input[0] == slice.Output[0]);
        var index = gather.Graph.Initializer.Single(i => i.Name == slice.Input[1]).Clone();
        index.Name = "last_step";
        index.Dims.Clear();
        gather.Graph.Initializer.Add(index);
        var axes = gather.Graph.Initializer.Single(i => i.Name == slice.Input[3]);
        var node = new NodeProto { OpType = "Gather", Name = "last_step_gather" };
        node.Input.AddRange([slice.Input[0], "last_step"]);
        node.Output.Add(squeeze.Output[0]);
        node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = BitConverter.ToInt64(axes.RawData.Span) });
        int at = gather.Graph.Node.IndexOf(slice);
        gather.Graph.Node.Remove(slice);
        gather.Graph.Node.Remove(squeeze);
        gather.Graph.Node.Insert(at, node);
        File.WriteAllBytes(gatherPath, gather.ToByteArray());

        long[] shape = [3, 7, 5];
        var x = Enumerable.Range(0, 3 * 7 * 5).Select(i => MathF.Cos(i * 0.29f)).ToArray();
        using var movedModel = OnnxModel.Load(movedPath);
        using var keptModel = OnnxModel.Load(keptPath);
        using var gatherModel = OnnxModel.Load(gatherPath);
        // a whole-tensor transpose step (a Gather merged into its transpose copies only the selection)
        int Transposes(OnnxModel m) => m.Profile(shape, 1).Count(s => s.Step.StartsWith("Transpose ") && !s.Step.Contains(" + Gather "));
        Assert.True(Transposes(movedModel) < Transposes(keptModel), $"{Transposes(movedModel)} transposes against {Transposes(keptModel)}");
        Assert.True(Transposes(gatherModel) < Transposes(keptModel), $"{Transposes(gatherModel)} transposes against {Transposes(keptModel)}");
        int saved = NativeNetRuntime.Threads;
        try
        {
            foreach (int threads in new[] { 1, 2 })
            {
                NativeNetRuntime.Threads = threads;
                float[] want = new float[3 * 3], got = new float[want.Length], viaGather = new float[want.Length];
                keptModel.Run(x, shape, want);
                movedModel.Run(x, shape, got);
                gatherModel.Run(x, shape, viaGather);
                Assert.Equal(want, got);   // the same copies in another order: the same bits
                Assert.Equal(want, viaGather);
            }
        }
        finally
        {
            NativeNetRuntime.Threads = saved;
        }
    }

    // lstm_ecg's shape of model: a batch-first LSTM read at its last step.
    private sealed class LastStep : Module
    {
        private readonly LSTM _lstm = new(5, 6, batchFirst: true);
        private readonly Linear _fc = new(6, 3);

        public override Tensor Forward(Tensor x)
        {
            var y = _lstm.Forward(x);
            return _fc.Forward(y.Select(1, y.Shape[1] - 1));
        }
    }

    [Fact]
    public void Bench_infer_profile_lists_steps_and_totals_per_op_type()
    {
        using var dir = new TempDir();
        var (model, _, _, _) = SmallCnn(dir);
        model.Dispose();
        var stdout = new StringWriter();
        int code = NativeNet.Cli.CliApp.Run(["bench", "infer", "--model", dir.File("cnn.onnx"), "--batch", "2", "--profile"], stdout, new StringWriter());
        Assert.Equal(0, code);
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // The two convolutions as steps of their own, then their total on one line.
        Assert.Equal(2, lines.Count(l => l.Contains(" ms  Conv node ")));
        Assert.Single(lines, l => l.Contains(" ms  all 2 Conv steps"));
        Assert.Contains(lines, l => l.StartsWith("infer ") && l.Contains("batch=2"));
    }

    [Fact]
    public void Bench_infer_profile_reps_is_checked_and_used()
    {
        using var dir = new TempDir();
        var (model, _, _, _) = SmallCnn(dir);
        model.Dispose();
        var stdout = new StringWriter();
        Assert.Equal(0, NativeNet.Cli.CliApp.Run(["bench", "infer", "--model", dir.File("cnn.onnx"), "--profile", "--profile-reps", "3"], stdout, new StringWriter()));
        Assert.Equal(2, stdout.ToString().Split('\n').Count(l => l.Contains(" ms  Conv node ")));
        var stderr = new StringWriter();
        Assert.Equal(2, NativeNet.Cli.CliApp.Run(["bench", "infer", "--model", dir.File("cnn.onnx"), "--profile", "--profile-reps", "0"], new StringWriter(), stderr));
        Assert.Contains("--profile-reps must be in [1, 100000]. Received: 0", stderr.ToString());
    }

    [Fact]
    public void Run_allocates_nothing_after_the_first_call()
    {
        using var dir = new TempDir();
        var (model, shape, x, y) = SmallCnn(dir);
        using (model)
        {
            model.Run(x, shape, y); // plans and allocates the arena
            var first = (float[])y.Clone();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++) model.Run(x, shape, y);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, allocated);
            Assert.Equal(first, y);
        }
    }

    [Fact]
    public void Native_memory_stays_flat_over_ten_thousand_calls()
    {
        using var dir = new TempDir();
        var (model, shape, x, y) = SmallCnn(dir);
        using (model)
        {
            for (int i = 0; i < 500; i++) model.Run(x, shape, y);
            GC.Collect();
            long before = Environment.WorkingSet;
            for (int i = 0; i < 10_000; i++) model.Run(x, shape, y);
            GC.Collect();
            long grown = Environment.WorkingSet - before;
            // the whole arena of this model is ~20 KB; a per-call leak of even 1 KB would add 10 MB
            Assert.True(grown < 4 << 20, $"working set grew by {grown:N0} bytes over 10,000 calls");
        }
    }

    [Fact]
    public void A_dynamic_batch_gets_its_own_plan_and_the_same_per_sample_results()
    {
        using var dir = new TempDir();
        var (model, shape, x, y) = SmallCnn(dir);
        using (model)
        {
            model.Run(x, shape, y);
            var one = new float[4];
            model.Run(x.AsSpan(0, 3 * 16 * 16), [1, 3, 16, 16], one);
            OnnxImportTests.AssertClose(y[..4], one, "batch 1 vs row 0 of batch 2");
            Assert.Equal([1L, 4L], model.OutputShape([1, 3, 16, 16]));
            var ex = Assert.Throws<ArgumentException>(() => model.Run(x, [2, 3, 8, 8], new float[8]));
            Assert.Contains("declares", ex.Message);
        }
    }

    [Fact]
    public void Plans_reuse_arena_buffers_across_layers()
    {
        using var dir = new TempDir();
        var (model, shape, _, _) = SmallCnn(dir);
        using (model)
        {
            var (arena, unshared) = model.PlanBytes(shape);
            Assert.True(arena < unshared * 3 / 4, $"arena {arena} bytes; one buffer per value would take {unshared}");
            // The first conv's 8x16x16 output is pooled inside its step (Conv -> ReLU -> MaxPool as one):
            // the largest value the plan keeps is the second conv's 8x8x8 output.
            Assert.True(arena >= 4L * 2 * 8 * 8 * 8, "the arena must at least hold the largest activation");
        }
    }
}
