using System.Globalization;
using NativeNet.Cli.Commands;
using NativeNet.Cli.Tabular;
using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Reporting;
using NativeNet.Serialization;
using NativeNet.Training;
using NativeNet.Vision.Datasets;
using NativeNet.Vision.Imaging;

namespace NativeNet.Cli.Images;

/// <summary>What `train --data &lt;folder|manifest.csv&gt;` was asked beyond the common settings.</summary>
/// <param name="ImageSize">Resize every image to this square size; null: images must share one size.</param>
/// <param name="Channels">1 or 3; null: from the first image.</param>
/// <param name="Augment">"light" or "none".</param>
/// <param name="ValidationSplit">Fraction held out (stratified) for the reported metrics.</param>
/// <param name="SkipBad">Skip files that cannot be decoded instead of stopping.</param>
public sealed record ImageOptions(int? ImageSize, int? Channels, string Augment, double ValidationSplit, bool SkipBad);

/// <summary>
/// Trains an image classifier on a folder of class sub-folders or a CSV manifest: every file is
/// decoded once up front (bad files stop the run with exit 2, or are skipped with --skip-bad), a
/// stratified validation split is held out, the network trains with augmentation inside Fit (files
/// decoded lazily on the loader's workers, so memory does not grow with the folder), and the
/// metrics, model file (with its preprocessing) and report come out like the table path's.
/// </summary>
public static class ImageTrainer
{
    /// <summary>Images shown in the report's sample grid, and how many of them get a Grad-CAM map.</summary>
    public const int Examples = 12, HeatMaps = 4;

