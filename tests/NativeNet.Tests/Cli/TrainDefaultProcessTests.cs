using System.Text.Json;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli;

/// <summary>The default `nativenet train` (no --data) in a child process: the README's first command.</summary>
public class TrainDefaultProcessTests
{
    [Fact]
    public void DefaultTrainFindsBundledDataWithFewEpochs()
    {
        using var tmp = new TempFolder();
        var r = ChildProcess.RunCli(new Dictionary<string, string?>(), "train", "--epochs", "2", "--out", tmp.Path, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("breast_cancer_wisconsin.csv", r.StdOut);
        Assert.Contains("positive class 'malignant'", r.StdOut);
        Assert.Contains("Epoch 2/2", r.StdOut);   // plain progress lines when redirected
        using var doc = JsonDocument.Parse(r.StdOut.TrimEnd().Split('\n')[^1]);
        Assert.True(File.Exists(doc.RootElement.GetProperty("model_path").GetString()));
    }

    // The done-when of issue #9: the default recipe reaches the reference quality (the recipe of
    // tests/Training/BreastCancerCvTests, 5 folds × 60 epochs + final model; ~30 s).
    [Fact]
    public void DefaultTrainReachesReferenceQuality()
    {
        using var tmp = new TempFolder();
        var r = ChildProcess.RunCli(new Dictionary<string, string?>(), "train", "--out", tmp.Path, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut.TrimEnd().Split('\n')[^1]);
        double accuracy = doc.RootElement.GetProperty("accuracy").GetProperty("fold_mean").GetDouble();
        double auc = doc.RootElement.GetProperty("roc_auc").GetProperty("fold_mean").GetDouble();
        Assert.True(accuracy >= 0.975, $"mean accuracy {accuracy}");
        Assert.True(auc >= 0.99, $"mean ROC-AUC {auc}");
        Assert.True(File.Exists(Path.Combine(tmp.Path, "report.html")));
    }
}
