using System.Globalization;
using System.Text.Json;
using NativeNet.Serialization;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli;

/// <summary>`nativenet train/evaluate/predict/export` in-process, with few epochs for speed.</summary>
[Collection(NoParallel.Name)]
public class TrainCommandTests
{
    private static readonly string BreastCancer = TestData.Path("breast_cancer_wisconsin.csv");

    private static JsonElement Json(CliRun r) => r.Json();

    [Fact]
    public void ClassificationJsonSummaryHasEveryMetricWithIntervalAndBothFiles()
    {
        using var tmp = new TempFolder();
        var r = CliRun.Run("train", "--data", BreastCancer, "--target", "diagnosis", "--epochs", "3", "--folds", "2", "--out", tmp.Path, "--json");
        var o = Json(r);
        foreach (var key in new[] { "accuracy", "roc_auc", "sensitivity", "specificity" })
        {
            var m = o.GetProperty(key);
            double estimate = m.GetProperty("estimate").GetDouble();
            var ci = m.GetProperty("ci95");
            Assert.Equal(2, ci.GetArrayLength());
            Assert.InRange(estimate, 0, 1);
            Assert.InRange(m.GetProperty("fold_mean").GetDouble(), 0, 1);
            Assert.True(ci[0].GetDouble() <= ci[1].GetDouble(), key);
        }
        Assert.False(o.TryGetProperty("r2", out _));
        string model = o.GetProperty("model_path").GetString()!, report = o.GetProperty("report_path").GetString()!;
        Assert.True(File.Exists(model));
        Assert.True(File.Exists(report));
        // Per-fold table, the fold mean, the pooled estimate and the confusion matrix are printed.
        Assert.Contains("Fold 2/2", r.StdOut);
        Assert.Contains("fold mean ", r.StdOut);
        Assert.Contains("pooled ", r.StdOut);
        Assert.Contains("Confusion matrix", r.StdOut);
        // The report holds the classification sections.
        string html = File.ReadAllText(report);
        foreach (var section in new[] { "Training curves", "Discrimination", "Permutation feature importance", "Model architecture", "Wolberg" })
            Assert.Contains(section, html);
        // The model file carries the input schema with the scaler.
        var md = Model.ReadMetadata(model);
        using var schema = JsonDocument.Parse(md[Model.SchemaKey]);
        Assert.Equal(30, schema.RootElement.GetProperty("features").GetArrayLength());
        Assert.Equal("malignant", schema.RootElement.GetProperty("classes")[1].GetString());
        Assert.Equal(30, schema.RootElement.GetProperty("scaler_mean").GetArrayLength());
    }