    /// <summary>Runs training and writes the outputs; returns the exit code.</summary>
    public static int Run(TrainSettings s, ImageOptions o, TextWriter stdout, bool live, bool json)
    {
        int workers = Math.Max(1, Environment.ProcessorCount);
        // Channels and size from the first file unless given (a bad first file is reported by the scan below).
        var probe = ImageInputs.Labelled(s.DataPath, 3, 1, 1, null);
        var first = TryLoad(probe.Paths[0]);
        int channels = o.Channels ?? (s.Network.IsBackbone ? 3 : first?.Channels ?? 3); // backbones read RGB
        int h = o.ImageSize ?? first?.Height ?? throw new CliInputException($"{probe.Paths[0]}: cannot be decoded, so the image size is unknown; pass --image-size or remove the file."),
            w = o.ImageSize ?? first!.Width;
        var (mean, std) = ImageInputs.Statistics(channels);
        var prep = new ImagePreprocessing { Channels = channels, Resize = o.ImageSize is not null, Mean = mean, Std = std, Augment = o.Augment };
        var all = ImageInputs.Labelled(s.DataPath, channels, h, w, ImageInputs.Evaluation(prep, h, w));
        if (all.Classes is not { Count: >= 2 } classes) throw new CliInputException($"{s.DataPath}: image classification needs at least two classes (class folders or label values).");

        stdout.WriteLine($"Checking {all.Count} image files ({workers} threads)…");
        var bad = all.FindBad(workers);
        if (bad.Count > 0 && !o.SkipBad)
            throw new CliInputException($"{bad[0].Reason}" + (bad.Count > 1 ? $" (and {bad.Count - 1} more bad file(s); --skip-bad skips them)" : " (--skip-bad skips such files)"));
        foreach (var b in bad) stdout.WriteLine($"Skipped: {b.Reason}");
        if (bad.Count > 0) all = all.Subset(Enumerable.Range(0, all.Count).Except(bad.Select(b => b.Index)).ToList());

        int k = classes.Count;
        var labels = all.Labels();
        var split = Splits.StratifiedTrainValidationTest(labels, o.ValidationSplit, 0, s.Seed);
        if (split.Validation.Length == 0 || split.Train.Length == 0) throw new CliInputException($"--val-split {o.ValidationSplit} leaves an empty training or validation part of {all.Count} images.");
        var train = all.Subset(split.Train).WithTransform(ImageInputs.Training(prep, h, w));
        var val = all.Subset(split.Validation);
        stdout.WriteLine($"Data: {s.DataPath} ({all.Count} images [{channels}, {h}, {w}]{(prep.Resize ? " resized" : "")}, {k} classes: {string.Join(", ", classes)}; {bad.Count} skipped)");
        stdout.WriteLine($"Model: {s.Network} | train {train.Count} / validation {val.Count} (stratified, --val-split {o.ValidationSplit.ToString(CultureInfo.InvariantCulture)}), {s.Epochs} epochs, batch {s.BatchSize}, lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)}, augment {o.Augment}, seed {s.Seed}");

        s.Network.CheckParameters([channels, h, w], TabularTrainer.Outputs(k), s.MaxParams);
        var model = s.Network.Build([channels, h, w], TabularTrainer.Outputs(k), s.Seed);
        model.ToPrecision(s.Precision);
        try
        {
            var compiled = TabularTrainer.Compile(model, s, k);
            var loader = new DataLoader(train, s.BatchSize, shuffle: true, seed: s.Seed, workers: workers);
            var history = compiled.Fit(loader, s.Epochs, validationData: val, progress: new ConsoleProgress(stdout, live), seed: s.Seed);
            var outputs = compiled.Predict(val, s.BatchSize); // at the training batch size: memory of one training step, not of 256 images
            var targets = val.Targets.ToArray();
            var summary = TabularMetrics.All(k, targets, outputs)
                .Select(kv => { var (lo, hi) = TabularMetrics.Interval(k, kv.Key, targets, outputs, s.BootstrapResamples, s.Seed); return new MetricOutcome(kv.Key, kv.Value, lo, hi, kv.Value); }).ToList();
            var confusion = TabularMetrics.Confusion(TabularMetrics.Labels(targets), outputs, k);
            PrintSummary(stdout, val.Count, summary, classes, confusion);

            var schema = new ModelSchema
            {
                Input = InputKinds.ImageFiles, InputShape = [channels, h, w], Task = "classification", Target = "label",
                Classes = classes.ToList(), Image = prep, ModelDescription = s.Network.ToString(),
            };
            var report = ImageReport.Build(s, o, all, train.Count, val, outputs, summary, confusion, history, model, bad);
            TrainCommand.CheckOutputs(s.OutDir, s.DataPath);
            var (modelPath, reportPath) = TrainOutputs.Write(s.OutDir, s.RunId, model, new Dictionary<string, string> { [Model.SchemaKey] = schema.ToJson() }, report);
            stdout.WriteLine($"Model:  {modelPath}");
            stdout.WriteLine($"Report: {reportPath}");
            if (json)
            {
                var extra = TrainCommand.ClassJson(classes, confusion);
                extra["skipped_files"] = new System.Text.Json.Nodes.JsonArray(bad.Select(b => (System.Text.Json.Nodes.JsonNode?)new System.Text.Json.Nodes.JsonObject { ["path"] = b.Path, ["reason"] = b.Reason }).ToArray());
                stdout.WriteLine(TrainCommand.JsonSummary(summary.Select(m => new TrainCommand.JsonMetric(m.Name, m.Estimate, m.Low, m.High)), modelPath, reportPath, extra));
            }
            return 0;
        }
        finally { model.Dispose(); }
    }

    private static FloatImage? TryLoad(string path)
    {
        try { return ImageFile.LoadAsStored(path); }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException) { return null; }
    }

    private static void PrintSummary(TextWriter w, int count, List<MetricOutcome> summary, IReadOnlyList<string> classes, int[,] cm)
    {
        w.WriteLine();
        w.WriteLine($"Validation ({count} held-out images):");
        foreach (var m in summary)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{m.Name,-12} {m.Estimate:F4}  95% CI {(double.IsNaN(m.Low) ? "n/a" : $"{m.Low:F4}–{m.High:F4}")}"));
        int width = Math.Max(12, classes.Max(c => c.Length) + 2);
        w.WriteLine("Confusion matrix (rows actual, columns predicted):");
        w.WriteLine(new string(' ', width) + string.Join("", classes.Select(c => c.PadLeft(width))));
        for (int a = 0; a < classes.Count; a++)
            w.WriteLine(classes[a].PadRight(width) + string.Concat(Enumerable.Range(0, classes.Count).Select(b => cm[a, b].ToString(CultureInfo.InvariantCulture).PadLeft(width))));
    }
}
