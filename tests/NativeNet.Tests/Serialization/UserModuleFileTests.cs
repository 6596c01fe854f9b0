using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Serialization;

namespace NativeNet.Tests.Serialization;

/// <summary>Model.Save / Model.Load&lt;T&gt; for a user's Module subclass: type name and constructor arguments, no hand-written spec.</summary>
public class UserModuleFileTests
{
    // Plain fields, constructor arguments kept in properties (Hidden) and a field (_classes).
    public sealed class TinyNet : Module
    {
        private readonly Linear _fc1;
        private readonly Linear _out;
        private readonly int _classes;

        public TinyNet(int features, int hidden, int classes = 3)
        {
            Features = features;
            Hidden = hidden;
            _classes = classes;
            _fc1 = new Linear(features, hidden);
            _out = new Linear(hidden, classes);
        }

        public int Features { get; }
        public int Hidden { get; }
        public int ClassCount => _classes;

        public override Tensor Forward(Tensor x) => _out.Forward(_fc1.Forward(x).Relu());
    }

    public sealed class OtherNet : Module
    {
        private readonly Linear _fc = new(4, 3);
        public override Tensor Forward(Tensor x) => _fc.Forward(x);
    }

    // The constructor argument is used and dropped: nothing to read it back from.
    public sealed class ForgetfulNet(int hidden) : Module
    {
        private readonly Linear _fc = new(4, hidden);
        public override Tensor Forward(Tensor x) => _fc.Forward(x);
    }

    [Fact]
    public void A_user_module_saves_by_constructor_arguments_and_loads_as_its_type()
    {
        using var dir = new TempDir();
        Generator.ManualSeed(3);
        using var net = new TinyNet(4, 16, classes: 5);
        using var x = ModelFileTests.Input(4, 6, 4);
        float[] expected = ModelFileTests.Run(net.Eval(), x);
        string path = dir.File("tiny.safetensors");
        Model.Save(net, path);

        using var loaded = Model.Load<TinyNet>(path);
        Assert.Equal((4, 16, 5), (loaded.Features, loaded.Hidden, loaded.ClassCount));
        Assert.False(loaded.Training);
        Assert.Equal(expected, ModelFileTests.Run(loaded, x));
        Assert.Equal(net.StateDict().Keys, loaded.StateDict().Keys);
    }

    [Fact]
    public void Loading_as_another_type_or_untyped_names_the_recorded_type()
    {
        using var dir = new TempDir();
        using var net = new TinyNet(4, 8);
        string path = dir.File("tiny.safetensors");
        Model.Save(net, path);

        var wrong = Assert.Throws<InvalidDataException>(() => Model.Load<OtherNet>(path));
        Assert.Contains(typeof(TinyNet).FullName!, wrong.Message);
        Assert.Contains("Model.Load<TinyNet>", wrong.Message);
        var untyped = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(typeof(TinyNet).FullName!, untyped.Message);
        Assert.Contains("Model.Load<T>", untyped.Message);
        // A built-in architecture file loaded as a user type says what the file holds.
        using var seq = ModelFileTests.SmallNet(1);
        Model.Save(seq, dir.File("seq.safetensors"));
        Assert.Contains("holds a Sequential, not a TinyNet", Assert.Throws<InvalidDataException>(() => Model.Load<TinyNet>(dir.File("seq.safetensors"))).Message);
        using var asSequential = Model.Load<Sequential>(dir.File("seq.safetensors"));
    }

