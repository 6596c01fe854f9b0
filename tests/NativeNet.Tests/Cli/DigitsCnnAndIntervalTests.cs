using System.Text.Json;
using NativeNet.Serialization;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli;

/// <summary>
/// The bundled digits archive (uint8 values 0…16) through `train --model cnn`: the input scaling
/// comes from the data (per-channel standardization of the raw values, recorded and printed), so the
/// CNN learns within a few epochs; and every estimate the JSON reports lies inside its own interval.
/// The full default run (5 folds × 60 epochs) reaches ≥ 0.98 (see docs/getting-started.md); this
/// CI test runs 3 folds × 20 epochs (and the same once more with bf16 products).
/// </summary>
[Collection(NoParallel.Name)]
public class DigitsCnnAndIntervalTests
{
    private static void AssertEveryEstimateInsideItsInterval(JsonElement o)
    {
        int checkedMetrics = 0;
        foreach (var metric in o.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty("estimate", out _)))
        {
            Assert.False(metric.Value.TryGetProperty("mean", out _), $"{metric.Name}: a bare 'mean' is ambiguous; the JSON names estimate and fold_mean");
            double estimate = metric.Value.GetProperty("estimate").GetDouble();
            var ci = metric.Value.GetProperty("ci95");
            Assert.InRange(estimate, ci[0].GetDouble(), ci[1].GetDouble());
            checkedMetrics++;
        }
        Assert.Equal(4, checkedMetrics);
    }

    [Fact]
    public void DigitsCnnLearnsFromDataChosenScalingAndEveryEstimateLiesInItsInterval()
    {
        using var tmp = new TempFolder();
        string data = TestData.Path("digits_8x8.npz");
        var run = CliRun.Run("train", "--data", data, "--model", "cnn", "--folds", "3", "--epochs", "20", "--out", tmp.Path, "--json");
        var o = run.Json();
        Assert.Contains("Input scaling: standardized per channel", run.StdOut);
        double accuracy = o.GetProperty("accuracy").GetProperty("estimate").GetDouble();
        Assert.True(accuracy >= 0.97, $"pooled out-of-fold accuracy {accuracy}");
        AssertEveryEstimateInsideItsInterval(o);

        string model = o.GetProperty("model_path").GetString()!;
        using (var schema = JsonDocument.Parse(Model.ReadMetadata(model)[Model.SchemaKey]))
        {
            Assert.Contains("per channel", schema.RootElement.GetProperty("input_scaling").GetString());
            // One channel: the mean of the raw 0…16 values, not of values divided by 255.
            double mean = schema.RootElement.GetProperty("scaler_mean")[0].GetDouble();
            Assert.InRange(mean, 1, 16);
        }
        var e = CliRun.Run("evaluate", "--model", model, "--data", data, "--json").Json();
        AssertEveryEstimateInsideItsInterval(e);
    }

    /// <summary>
    /// `train --precision bf16` (bf16 products in the Linear layers, forward and backward, and in the
    /// Winograd convolutions when the folds are evaluated): the pooled out-of-fold accuracy within one
    /// point of the float32 run with the same seed and folds.
    /// </summary>
    [Fact]
    public void DigitsCnnInBf16IsWithinOnePointOfFloat32()
    {
        using var tmp = new TempFolder();
        string data = TestData.Path("digits_8x8.npz");
        double Accuracy(string precision) =>
            CliRun.Run("train", "--data", data, "--model", "cnn", "--folds", "3", "--epochs", "20", "--precision", precision,
                       "--out", tmp.File(precision), "--json").Json().GetProperty("accuracy").GetProperty("estimate").GetDouble();
        double fp32 = Accuracy("fp32"), bf16 = Accuracy("bf16");
        Assert.True(Math.Abs(fp32 - bf16) <= 0.01, $"accuracy fp32 {fp32:F4}, bf16 {bf16:F4}");
        Assert.True(bf16 >= 0.97, $"bf16 accuracy {bf16:F4}");
    }
}
