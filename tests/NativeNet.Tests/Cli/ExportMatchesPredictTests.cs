using System.Globalization;
using System.Text.Json;
using NativeNet.Data;
using NativeNet.Serialization;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli;

/// <summary>
/// The ONNX file `nativenet export` writes, run by ONNX Runtime on the raw input of the data file
/// (8-bit pixels as stored, raw signal values, raw CSV columns), gives the probabilities
/// `nativenet predict` writes to 1e-5: every preprocessing step of the schema is in the graph.
/// `predict` and `evaluate` given that .onnx (NativeNet's ONNX engine, the schema read from its
/// metadata) write the same values as with the trained model.
/// </summary>
[Collection(NoParallel.Name)]
public class ExportMatchesPredictTests
{
    private const float Tolerance = 1e-5f;

    // Trains with the CLI (briefly, so that probabilities are not saturated at 0 or 1 where any
    // monotone input error would hide), exports, predicts; returns the model path and predict's probability columns.
    private static (string Model, float[] Expected, int Width) TrainExportPredict(TempFolder tmp, string data, params string[] extra)
    {
        var o = CliRun.Run(["train", "--data", data, "--folds", "2", "--batch-size", "8", "--epochs", "1", "--lr", "0.002", "--out", tmp.Path, "--json", .. extra]).Json();
        string model = o.GetProperty("model_path").GetString()!;
        var x = CliRun.Run("export", "--model", model, "--onnx", tmp.File("m.onnx"));
        Assert.True(x.ExitCode == 0, x.StdErr);
        var (expected, width) = Predict(model, data, tmp.File("p.csv"));
        Assert.True(expected.Count(v => v > 0.02f && v < 0.98f) >= expected.Length / 4, "most probabilities are saturated; the comparison would be blind");
        AssertOnnxPredictsAndEvaluatesAlike(tmp, model, data, expected);
        return (model, expected, width);
    }

