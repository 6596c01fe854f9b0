using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using NativeNet.Data;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli.Hostile;

/// <summary>A model trained once for the hostile-input tests.</summary>
public sealed class TrainedModel : IDisposable
{
    internal TempFolder Folder { get; } = new();
    internal string Model { get; }
    internal string Data { get; }

    public TrainedModel()
    {
        Model = HostileFiles.TrainModel(Folder);
        Data = Folder.Write("rows.csv", HostileFiles.Table(6));
    }

    public void Dispose() => Folder.Dispose();
}

/// <summary>
/// The reproductions of the CLI's hostile-input defects, each in a child process: exit code 2, one
/// line of at most 300 characters naming the file and the problem, within 60 s and 1 GB peak RSS —
/// or exit 0 with correct output — and nothing written but regular files.
/// </summary>
[Collection(NoParallel.Name)]
public class HostileInputTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    private const long OneGiB = 1L << 30;
    private static readonly Dictionary<string, string?> NoEnv = new();

    internal static ChildProcess.Measured Refused(string[] args, string[] mentions, IDictionary<string, string?>? env = null)
    {
        var r = ChildProcess.RunMeasured(env ?? NoEnv, TimeSpan.FromSeconds(60), args);
        string what = $"nativenet {string.Join(' ', args.Select(a => a.Length > 80 ? a[..80] + "…" : a))}";
        Assert.False(r.TimedOut, $"{what}: still running after 60 s");
        Assert.True(r.ExitCode == 2, $"{what}: exit {r.ExitCode}, stderr: {r.StdErr}");
        string err = r.StdErr.TrimEnd('\n');
        Assert.DoesNotContain('\n', err);
        Assert.True(err.Length <= 300, $"{what}: error line of {err.Length} characters");
        foreach (var m in mentions) Assert.Contains(m, err);
        Assert.True(r.PeakRssBytes < OneGiB, $"{what}: peak RSS {r.PeakRssBytes >> 20} MiB");
        return r;
    }

    private string Predict(string model, string data, string outPath, params string[] mentions) =>
        Refused(["predict", "--model", model, "--data", data, "--out", outPath], mentions).FirstErrorLine;

    // ---- 1. exceptions that escaped as exit 134

    [Fact]
    public void Io_errors_are_exit_2()
    {
        using var tmp = new TempFolder();
        Refused(["train", "--data", trained.Data, "--out", "/dev/full", "--epochs", "1", "--folds", "2"], ["--out '/dev/full' is a device, not a folder"]);
        Directory.CreateDirectory(tmp.File("dir"));
        Predict(trained.Model, trained.Data, tmp.File("dir"), "--out", "is a directory");
        File.CreateSymbolicLink(tmp.File("loop1"), tmp.File("loop2"));
        File.CreateSymbolicLink(tmp.File("loop2"), tmp.File("loop1"));
        Predict(tmp.File("loop1"), trained.Data, tmp.File("p.csv"), "loop1", "symbolic links");
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root") // root reads anything
        {
            string locked = tmp.Write("locked.csv", HostileFiles.Table(4));
            File.SetUnixFileMode(locked, UnixFileMode.None);
            Predict(trained.Model, locked, tmp.File("p.csv"), "locked.csv", "permission denied");
        }
    }

    public static TheoryData<string, string> SchemaTampering => new()
    {
        { "regression-without-target-stats", "target_mean" },
        { "unknown-task", "task 'foo'" },
        { "five-classes-one-output", "the schema needs [1, 5]" },
        { "null-child", "child 0 is null" },
        { "zero-scale", "scaler std 0 for feature 2" },
        { "one-feature-two-inputs", "does not accept the schema's input [1, 1]" },
        { "null-feature", "null or empty feature name" },
    };

    [Theory]
    [MemberData(nameof(SchemaTampering))]
    public void Inconsistent_model_files_are_refused_at_load(string kind, string mention)
    {
        using var tmp = new TempFolder();
        string bad = tmp.File($"{kind}.safetensors");
        switch (kind)
        {
            case "regression-without-target-stats": HostileFiles.TamperSchema(trained.Model, bad, s => { s["task"] = "regression"; s.Remove("target_mean"); }); break;
            case "unknown-task": HostileFiles.TamperSchema(trained.Model, bad, s => s["task"] = "foo"); break;
            case "five-classes-one-output": HostileFiles.TamperSchema(trained.Model, bad, s => s["classes"] = new JsonArray("a", "b", "c", "d", "e")); break;
            case "zero-scale": HostileFiles.TamperSchema(trained.Model, bad, s => s["scaler_std"]![1] = 0.0); break;
            case "null-feature": HostileFiles.TamperSchema(trained.Model, bad, s => s["features"]![0] = null); break;
            case "one-feature-two-inputs":
                HostileFiles.TamperSchema(trained.Model, bad, s => { s["features"] = new JsonArray("radius"); s["scaler_mean"] = new JsonArray(0.0); s["scaler_std"] = new JsonArray(1.0); });
                break;
            case "null-child": HostileFiles.TamperArchitecture(trained.Model, bad, a => { a["Children"]!.AsArray().Insert(0, null); return a; }); break;
        }
        Predict(bad, trained.Data, tmp.File("p.csv"), $"Model file '{bad}'", mention);
        Assert.False(File.Exists(tmp.File("p.csv")));
    }

    [Fact]
    public void Label_and_level_counts_that_overflowed_are_limits()
    {
        using var tmp = new TempFolder();
        var labels = new StringBuilder("x,label\n");
        for (int i = 0; i < 200_000; i++) labels.Append(i % 7).Append(",c").Append(i / 2).Append('\n'); // 10^5 labels × 2 rows
        Refused(["train", "--data", tmp.Write("labels.csv", labels.ToString()), "--folds", "2", "--epochs", "1", "--out", tmp.File("o")],
            ["labels.csv", "100,000 classes", "NATIVENET_MAX_CLASSES"]);
        var levels = new StringBuilder("site,x,y\n");
        for (int i = 0; i < 50_000; i++) levels.Append("s").Append(i).Append(',').Append(i % 5).Append(',').Append(i % 2).Append('\n');
        Refused(["train", "--data", tmp.Write("levels.csv", levels.ToString()), "--folds", "2", "--epochs", "1", "--out", tmp.File("o")],
            ["levels.csv", "column 'site'", "1,000 distinct values", "NATIVENET_MAX_LEVELS"]);
        Assert.False(Directory.Exists(tmp.File("o")));
    }

    // ---- 2. special files

    [Fact]
    public void Devices_fifos_and_directories_are_not_read()
    {
        using var tmp = new TempFolder();
        File.CreateSymbolicLink(tmp.File("zero.safetensors"), "/dev/zero");
        File.CreateSymbolicLink(tmp.File("random.csv"), "/dev/urandom");
        string fifo = HostileFiles.Fifo(tmp.File("pipe.csv"));
        Predict(tmp.File("zero.safetensors"), trained.Data, tmp.File("p.csv"), "zero.safetensors", "is a device");
        Predict(trained.Model, tmp.File("random.csv"), tmp.File("p.csv"), "random.csv", "is a device");
        Predict(trained.Model, fifo, tmp.File("p.csv"), "pipe.csv", "named pipe (FIFO)");
        Refused(["train", "--data", fifo, "--out", tmp.File("o")], ["pipe.csv", "named pipe"]);
        Refused(["evaluate", "--model", trained.Model, "--data", tmp.Path], ["is a directory, not a file"]);
    }

    // ---- 3. memory and time

    [Fact]
    public void A_line_longer_than_the_limit_is_refused_while_streaming()
    {
        using var tmp = new TempFolder();
        string csv = tmp.Write("long.csv", HostileFiles.Header + "\n1,2,benign\n" + new string('9', 2_000_000) + ",1,malignant\n");
        var env = new Dictionary<string, string?> { ["NATIVENET_MAX_LINE_CHARS"] = "100000" };
        Refused(["train", "--data", csv, "--out", tmp.File("o")], ["long.csv", "row 3", "100,000 characters", "NATIVENET_MAX_LINE_CHARS"], env);
    }

    [Fact]
    public void Text_in_a_feature_column_of_predict_is_an_error_not_a_level()
    {
        using var tmp = new TempFolder();
        string csv = tmp.Write("text.csv", "radius,texture\nhello,1\n2,3\n");
        Predict(trained.Model, csv, tmp.File("p.csv"), "text.csv", "row 2", "column 'radius'", "'hello' is not a number");
    }

    [Fact]
    public void Too_many_labels_and_one_hot_levels_are_refused_early()
    {
        using var tmp = new TempFolder();
        var labels = new StringBuilder("x,label\n");
        for (int i = 0; i < 20_000; i++) labels.Append(i % 3).Append(",L").Append(i).Append('\n');
        Refused(["train", "--data", tmp.Write("labels.csv", labels.ToString()), "--out", tmp.File("o")], ["labels.csv", "20,000 classes"]);
        var text = new StringBuilder("name,x,y\n");
        for (int i = 0; i < 20_000; i++) text.Append('n').Append(i).Append(',').Append(i % 3).Append(',').Append(i % 2).Append('\n');
        Refused(["train", "--data", tmp.Write("onehot.csv", text.ToString()), "--out", tmp.File("o")], ["onehot.csv", "column 'name'", "distinct values"]);
    }

    [Fact]
    public void Npz_bombs_are_refused_from_the_zip_directory()
    {
        using var tmp = new TempFolder();
        // A real bomb: 64 MiB of zeros deflate to a few dozen KiB.
        string bomb = tmp.File("bomb.npz");
        using (var zip = ZipFile.Open(bomb, ZipArchiveMode.Create))
        {
            HostileFiles.WriteNpy(zip, "images.npy", "|u1", [4096, 128, 128], 4096L * 128 * 128);
            HostileFiles.WriteNpy(zip, "labels.npy", "<i8", [4096], 4096L * 8);
        }
        Refused(["train", "--data", bomb, "--out", tmp.File("o")], ["bomb.npz[images.npy]", "compression ratio", "NATIVENET_MAX_NPZ_RATIO"],
            new Dictionary<string, string?> { ["NATIVENET_MAX_NPZ_RATIO"] = "100" });
        // A directory that declares 4 × 1.9 GB.
        string declared = tmp.File("declared.npz");
        using (var zip = ZipFile.Open(declared, ZipArchiveMode.Create))
            for (int i = 0; i < 4; i++) HostileFiles.WriteNpy(zip, $"part{i}.npy", "|u1", [16], 16);
        byte[] b = File.ReadAllBytes(declared);
        for (int at = b.AsSpan().IndexOf("PK\u0001\u0002"u8); at >= 0 && at + 28 <= b.Length;)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + 24), 1_900_000_000);
            int next = b.AsSpan(at + 4).IndexOf("PK\u0001\u0002"u8);
            at = next < 0 ? -1 : at + 4 + next;
        }
        File.WriteAllBytes(declared, b);
        Refused(["train", "--data", declared, "--out", tmp.File("o")], ["declared.npz", "NATIVENET_MAX_NPZ"]);
    }

    [Fact]
    public void Architecture_and_parameter_limits_hold_before_allocation()
    {
        using var tmp = new TempFolder();
        string deep = HostileFiles.TamperArchitecture(trained.Model, tmp.File("deep.safetensors"), a =>
        {
            var children = a["Children"]!.AsArray();
            for (int i = 0; i < 20_000; i++) children.Add(new JsonObject { ["Name"] = $"r{i}", ["Spec"] = new JsonObject { ["Type"] = "ReLU" } });
            return a;
        });
        Predict(deep, trained.Data, tmp.File("p.csv"), "deep.safetensors", "more than 10,000 modules", "NATIVENET_MAX_LAYERS");
        Refused(["train", "--data", trained.Data, "--model", "mlp:30000,30000", "--out", tmp.File("o")], ["mlp:30000,30000", "900,", "--max-params 50,000,000"]);
        Assert.False(Directory.Exists(tmp.File("o")));
    }

    [Fact]
    public void Two_hundred_thousand_columns_are_matched_in_linear_time()
    {
        using var tmp = new TempFolder();
        const int width = 200_000;
        var features = Enumerable.Range(0, width).Select(i => $"f{i}").ToList();
        var schema = new NativeNet.Cli.Tabular.ModelSchema
        {
            Features = features, Target = "y", Classes = ["no", "yes"],
            ScalerMean = new double[width], ScalerStd = Enumerable.Repeat(1.0, width).ToList(),
        };
        string model = tmp.File("wide.safetensors");
        using (var net = new NativeNet.Nn.Sequential(new NativeNet.Nn.Linear(width, 1)))
            NativeNet.Serialization.Model.Save(net, model, new Dictionary<string, string> { [NativeNet.Serialization.Model.SchemaKey] = schema.ToJson() });
        string csv = tmp.Write("wide.csv", string.Join(",", features) + "\n" + string.Join(",", Enumerable.Repeat("0", width)) + "\n");
        var r = ChildProcess.RunMeasured(NoEnv, TimeSpan.FromSeconds(60), "predict", "--model", model, "--data", csv, "--out", tmp.File("p.csv"));
        Assert.True(r.ExitCode == 0, $"exit {r.ExitCode} after {r.Elapsed.TotalSeconds:F1} s: {r.StdErr}");
        Assert.Equal(2, File.ReadAllLines(tmp.File("p.csv")).Length);
        Assert.True(r.PeakRssBytes < OneGiB, $"peak RSS {r.PeakRssBytes >> 20} MiB");
    }

    // ---- 4. silent wrong output

    [Fact]
    public void Values_beyond_float_range_are_rejected_with_row_and_column()
    {
        using var tmp = new TempFolder();
        string big = tmp.Write("big.csv", "radius,texture\n1,2\n3,1e39\n");
        Predict(trained.Model, big, tmp.File("p.csv"), "big.csv", "row 3", "column 'texture'", "'1e39' is outside the float range");
        string train = tmp.Write("bigtrain.csv", HostileFiles.Table(8) + "1e39,2,benign\n");
        Refused(["train", "--data", train, "--out", tmp.File("o")], ["bigtrain.csv", "row 10", "column 'radius'", "outside the float range"]);
        string huge = tmp.Write("huge.csv", "radius,texture,diagnosis\n1,2,benign\n1e400,2,benign\n");
        Refused(["evaluate", "--model", trained.Model, "--data", huge], ["huge.csv", "row 3", "column 'radius'", "'1e400' is not a number"]);
        Assert.False(File.Exists(tmp.File("p.csv")));
    }

    [Fact]
    public void Predict_output_is_rfc4180_with_formulas_neutralized()
    {
        using var tmp = new TempFolder();
        string model = HostileFiles.TrainModel(tmp, "quoted", HostileFiles.Table(24, "\"=HYPERLINK(\"\"http://x\"\")\"", "\"a,b\nc\""));
        var r = ChildProcess.RunMeasured(NoEnv, TimeSpan.FromSeconds(60), "predict", "--model", model, "--data", trained.Data, "--out", tmp.File("p.csv"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var reader = new StreamReader(tmp.File("p.csv"));
        var records = CsvParser.Read(reader, "p.csv").ToList();
        Assert.Equal(7, records.Count);
        Assert.Equal("probability_a,b\nc", records[0].Fields[1]); // classes sort ordinally, so "a,b\nc" is the positive class
        foreach (var rec in records.Skip(1))
        {
            Assert.Equal(3, rec.Fields.Length);
            Assert.Contains(rec.Fields[2], new[] { "'=HYPERLINK(\"http://x\")", "a,b\nc" });
        }
    }

    // ---- 5. half-written or wrong-target output

    [Fact]
    public void Train_leaves_the_old_pair_when_a_target_is_not_a_file()
    {
        using var tmp = new TempFolder();
        string outDir = tmp.File("o");
        Directory.CreateDirectory(Path.Combine(outDir, "report.html"));
        File.WriteAllText(Path.Combine(outDir, "model.safetensors"), "old model");
        Refused(["train", "--data", trained.Data, "--epochs", "1", "--folds", "2", "--out", outDir], ["report.html", "is a directory"]);
        Assert.Equal("old model", File.ReadAllText(Path.Combine(outDir, "model.safetensors")));
        Assert.Empty(Directory.GetFiles(outDir, "*.tmp"));
    }

    [Fact]
    public void Predict_and_export_replace_only_regular_files_that_are_not_inputs()
    {
        using var tmp = new TempFolder();
        string fifo = HostileFiles.Fifo(tmp.File("out.fifo"));
        Predict(trained.Model, trained.Data, fifo, "--out", "named pipe");
        Assert.Equal(NativeNet.Cli.Safety.FileType.Fifo, NativeNet.Cli.Safety.FileKind.Of(fifo).Type);
        string victim = tmp.Write("victim.txt", "keep");
        File.CreateSymbolicLink(tmp.File("link.csv"), victim);
        Predict(trained.Model, trained.Data, tmp.File("link.csv"), "--out", "symbolic link");
        Assert.Equal("keep", File.ReadAllText(victim));
        string model = tmp.File("m.safetensors");
        File.Copy(trained.Model, model);
        byte[] before = File.ReadAllBytes(model);
        Predict(model, trained.Data, Path.Combine(tmp.Path, ".", "m.safetensors"), "same file as --model");
        Refused(["export", "--model", model, "--onnx", model], ["same file as --model"]);
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Fact]
    public void Predict_removes_temporaries_of_killed_runs()
    {
        using var tmp = new TempFolder();
        int dead;
        using (var p = System.Diagnostics.Process.Start("true")!) { p.WaitForExit(); dead = p.Id; }
        string stale = tmp.Write($".p.csv.{dead}.{Guid.NewGuid():N}.tmp", "partial");
        string live = tmp.Write($".p.csv.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp", "in progress");
        var r = ChildProcess.RunMeasured(NoEnv, TimeSpan.FromSeconds(60), "predict", "--model", trained.Model, "--data", trained.Data, "--out", tmp.File("p.csv"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.False(File.Exists(stale), "a temporary of a finished process must be removed");
        Assert.True(File.Exists(live), "a temporary of a running process must stay");
    }

    // ---- 6. messages

    [Fact]
    public void Error_lines_are_capped_and_escaped()
    {
        using var tmp = new TempFolder();
        string longCell = tmp.Write("cell.csv", "radius,texture\n1," + new string('x', 1_000_000) + "\n");
        string line = Predict(trained.Model, longCell, tmp.File("p.csv"), "cell.csv", "row 2", "…");
        Assert.True(line.Length <= 300);
        string hostile = HostileFiles.TamperSchema(trained.Model, tmp.File("esc.safetensors"),
            s => s["features"] = new JsonArray("ra\u001b[31mdius", "tex\0ture\u202e"));
        line = Predict(hostile, trained.Data, tmp.File("p.csv"), "missing column(s)", "ra\\x1B[31mdius", "tex\\x00ture\\u202E");
        Assert.DoesNotContain(line, c => c < 0x20 || c == 0x7F || c == '\u202e');
    }
}
