using System.IO.Compression;
using NativeNet.Serialization;
using NativeNet.Serialization.PyTorch;
using NativeNet.Tests.Cli;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Serialization;

/// <summary>
/// .pth files written by torch.save (Python/pth_files.py) read tensor for tensor; the CLI converts
/// them; a pickle that names anything but a state dict's globals is refused without effect; and a
/// seeded mutation harness shows every damaged file either reads or throws InvalidDataException.
/// </summary>
public class PyTorchCheckpointTests
{
    private static readonly Lazy<string> Files = new(() =>
    {
        string dir = Directory.CreateTempSubdirectory("nn-pth-").FullName;
        Python.RunScript("pth_files.py", dir, Path.Combine(dir, "EXECUTED"));
        return dir;
    });

    private static void SameAsReference(IReadOnlyList<SafetensorsTensor> got, string referencePath)
    {
        using var reference = SafetensorsFile.Open(referencePath);
        Assert.Equal(reference.Entries.Select(e => e.Name), got.Select(t => t.Name));
        foreach (var t in got)
        {
            var e = reference[t.Name];
            Assert.True(e.Dtype == t.Dtype, $"{t.Name}: dtype {t.Dtype}, PyTorch {e.Dtype}");
            Assert.Equal(e.Shape, t.Shape);
            Assert.True(e.Bytes.SequenceEqual(t.Data.Span), $"{t.Name}: bytes differ");
        }
    }

    [PythonFact("torch", "torchvision")]
    public void Torchvision_resnet18_state_dict_converts_tensor_for_tensor()
    {
        string dir = Files.Value;
        var run = CliRun.Run("convert", "--from", Path.Combine(dir, "resnet18.pth"), "--to", Path.Combine(dir, "resnet18.safetensors"));
        Assert.True(run.ExitCode == 0, run.StdErr);
        using var converted = SafetensorsFile.Open(Path.Combine(dir, "resnet18.safetensors"));
        var tensors = converted.Entries.Select(e => new SafetensorsTensor(e.Name, e.Dtype, e.Shape, e.Bytes.ToArray())).ToList();
        SameAsReference(tensors, Path.Combine(dir, "resnet18.reference.safetensors"));
        // ... and loads strictly into the NativeNet model of the same name.
        using var model = NativeNet.Models.ResNet.ResNet18();
        var state = PyTorchCheckpoint.LoadStateDict(Path.Combine(dir, "resnet18.pth"));
        model.LoadStateDict(state);
        foreach (var t in state.Values) t.Dispose();
    }

    [PythonFact("torch", "torchvision")]
    public void Dtypes_shared_storages_offsets_and_strides_read_as_pytorch_holds_them()
    {
        string dir = Files.Value;
        SameAsReference(PyTorchCheckpoint.Read(Path.Combine(dir, "mixed.pth")), Path.Combine(dir, "mixed.reference.safetensors"));
    }

    [PythonFact("torch", "torchvision")]
    public void The_legacy_format_reads_as_pytorch_holds_it()
    {
        string dir = Files.Value;
        SameAsReference(PyTorchCheckpoint.Read(Path.Combine(dir, "mixed_legacy.pth")), Path.Combine(dir, "mixed.reference.safetensors"));
    }

    [PythonFact("torch", "torchvision")]
    public void A_pickle_calling_os_system_is_refused_with_exit_2_and_no_effect() => RefusedWithoutEffect("evil.pth");

    [PythonFact("torch", "torchvision")]
    public void A_legacy_pickle_calling_os_system_is_refused_with_exit_2_and_no_effect() => RefusedWithoutEffect("evil_legacy.pth");

