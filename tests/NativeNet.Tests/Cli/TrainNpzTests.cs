using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using NativeNet.Serialization;
using NativeNet.Tests.Data;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli;

/// <summary>
/// `nativenet train --model cnn|lstm` on small synthetic .npz archives written here (seconds each):
/// MedMNIST-layout images and signals/labels; evaluate, predict and export of such models; exit-2
/// errors for archives of the wrong layout.
/// </summary>
[Collection(NoParallel.Name)]
public class TrainNpzTests
{
    // Writes an .npz (a zip of .npy files) the way numpy.savez does.
    internal static string WriteNpz(string path, params (string Name, string Descr, int[] Shape, byte[] Data)[] entries)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, descr, shape, data) in entries)
        {
            using var s = zip.CreateEntry(name + ".npy").Open();
            s.Write(NpyTests.Npy(descr, false, shape, data));
        }
        return path;
    }

    private static byte[] Longs(IEnumerable<long> v) => [.. v.SelectMany(BitConverter.GetBytes)];

    private static byte[] Floats(IEnumerable<float> v) => [.. v.SelectMany(BitConverter.GetBytes)];

    /// <summary>
    /// RGB 8×8 images, channels last (MedMNIST colour layout), u8: class 1 has a bright 3×3 patch
    /// in the top-left corner, class 0 in the bottom-right, on noise. Split 60/20/20 into train/val/test.
    /// </summary>
    internal static string Images(string path, int n = 60, int size = 8, int seed = 3)
    {
        var rng = new Random(seed);
        var pixels = new byte[n * size * size * 3];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 2;
            int y0 = labels[i] == 1 ? 0 : size - 3, x0 = y0;
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                    for (int c = 0; c < 3; c++)
                    {
                        bool patch = y >= y0 && y < y0 + 3 && x >= x0 && x < x0 + 3;
                        pixels[((i * size + y) * size + x) * 3 + c] = (byte)(rng.Next(60) + (patch ? 180 : 0));
                    }
        }
        int nTrain = n * 3 / 5, nVal = n / 5, nTest = n - nTrain - nVal;
        (string, string, int[], byte[]) Part(string prefix, int start, int count) => ($"{prefix}_images", "|u1", [count, size, size, 3], pixels[(start * size * size * 3)..((start + count) * size * size * 3)]);
        (string, string, int[], byte[]) Labels(string prefix, int start, int count) => ($"{prefix}_labels", "<i8", [count, 1], Longs(labels[start..(start + count)]));
        return WriteNpz(path, Part("train", 0, nTrain), Labels("train", 0, nTrain), Part("val", nTrain, nVal), Labels("val", nTrain, nVal),
            Part("test", nTrain + nVal, nTest), Labels("test", nTrain + nVal, nTest));
    }

    /// <summary>Signals [n, t] float32: class 1 oscillates fast, class 0 slowly, with random phase and noise.</summary>
    internal static string Signals(string path, int n = 60, int t = 24, int seed = 5)
    {
        var rng = new Random(seed);
        var x = new float[n * t];
        var labels = new long[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = i % 2;
            double freq = labels[i] == 1 ? 0.45 : 0.08, phase = rng.NextDouble() * 6.28;
            for (int k = 0; k < t; k++) x[i * t + k] = (float)(Math.Sin(freq * 2 * Math.PI * k + phase) + 0.2 * (rng.NextDouble() - 0.5));
        }
        return WriteNpz(path, ("signals", "<f4", [n, t], Floats(x)), ("labels", "<i8", [n], Longs(labels)));
    }

    private static JsonElement Json(CliRun r) => r.Json();

    private static void TrainEvaluatePredictExport(TempFolder tmp, string data, string model, string input, int[] shape, params string[] extra)
    {
        var run = CliRun.Run(["train", "--data", data, "--folds", "2", "--batch-size", "8", "--lr", "0.01", "--out", tmp.Path, "--json", .. extra]);
        var o = Json(run);
        Assert.Contains($"Model: {model} |", run.StdOut);
        foreach (var key in new[] { "accuracy", "roc_auc", "sensitivity", "specificity" })
            Assert.Equal(2, o.GetProperty(key).GetProperty("ci95").GetArrayLength());
        Assert.True(o.GetProperty("accuracy").GetProperty("estimate").GetDouble() >= 0.8, o.ToString());
        Assert.Equal(60, o.GetProperty("confusion_matrix").GetProperty("counts").EnumerateArray().Sum(r => r.EnumerateArray().Sum(c => c.GetInt32())));

        string modelPath = o.GetProperty("model_path").GetString()!;
        using (var schema = JsonDocument.Parse(Model.ReadMetadata(modelPath)[Model.SchemaKey]))
        {
            Assert.Equal(input, schema.RootElement.GetProperty("input").GetString());
            Assert.Equal(shape, schema.RootElement.GetProperty("input_shape").EnumerateArray().Select(e => e.GetInt32()));
        }
        string html = File.ReadAllText(o.GetProperty("report_path").GetString()!);
        Assert.Contains("Model architecture", html);
        Assert.Contains($"[N, {string.Join(", ", shape)}]", html);

        var e = Json(CliRun.Run("evaluate", "--model", modelPath, "--data", data, "--json"));
        Assert.InRange(e.GetProperty("accuracy").GetProperty("estimate").GetDouble(), 0.8, 1);

        string predictions = tmp.File("p.csv");
        var p = CliRun.Run("predict", "--model", modelPath, "--data", data, "--out", predictions);
        Assert.True(p.ExitCode == 0, p.StdErr);
        var lines = File.ReadAllLines(predictions);
        Assert.Equal("row,probability_1,class", lines[0]);
        Assert.Equal(61, lines.Length);
        // predict and evaluate agree on the classes
        int correct = lines.Skip(1).Select((l, i) => l.Split(',')[2] == (i % 2).ToString(CultureInfo.InvariantCulture) ? 1 : 0).Sum();
        Assert.Equal(correct / 60.0, e.GetProperty("accuracy").GetProperty("estimate").GetDouble(), 5);

        var x = CliRun.Run("export", "--model", modelPath, "--onnx", tmp.File("m.onnx"));
        Assert.True(x.ExitCode == 0, x.StdErr);
        Assert.True(new FileInfo(tmp.File("m.onnx")).Length > 1000);
    }

    [Fact]
    public void CnnTrainsOnMedMnistLayoutImagesAndTheModelEvaluatesPredictsAndExports()
    {
        using var tmp = new TempFolder();
        string data = Images(tmp.File("images.npz"));
        TrainEvaluatePredictExport(tmp, data, "cnn", "images", [3, 8, 8], "--epochs", "12");
    }

    [Fact]
    public void LstmTrainsOnSignalsAndTheModelEvaluatesPredictsAndExports()
    {
        using var tmp = new TempFolder();
        string data = Signals(tmp.File("signals.npz"));
        TrainEvaluatePredictExport(tmp, data, "lstm:16", "signals", [24, 1], "--epochs", "25", "--model", "lstm:16");
    }

    [Fact]
    public void WrongLayoutsAndMismatchedModelsExitTwoWithOneLineAndWriteNothing()
    {
        using var tmp = new TempFolder();
        string images = Images(tmp.File("images.npz"));
        string signals = Signals(tmp.File("signals.npz"));
        string csv = TestData.Path("breast_cancer_wisconsin.csv");
        string outDir = tmp.File("out");
        void Bad(string expected, params string[] args)
        {
            var r = CliRun.Run(args);
            Assert.True(r.ExitCode == 2, $"{string.Join(' ', args)}: exit {r.ExitCode}\n{r.StdErr}");
            Assert.Contains(expected, r.StdErr);
            Assert.Single(r.StdErr.Trim().Split('\n'));
            Assert.False(Directory.Exists(outDir), string.Join(' ', args));
        }

        string other = WriteNpz(tmp.File("other.npz"), ("weights", "<f4", [2], Floats([1f, 2f])));
        Bad("'train_images'/'train_labels' (MedMNIST layout)", "train", "--data", other, "--out", outDir);
        Bad("Entries: weights", "train", "--data", other, "--out", outDir);
        Bad("--model cnn needs images", "train", "--data", csv, "--model", "cnn", "--out", outDir);
        Bad("--model lstm needs signals", "train", "--data", images, "--model", "lstm", "--out", outDir);
        Bad("--model mlp needs a CSV table", "train", "--data", signals, "--model", "mlp", "--out", outDir);
        Bad("--task regression needs a CSV table", "train", "--data", signals, "--task", "regression", "--out", outDir);
        string noLabels = WriteNpz(tmp.File("nolabels.npz"), ("signals", "<f4", [2, 3], Floats(new float[6])));
        Bad("no matching 'labels'", "train", "--data", noLabels, "--out", outDir);
        string badLabels = WriteNpz(tmp.File("badlabels.npz"), ("signals", "<f4", [2, 3], Floats(new float[6])), ("labels", "<i8", [2], Longs([0, -1])));
        Bad("label -1 of sample 1 is not a class index", "train", "--data", badLabels, "--out", outDir);
        string flat = WriteNpz(tmp.File("flat.npz"), ("signals", "<f4", [6], Floats(new float[6])), ("labels", "<i8", [6], Longs(new long[6])));
        Bad("'signals' must be [N, T] or [N, T, F]", "train", "--data", flat, "--out", outDir);

        // A trained image model refuses signals, CSV rows and images of another size.
        var trained = CliRun.Run("train", "--data", images, "--folds", "2", "--epochs", "1", "--out", tmp.File("model"));
        Assert.True(trained.ExitCode == 0, trained.StdErr);
        string model = tmp.File(Path.Combine("model", "model.safetensors"));
        string predictions = tmp.File("p.csv");
        Bad("the model reads images [3, 8, 8]", "predict", "--model", model, "--data", signals, "--out", predictions);
        Bad("the model reads images [3, 8, 8]", "evaluate", "--model", model, "--data", csv);
        string big = Images(tmp.File("big.npz"), size: 12);
        Bad("samples are [3, 12, 12] but the model was trained on [3, 8, 8]", "predict", "--model", model, "--data", big, "--out", predictions);
        Assert.False(File.Exists(predictions));
    }
}
