using NativeNet.Training;

namespace NativeNet.Tests.Training;

public class ConsoleProgressTests
{
    private static TrainingProgress P(ProgressKind k, int batch) => new()
    {
        Kind = k, Epoch = 2, Epochs = 5, Batch = batch, Batches = 4, Loss = 0.25,
        Metrics = new Dictionary<string, double> { ["accuracy"] = 0.9 }, Elapsed = TimeSpan.FromSeconds(batch * 2),
    };

    [Fact]
    public void RedirectedOutputGetsOnePlainLinePerEpoch()
    {
        var w = new StringWriter();
        var p = new ConsoleProgress(w, live: false);
        p.Report(P(ProgressKind.BatchEnd, 1));
        p.Report(P(ProgressKind.BatchEnd, 2));
        p.Report(P(ProgressKind.EpochEnd, 4));
        Assert.Equal($"Epoch 2/5 loss 0.2500 accuracy 0.9000 (0:08){Environment.NewLine}", w.ToString());
    }

    [Fact]
    public void TerminalOutputRedrawsABarWithEta()
    {
        var w = new StringWriter();
        var p = new ConsoleProgress(w, live: true, barWidth: 8);
        p.Report(P(ProgressKind.BatchEnd, 2));
        Assert.Equal("\rEpoch 2/5 [===>    ] 2/4 loss 0.2500 accuracy 0.9000 ETA 0:04", w.ToString());
        p.Report(P(ProgressKind.EpochEnd, 4));
        var text = w.ToString();
        Assert.EndsWith(Environment.NewLine, text);
        var last = text[(text.LastIndexOf('\r') + 1)..];
        Assert.Equal("Epoch 2/5 loss 0.2500 accuracy 0.9000 (0:08)", last.TrimEnd());
        Assert.True(last.TrimEnd('\r', '\n').Length >= "Epoch 2/5 [===>    ] 2/4 loss 0.2500 accuracy 0.9000 ETA 0:04".Length); // wipes the bar
    }
}
