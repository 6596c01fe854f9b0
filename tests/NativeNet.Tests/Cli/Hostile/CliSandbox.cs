using NativeNet.Cli.Safety;

namespace NativeNet.Tests.Cli.Hostile;

/// <summary>
/// The shared inputs of the CLI mutation harness: valid seeds (tables, an image archive, three
/// trained models) and files of every kind a path may name; plus sentinels (a FIFO, a link to a
/// victim file, a link to /dev/null) whose kind and content must survive every case.
/// </summary>
internal sealed class CliSandbox : IDisposable
{
    private readonly TempFolder _tmp = new();

    public string Root => _tmp.Path;
    public string Table { get; }
    public string Rows { get; }
    public string Regression { get; }
    public string Images { get; }
    public string Model { get; }
    public string RegressionModel { get; }
    public string ImageModel { get; }
    public string Empty { get; }
    public string Directory { get; }
    public string DirectoryLink { get; }
    public string Fifo { get; }
    public string DevZero { get; }
    public string DevUrandom { get; }
    public string DevNullLink { get; }
    public string Loop { get; }
    public string Dangling { get; }
    public string Unreadable { get; }
    public string Victim { get; }
    public string VictimLink { get; }
    private const string VictimText = "victim: must never be overwritten";

    public CliSandbox()
    {
        Table = _tmp.Write("table.csv", HostileFiles.Table(24));
        Rows = _tmp.Write("rows.csv", HostileFiles.Table(6));
        var reg = new System.Text.StringBuilder("a,b,y\n");
        for (int i = 0; i < 20; i++) reg.Append(i).Append(',').Append(i % 4).Append(',').Append(i * 0.5 + i % 4).Append('\n');
        Regression = _tmp.Write("regression.csv", reg.ToString());
        Images = _tmp.File("images.npz");
        File.WriteAllBytes(Images, HostileFiles.ImageArchive());
        Model = HostileFiles.TrainModel(_tmp, "table");
        RegressionModel = HostileFiles.TrainModel(_tmp, "regression", reg.ToString(), "--task", "regression", "--target", "y");
        ImageModel = Train("images", Images, "--model", "cnn");
        Empty = _tmp.Write("empty.csv", "");
        Directory = System.IO.Directory.CreateDirectory(_tmp.File("a-directory")).FullName;
        DirectoryLink = Link("dir-link", Directory);
        Fifo = HostileFiles.Fifo(_tmp.File("pipe"));
        DevZero = Link("zero.safetensors", "/dev/zero");
        DevUrandom = Link("urandom.csv", "/dev/urandom");
        DevNullLink = Link("null.csv", "/dev/null");
        Loop = Link("loop-a", _tmp.File("loop-b"));
        Link("loop-b", Loop);
        Dangling = Link("dangling.csv", _tmp.File("nothing-here"));
        Unreadable = _tmp.Write("unreadable.csv", HostileFiles.Table(4));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Unreadable, UnixFileMode.None);
        Victim = _tmp.Write("victim.txt", VictimText);
        VictimLink = Link("victim-link.csv", Victim);
    }

    /// <summary>Null when every sentinel is intact, else what changed.</summary>
    public string? Damage()
    {
        if (FileKind.Of(Fifo, followLinks: false).Type != FileType.Fifo) return "the FIFO was replaced";
        foreach (var link in new[] { VictimLink, DevNullLink, DevZero, DevUrandom, DirectoryLink })
            if (FileKind.Of(link, followLinks: false).Type != FileType.Symlink) return $"{Path.GetFileName(link)} is no longer a link";
        if (File.ReadAllText(Victim) != VictimText) return "the victim file behind a link was written";
        if (FileKind.Of("/dev/null").Type != FileType.Device) return "/dev/null was replaced";
        return null;
    }

    private string Train(string name, string data, params string[] extra)
    {
        var r = CliRun.Run(["train", "--data", data, "--epochs", "1", "--folds", "2", "--out", _tmp.File(name), .. extra]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        return Path.Combine(_tmp.File(name), "model.safetensors");
    }

    private string Link(string name, string target)
    {
        File.CreateSymbolicLink(_tmp.File(name), target);
        return _tmp.File(name);
    }

    public void Dispose() => _tmp.Dispose();
}
