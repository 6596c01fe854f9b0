using System.Diagnostics;
using NativeNet.Cli.Images;
using NativeNet.Cli.Tabular;
using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;
using NativeNet.Vision.Datasets;
using NativeNet.Vision.Dicom;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace NativeNet.Cli.Bench;

/// <summary>
/// `bench data`: how many images per second the input pipeline of `train --data &lt;folder&gt;`
/// delivers — file read, decode, the training transforms (resize, light augmentation, normalize)
/// and batching in the <see cref="DataLoader"/> with N workers — per file format (PNG and JPEG
/// 224×224 RGB, DICOM 512×512 16-bit), next to the images per second of one training step of the
/// seed CNN on the same input, so a user sees whether the pipeline keeps the network busy
/// (loader_over_train ≥ 1) or starves it. The files are generated into a temporary folder first.
/// </summary>
public static class DataBench
{
    /// <summary>The formats measured by default.</summary>
    public static readonly string[] Formats = ["png", "jpeg", "dicom"];

    /// <summary>Runs the cases: each format × each worker count, plus the CNN step per channel count.</summary>
    public static void Run(BenchContext ctx, IReadOnlyList<string> formats, IReadOnlyList<int> workerCounts, int images, int batchSize, int imageSize, int epochs)
    {
        var folder = Directory.CreateTempSubdirectory("nativenet-bench-data-");
        try
        {
            var trainRate = new Dictionary<int, double>();
            foreach (var format in formats)
            {
                int channels = format == "dicom" ? 1 : 3;
                string root = Path.Combine(folder.FullName, format);
                Generate(root, format, images);
                if (!trainRate.TryGetValue(channels, out double trainPerS))
                    trainRate[channels] = trainPerS = TrainStepImagesPerSecond(ctx, channels, imageSize, batchSize);
                var (mean, std) = ImageInputs.Statistics(channels);
                var prep = new ImagePreprocessing { Channels = channels, Resize = true, Mean = mean, Std = std, Augment = "light" };
                var data = ImageFolder.Load(root, channels, imageSize, imageSize, ImageInputs.Training(prep, imageSize, imageSize));
                foreach (int workers in workerCounts)
                {
                    var loader = new DataLoader(data, batchSize, shuffle: true, seed: 1, prefetch: 2 * workers, workers: workers);
                    Epoch(loader, 0); // warm-up: JIT, file cache
                    var times = Enumerable.Range(1, epochs).Select(e => Epoch(loader, e)).Order().ToList();
                    double perS = data.Count / times[times.Count / 2];
                    ctx.Report("data", $"{format}_{Size(format)}_w{workers}", new Dictionary<string, double>
                    {
                        ["images_per_s"] = perS, ["ms_per_image"] = 1000 / perS, ["workers"] = workers,
                        ["train_images_per_s"] = trainPerS, ["loader_over_train"] = perS / trainPerS,
                    });
                }
            }
        }
        finally { folder.Delete(recursive: true); }
    }

    private static string Size(string format) => format == "dicom" ? "512x512x16bit" : "224x224rgb";

    // Seconds for one epoch of the loader (every batch assembled; nothing else done with it).
    private static double Epoch(DataLoader loader, int epoch)
    {
        var watch = Stopwatch.StartNew();
        long sum = 0;
        foreach (var batch in loader.GetEpoch(epoch)) sum += batch.Count;
        GC.KeepAlive(sum);
        return watch.Elapsed.TotalSeconds;
    }

    // One Adam step of the seed CNN on a batch of [channels, size, size] images: images per second.
    private static double TrainStepImagesPerSecond(BenchContext ctx, int channels, int size, int batchSize)
    {
        using var model = NetworkSpec.Parse("cnn", "bench", InputKinds.Images).Build([channels, size, size], 2, seed: 1);
        var x = Tensor.Randn([batchSize, channels, size, size]);
        int[] y = Enumerable.Range(0, batchSize).Select(i => i % 2).ToArray();
        var opt = new Adam(model.Parameters(), lr: 1e-3);
        var loss = new CrossEntropyLoss();
        model.Train();
        double ms = BenchTimer.MedianMs(() =>
        {
            using var scope = Tensor.NewDisposeScope();
            opt.ZeroGrad();
            loss.Forward(model.Forward(x), y).Backward();
            opt.Step();
        }, warmup: 2, minReps: 3, minTotalMs: 300);
        x.Dispose();
        double perS = batchSize / (ms / 1000);
        ctx.Report("data", $"cnn_train_{channels}x{size}x{size}_b{batchSize}", new Dictionary<string, double> { ["step_ms"] = ms, ["images_per_s"] = perS });
        return perS;
    }

    // Two class folders of generated images: a smooth gradient with a bright disc, plus mild noise (so the codecs have detail to code).
    private static void Generate(string root, string format, int count)
    {
        var rng = new Random(20261204);
        for (int i = 0; i < count; i++)
        {
            string cls = i % 2 == 0 ? "a" : "b", dir = Path.Combine(root, cls);
            Directory.CreateDirectory(dir);
            int n = format == "dicom" ? 512 : 224;
            double cx = rng.NextDouble() * n, cy = rng.NextDouble() * n, r = (0.1 + 0.15 * rng.NextDouble()) * n;
            double Value(int x, int y) => ((x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r ? 0.8 : 0.2 + 0.3 * (x + y) / (2.0 * n)) + 0.05 * rng.NextDouble();
            if (format == "dicom")
            {
                var values = new long[n * n];
                for (int y = 0; y < n; y++)
                    for (int x = 0; x < n; x++) values[y * n + x] = (long)Math.Clamp(Value(x, y) * 4095, 0, 4095);
                DicomWriter.Write(Path.Combine(dir, $"{i:D5}.dcm"), new DicomWriteSpec { Rows = n, Columns = n, Values = values, BitsAllocated = 16, BitsStored = 12 });
                continue;
            }
            using var image = new Image<Rgb24>(n, n);
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++)
                {
                    byte v = (byte)Math.Clamp(Value(x, y) * 255, 0, 255);
                    image[x, y] = new Rgb24(v, (byte)(v * 0.9), (byte)(v * 0.8));
                }
            if (format == "png") image.SaveAsPng(Path.Combine(dir, $"{i:D5}.png"));
            else image.SaveAsJpeg(Path.Combine(dir, $"{i:D5}.jpg"), new JpegEncoder { Quality = 90 });
        }
    }
}
