using System.Text;
using NativeNet.Tests.Reliability;

namespace NativeNet.Tests.Cli.Hostile;

/// <summary>One generated command line and what it was made of.</summary>
internal sealed record CliCase(int Index, string[] Args, string Description);

/// <summary>
/// Generates hostile command lines over every command (train, predict, evaluate, export, run, convert, info, bench): option values of the wrong type, out of
/// range, empty, huge or full of control characters; options missing, repeated or unknown; input
/// paths of every file kind (regular, empty, directory, FIFO, symlink to a device, symlink loop,
/// unreadable, missing) or mutated CSV / .npz / model files (bytes, schema JSON, architecture JSON);
/// output paths that are directories, FIFOs, links or the command's own input. Seeded: the same
/// sequence on every run.
/// </summary>
internal sealed class CliCaseGenerator
{
    private readonly Random _rng;
    private readonly CliSandbox _box;
    private readonly Mutator _csv, _npz, _model, _json;
    // The inputs of the case being generated: an output aimed at "the input" names these (never a shared seed).
    private string? _modelIn, _dataIn;

    public CliCaseGenerator(int seed, CliSandbox box)
    {
        _rng = new Random(seed);
        _box = box;
        _csv = new Mutator(seed + 1, "csv");
        _npz = new Mutator(seed + 2, "npz");
        _model = new Mutator(seed + 3, "safetensors");
        _json = new Mutator(seed + 4, "architecture");
    }

    private static readonly string[] Junk =
        ["", " ", "x", "-1", "0", "1e400", "NaN", "-Infinity", "99999999999999999999", "2147483648", "\u001b[31mred\u001b[0m", "a\0b", "\u202egnp.exe",
         "--", "-", "'; rm -rf /", "%s%n", new string('A', 5000)];

    public CliCase Next(int index, string caseDir)
    {
        var args = new List<string>();
        var what = new List<string>();
        _modelIn = _dataIn = null;
        if (_rng.Next(8) == 0) { args.AddRange(["--backend", Pick("auto", "native", "managed", "gpu", "")]); what.Add("backend"); }
        if (_rng.Next(8) == 0) { args.AddRange(["--threads", Pick("1", "2", "0", "-3", "1025", "x")]); what.Add("threads"); }
        string command = Pick("train", "train", "train", "predict", "predict", "evaluate", "evaluate", "export", "run", "convert", "info", "bench", "junk");
        what.Add(command);
        switch (command)
        {
            case "train": Train(args, what, caseDir); break;
            case "predict":
                args.Add("predict");
                Maybe(args, what, "--model", () => _modelIn = ModelPath(what, caseDir), 12);
                Maybe(args, what, "--data", () => _dataIn = DataPath(what, caseDir), 12);
                Maybe(args, what, "--out", () => OutputPath(what, caseDir), 12);
                break;
            case "evaluate":
                args.Add("evaluate");
                Maybe(args, what, "--model", () => ModelPath(what, caseDir), 12);
                Maybe(args, what, "--data", () => DataPath(what, caseDir), 12);
                if (_rng.Next(3) == 0) args.Add("--json");
                if (_rng.Next(6) == 0) args.AddRange(["--seed", Pick("1", "-1", "x", "2147483648")]);
                break;
            case "export":
                args.Add("export");
                Maybe(args, what, "--model", () => _modelIn = ModelPath(what, caseDir), 12);
                Maybe(args, what, "--onnx", () => OutputPath(what, caseDir), 12);
                break;
            case "run":
                args.Add("run");
                Maybe(args, what, "--model", () => _modelIn = Pick(0.5, () => Copy(Corpus("onnx", "mlp_opset12.onnx"), caseDir), () => FileKindPath(what, caseDir, _box.Model)), 12);
                Maybe(args, what, "--input", () => _dataIn = Pick(0.5, () => Copy(Corpus("npy", "f4_v1.npy"), caseDir), () => FileKindPath(what, caseDir, _box.Table)), 12);
                Maybe(args, what, "--output", () => OutputPath(what, caseDir), 12);
                break;
            case "convert":
                // Every --from here is refused (no .pth seed); the point is that no output is touched first.
                args.Add("convert");
                Maybe(args, what, "--from", () => _modelIn = Pick(0.3, () => _box.Model, () => FileKindPath(what, caseDir, _box.Table)), 12);
                Maybe(args, what, "--to", () => Pick(0.5, () => Path.Combine(caseDir, "w.safetensors"), () => OutputPath(what, caseDir)), 12);
                break;
            case "info":
                args.Add("info");
                if (_rng.Next(2) == 0) args.Add("--json");
                if (_rng.Next(4) == 0) args.Add(Junk[_rng.Next(Junk.Length)]);
                break;
            case "bench":
                // Only shapes that are tiny or invalid: a valid large shape is a benchmark, not a test.
                args.AddRange(Pick<string[]>(
                    ["bench", "gemm", "--shape", Pick("2x3x4", "0x1x1", "axbxc", "99999999999x1x1", "-1x2x2", "1x1", "")],
                    ["bench", "conv", "--shape", Pick("0x1x4x1", "1x1xax1", "-1x1x1x1", "1x1")],
                    ["bench", "rnn", "--shape", Pick("lstm:1x2x3", "gru:0x1x1x1", "rnn:1x1x1x1", "lstm:axbxcxd")],
                    ["bench", "models", "--model", Pick("nope", "")],
                    ["bench", Pick("nope", "", "--json")]));
                if (_rng.Next(3) == 0) args.Add("--json");
                break;
            default:
                args.Add(Junk[_rng.Next(Junk.Length)]);
                if (_rng.Next(2) == 0) args.Add(Junk[_rng.Next(Junk.Length)]);
                break;
        }
        // Argument-level damage: an unknown option, a repeated one, a dropped value.
        switch (_rng.Next(12))
        {
            case 0: args.Insert(_rng.Next(1, args.Count + 1), "--bogus"); what.Add("unknown option"); break;
            case 1 when args.Count >= 3: args.AddRange(args.Skip(args.Count - 2).Take(2).ToList()); what.Add("repeated option"); break;
            case 2 when args.Count >= 2: args.RemoveAt(args.Count - 1); what.Add("dropped value"); break;
        }
        return new CliCase(index, args.ToArray(), string.Join(", ", what));
    }

