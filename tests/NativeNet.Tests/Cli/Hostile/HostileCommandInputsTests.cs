using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli.Hostile;

/// <summary>
/// The commands beyond train/evaluate/predict/export — `run` on ONNX, `convert`, and the image
/// inputs of train — pass the same gates: only regular files are read (a FIFO, a directory or a link
/// to /dev/zero is refused before it is opened), only absent or regular files are replaced, and an
/// output never overwrites an input. Each case is a child process: exit 2, one line naming the path.
/// </summary>
[Collection(NoParallel.Name)]
public class HostileCommandInputsTests
{
    private static string Corpus(string format, string file) => Path.Combine(AppContext.BaseDirectory, "Reliability", "corpus", format, file);

    private static void Refused(string[] args, params string[] mentions) => HostileInputTests.Refused(args, mentions);

    [Fact]
    public void Run_reads_and_writes_only_regular_files_and_never_its_inputs()
    {
        using var tmp = new TempFolder();
        string onnx = tmp.File("m.onnx"), npy = tmp.File("x.npy");
        File.Copy(Corpus("onnx", "mlp_opset12.onnx"), onnx);
        File.Copy(Corpus("npy", "f4_v1.npy"), npy);
        string fifo = HostileFiles.Fifo(tmp.File("pipe.onnx"));
        File.CreateSymbolicLink(tmp.File("zero.onnx"), "/dev/zero");
        File.CreateSymbolicLink(tmp.File("zero.npy"), "/dev/zero");
        Directory.CreateDirectory(tmp.File("dir.npy"));

        Refused(["run", "--model", fifo, "--input", npy, "--output", tmp.File("y.npy")], "pipe.onnx", "named pipe");
        Refused(["run", "--model", tmp.File("zero.onnx"), "--input", npy, "--output", tmp.File("y.npy")], "zero.onnx", "device");
        Refused(["run", "--model", onnx, "--input", tmp.File("zero.npy"), "--output", tmp.File("y.npy")], "zero.npy", "device");
        Refused(["run", "--model", onnx, "--input", tmp.File("dir.npy"), "--output", tmp.File("y.npy")], "dir.npy", "directory");
        Refused(["run", "--model", onnx, "--input", npy, "--output", tmp.File("dir.npy")], "--output", "dir.npy");
        Refused(["run", "--model", onnx, "--input", npy, "--output", HostileFiles.Fifo(tmp.File("out.npy"))], "--output", "named pipe");
        byte[] before = File.ReadAllBytes(npy);
        Refused(["run", "--model", onnx, "--input", npy, "--output", npy], "same file as --input");
        Refused(["run", "--model", onnx, "--input", npy, "--output", onnx], "same file as --model");
        Assert.Equal(before, File.ReadAllBytes(npy));
    }

    [Fact]
    public void Convert_reads_and_writes_only_regular_files_and_never_its_input()
    {
        using var tmp = new TempFolder();
        string fifo = HostileFiles.Fifo(tmp.File("pipe.pth"));
        File.CreateSymbolicLink(tmp.File("zero.pth"), "/dev/zero");
        Directory.CreateDirectory(tmp.File("dir.safetensors"));
        string pth = tmp.Write("w.pth", "not read");

        Refused(["convert", "--from", fifo, "--to", tmp.File("w.safetensors")], "pipe.pth", "named pipe");
        Refused(["convert", "--from", tmp.File("zero.pth"), "--to", tmp.File("w.safetensors")], "zero.pth", "device");
        Refused(["convert", "--from", pth, "--to", tmp.File("dir.safetensors")], "--to", "dir.safetensors");
        Refused(["convert", "--from", pth, "--to", HostileFiles.Fifo(tmp.File("out.safetensors"))], "--to", "named pipe");
        File.CreateSymbolicLink(tmp.File("same.safetensors"), pth);
        Refused(["convert", "--from", pth, "--to", tmp.File("same.safetensors")], "--to");
        Assert.Equal("not read", File.ReadAllText(pth));
    }

    [Fact]
    public void Image_folders_and_manifests_name_the_file_that_is_not_a_regular_one()
    {
        using var tmp = new TempFolder();
        string folder = tmp.File("images");
        Directory.CreateDirectory(Path.Combine(folder, "a"));
        Directory.CreateDirectory(Path.Combine(folder, "b"));
        File.WriteAllText(Path.Combine(folder, "a", "1.png"), "never decoded");
        HostileFiles.Fifo(Path.Combine(folder, "b", "pipe.png"));
        Refused(["train", "--data", folder, "--out", tmp.File("out")], "pipe.png", "named pipe");

        File.Delete(Path.Combine(folder, "b", "pipe.png"));
        File.CreateSymbolicLink(Path.Combine(folder, "b", "zero.png"), "/dev/zero");
        Refused(["train", "--data", folder, "--out", tmp.File("out")], "zero.png", "device");

        string manifest = tmp.Write("list.csv", $"path,label\n{Path.Combine(folder, "a", "1.png")},a\n{Path.Combine(folder, "b", "zero.png")},b\n");
        Refused(["train", "--data", manifest, "--out", tmp.File("out")], "zero.png", "device");
        Assert.False(Directory.Exists(tmp.File("out")) && Directory.EnumerateFileSystemEntries(tmp.File("out")).Any());
    }
}
