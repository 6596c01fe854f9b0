using System.Globalization;
using System.Text;
using System.Text.Json;
using NativeNet.Data;
using NativeNet.Serialization;
using NativeNet.Serialization.Onnx;
using NativeNet.Serialization.Onnx.Proto;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli;

/// <summary>
/// Multi-class CSV targets (softmax/cross-entropy, macro one-vs-rest metrics, per-class rates, k×k
/// confusion), permutation importance on held-out rows, and the ONNX export with the scaler folded in.
/// </summary>
[Collection(NoParallel.Name)]
public class TrainMulticlassAndExportTests
{
    private static readonly string[] Species = ["alpha", "beta", "gamma"];

    /// <summary>Three Gaussian blobs in 4 features (raw scales far from standard), 50 rows each, text labels.</summary>
    internal static string ThreeClasses(TempFolder tmp, int perClass = 50)
    {
        var rng = new Random(9);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var sb = new StringBuilder("length,width,weight,noise,species\n");
        for (int i = 0; i < 3 * perClass; i++)
        {
            int c = i % 3;
            double a = 10 + 3 * c + Normal(), b = 200 - 40 * (c == 1 ? 1 : 0) + 8 * Normal(), w = 0.5 + 0.3 * (c == 2 ? 1 : 0) + 0.1 * Normal();
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"{a:F3},{b:F2},{w:F4},{1000 + 50 * Normal():F1},{Species[c]}\n"));
        }
        return tmp.Write("three.csv", sb.ToString());
    }

    private static JsonElement Json(CliRun r) => r.Json();

    [Fact]
    public void ThreeClassTargetGivesMacroMetricsPerClassRatesAndAThreeByThreeConfusionMatrix()
    {
        using var tmp = new TempFolder();
        string data = ThreeClasses(tmp);
        var run = CliRun.Run("train", "--data", data, "--epochs", "40", "--folds", "3", "--lr", "0.01", "--out", tmp.Path, "--json");
        var o = Json(run);
        foreach (var key in new[] { "accuracy", "roc_auc", "sensitivity", "specificity" })
        {
            Assert.InRange(o.GetProperty(key).GetProperty("estimate").GetDouble(), 0.85, 1);
            Assert.Equal(2, o.GetProperty(key).GetProperty("ci95").GetArrayLength());
        }
        var cm = o.GetProperty("confusion_matrix");
        Assert.Equal(Species, cm.GetProperty("labels").EnumerateArray().Select(e => e.GetString()));
        var counts = cm.GetProperty("counts").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetInt32()).ToArray()).ToArray();
        Assert.Equal(3, counts.Length);
        Assert.All(counts, r => Assert.Equal(3, r.Length));
        Assert.All(counts, r => Assert.Equal(50, r.Sum()));            // rows are the actual class
        int correct = Enumerable.Range(0, 3).Sum(i => counts[i][i]);
        var perClass = o.GetProperty("per_class");
        double macroSensitivity = 0;
        for (int c = 0; c < 3; c++)
        {
            var rates = perClass.GetProperty(Species[c]);
            Assert.Equal(50, rates.GetProperty("support").GetInt32());
            Assert.Equal(counts[c][c] / 50.0, rates.GetProperty("sensitivity").GetDouble(), 5);
            int falsePositives = Enumerable.Range(0, 3).Where(r => r != c).Sum(r => counts[r][c]);
            Assert.Equal(1 - falsePositives / 100.0, rates.GetProperty("specificity").GetDouble(), 5);
            macroSensitivity += rates.GetProperty("sensitivity").GetDouble() / 3;
        }
        // The pooled accuracy is the confusion diagonal; the interval's centre is close to the fold mean.
        Assert.InRange(correct / 150.0, o.GetProperty("accuracy").GetProperty("ci95")[0].GetDouble(), o.GetProperty("accuracy").GetProperty("ci95")[1].GetDouble());
        Assert.InRange(macroSensitivity, 0.85, 1);
        Assert.Contains("Per class (one vs rest)", run.StdOut);
        Assert.Contains("gamma", run.StdOut);

        string html = File.ReadAllText(o.GetProperty("report_path").GetString()!);
        Assert.Contains("3-class classification", html);
        Assert.Contains("macro one-vs-rest", html);
        Assert.Contains("permutation importance on held-out rows", html);

        // predict: one probability per class (summing to 1) and the most probable class
        string model = o.GetProperty("model_path").GetString()!;
        var p = CliRun.Run("predict", "--model", model, "--data", data, "--out", tmp.File("p.csv"));
        Assert.True(p.ExitCode == 0, p.StdErr);
        var lines = File.ReadAllLines(tmp.File("p.csv"));
        Assert.Equal("row,probability_alpha,probability_beta,probability_gamma,class", lines[0]);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            var probs = f[1..4].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(1, probs.Sum(), 4);
            Assert.Equal(Species[Array.IndexOf(probs, probs.Max())], f[4]);
        }
        var e = Json(CliRun.Run("evaluate", "--model", model, "--data", data, "--json"));
        Assert.Equal(3, e.GetProperty("confusion_matrix").GetProperty("counts").GetArrayLength());
        Assert.InRange(e.GetProperty("accuracy").GetProperty("estimate").GetDouble(), 0.85, 1);
    }

    [Fact]
    public void IntegerClassLabelsAboveOneAreClassesAndBadLabelsExitTwo()
    {
        using var tmp = new TempFolder();
        var rows = File.ReadAllLines(ThreeClasses(tmp)).Select((l, i) => i == 0 ? l : l.Replace("alpha", "0").Replace("beta", "1").Replace("gamma", "2"));
        string numeric = tmp.Write("numeric.csv", string.Join('\n', rows) + "\n");
        var o = Json(CliRun.Run("train", "--data", numeric, "--epochs", "2", "--folds", "2", "--out", tmp.Path, "--json"));
        Assert.Equal(["0", "1", "2"], o.GetProperty("confusion_matrix").GetProperty("labels").EnumerateArray().Select(e => e.GetString()));

        string fractional = tmp.Write("fractional.csv", "a,b,y\n1,2,0\n2,3,1.5\n3,1,0\n4,4,1\n");
        var r = CliRun.Run("train", "--data", fractional, "--folds", "2", "--out", tmp.File("never"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("holds 1.5 (row 3)", r.StdErr);
        Assert.False(Directory.Exists(tmp.File("never")));
    }

    [Fact]
    public void ExportedGraphStandardizesRawColumnsBeforeTheFirstGemm()
    {
        using var tmp = new TempFolder();
        Json(CliRun.Run("train", "--data", TestData.Path("breast_cancer_wisconsin.csv"), "--epochs", "1", "--folds", "2", "--out", tmp.Path, "--json"));
        var x = CliRun.Run("export", "--model", tmp.File("model.safetensors"), "--onnx", tmp.File("m.onnx"));
        Assert.True(x.ExitCode == 0, x.StdErr);
        Assert.Contains("raw columns", x.StdOut);
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(tmp.File("m.onnx"))).Graph;
        Assert.Equal(["Sub", "Div", "Gemm"], graph.Node.Take(3).Select(n => n.OpType));
        Assert.Equal("Sigmoid", graph.Node[^2].OpType);
        var schema = JsonDocument.Parse(Model.ReadMetadata(tmp.File("model.safetensors"))[Model.SchemaKey]).RootElement;
        var mean = graph.Initializer.Single(i => i.Name == "input_mean");
        Assert.Equal(schema.GetProperty("scaler_mean").EnumerateArray().Select(v => (float)v.GetDouble()),
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(mean.RawData.Span).ToArray());
    }

    /// <summary>
    /// The ONNX model takes the raw CSV columns and returns exactly what `nativenet predict` writes:
    /// evaluated by the operator-spec interpreter of onnx_check.py after onnx.checker, for a binary,
    /// a three-class and a regression model.
    /// </summary>
    [PythonFact("onnx", "torch")]
    public void OnnxExportOnRawColumnsReproducesPredictForBinaryMulticlassAndRegression()
    {
        using var tmp = new TempFolder();
        var cases = new[]
        {
            (Name: "binary", Data: TestData.Path("breast_cancer_wisconsin.csv"), Args: new[] { "--epochs", "3" }),
            (Name: "three", Data: ThreeClasses(tmp), Args: new[] { "--epochs", "5" }),
            (Name: "regression", Data: TestData.Path("diabetes_progression.csv"), Args: new[] { "--epochs", "3", "--task", "regression" }),
        };
        var args = new List<string>();
        foreach (var (name, data, extra) in cases)
        {
            string dir = tmp.File(name);
            Json(CliRun.Run(["train", "--data", data, "--folds", "2", "--out", dir, "--json", .. extra]));
            string model = Path.Combine(dir, "model.safetensors"), onnx = Path.Combine(dir, "m.onnx"), predictions = Path.Combine(dir, "p.csv");
            Assert.Equal(0, CliRun.Run("export", "--model", model, "--onnx", onnx).ExitCode);
            Assert.Equal(0, CliRun.Run("predict", "--model", model, "--data", data, "--out", predictions).ExitCode);

            // Raw columns in the schema's order, and predict's numbers (every probability column, or the prediction).
            using var schema = JsonDocument.Parse(Model.ReadMetadata(model)[Model.SchemaKey]);
            var features = schema.RootElement.GetProperty("features").EnumerateArray().Select(f => f.GetString()!).ToList();
            var raw = CsvLoader.Load(data, new CsvLoadOptions { FeatureColumns = features }).Dataset;
            var rows = File.ReadAllLines(predictions).Skip(1).Select(l => l.Split(',')).ToArray();
            int width = name == "three" ? 3 : 1;
            var expected = rows.SelectMany(f => f[1..(1 + width)].Select(v => float.Parse(v, CultureInfo.InvariantCulture))).ToArray();
            using var input = Tensor.FromArray(raw.Features, raw.Count, raw.SampleSize);
            using var output = Tensor.FromArray(expected, rows.Length, width);
            string io = Path.Combine(dir, "io.safetensors");
            SafetensorsWriter.Write(io, StateDictFile.ToSafetensors([new("input", input), new("output", output)]));
            args.AddRange([onnx, io]);
        }
        string report = Python.RunScript("onnx_check.py", [.. args]);
        Assert.Equal(3, report.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(": OK")));
    }
}