    // predict's probability columns (and how many there are).
    private static (float[] Values, int Width) Predict(string model, string data, string output, params string[] options)
    {
        var p = CliRun.Run(["predict", "--model", model, "--data", data, "--out", output, .. options]);
        Assert.True(p.ExitCode == 0, p.StdErr);
        var lines = File.ReadAllLines(output);
        int width = lines[0].Split(',').Count(c => c.StartsWith("probability_", StringComparison.Ordinal));
        return (lines.Skip(1).SelectMany(l => l.Split(',')[1..(1 + width)].Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray(), width);
    }

    // `predict` and `evaluate` on the exported m.onnx: the trained model's probabilities and metrics.
    private static void AssertOnnxPredictsAndEvaluatesAlike(TempFolder tmp, string model, string data, float[] expected)
    {
        var (viaOnnx, _) = Predict(tmp.File("m.onnx"), data, tmp.File("p_onnx.csv"));
        AssertClose(expected, viaOnnx, "NativeNet's ONNX engine");
        var fromModel = CliRun.Run("evaluate", "--model", model, "--data", data, "--json");
        var fromOnnx = CliRun.Run("evaluate", "--model", tmp.File("m.onnx"), "--data", data, "--json");
        Assert.True(fromModel.ExitCode == 0 && fromOnnx.ExitCode == 0, fromModel.StdErr + fromOnnx.StdErr);
        var a = Metrics(fromModel.Json());
        var b = Metrics(fromOnnx.Json());
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        Assert.NotEmpty(a);
        foreach (var (name, v) in a) Assert.True(double.IsNaN(v) ? double.IsNaN(b[name]) : Math.Abs(v - b[name]) <= 1e-4, $"{name}: {v} from the model, {b[name]} from the .onnx");
        // bf16 products on the engine: probabilities move by the rounding of operands to 8-bit mantissas, no more.
        var (viaBf16, _) = Predict(tmp.File("m.onnx"), data, tmp.File("bf16.csv"), "--precision", "bf16");
        Assert.Equal(viaOnnx.Length, viaBf16.Length);
        float moved = viaOnnx.Zip(viaBf16, (x, y) => MathF.Abs(x - y)).Max();
        Assert.True(moved is > 0f and <= 2e-2f, $"bf16 moved the probabilities by {moved} (0: not applied; over 2e-2: more than rounding)");
        var bytes = File.ReadAllBytes(tmp.File("m.onnx"));
        File.WriteAllBytes(tmp.File("cut.onnx"), bytes[..(bytes.Length / 2)]);
        AssertRefused(CliRun.Run("evaluate", "--model", tmp.File("cut.onnx"), "--data", data), "cut.onnx");
    }

    // Exit 2 and one line on stderr that names the problem.
    private static void AssertRefused(CliRun r, string mentions)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.StdErr}");
        Assert.Single(r.StdErr.TrimEnd().Split('\n'));
        Assert.Contains(mentions, r.StdErr);
    }

    // evaluate --json: each metric's estimate (NaN where it is null: undefined on these rows).
    private static Dictionary<string, double> Metrics(JsonElement json) =>
        json.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("estimate", out _))
            .ToDictionary(p => p.Name, p => p.Value.GetProperty("estimate") is { ValueKind: JsonValueKind.Number } e ? e.GetDouble() : double.NaN);

    private static void AssertClose(float[] expected, float[] actual, string engine = "ONNX Runtime")
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
            if (MathF.Abs(expected[i] - actual[i]) > worst) { worst = MathF.Abs(expected[i] - actual[i]); at = i; }
        Assert.True(worst <= Tolerance, $"{engine} differs from predict by {worst} at output {at} ({actual[at]} vs {expected[at]})");
    }

    [Fact]
    public void An_image_folder_model_exports_and_ONNX_Runtime_on_decoded_resized_images_gives_predicts_probabilities()
    {
        using var tmp = new TempFolder();
        string data = TrainBackboneTests.ImageFolder(tmp.File("images"));   // 36x36 RGB PNGs, resized to 32x32
        var o = CliRun.Run("train", "--data", data, "--image-size", "32", "--epochs", "1", "--batch-size", "8", "--lr", "0.002", "--out", tmp.File("out"), "--json").Json();
        string model = o.GetProperty("model_path").GetString()!;
        var x = CliRun.Run("export", "--model", model, "--onnx", tmp.File("m.onnx"));
        Assert.True(x.ExitCode == 0, x.StdErr);
        Assert.Contains("decoded images scaled to [0, 1], resized", x.StdOut);
        var p = CliRun.Run("predict", "--model", model, "--data", data, "--out", tmp.File("p.csv"));
        Assert.True(p.ExitCode == 0, p.StdErr);
        var rows = File.ReadAllLines(tmp.File("p.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        var expected = rows.Select(r => float.Parse(r[1], CultureInfo.InvariantCulture)).ToArray();
        AssertOnnxPredictsAndEvaluatesAlike(tmp, model, data, expected);
        // Decoding and resizing stay outside the graph (as predict does them); normalization is inside.
        var resize = new NativeNet.Vision.Transforms.Resize(32, 32);
        var pixels = rows.SelectMany(r => resize.Apply(NativeNet.Vision.Imaging.ImageFile.Load(r[0], 3), new Random(0)).Data).ToArray();
        AssertClose(expected, OnnxRuntimeClient.Run(tmp.File("m.onnx"), pixels, rows.Count, 3, 32, 32));
    }

    [Fact]
    public void CnnOnRawEightBitImagesInOnnxRuntimeGivesPredictsProbabilities()
    {
        using var tmp = new TempFolder();
        string data = TrainNpzTests.Images(tmp.File("images.npz"));
        var (_, expected, width) = TrainExportPredict(tmp, data);
        // The pixels exactly as stored (0…255), only reordered to NCHW.
        var raw = ImageNpz.Load(data, scale: 1f);
        var images = new[] { raw.Train, raw.Validation!, raw.Test! };
        var pixels = images.SelectMany(d => d.Features).ToArray();
        Assert.True(pixels.Max() > 100, "the archive holds 8-bit pixel values");
        var s = images[0].SampleShape;
        AssertClose(expected, OnnxRuntimeClient.Run(tmp.File("m.onnx"), pixels, pixels.Length / (s[0] * s[1] * s[2]), s[0], s[1], s[2]));
        Assert.Equal(1, width);
    }

    [Fact]
    public void LstmOnRawSignalsInOnnxRuntimeGivesPredictsProbabilities()
    {
        using var tmp = new TempFolder();
        // Signals in raw units far from standard (offset 100, amplitude 40): a graph that skips the standardization cannot agree.
        var source = NpyReader.ReadNpz(TrainNpzTests.Signals(tmp.File("unit.npz")));
        var x = source["signals"].ToFloatArray().Select(v => 100 + 40 * v).ToArray();
        int n = source["signals"].Shape[0], t = source["signals"].Shape[1];
        string data = TrainNpzTests.WriteNpz(tmp.File("signals.npz"),
            ("signals", "<f4", [n, t], x.SelectMany(BitConverter.GetBytes).ToArray()),
            ("labels", "<i8", [n], source["labels"].ToInt64Array().SelectMany(BitConverter.GetBytes).ToArray()));
        var (_, expected, _) = TrainExportPredict(tmp, data, "--model", "lstm:8");
        AssertClose(expected, OnnxRuntimeClient.Run(tmp.File("m.onnx"), x, n, t, 1));
    }

    [Fact]
    public void An_onnx_file_without_a_schema_is_refused_by_predict_naming_the_file_and_the_way()
    {
        using var tmp = new TempFolder();
        using var net = new NativeNet.Nn.Sequential(new NativeNet.Nn.Linear(3, 2));
        NativeNet.Serialization.Onnx.OnnxExporter.Export(net, [1, 3], tmp.File("plain.onnx"));
        string data = tmp.Write("x.csv", "a,b,c\n1,2,3\n");
        var r = CliRun.Run("predict", "--model", tmp.File("plain.onnx"), "--data", data, "--out", tmp.File("p.csv"));
        AssertRefused(r, "plain.onnx");
        Assert.Contains("nativenet export", r.StdErr);
        Assert.False(File.Exists(tmp.File("p.csv")));
    }

    [Fact]
    public void MlpOnRawColumnsInOnnxRuntimeGivesPredictsProbabilities()
    {
        using var tmp = new TempFolder();
        string data = TrainMulticlassAndExportTests.ThreeClasses(tmp);
        var (model, expected, width) = TrainExportPredict(tmp, data);
        Assert.Equal(3, width);
        using var schema = JsonDocument.Parse(Model.ReadMetadata(model)[Model.SchemaKey]);
        var features = schema.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetString()!).ToList();
        var raw = CsvLoader.Load(data, new CsvLoadOptions { FeatureColumns = features }).Dataset;
        AssertClose(expected, OnnxRuntimeClient.Run(tmp.File("m.onnx"), raw.Features, raw.Count, raw.SampleSize));
    }
}