    [Fact]
    public void PredictAndEvaluateRoundTripAgree()
    {
        using var tmp = new TempFolder();
        Json(CliRun.Run("train", "--data", BreastCancer, "--target", "diagnosis", "--epochs", "5", "--folds", "2", "--out", tmp.Path, "--json"));
        string model = tmp.File("model.safetensors");

        string predictions = tmp.File("p.csv");
        var p = CliRun.Run("predict", "--model", model, "--data", BreastCancer, "--out", predictions);
        Assert.True(p.ExitCode == 0, p.StdErr);
        var lines = File.ReadAllLines(predictions);
        Assert.Equal("row,probability_malignant,class", lines[0]);
        var truth = File.ReadAllLines(BreastCancer).Skip(1).Select(l => l.Split(',')[^1]).ToArray();
        Assert.Equal(truth.Length + 1, lines.Length);
        int correct = 0;
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), f[0]);
            double prob = double.Parse(f[1], CultureInfo.InvariantCulture);
            Assert.InRange(prob, 0, 1);
            Assert.Equal(prob >= 0.5 ? "malignant" : "benign", f[2]);
            if (f[2] == truth[i - 1]) correct++;
        }

        var e = Json(CliRun.Run("evaluate", "--model", model, "--data", BreastCancer, "--json"));
        Assert.Equal((double)correct / truth.Length, e.GetProperty("accuracy").GetProperty("estimate").GetDouble(), 5);
        Assert.True(e.GetProperty("roc_auc").GetProperty("estimate").GetDouble() > 0.9);

        // Column order does not matter for prediction; the schema names the columns.
        var rows = File.ReadAllLines(BreastCancer).Select(l => string.Join(',', l.Split(',').Reverse())).ToArray();
        string reversed = tmp.Write("reversed.csv", string.Join('\n', rows) + "\n");
        var p2 = CliRun.Run("predict", "--model", model, "--data", reversed, "--out", tmp.File("p2.csv"));
        Assert.True(p2.ExitCode == 0, p2.StdErr);
        Assert.Equal(lines, File.ReadAllLines(tmp.File("p2.csv")));

        var x = CliRun.Run("export", "--model", model, "--onnx", tmp.File("m.onnx"));
        Assert.True(x.ExitCode == 0, x.StdErr);
        Assert.True(new FileInfo(tmp.File("m.onnx")).Length > 1000);
    }

    [Fact]
    public void SchemaMismatchNamesMissingAndExtraColumnsAndWritesNothing()
    {
        using var tmp = new TempFolder();
        Json(CliRun.Run("train", "--data", BreastCancer, "--target", "diagnosis", "--epochs", "1", "--folds", "2", "--out", tmp.Path, "--json"));
        string model = tmp.File("model.safetensors");
        var all = File.ReadAllLines(BreastCancer);
        // Drop mean_texture (column 2), add an unknown column.
        string bad = tmp.Write("bad.csv", string.Join('\n', all.Select((l, i) =>
        {
            var f = l.Split(',').ToList();
            f.RemoveAt(1);
            f.Add(i == 0 ? "patient_age" : "50");
            return string.Join(',', f);
        })) + "\n");
        string outCsv = tmp.File("p.csv");
        var r = CliRun.Run("predict", "--model", model, "--data", bad, "--out", outCsv);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("missing column(s): mean_texture", r.StdErr);
        Assert.Contains("unexpected column(s): patient_age", r.StdErr);
        Assert.Contains(bad, r.StdErr);
        Assert.False(File.Exists(outCsv));

        // evaluate needs the target as well
        string noTarget = tmp.Write("notarget.csv", string.Join('\n', all.Select(l => string.Join(',', l.Split(',')[..^1]))) + "\n");
        var ev = CliRun.Run("evaluate", "--model", model, "--data", noTarget);
        Assert.Equal(2, ev.ExitCode);
        Assert.Contains("diagnosis (target)", ev.StdErr);

        // a file that is not a model
        var notModel = CliRun.Run("predict", "--model", BreastCancer, "--data", BreastCancer, "--out", outCsv);
        Assert.Equal(2, notModel.ExitCode);
        Assert.False(File.Exists(outCsv));
    }

    [Fact]
    public void RegressionReportsR2RmseMaeAndPredictsInTargetUnits()
    {
        using var tmp = new TempFolder();
        string diabetes = TestData.Path("diabetes_progression.csv");
        var o = Json(CliRun.Run("train", "--data", diabetes, "--target", "progression", "--task", "regression", "--epochs", "20", "--folds", "2", "--out", tmp.Path, "--json"));
        foreach (var key in new[] { "r2", "rmse", "mae" }) Assert.Equal(2, o.GetProperty(key).GetProperty("ci95").GetArrayLength());
        Assert.False(o.TryGetProperty("accuracy", out _));
        Assert.True(o.GetProperty("r2").GetProperty("estimate").GetDouble() > 0.2, "an MLP should explain part of the variance");
        Assert.InRange(o.GetProperty("rmse").GetProperty("estimate").GetDouble(), 30, 90);   // target units (progression 25..346)
        Assert.Contains("Predicted", File.ReadAllText(o.GetProperty("report_path").GetString()!), StringComparison.OrdinalIgnoreCase);

        var p = CliRun.Run("predict", "--model", tmp.File("model.safetensors"), "--data", diabetes, "--out", tmp.File("p.csv"));
        Assert.True(p.ExitCode == 0, p.StdErr);
        var values = File.ReadAllLines(tmp.File("p.csv")).Skip(1).Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        Assert.InRange(values.Average(), 100, 200);   // the target's mean is 152
    }
}
