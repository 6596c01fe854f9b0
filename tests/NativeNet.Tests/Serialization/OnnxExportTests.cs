using NativeNet.Nn;
using NativeNet.Serialization.Onnx;
using NativeNet.Serialization.Onnx.Proto;
using NativeNet.Tests.Support;
using Xunit.Abstractions;

namespace NativeNet.Tests.Serialization;

public class OnnxExportTests(ITestOutputHelper output)
{
    private static IEnumerable<(string Name, Func<Module> Build, int[] InputShape)> Architectures()
    {
        foreach (var a in PyTorchInterchangeTests.Architectures()) yield return a;
        yield return ("mlp_misc", () =>
        {
            var g = new Generator(31);
            return new Sequential(new Linear(6, 8, generator: g), new GELU(), new LayerNorm(8), new LeakyReLU(0.2), new Dropout(0.5),
                new Linear(8, 8, generator: g), new ELU(0.7), new Sigmoid(), new Linear(8, 4, bias: false, generator: g), new Tanh(), new LogSoftmax(1));
        }, [3, 6]);
        yield return ("cnn_pool", () =>
        {
            var g = new Generator(32);
            return new Sequential(new Conv2d(3, 4, 3, stride: 1, padding: 1, generator: g), new AvgPool2d(2), new Conv2d(4, 6, 3, padding: 1, groups: 2, generator: g),
                new BatchNorm2d(6), new ReLU(), new AdaptiveAvgPool2d(1), new Flatten(), new Linear(6, 2, generator: g), new Softmax(-1));
        }, [2, 3, 8, 8]);
        yield return ("conv1d_seq", () =>
        {
            var g = new Generator(33);
            return new Sequential(new Conv1d(2, 4, 5, padding: 2, generator: g), new BatchNorm1d(4), new ReLU(), new Flatten(), new Linear(4 * 16, 3, generator: g));
        }, [2, 2, 16]);
        yield return ("pool1d", () => NativeNet.Tests.Serialization.OnnxTraceExportTests.Pool1dLayers(), [2, 2, 23]);
        yield return ("lstm_time_mean", () =>
        {
            var g = new Generator(35);
            return new Sequential(new LSTM(3, 5, batchFirst: true, generator: g), new ReduceMean(1), new Linear(5, 2, generator: g));
        }, [2, 4, 3]);
        yield return ("linear_3d", () => new Sequential(new Linear(5, 3, generator: new Generator(34)), new Flatten(0, 1)), [2, 4, 5]);
    }

    [Fact]
    public void Exported_graph_has_opset_13_named_io_and_initializers()
    {
        using var net = ModelFileTests.SmallNet(41);
        var model = ModelProto.Parser.ParseFrom(OnnxExporter.ExportToBytes(net, [1, 4]));
        Assert.Equal(13, model.OpsetImport.Single().Version);
        Assert.Equal(7, model.IrVersion);
        Assert.Equal(["Gemm", "Relu", "BatchNormalization", "Identity", "Gemm", "Identity"], model.Graph.Node.Select(n => n.OpType));
        Assert.Equal("input", model.Graph.Input.Single().Name);
        Assert.Equal("output", model.Graph.Output.Single().Name);
        Assert.Equal("batch", model.Graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(3, model.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue);
        var w = model.Graph.Initializer.Single(i => i.Name == "0.weight");
        Assert.Equal([8L, 4L], w.Dims);
        Assert.Equal(net.StateDict()["0.weight"].ToArray(), System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(w.RawData.Span).ToArray());
        Assert.True(net.Training); // the exporter restores the mode
    }

    [Fact]
    public void Unsupported_modules_and_bad_shapes_are_refused_and_write_nothing()
    {
        using var dir = new TempDir();
        // A built-in layer in a configuration opset 13 has no op for (user modules are traced instead: OnnxTraceExportTests).
        using var net = new Sequential(new Conv2d(2, 2, 1), new AdaptiveAvgPool2d(3));
        var ex = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(net, [1, 2, 4, 4], dir.File("m.onnx")));
        Assert.Contains("AdaptiveAvgPool2d", ex.Message);
        Assert.Contains("4x4", ex.Message);
        Assert.Throws<ArgumentException>(() => OnnxExporter.Export(net, [0, 2, 4, 4], dir.File("m.onnx")));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [PythonFact("onnx", "torch")]
    public void Exported_models_pass_the_onnx_checker_and_reproduce_NativeNet_outputs()
    {
        using var dir = new TempDir();
        var args = new List<string>();
        foreach (var (name, build, shape) in Architectures())
        {
            using var net = build();
            using var x = ModelFileTests.Input(51, shape);
            PyTorchInterchangeTests.Run(net, x); // training-mode pass: BatchNorm running statistics move
            net.Eval();
            string onnx = dir.File(name + ".onnx"), io = dir.File(name + ".io.safetensors");
            OnnxExporter.Export(net, shape, onnx);
            PyTorchInterchangeTests.WriteIo(io, x, net);
            args.AddRange([onnx, io]);
        }
        output.WriteLine(Python.RunScript("onnx_check.py", [.. args]));
    }
}
