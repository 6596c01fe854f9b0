using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli;

/// <summary>
/// --precision bf16 runs train, evaluate and predict with bfloat16 matrix products (docs/bf16.md);
/// a value other than fp32 or bf16 is one line and exit code 2. (The accuracy of bf16 training is
/// checked in Nn/LinearBFloat16Tests; this checks the wiring.)
/// </summary>
[Collection(NoParallel.Name)]
public class PrecisionOptionTests
{
    [Fact]
    public void TrainEvaluateAndPredictTakeBf16()
    {
        using var tmp = new TempFolder();
        var o = CliRun.Run("train", "--precision", "bf16", "--folds", "2", "--epochs", "3", "--out", tmp.Path, "--json").Json();
        double auc = o.GetProperty("roc_auc").GetProperty("estimate").GetDouble();
        Assert.True(auc > 0.9, $"bf16 training: pooled ROC-AUC {auc}");
        string model = o.GetProperty("model_path").GetString()!;
        string data = TestData.Path("breast_cancer_wisconsin.csv");
        var fp32 = CliRun.Run("evaluate", "--model", model, "--data", data, "--json").Json();
        var bf16 = CliRun.Run("evaluate", "--model", model, "--data", data, "--json", "--precision", "bf16").Json();
        double a32 = fp32.GetProperty("roc_auc").GetProperty("estimate").GetDouble(), a16 = bf16.GetProperty("roc_auc").GetProperty("estimate").GetDouble();
        Assert.True(Math.Abs(a32 - a16) <= 0.005, $"evaluate: float32 ROC-AUC {a32}, bf16 {a16}");
        string csv = Path.Combine(tmp.Path, "p.csv");
        var predicted = CliRun.Run("predict", "--model", model, "--data", data, "--out", csv, "--precision", "bf16");
        Assert.True(predicted.ExitCode == 0, predicted.StdErr);
        Assert.True(File.ReadAllLines(csv).Length > 500);
    }

    [Theory]
    [InlineData("train")]
    [InlineData("evaluate")]
    [InlineData("predict")]
    public void AnUnknownPrecisionIsExitCode2(string command)
    {
        using var tmp = new TempFolder();
        string data = TestData.Path("breast_cancer_wisconsin.csv");
        string[] args = command switch
        {
            "train" => ["train", "--precision", "fp16", "--out", tmp.Path],
            "evaluate" => ["evaluate", "--model", Path.Combine(tmp.Path, "m.safetensors"), "--data", data, "--precision", "fp16"],
            _ => ["predict", "--model", Path.Combine(tmp.Path, "m.safetensors"), "--data", data, "--out", Path.Combine(tmp.Path, "p.csv"), "--precision", "fp16"],
        };
        var r = CliRun.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--precision must be fp32 or bf16. Received: 'fp16'", r.StdErr);
    }
}