    private static void RefusedWithoutEffect(string file)
    {
        string dir = Files.Value;
        string output = Path.Combine(dir, Path.ChangeExtension(file, ".safetensors"));
        var run = CliRun.Run("convert", "--from", Path.Combine(dir, file), "--to", output);
        Assert.Equal(NativeNet.Cli.CliApp.BadInput, run.ExitCode);
        Assert.Contains("posix.system", run.StdErr);   // os.system pickles as posix.system on Linux
        Assert.Single(run.StdErr.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(dir, "EXECUTED")), "the pickle's command ran");
        Assert.False(File.Exists(output), "an output file was written");
    }

    [PythonFact("torch", "torchvision")]
    public void A_torchvision_pth_pretrains_a_backbone_and_train_refuses_an_evil_one_without_effect()
    {
        string dir = Files.Value;
        using var model = NativeNet.Models.ResNet.ResNet18(3);
        Assert.False(model.LoadPretrained(Path.Combine(dir, "resnet18.pth")));   // 1,000-class head: not loaded
        using var reference = SafetensorsFile.Open(Path.Combine(dir, "resnet18.reference.safetensors"));
        var state = model.StateDict();
        foreach (var e in reference.Entries.Where(e => !e.Name.StartsWith("fc.", StringComparison.Ordinal)))
            Assert.True(e.ToFloat32().AsSpan().SequenceEqual(state[e.Name].ToArray()), e.Name);

        using var tmp = new TempFolder();
        string data = TrainBackboneTests.ImageFolder(tmp.File("images"));
        var run = CliRun.Run("train", "--data", data, "--model", "resnet18", "--image-size", "32", "--pretrained", Path.Combine(dir, "evil.pth"), "--out", tmp.File("out"));
        Assert.Equal(NativeNet.Cli.CliApp.BadInput, run.ExitCode);
        Assert.Contains("posix.system", run.StdErr);
        Assert.False(File.Exists(Path.Combine(dir, "EXECUTED")), "the pickle's command ran");
        Assert.False(Directory.Exists(tmp.File("out")) && Directory.EnumerateFileSystemEntries(tmp.File("out")).Any(), "a refused run wrote files");
    }

    [Fact]
    public void Not_a_checkpoint_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => PyTorchCheckpoint.Read(new MemoryStream("hello world"u8.ToArray()), "x.pth"));
        Assert.StartsWith("Invalid PyTorch checkpoint 'x.pth':", e.Message);
    }

    [PythonFact("torch", "torchvision")]
    public void Mutated_checkpoints_read_or_throw_InvalidDataException()
    {
        byte[] seed = File.ReadAllBytes(Path.Combine(Files.Value, "mixed.pth"));
        var entries = new List<(string Name, byte[] Data)>();
        using (var zip = new ZipArchive(new MemoryStream(seed), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                var ms = new MemoryStream();
                s.CopyTo(ms);
                entries.Add((e.FullName, ms.ToArray()));
            }
        int pickle = entries.FindIndex(e => e.Name.EndsWith("/data.pkl", StringComparison.Ordinal));
        Assert.True(pickle >= 0);
        var rng = new Random(20261204);
        int read = 0, refused = 0;
        const int iterations = 4000;
        for (int i = 0; i < iterations; i++)
        {
            byte[] file;
            string what;
            if (i % 4 == 0)
            {
                // Whole-file damage: zip headers, directory, storages.
                file = (byte[])seed.Clone();
                int at = rng.Next(file.Length);
                file[at] ^= (byte)(1 << rng.Next(8));
                what = $"file byte {at} flipped";
            }
            else
            {
                // A damaged pickle in an intact archive: the unpickler and the view checks.
                var p = (byte[])entries[pickle].Data.Clone();
                int at = rng.Next(p.Length);
                p[at] = rng.Next(3) == 0 ? (byte)rng.Next(256) : (byte)(p[at] ^ (1 << rng.Next(8)));
                if (rng.Next(8) == 0) p = p[..rng.Next(p.Length)];
                what = $"pickle byte {at} changed";
                var ms = new MemoryStream();
                using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
                    for (int k = 0; k < entries.Count; k++)
                    {
                        using var s = zip.CreateEntry(entries[k].Name, CompressionLevel.NoCompression).Open();
                        s.Write(k == pickle ? p : entries[k].Data);
                    }
                file = ms.ToArray();
            }
            if (ReadsOrRefuses(file, $"mutation {i} ({what})")) read++;
            else refused++;
        }
        Assert.Equal(iterations, read + refused);
        Assert.True(refused > iterations / 4, $"only {refused} of {iterations} mutations were refused: the mutations are too mild");
    }

    [PythonFact("torch", "torchvision")]
    public void Mutated_legacy_checkpoints_read_or_throw_InvalidDataException()
    {
        byte[] seed = File.ReadAllBytes(Path.Combine(Files.Value, "mixed_legacy.pth"));
        var rng = new Random(20261205);
        int read = 0, refused = 0;
        const int iterations = 4000;
        for (int i = 0; i < iterations; i++)
        {
            // Pickles, storage counts and elements alike: one byte flipped or replaced, sometimes truncated.
            var file = (byte[])seed.Clone();
            int at = rng.Next(file.Length);
            file[at] = rng.Next(3) == 0 ? (byte)rng.Next(256) : (byte)(file[at] ^ (1 << rng.Next(8)));
            if (rng.Next(8) == 0) file = file[..rng.Next(file.Length)];
            string what = $"byte {at} changed, {file.Length} bytes";
            if (ReadsOrRefuses(file, $"mutation {i} ({what})")) read++;
            else refused++;
        }
        Assert.True(refused > iterations / 4, $"only {refused} of {iterations} mutations were refused: the mutations are too mild");
    }

    // True when the damaged file reads into tensors of consistent sizes, false when it is refused
    // with an InvalidDataException naming it; anything else fails the test.
    private static bool ReadsOrRefuses(byte[] file, string what)
    {
        try
        {
            foreach (var t in PyTorchCheckpoint.Read(new MemoryStream(file), "fuzz.pth"))
                Assert.Equal(t.Shape.Aggregate(1L, (a, b) => a * b) * t.Dtype.ElementSize(), t.Data.Length);
            return true;
        }
        catch (InvalidDataException e)
        {
            Assert.True(e.Message.StartsWith("Invalid PyTorch checkpoint 'fuzz.pth':", StringComparison.Ordinal), $"{what}: {e.Message}");
            return false;
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{what} threw {e.GetType().Name}: {e.Message}");
            return false;
        }
    }
}
