using NativeNet.Tests.Support;

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
        var (exitCode, output, error) = await SampleProcess.RunAsync(sample);
        Assert.True(exitCode == 0, $"{sample} exited with {exitCode}: {error}");
        foreach (var e in expected) Assert.Contains(e, output);
    }
}
