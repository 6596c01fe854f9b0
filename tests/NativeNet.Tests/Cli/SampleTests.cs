using System.Diagnostics;

namespace NativeNet.Tests.Cli;

/// <summary>Each sample runs to the end in a child process in its small mode (NATIVENET_SAMPLE_SMALL=1).</summary>
public class SampleTests
{
    [Theory]
    [InlineData("BreastCancerDiagnosis", new[] { "positive class 'malignant'", "roc_auc", "Model saved" })]
    [InlineData("DiabetesProgression", new[] { "r2", "rmse", "mae" })]
    [InlineData("RetinopathyCnn", new[] { "SYNTHETIC", "3×112×112", "Test accuracy" })]
    [InlineData("EcgLstm", new[] { "SYNTHETIC", "Test accuracy" })]
    [InlineData("AnomalyAutoencoder", new[] { "benign", "ROC-AUC" })]
    [InlineData("TabularGan", new[] { "GAN epoch", "real + GAN minority" })]
    [InlineData("TransferLearning", new[] { "Pretrained MobileNetV2", "Frozen extractor", "from scratch" })]
    [InlineData("KnowledgeDistillation", new[] { "Teacher (ResNet-18", "labels alone", "distilled from the teacher" })]
    [InlineData("ConvAutoencoder", new[] { "Mean reconstruction error", "ROC-AUC" })]
    [InlineData("DcganImages", new[] { "GAN epoch", "The judge", "dcgan-report.html" })]
    [InlineData("ChestXrayDicom", new[] { "SYNTHETIC labelled DICOM set", "1×64×64", "Test accuracy" })]
    public async Task SampleRunsInSmallMode(string sample, string[] expected)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project references every samples/*/*.csproj");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        psi.Environment["NATIVENET_SAMPLE_SMALL"] = "1";
        using var cwd = new TempFolder();   // where a sample writes its outputs
        psi.WorkingDirectory = cwd.Path;
        using var p = Process.Start(psi)!;
        var errTask = p.StandardError.ReadToEndAsync();
        var outTask = p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{sample} did not finish in 120 s");
        }
        string output = await outTask;
        Assert.True(p.ExitCode == 0, $"{sample} exited with {p.ExitCode}: {await errTask}");
        foreach (var e in expected) Assert.Contains(e, output);
    }
}