    private void Train(List<string> args, List<string> what, string caseDir)
    {
        args.Add("train");
        string data = Pick(0.6, () => _rng.Next(4) == 0 ? _box.Images : _rng.Next(3) == 0 ? _box.Regression : _box.Table, () => DataPath(what, caseDir));
        args.AddRange(["--data", data]);
        // Small by default so that valid cases train in a second or two.
        args.AddRange(["--epochs", Pick(0.85, () => Pick("1", "2"), () => Pick("0", "-1", "100001", "x", ""))]);
        args.AddRange(["--folds", Pick(0.85, () => Pick("2", "3"), () => Pick("1", "0", "1001", "x", "99999999999"))]);
        Maybe(args, what, "--model", () => Pick("mlp", "mlp:4", "mlp:3,2", "mlp:0", "mlp:65537", "mlp:30000,30000", "mlp:4,x", "cnn", "lstm", "lstm:3", "lstm:2,2", "resnet", ""), 3);
        Maybe(args, what, "--target", () => Pick("diagnosis", "texture", "y", "nope", "", "\u001b]0;pwned\u0007"), 4);
        Maybe(args, what, "--task", () => Pick("classification", "regression", "Regression", "ranking", ""), 4);
        Maybe(args, what, "--batch-size", () => Pick("1", "8", "0", "1048577", "x"), 5);
        Maybe(args, what, "--lr", () => Pick("0.01", "0", "-1", "NaN", "11", "1e-300", "x"), 5);
        Maybe(args, what, "--seed", () => Pick("0", "-1", "2147483647", "x"), 5);
        Maybe(args, what, "--max-params", () => Pick("1", "100", "0", "-5", "50000000", "99999999999999999999", "x"), 5);
        if (_rng.Next(4) == 0) args.Add("--json");
        args.AddRange(["--out", Pick(0.7, () => Path.Combine(caseDir, "out"), () => OutFolder(what, caseDir))]);
    }

    private void Maybe(List<string> args, List<string> what, string option, Func<string> value, int omitOneIn)
    {
        if (_rng.Next(omitOneIn) == 0) { what.Add($"no {option}"); return; }
        args.AddRange([option, _rng.Next(20) == 0 ? Junk[_rng.Next(Junk.Length)] : value()]);
    }