    [Fact]
    public void A_constructor_argument_without_a_field_is_named_and_no_file_is_left()
    {
        using var dir = new TempDir();
        using var net = new ForgetfulNet(8);
        var e = Assert.Throws<NotSupportedException>(() => Model.Save(net, dir.File("f.safetensors")));
        Assert.Contains("'hidden'", e.Message);
        Assert.Contains("ForgetfulNet", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Weights_that_do_not_fit_the_factory_name_the_parameter_and_both_shapes()
    {
        using var dir = new TempDir();
        using var net = new TinyNet(4, 8);
        string path = dir.File("tiny.safetensors");
        Model.Save(net, path);

        var e = Assert.Throws<InvalidDataException>(() => Model.Load(path, () => new TinyNet(4, 12)));
        Assert.Contains("fc1.weight", e.Message);
        Assert.Contains("[8, 4]", e.Message);
        Assert.Contains("[12, 4]", e.Message);
        using var same = Model.Load(path, () => new TinyNet(4, 8));
        Assert.Equal(8, same.Hidden);
    }

    [Fact]
    public void Edited_constructor_arguments_fail_on_the_weights_not_silently()
    {
        using var dir = new TempDir();
        using var net = new TinyNet(4, 8);
        string path = dir.File("tiny.safetensors");
        Model.Save(net, path);
        // Rewrite the architecture with hidden = 9 (and a fresh checksum-valid file): the weights no longer fit.
        IReadOnlyDictionary<string, string> md = Model.ReadMetadata(path);
        var edited = md.ToDictionary(kv => kv.Key, kv => kv.Value);
        edited[Model.ArchitectureKey] = edited[Model.ArchitectureKey].Replace("\"hidden\": 8", "\"hidden\": 9");
        Assert.NotEqual(md[Model.ArchitectureKey], edited[Model.ArchitectureKey]);
        var tensors = StateDictFile.ToSafetensors(net.StateDict()).ToList();
        SafetensorsWriter.Write(dir.File("edited.safetensors"), tensors, edited);
        var e = Assert.Throws<InvalidDataException>(() => Model.Load<TinyNet>(dir.File("edited.safetensors")));
        Assert.Contains("fc1.weight", e.Message);
        // A constructor argument of the wrong JSON type is named too.
        edited[Model.ArchitectureKey] = md[Model.ArchitectureKey].Replace("\"hidden\": 8", "\"hidden\": \"eight\"");
        SafetensorsWriter.Write(dir.File("typed.safetensors"), tensors, edited);
        Assert.Contains("'hidden'", Assert.Throws<InvalidDataException>(() => Model.Load<TinyNet>(dir.File("typed.safetensors"))).Message);
    }

    [Fact]
    public void Preprocessing_is_stored_with_the_model()
    {
        using var dir = new TempDir();
        using var net = new TinyNet(4, 8);
        var scaler = StandardScaler.FromValues([1, 2, 3, 4], [0.5, 1, 2, 4]);
        string path = dir.File("tiny.safetensors");
        Model.Save(net, path, preprocessing: scaler);
        using var loaded = Model.Load<TinyNet>(path, out var metadata);
        var back = Model.ReadPreprocessing(metadata)!;
        Assert.Equal(scaler.Mean, back.Mean);
        Assert.Equal(scaler.Scale, back.Scale);
        Model.Save(net, dir.File("plain.safetensors"));
        Assert.Null(Model.ReadPreprocessing(Model.ReadMetadata(dir.File("plain.safetensors"))));
    }

    [Fact]
    public async Task DiabetesCNN_saved_in_one_process_loads_in_a_fresh_one_and_its_ONNX_export_matches_Forward()
    {
        using var dir = new TempDir();
        var (saveCode, saveOut) = await RunSample("save", dir.Path);
        Assert.True(saveCode == 0, saveOut);
        Assert.Contains("Model saved", saveOut);
        var (loadCode, loadOut) = await RunSample("load", dir.Path);
        Assert.True(loadCode == 0, loadOut);
        Assert.Contains("max |Forward difference| 0 ", loadOut);

        // The traced ONNX export, run by ONNX Runtime on the probe's 4 images (traced at batch 1).
        var probe = StateDictFile.Load(Path.Combine(dir.Path, "probe.safetensors"));
        using var x = probe["input"];
        using var y = probe["output"];
        float[] expected = y.ToArray();
        float[] actual = Support.OnnxRuntimeClient.Run(Path.Combine(dir.Path, "diabetes_cnn.onnx"), x.ToArray(), [.. x.Shape.Select(d => (long)d)]);
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"output {i}: Forward {expected[i]}, ONNX Runtime {actual[i]}");
    }

    private static async Task<(int ExitCode, string Output)> RunSample(string mode, string dir)
    {
        var (exitCode, output, error) = await Support.SampleProcess.RunAsync("DiabetesCnnModule", mode, dir);
        return (exitCode, output + error);
    }
}
