using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Tests.Support;
using NativeNet.Training;

namespace NativeNet.Tests.Training;

/// <summary>
/// A Keras port that ends in Softmax before CrossEntropyLoss (which expects logits): Compile warns
/// once, and Predict returns the model's softmax as is instead of a softmax of probabilities.
/// </summary>
[Collection(NoParallel.Name)]
public class OutputActivationTests
{
    private static Dataset ThreeClasses()
    {
        var rng = new Random(2);
        var x = Enumerable.Range(0, 90 * 2).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, 90).Select(i => (float)(i % 3)).ToArray();
        for (int i = 0; i < 90; i++) x[i * 2] += 2 * (i % 3) - 2;
        return new Dataset(x, [2], y);
    }

    // Runs Compile (+ a short Fit) with the warning writer captured; returns the compiled model and what was written.
    private static (CompiledModel Model, string Written) CompileAndFit(Module model, Loss loss)
    {
        var saved = CompiledModel.WarningWriter;
        var written = new StringWriter();
        CompiledModel.WarningWriter = written;
        try
        {
            var compiled = model.Compile(new Adam(model.Parameters(), lr: 0.01), loss, "accuracy");
            compiled.Fit(ThreeClasses(), epochs: 3, batchSize: 16, validationData: ThreeClasses(), seed: 1);
            return (compiled, written.ToString());
        }
        finally { CompiledModel.WarningWriter = saved; }
    }

    [Fact]
    public void SoftmaxBeforeCrossEntropyWarnsOnceAndPredictionsAreSoftmaxedOnce()
    {
        Generator.ManualSeed(5);
        using var model = new Sequential(new Linear(2, 8), new ReLU(), new Linear(8, 3), new Softmax(-1));
        var (compiled, written) = CompileAndFit(model, new CrossEntropyLoss());
        Assert.Single(compiled.Warnings);
        Assert.Single(written.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Softmax", written);
        Assert.Contains("expects logits", written);

        var data = ThreeClasses();
        var predicted = compiled.Predict(data);
        model.Eval();
        using (NativeNet.Autograd.NoGrad())
        using (var direct = model.Forward(Tensor.FromArray(data.Features, data.Count, 2)))
        {
            var expected = direct.ToArray();
            Assert.Equal(expected.Length, predicted.Length);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], predicted[i], 6);
        }
        // A softmax of probabilities would squeeze every row towards 1/3; the model's rows keep their spread.
        Assert.Contains(predicted, p => p > 0.5f);
    }

    [Fact]
    public void SigmoidBeforeBceWithLogitsWarnsAndLogSoftmaxBeforeCrossEntropyDoesNot()
    {
        Generator.ManualSeed(6);
        using var binary = new Sequential(new Linear(2, 1), new Sigmoid());
        var saved = CompiledModel.WarningWriter;
        CompiledModel.WarningWriter = TextWriter.Null;
        try
        {
            var compiled = binary.Compile(new Adam(binary.Parameters()), new BCEWithLogitsLoss());
            Assert.Contains("Sigmoid", Assert.Single(compiled.Warnings));
            using var logSoftmax = new Sequential(new Linear(2, 3), new LogSoftmax(-1));
            Assert.Empty(logSoftmax.Compile(new Adam(logSoftmax.Parameters()), new CrossEntropyLoss()).Warnings);
            using var logits = new Sequential(new Linear(2, 3));
            Assert.Empty(logits.Compile(new Adam(logits.Parameters()), new CrossEntropyLoss()).Warnings);
        }
        finally { CompiledModel.WarningWriter = saved; }
    }
}
