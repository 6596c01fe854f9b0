using NativeNet.Nn;
using NativeNet.Serialization;

namespace NativeNet.Tests.Serialization;

public class ModelFileTests
{
    internal static Sequential SmallNet(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(new Linear(4, 8, generator: g), new ReLU(), new BatchNorm1d(8), new Dropout(0.2), new Linear(8, 3, generator: g));
    }

    internal static Tensor Input(ulong seed, params int[] shape)
    {
        var g = new Generator(seed);
        var data = new float[shape.Aggregate(1, (a, b) => a * b)];
        g.FillNormal(data, 0, 1);
        return Tensor.FromArray(data, shape);
    }

    internal static float[] Run(Module m, Tensor x)
    {
        using (global::NativeNet.Autograd.NoGrad())
        using (var y = m.Forward(x))
            return y.ToArray();
    }

    [Fact]
    public void Saved_model_loads_and_gives_bitwise_identical_outputs()
    {
        using var dir = new TempDir();
        using var net = SmallNet(1);
        using var x = Input(2, 5, 4);
        // One training-mode pass moves BatchNorm's running statistics away from their defaults.
        Run(net, x);
        net.Eval();
        float[] expected = Run(net, x);
        string path = dir.File("net.safetensors");
        Model.Save(net, path, new Dictionary<string, string> { [Model.SchemaKey] = "{\"inputs\":[\"a\",\"b\",\"c\",\"d\"]}" });

        using var loaded = Model.Load(path, out var metadata);
        Assert.False(loaded.Training);
        Assert.Equal(expected, Run(loaded, x));
        Assert.Equal("{\"inputs\":[\"a\",\"b\",\"c\",\"d\"]}", metadata[Model.SchemaKey]);
        Assert.Equal("1", metadata[Model.FormatVersionKey]);
        Assert.Equal(net.StateDict().Keys, loaded.StateDict().Keys);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var", "2.num_batches_tracked", "4.weight", "4.bias"],
            file.Entries.Select(e => e.Name));
        Assert.Equal(SafetensorsDtype.I64, file["2.num_batches_tracked"].Dtype);
        Assert.Equal([1L], file["2.num_batches_tracked"].ToInt64());
        Assert.Equal(SafetensorsDtype.F32, file["0.weight"].Dtype);
        Assert.Equal([8L, 4L], file["0.weight"].Shape);
    }

    [Fact]
    public void Tampered_data_fails_the_checksum_and_names_the_file()
    {
        using var dir = new TempDir();
        using var net = SmallNet(3);
        string path = dir.File("net.safetensors");
        Model.Save(net, path);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^5] ^= 0x01; // inside the last tensor's data
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidDataException>(() => Model.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("SHA-256", ex.Message);
    }

    [Fact]
    public void Plain_state_dicts_and_bad_metadata_are_rejected_clearly()
    {
        using var dir = new TempDir();
        using var net = SmallNet(4);
        string plain = dir.File("plain.safetensors");
        StateDictFile.Save(net, plain);
        Assert.Contains("not a NativeNet model file", Assert.Throws<InvalidDataException>(() => Model.Load(plain)).Message);

        string future = dir.File("future.safetensors");
        SafetensorsWriter.Write(future, [], new Dictionary<string, string> { [Model.FormatVersionKey] = "99", [Model.ArchitectureKey] = "{}", [Model.Sha256Key] = "" });
        Assert.Contains("format version 99", Assert.Throws<InvalidDataException>(() => Model.Load(future)).Message);

        string badSpec = dir.File("badspec.safetensors");
        var empty = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Array.Empty<byte>()));
        SafetensorsWriter.Write(badSpec, [], new Dictionary<string, string> { [Model.FormatVersionKey] = "1", [Model.ArchitectureKey] = "{\"Type\":\"NoSuchLayer\"}", [Model.Sha256Key] = empty });
        var ex = Assert.Throws<InvalidDataException>(() => Model.Load(badSpec));
        Assert.Contains(badSpec, ex.Message);
        Assert.Contains("NoSuchLayer", ex.Message);

        Assert.Throws<ArgumentException>(() => Model.Save(net, dir.File("x.safetensors"), new Dictionary<string, string> { [Model.Sha256Key] = "0" }));
        Assert.False(File.Exists(dir.File("x.safetensors")));
    }

    [Fact]
    public void Weights_that_do_not_fit_the_architecture_are_InvalidDataException()
    {
        using var dir = new TempDir();
        using var net = SmallNet(5);
        string path = dir.File("net.safetensors");
        Model.Save(net, path);
        // Rewrite with a state dict missing a tensor but a valid checksum: strict loading must refuse it.
        using (var file = SafetensorsFile.Open(path))
        {
            var kept = file.Entries.Where(e => e.Name != "4.bias").Select(e => new SafetensorsTensor(e.Name, e.Dtype, e.Shape.ToArray(), e.Bytes.ToArray())).ToList();
            var md = file.Metadata.ToDictionary();
            md[Model.Sha256Key] = Convert.ToHexStringLower(Model.HashData(kept));
            SafetensorsWriter.Write(dir.File("missing.safetensors"), kept, md);
        }
        var ex = Assert.Throws<InvalidDataException>(() => Model.Load(dir.File("missing.safetensors")));
        Assert.Contains("4.bias", ex.Message);
    }

    private sealed class Custom : Module
    {
        public override Tensor Forward(Tensor input) => input;
    }

    [Fact]
    public void A_user_module_inside_a_container_cannot_be_saved_and_leaves_no_file()
    {
        // On its own a user module is saved by its constructor (UserModuleFileTests); inside a
        // Sequential the container's spec needs every child to describe itself.
        using var dir = new TempDir();
        using var net = new Sequential(new Custom());
        Assert.Contains("Custom does not describe its architecture", Assert.Throws<NotSupportedException>(() => Model.Save(net, dir.File("c.safetensors"))).Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void State_dict_files_load_by_name_with_strictness_and_prefix()
    {
        using var dir = new TempDir();
        using var a = SmallNet(6);
        using var b = SmallNet(7);
        string path = dir.File("sd.safetensors");
        SafetensorsWriter.Write(path, StateDictFile.ToSafetensors(a.StateDict(), prefix: "state_dict."));
        b.LoadStateDict(path, strict: true, prefix: "state_dict.");
        Assert.Equal(a.StateDict()["0.weight"].ToArray(), b.StateDict()["0.weight"].ToArray());

        using var c = new Sequential(new Linear(4, 8));
        var ex = Assert.Throws<InvalidDataException>(() => c.LoadStateDict(path, strict: true, prefix: "state_dict."));
        Assert.Contains("unexpected keys", ex.Message);
        var (missing, unexpected) = c.LoadStateDict(path, strict: false, prefix: "state_dict.");
        Assert.Empty(missing);
        Assert.Contains("4.weight", unexpected);
        Assert.Equal(a.StateDict()["0.bias"].ToArray(), c.StateDict()["0.bias"].ToArray());
    }
}
