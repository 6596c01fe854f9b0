using NativeNet.Nn;
using NativeNet.Serialization;
using NativeNet.Tests.Support;
using Xunit.Abstractions;

namespace NativeNet.Tests.Serialization;

/// <summary>
/// State dicts move both ways between NativeNet and PyTorch under the same names. The Python side
/// (Python/torch_interchange.py) reads and writes safetensors with struct + json + torch.frombuffer,
/// because Debian's python3-torch comes without the safetensors package. Skipped, with the reason,
/// when /usr/bin/python3 cannot import torch.
/// </summary>
public class PyTorchInterchangeTests(ITestOutputHelper output)
{
    internal static IEnumerable<(string Name, Func<Module> Build, int[] InputShape)> Architectures()
    {
        yield return ("mlp", () => ModelFileTests.SmallNet(11), [5, 4]);
        yield return ("cnn", () =>
        {
            var g = new Generator(12);
            return new Sequential(new Conv2d(2, 4, 3, padding: 1, generator: g), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
                new Flatten(), new Linear(64, 3, generator: g));
        }, [2, 2, 8, 8]);
        yield return ("lstm", () => new LSTM(3, 5, numLayers: 2, batchFirst: true, bidirectional: true, generator: new Generator(13)), [2, 6, 3]);
        yield return ("gru", () => new GRU(3, 4, numLayers: 1, generator: new Generator(14)), [6, 2, 3]);
    }

    internal static float[] Run(Module m, Tensor x)
    {
        using (global::NativeNet.Autograd.NoGrad())
        using (var y = m.Forward(x))
            return y.ToArray();
    }

    internal static void WriteIo(string path, Tensor x, Module m)
    {
        using (global::NativeNet.Autograd.NoGrad())
        using (var y = m.Forward(x))
            SafetensorsWriter.Write(path, StateDictFile.ToSafetensors([new("input", x), new("output", y)]));
    }

    [PythonFact("torch")]
    public void NativeNet_model_files_load_in_pytorch_with_the_same_outputs()
    {
        using var dir = new TempDir();
        var args = new List<string> { "check" };
        foreach (var (name, build, shape) in Architectures())
        {
            using var net = build();
            using var x = ModelFileTests.Input(21, shape);
            Run(net, x); // training-mode pass: BatchNorm running statistics move
            net.Eval();
            string model = dir.File(name + ".safetensors"), io = dir.File(name + ".io.safetensors");
            Model.Save(net, model);
            WriteIo(io, x, net);
            args.AddRange([model, io]);
        }
        output.WriteLine(Python.RunScript("torch_interchange.py", [.. args]));
    }

    [PythonFact("torch")]
    public void PyTorch_state_dicts_load_into_NativeNet_with_the_same_outputs()
    {
        using var dir = new TempDir();
        var args = new List<string> { "make" };
        foreach (var (name, build, shape) in Architectures())
        {
            using var net = build();
            string arch = dir.File(name + ".json");
            File.WriteAllText(arch, net.ToSpec().ToJson());
            args.AddRange([arch, dir.File(name + ".pt.safetensors"), dir.File(name + ".io.safetensors"), "5", "[" + string.Join(",", shape) + "]"]);
        }
        output.WriteLine(Python.RunScript("torch_interchange.py", [.. args]));
        foreach (var (name, build, _) in Architectures())
        {
            using var net = build();
            string weights = dir.File(name + ".pt.safetensors"), io = dir.File(name + ".io.safetensors");
            net.LoadStateDict(weights, strict: true);
            net.Eval();
            using var file = SafetensorsFile.Open(io);
            using var x = StateDictFile.ToTensor(file["input"]);
            float[] expected = file["output"].ToFloat32();
            float[] actual = Run(net, x);
            Assert.Equal(expected.Length, actual.Length);
            float scale = expected.Max(MathF.Abs);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(MathF.Abs(expected[i] - actual[i]) <= 1e-5f + 1e-4f * scale,
                    $"{name}: element {i}: NativeNet {actual[i]} vs PyTorch {expected[i]}");
            output.WriteLine($"{name}: {expected.Length} outputs match PyTorch");
        }
    }
}
