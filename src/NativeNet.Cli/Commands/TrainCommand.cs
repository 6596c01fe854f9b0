using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using NativeNet.Cli.Safety;
using NativeNet.Cli.Tabular;
using NativeNet.Reporting;
using NativeNet.Serialization;

namespace NativeNet.Cli.Commands;

/// <summary>
/// `nativenet train`: cross-validates an MLP on a CSV table (or the seed's CNN on .npz images, an
/// LSTM on .npz signals), trains the final model on all rows, writes the model file (with its input
/// schema) and the HTML report. With no arguments it runs the bundled breast-cancer diagnosis example.
/// </summary>
public static class TrainCommand
{
    /// <summary>The model file name inside --out.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>The report file name inside --out.</summary>
    public const string ReportFile = "report.html";

    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var data = new Option<string?>("--data") { Description = $"CSV file (default: data/{DataLocator.DefaultFile}, the breast-cancer example), or .npz images (MedMNIST layout: train_images/train_labels, val_*, test_*, pooled; or images/labels) or signals (signals [N, T], labels [N])" };
        var target = new Option<string?>("--target") { Description = "Target column (default: diagnosis for the example, else the last column)" };
        var task = new Option<string>("--task") { Description = "classification (two or more classes: text labels or integers 0…K−1) or regression", DefaultValueFactory = _ => "classification" };
        var model = new Option<string?>("--model") { Description = "mlp (hidden 64,32) or mlp:H1,H2,… for CSV; cnn, or a torchvision backbone (resnet18, resnet34, resnet50, mobilenet_v2, densenet121, efficientnet_b0) for images; lstm or lstm:H for .npz signals (default: by data)" };
        var pretrained = new Option<string?>("--pretrained") { Description = "Backbones: start from torchvision-named weights, a .pt/.pth (torch.save(model.state_dict())) or .safetensors file; the head loads only if it has as many classes" };
        var freeze = new Option<string>("--freeze") { Description = "Backbones: backbone (train only the head; BatchNorm statistics kept) or none", DefaultValueFactory = _ => "none" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per fit", DefaultValueFactory = _ => 60 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size", DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => 1e-3 };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds (≥ 2)", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of splits, initialization, shuffles, dropout and bootstrap", DefaultValueFactory = _ => 42 };
        var outDir = new Option<string>("--out") { Description = "Output folder for the model and the report", DefaultValueFactory = _ => "out" };
        var json = new Option<bool>("--json") { Description = JsonHelp };
        var imageSize = new Option<int?>("--image-size") { Description = "Images: resize every image to N×N (default: images must all have the first one's size)" };
        var channels = new Option<int?>("--channels") { Description = "Images: 1 (grey) or 3 (RGB) input channels (default: as the first image)" };
        var augment = new Option<string>("--augment") { Description = "Images: light (rotation ±10°, small shifts, ±10% brightness/contrast, inside Fit) or none", DefaultValueFactory = _ => "light" };
        var valSplit = new Option<double>("--val-split") { Description = "Images: stratified fraction held out for the reported metrics", DefaultValueFactory = _ => 0.2 };
        var skipBad = new Option<bool>("--skip-bad") { Description = "Images: skip files that cannot be decoded (listed in the output) instead of stopping with exit code 2" };
        var maxParams = new Option<long>("--max-params") { Description = "Refuse a network with more trainable parameters than this", DefaultValueFactory = _ => CliLimits.DefaultMaxParams };
        var precision = CommonOptions.Precision("fp32, or bf16: matrix products with bfloat16 operands (float32 master weights, sums and everything else; see docs/bf16.md)");
        var distributed = new Option<bool>("--distributed") { Description = "Data-parallel training across the processes of an MPI job (mpirun -np N, srun; automatic when started by one): --batch-size is per process, rank 0 prints and writes. See docs/distributed.md" };
        var cmd = new Command("train", "Cross-validate and train a model on a CSV table or .npz images/signals, or train an image classifier on a folder of class sub-folders or a CSV manifest of image files; write the model file and an HTML report");
        foreach (var o in new Option[] { data, target, task, model, pretrained, freeze, epochs, batch, lr, folds, seed, outDir, json, imageSize, channels, augment, valSplit, skipBad, distributed, maxParams, precision }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string? dataArg = p.GetValue(data);
            string dataPath = dataArg ?? DataLocator.Find(DataLocator.DefaultFile);
            string outFolder = p.GetValue(outDir) ?? "out";
            CheckOutputs(outFolder, dataPath);
            string taskName = (p.GetValue(task) ?? "classification").ToLowerInvariant();
            if (taskName is not ("classification" or "regression"))
                throw new CliInputException($"--task must be classification or regression. Received: '{p.GetValue(task)}'");
            if (dataArg is not null && Images.ImageInputs.IsImageData(dataPath))
                return TrainImages(p, dataPath, Network(p, model, pretrained, freeze, "cnn", dataPath, InputKinds.Images), epochs, batch, lr, seed, outDir, json, imageSize, channels, augment, valSplit, skipBad, task, maxParams, precision, stdout);
            string input = ArrayData.IsNpz(dataPath) ? ArrayData.Kind(dataPath) : InputKinds.Table;
            var network = Network(p, model, pretrained, freeze, NetworkSpec.DefaultFor(input), dataPath, input);
            var settings = new TrainSettings
            {
                DataPath = dataPath,
                Target = p.GetValue(target) ?? (dataArg is null ? "diagnosis" : input == InputKinds.Table ? LastColumn(dataPath) : "labels"),
                Classification = taskName == "classification",
                Network = network,
                WeightDecay = network.WeightDecay,
                Epochs = Check(p.GetValue(epochs), "--epochs", 1, 100_000),
                BatchSize = Check(p.GetValue(batch), "--batch-size", 1, 1 << 20),
                LearningRate = CheckRate(p.GetValue(lr)),
                Folds = Check(p.GetValue(folds), "--folds", 2, 1000),
                Seed = p.GetValue(seed),
                OutDir = outFolder,
                MaxParams = p.GetValue(maxParams) is >= 1 and var mp ? mp : throw new CliInputException($"--max-params must be at least 1. Received: {p.GetValue(maxParams)}"),
                Distributed = p.GetValue(distributed) || DistributedRun.IsLaunchedByMpi,
                Precision = CommonOptions.ParsePrecision(p.GetValue(precision)),
            };
            return settings.Distributed ? DistributedRun.Run(rankOut => Run(settings, rankOut, p.GetValue(json)), stdout)
                                        : Run(settings, stdout, p.GetValue(json));
        });
        return cmd;
    }

    // --model with --pretrained and --freeze, which only backbones take.
    private static NetworkSpec Network(ParseResult p, Option<string?> model, Option<string?> pretrained, Option<string> freeze, string fallback, string dataPath, string input)
    {
        var spec = NetworkSpec.Parse(p.GetValue(model) ?? fallback, dataPath, input);
        string freezeWhat = (p.GetValue(freeze) ?? "none").ToLowerInvariant();
        if (freezeWhat is not ("none" or "backbone")) throw new CliInputException($"--freeze must be backbone or none. Received: '{p.GetValue(freeze)}'");
        string? weights = p.GetValue(pretrained);
        if ((weights is not null || freezeWhat == "backbone") && !spec.IsBackbone)
            throw new CliInputException($"--pretrained and --freeze apply to the backbones ({string.Join(", ", Models.Torchvision.Names)}), not to --model {spec}.");
        if (weights is not null) InputFile.Check(weights, "--pretrained", CliLimits.Current.MaxModelBytes, "NATIVENET_MAX_MODEL_BYTES");
        return spec with { Pretrained = weights, FreezeBackbone = freezeWhat == "backbone" };
    }

    private static int TrainImages(ParseResult p, string dataPath, NetworkSpec network, Option<int> epochs, Option<int> batch, Option<double> lr, Option<int> seed,
        Option<string> outDir, Option<bool> json, Option<int?> imageSize, Option<int?> channels, Option<string> augment, Option<double> valSplit, Option<bool> skipBad, Option<string> task, Option<long> maxParams, Option<string> precision, TextWriter stdout)
    {
        if ((p.GetValue(task) ?? "classification").ToLowerInvariant() != "classification")
            throw new CliInputException($"{dataPath}: image folders and manifests train classifiers; --task regression needs a CSV table.");
        string aug = (p.GetValue(augment) ?? "light").ToLowerInvariant();
        if (aug is not ("light" or "none")) throw new CliInputException($"--augment must be light or none. Received: '{p.GetValue(augment)}'");
        if (p.GetValue(channels) is { } c && c is not (1 or 3)) throw new CliInputException($"--channels must be 1 or 3. Received: {c}");
        if (p.GetValue(imageSize) is { } size) Check(size, "--image-size", 4, 4096);
        double vs = p.GetValue(valSplit);
        if (!(vs > 0 && vs < 1)) throw new CliInputException($"--val-split must be in (0, 1). Received: {vs.ToString(CultureInfo.InvariantCulture)}");
        if (network.IsBackbone && p.GetValue(channels) is 1) throw new CliInputException($"--model {network} reads RGB images: --channels must be 3 (grey images are repeated into three channels when --channels 3 is given).");
        var settings = new TrainSettings
        {
            DataPath = dataPath, Target = "label", Classification = true, Network = network, WeightDecay = network.WeightDecay,
            Epochs = Check(p.GetValue(epochs), "--epochs", 1, 100_000), BatchSize = Check(p.GetValue(batch), "--batch-size", 1, 1 << 20),
            LearningRate = CheckRate(p.GetValue(lr)), Seed = p.GetValue(seed), OutDir = p.GetValue(outDir) ?? "out",
            Precision = CommonOptions.ParsePrecision(p.GetValue(precision)),
            MaxParams = p.GetValue(maxParams) is >= 1 and var mp ? mp : throw new CliInputException($"--max-params must be at least 1. Received: {p.GetValue(maxParams)}"),
        };
        bool live = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        return Images.ImageTrainer.Run(settings, new Images.ImageOptions(p.GetValue(imageSize), p.GetValue(channels), aug, vs, p.GetValue(skipBad)), stdout, live, p.GetValue(json));
    }

    /// <summary>Runs training and writes the outputs; returns the exit code.</summary>
    public static int Run(TrainSettings settings, TextWriter stdout, bool json)
    {
        bool live = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
        using var outcome = TabularTrainer.Run(settings, stdout, live);
        PrintSummary(outcome, stdout);

        // Everything is computed before anything is written: a failed run leaves no files.
        // Data parallel: every rank holds the same model; rank 0 writes (the others print to nowhere).
        if (settings.Distributed && !DistributedRun.WritesFiles) return 0;
        var report = ReportBuilder.Build(outcome);
        CheckOutputs(settings.OutDir, settings.DataPath);
        var (modelPath, reportPath) = TrainOutputs.Write(settings.OutDir, settings.RunId, outcome.FinalModel,
            new Dictionary<string, string> { [Model.SchemaKey] = outcome.Schema.ToJson() }, report);
        stdout.WriteLine($"Model:  {modelPath}");
        stdout.WriteLine($"Report: {reportPath}");
        if (json)
        {
            var extra = outcome.Classes is { } classes ? ClassJson(classes, TabularMetrics.Confusion(TabularMetrics.Labels(outcome.Data.Dataset.Targets), outcome.OutOfFold, classes.Count)) : null;
            stdout.WriteLine(JsonSummary(outcome.Summary.Select(m => new JsonMetric(m.Name, m.Estimate, m.Low, m.High, m.FoldMean)), modelPath, reportPath, extra));
        }
        return 0;
    }

    // --out must be a folder (or absent) whose model and report are regular files (or absent), neither the data file.
    internal static void CheckOutputs(string outFolder, string dataPath)
    {
        OutputFiles.CheckFolder(outFolder, "--out");
        if (!Directory.Exists(outFolder)) return;
        foreach (var file in new[] { ModelFile, ReportFile })
        {
            string target = Path.Combine(outFolder, file);
            OutputFiles.CheckTarget(target, "--out");
            OutputFiles.CheckNotInput(target, "--out", (dataPath, "--data"));
        }
    }

    /// <summary>What --json prints (train and evaluate).</summary>
    public const string JsonHelp =
        "Print a JSON summary as the last line: accuracy, sensitivity, specificity, roc_auc (classification) or r2, rmse, mae (regression), " +
        "each {estimate, ci95: [low, high]} where ci95 is a bootstrap interval of that same estimate (train: the metric of the pooled out-of-fold predictions, " +
        "with fold_mean, the mean of the per-fold values, beside it); with more than two classes sensitivity/specificity are macro averages over classes and roc_auc is the macro one-vs-rest ROC-AUC. " +
        "Classification also gives per_class {label: {sensitivity, specificity, support}} and confusion_matrix {labels, counts} " +
        "(counts[actual][predicted]), both on the pooled out-of-fold predictions; then model_path and report_path";

    /// <summary>The classification extras of the JSON summary: per_class and confusion_matrix.</summary>
    public static JsonObject ClassJson(IReadOnlyList<string> classes, int[,] confusion)
    {
        var perClass = new JsonObject();
        var rates = TabularMetrics.PerClass(confusion);
        var counts = new JsonArray();
        for (int a = 0; a < classes.Count; a++)
        {
            var row = new JsonArray();
            int support = 0;
            for (int b = 0; b < classes.Count; b++) { row.Add(confusion[a, b]); support += confusion[a, b]; }
            counts.Add(row);
            perClass[classes[a]] = new JsonObject { ["sensitivity"] = Num(rates[a].Sensitivity), ["specificity"] = Num(rates[a].Specificity), ["support"] = support };
        }
        return new JsonObject
        {
            ["per_class"] = perClass,
            ["confusion_matrix"] = new JsonObject { ["labels"] = new JsonArray(classes.Select(c => (JsonNode?)c).ToArray()), ["counts"] = counts },
        };
    }

    /// <summary>One metric of the JSON summary: a point estimate, the bounds of its interval, and (train) the per-fold mean.</summary>
    public readonly record struct JsonMetric(string Name, double Estimate, double Low, double High, double? FoldMean = null);

    /// <summary>The one-line JSON summary: each metric {estimate, ci95?, fold_mean?}, then model_path and report_path.</summary>
    public static string JsonSummary(IEnumerable<JsonMetric> metrics, string? modelPath, string? reportPath, JsonObject? extra = null)
    {
        var o = new JsonObject();
        foreach (var m in metrics)
        {
            var j = new JsonObject { ["estimate"] = Num(m.Estimate) };
            if (double.IsFinite(m.Low) && double.IsFinite(m.High)) j["ci95"] = new JsonArray(Num(m.Low), Num(m.High));
            if (m.FoldMean is { } foldMean) j["fold_mean"] = Num(foldMean);
            o[m.Name] = j;
        }
        if (extra is not null)
            foreach (var (key, value) in extra.ToList()) { extra.Remove(key); o[key] = value; }
        if (modelPath is not null) o["model_path"] = Path.GetFullPath(modelPath);
        if (reportPath is not null) o["report_path"] = Path.GetFullPath(reportPath);
        return o.ToJsonString();
    }

    private static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : null;

    private static void PrintSummary(TrainOutcome o, TextWriter w)
    {
        var names = o.Summary.Select(m => m.Name).ToList();
        w.WriteLine();
        w.WriteLine($"Cross-validation ({o.Settings.Folds} folds, held-out rows):");
        w.WriteLine("fold    " + string.Join("", names.Select(n => n.PadLeft(17))));
        foreach (var f in o.Folds)
            w.WriteLine($"{f.Index + 1,-8}" + string.Join("", names.Select(n => F(f.Metrics[n]).PadLeft(17))));
        w.WriteLine("fold mean" + string.Join("", o.Summary.Select(m => F(m.FoldMean).PadLeft(17)))[1..] + "  (mean of the folds above)");
        w.WriteLine("pooled  " + string.Join("", o.Summary.Select(m => F(m.Estimate).PadLeft(17))) + "  (estimate: every row's out-of-fold prediction together)");
        w.WriteLine("95% CI  " + string.Join("", o.Summary.Select(m => (double.IsNaN(m.Low) ? "n/a" : $"{F(m.Low)}–{F(m.High)}").PadLeft(17))) + "  (bootstrap of the pooled estimate)");
        if (o.Classes is { } classes)
        {
            var cm = TabularMetrics.Confusion(TabularMetrics.Labels(o.Data.Dataset.Targets), o.OutOfFold, classes.Count);
            int width = Math.Max(12, classes.Max(c => c.Length) + 2);
            w.WriteLine("Confusion matrix (pooled out-of-fold; rows actual, columns predicted):");
            w.WriteLine(new string(' ', width) + string.Join("", classes.Select(c => c.PadLeft(width))));
            for (int a = 0; a < classes.Count; a++)
                w.WriteLine(classes[a].PadRight(width) + string.Concat(Enumerable.Range(0, classes.Count).Select(b => cm[a, b].ToString(CultureInfo.InvariantCulture).PadLeft(width))));
            if (classes.Count > 2)
            {
                var rates = TabularMetrics.PerClass(cm);
                w.WriteLine("Per class (one vs rest): " + string.Join(", ", classes.Select((c, i) => $"{c} sensitivity {F(rates[i].Sensitivity)} specificity {F(rates[i].Specificity)}")));
            }
        }
        if (o.Importance is { Count: > 0 } importance)
        {
            var top = importance.OrderByDescending(i => i.MeanDrop).Take(5).Select(i => $"{i.Name} {F(i.MeanDrop)}");
            w.WriteLine($"Most important features (permutation, held-out rows of each fold): {string.Join(", ", top)}");
        }
    }

    private static string F(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F4", CultureInfo.InvariantCulture);

    private static int Check(int v, string name, int min, int max) =>
        v >= min && v <= max ? v : throw new CliInputException($"{name} must be in [{min}, {max}]. Received: {v}");

    private static double CheckRate(double v) =>
        double.IsFinite(v) && v > 0 && v <= 10 ? v : throw new CliInputException($"--lr must be in (0, 10]. Received: {v.ToString(CultureInfo.InvariantCulture)}");

    private static string LastColumn(string path)
    {
        return TabularData.Header(path)[^1];
    }
}