    private string ModelPath(List<string> what, string caseDir)
    {
        switch (_rng.Next(10))
        {
            case < 3: return Pick(_box.Model, _box.Model, _box.RegressionModel, _box.ImageModel);
            case 3:
            {
                what.Add("model bytes mutated");
                var bytes = _model.Next(File.ReadAllBytes(Pick(_box.Model, _box.ImageModel)), out string m);
                what.Add(m);
                return Write(caseDir, "mutated.safetensors", bytes);
            }
            case 4:
            {
                what.Add("schema mutated");
                string dest = Path.Combine(caseDir, "schema.safetensors");
                HostileFiles.Tamper(Pick(_box.Model, _box.RegressionModel, _box.ImageModel), dest, md =>
                    md[NativeNet.Serialization.Model.SchemaKey] = Encoding.UTF8.GetString(_json.Next(Encoding.UTF8.GetBytes(md[NativeNet.Serialization.Model.SchemaKey]!.GetValue<string>()), out _)));
                return dest;
            }
            case 5:
            {
                what.Add("architecture mutated");
                string dest = Path.Combine(caseDir, "arch.safetensors");
                HostileFiles.Tamper(Pick(_box.Model, _box.ImageModel), dest, md =>
                    md[NativeNet.Serialization.Model.ArchitectureKey] = Encoding.UTF8.GetString(_json.Next(Encoding.UTF8.GetBytes(md[NativeNet.Serialization.Model.ArchitectureKey]!.GetValue<string>()), out _)));
                return dest;
            }
            default: return FileKindPath(what, caseDir, Pick(_box.Table, _box.Images));
        }
    }

    private string DataPath(List<string> what, string caseDir)
    {
        switch (_rng.Next(10))
        {
            case < 3: return Pick(_box.Table, _box.Rows, _box.Regression, _box.Images);
            case < 5:
            {
                var bytes = _csv.Next(File.ReadAllBytes(Pick(_box.Table, _box.Rows)), out string m);
                what.Add($"csv {m}");
                return Write(caseDir, "mutated.csv", bytes);
            }
            case 5:
            {
                var bytes = _npz.Next(File.ReadAllBytes(_box.Images), out string m);
                what.Add($"npz {m}");
                return Write(caseDir, "mutated.npz", bytes);
            }
            default: return FileKindPath(what, caseDir, _box.Model);
        }
    }

    // A path of another kind than the command wants: empty, directory, FIFO, device link, loop, unreadable, missing, wrong format.
    private string FileKindPath(List<string> what, string caseDir, string wrongFormat)
    {
        string kind = Pick("empty", "directory", "fifo", "devzero", "devurandom", "loop", "unreadable", "missing", "wrong-format", "long-name", "dangling");
        what.Add($"file kind {kind}");
        return kind switch
        {
            "empty" => _box.Empty,
            "directory" => _box.Directory,
            "fifo" => _box.Fifo,
            "devzero" => _box.DevZero,
            "devurandom" => _box.DevUrandom,
            "loop" => _box.Loop,
            "unreadable" => _box.Unreadable,
            "missing" => Path.Combine(caseDir, "missing", "x.csv"),
            "long-name" => Path.Combine(caseDir, new string('n', 300) + ".csv"),
            "dangling" => _box.Dangling,
            _ => wrongFormat,
        };
    }

    private string OutputPath(List<string> what, string caseDir)
    {
        string kind = Pick("fresh", "fresh", "fresh", "directory", "fifo", "link", "devlink", "model", "data", "no-folder", "existing");
        what.Add($"output {kind}");
        return kind switch
        {
            "fresh" => Path.Combine(caseDir, "p.csv"),
            "directory" => _box.Directory,
            "fifo" => _box.Fifo,
            "link" => _box.VictimLink,
            "devlink" => _box.DevNullLink,
            "model" => _modelIn ?? Copy(_box.Model, caseDir),
            "data" => _dataIn ?? Copy(_box.Rows, caseDir),
            "no-folder" => Path.Combine(caseDir, "nowhere", "p.csv"),
            _ => Write(caseDir, "existing.csv", "old"u8.ToArray()),
        };
    }

    private string OutFolder(List<string> what, string caseDir)
    {
        string kind = Pick("file", "fifo", "devfull", "report-dir", "link-to-dir");
        what.Add($"out folder {kind}");
        switch (kind)
        {
            case "file": return Write(caseDir, "a-file", "x"u8.ToArray());
            case "fifo": return _box.Fifo;
            case "devfull": return "/dev/full";
            case "report-dir":
                Directory.CreateDirectory(Path.Combine(caseDir, "o", "report.html"));
                return Path.Combine(caseDir, "o");
            default: return _box.DirectoryLink;
        }
    }

    private static string Corpus(string format, string file) => Path.Combine(AppContext.BaseDirectory, "Reliability", "corpus", format, file);

    private static string Copy(string file, string folder) => Write(folder, "copy-" + Path.GetFileName(file), File.ReadAllBytes(file));

    private static string Write(string folder, string name, byte[] bytes)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private T Pick<T>(params T[] options) => options[_rng.Next(options.Length)];

    private string Pick(double p, Func<string> usual, Func<string> other) => _rng.NextDouble() < p ? usual() : other();
}
