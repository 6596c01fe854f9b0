using System.Globalization;
using NativeNet.Cli.Tabular;
using NativeNet.Kernels;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Reporting;
using NativeNet.Training;
using NativeNet.Vision.Datasets;
using NativeNet.Vision.Explain;
using NativeNet.Vision.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using R = NativeNet.Reporting;

namespace NativeNet.Cli.Images;

/// <summary>The HTML report of an image training run: the table path's sections plus a grid of validation images with Grad-CAM maps.</summary>
public static class ImageReport
{
    /// <summary>Builds the report.</summary>
    public static TrainingReport Build(TrainSettings s, ImageOptions o, ImageDataset all, int trainCount, ImageDataset val, float[] outputs,
        IReadOnlyList<MetricOutcome> summary, int[,] confusion, History history, Module model, IReadOnlyList<(int Index, string Path, string Reason)> bad)
    {
        var classes = all.Classes!;
        int k = classes.Count;
        var labels = all.Labels();
        var y = TabularMetrics.Labels(val.Targets.ToArray());
        var report = new TrainingReport($"{Path.GetFileName(Path.TrimEndingDirectorySeparator(s.DataPath))} — {k}-class image classification")
        {
            Task = ReportTask.Classification,
            Timestamp = DateTimeOffset.Now,
            Versions = new Dictionary<string, string> { ["NativeNet"] = NativeNetRuntime.Version, [".NET"] = Environment.Version.ToString() },
            Dataset = new DatasetInfo
            {
                Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(s.DataPath)), Path = s.DataPath, Rows = all.Count, Features = all.Channels * all.Height * all.Width,
                ClassCounts = classes.Select((c, i) => (c, (long)labels.Count(l => l == i))).ToDictionary(t => t.c, t => t.Item2),
            },
            Settings = new Dictionary<string, string>
            {
                ["Model"] = s.Network.Description,
                ["Input"] = $"[{all.Channels}, {all.Height}, {all.Width}]" + (o.ImageSize is null ? " (images as stored)" : " (resized, bilinear antialiased)") + $", normalized (mean {string.Join("/", ImageInputs.Statistics(all.Channels).Mean)})",
                ["Augmentation"] = o.Augment == "light" ? "light: rotation ±10°, shift up to 1/16 of the size, brightness/contrast ±10%" : "none",
                ["Optimizer"] = $"Adam, lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)}",
                ["Epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture),
                ["Batch size"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["Validation"] = $"stratified hold-out: {trainCount} training / {val.Count} validation images",
                ["Skipped files"] = bad.Count == 0 ? "none" : string.Join("; ", bad.Select(b => Path.GetFileName(b.Path))),
                ["Seed"] = s.Seed.ToString(CultureInfo.InvariantCulture),
                ["Backend"] = KernelProvider.Current.Backend.ToString().ToLowerInvariant(),
            },
            Folds = [new FoldResult(1, summary.ToDictionary(m => m.Name, m => m.Estimate)) { TrainRows = trainCount, ValidationRows = val.Count, Confusion = new R.ConfusionMatrix(classes, confusion) }],
            Summary = summary.Select(m => new MetricSummary(m.Name, m.Estimate, double.IsNaN(m.Low) ? null : new R.ConfidenceInterval(m.Low, m.High))).ToList(),
            Curves = new TrainingCurves([new EpochSeries("Training", history["loss"])
            {
                ValidationLoss = history["val_loss"], TrainMetric = history["accuracy"], ValidationMetric = history["val_accuracy"],
            }]) { MetricName = MetricNames.Accuracy },
            Confusion = new R.ConfusionMatrix(classes, confusion),
            Architecture = ReportBuilder.Graph(model, [all.Channels, all.Height, all.Width]),
            Examples = Examples(model, val, outputs, classes),
            Notes = $"Metrics are on the {val.Count} held-out validation images (never trained on); the 95% interval is a {s.BootstrapResamples}-resample bootstrap (seed {s.Seed}). Research software: not a medical device.",
        };
        if (k == 2)
        {
            var roc = RankingMetrics.RocCurve(y, outputs);
            report = report with { Roc = new RocCurve(roc.Select(r => r.FalsePositiveRate).ToList(), roc.Select(r => r.TruePositiveRate).ToList(), RankingMetrics.RocAuc(y, outputs)) };
        }
        return report;
    }

    // The first validation images in order, with Grad-CAM for the first few.
    private static List<ImageExample> Examples(Module model, ImageDataset val, float[] outputs, IReadOnlyList<string> classes)
    {
        int k = classes.Count, width = TabularMetrics.Width(k);
        var predicted = TabularMetrics.Predicted(outputs, k);
        var list = new List<ImageExample>();
        var rng = new Random(0);
        for (int i = 0; i < Math.Min(ImageTrainer.Examples, val.Count); i++)
        {
            var input = val.Load(i, rng);
            var shown = ImageFile.Load(val.Paths[i], val.Channels);
            if (shown.Height != val.Height || shown.Width != val.Width) shown = NativeNet.Vision.Transforms.Resampler.Resize(shown, val.Height, val.Width, antialias: true);
            double p = k > 2 ? outputs[i * width + predicted[i]] : predicted[i] == 1 ? outputs[i] : 1 - outputs[i];
            var example = new ImageExample(Png(shown, null), classes[(int)val.Targets[i]], classes[predicted[i]], p) { Source = Path.GetFileName(val.Paths[i]) };
            if (i < ImageTrainer.HeatMaps)
            {
                try { example = example with { HeatmapPng = Png(shown, GradCam.Compute(model, input.Data, input.Shape, predicted[i])) }; }
                catch (ArgumentException) { }   // a network without a convolution has no Grad-CAM
            }
            list.Add(example);
        }
        return list;
    }

    // The image as PNG; with a heat map, the grey image under a red-yellow overlay weighted by the map.
    private static byte[] Png(FloatImage image, float[]? heat)
    {
        int h = image.Height, w = image.Width, n = h * w;
        using var img = new Image<Rgb24>(w, h);
        for (int yy = 0; yy < h; yy++)
            for (int x = 0; x < w; x++)
            {
                int i = yy * w + x;
                float r = image.Data[i], g = image.Channels == 3 ? image.Data[n + i] : r, b = image.Channels == 3 ? image.Data[2 * n + i] : r;
                if (heat is not null)
                {
                    float grey = (r + g + b) / 3, a = heat[i];
                    r = grey * (1 - a) + a; g = grey * (1 - a) + a * a; b = grey * (1 - a);
                }
                img[x, yy] = new Rgb24(B(r), B(g), B(b));
            }
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        return ms.ToArray();
    }

    private static byte B(float v) => (byte)Math.Clamp(MathF.Round(v * 255), 0, 255);
}
