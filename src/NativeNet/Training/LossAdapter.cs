using NativeNet.Nn;

namespace NativeNet.Training;

/// <summary>
/// Knows, for one loss type, how targets become what the loss takes, how raw outputs become
/// probabilities (for metrics and Predict), and how per-sample class weights apply. It also looks
/// at the model's last layer: an output activation the loss applies itself (Softmax before
/// cross-entropy, Sigmoid before BCE with logits) trains worse and is named in <see cref="Warning"/>,
/// and probabilities are then taken as the model gives them, never activated twice.
/// </summary>
internal sealed class LossAdapter
{
    private readonly Loss _loss;
    private readonly Kind _kind;
    // The model's outputs are already the probabilities ToProbabilities would make.
    private readonly bool _outputsProbabilities;

    private enum Kind { CrossEntropy, Nll, BceLogits, Bce, Regression }

    public LossAdapter(Loss loss, Module? model = null)
    {
        _loss = loss;
        _kind = loss switch
        {
            CrossEntropyLoss => Kind.CrossEntropy,
            NLLLoss => Kind.Nll,
            BCEWithLogitsLoss => Kind.BceLogits,
            BCELoss => Kind.Bce,
            _ => Kind.Regression,
        };
        string? last = model is null ? null : LastLayer(model)?.GetType().Name;
        string lossName = loss.GetType().Name;
        (_outputsProbabilities, Warning) = (_kind, last) switch
        {
            (Kind.CrossEntropy, "Softmax") => (true, $"the model ends in Softmax but {lossName} applies log-softmax to its input itself (it expects logits): the softmax is applied twice and training slows. Remove the final Softmax (or use LogSoftmax with NLLLoss); Predict returns the model's softmax as is."),
            (Kind.CrossEntropy, "Sigmoid") => (false, $"the model ends in Sigmoid but {lossName} expects logits: remove the final Sigmoid."),
            (Kind.BceLogits, "Sigmoid") => (true, $"the model ends in Sigmoid but {lossName} applies the sigmoid itself (it expects logits): the sigmoid is applied twice and training slows. Remove the final Sigmoid (or use BCELoss); Predict returns the model's sigmoid as is."),
            (Kind.BceLogits, "Softmax" or "LogSoftmax") => (false, $"the model ends in {last} but {lossName} expects logits: remove the final {last}."),
            (Kind.Nll, "Softmax" or "Sigmoid") => (false, $"the model ends in {last} but {lossName} expects log-probabilities: use LogSoftmax as the last layer."),
            _ => (false, null),
        };
    }

    /// <summary>What is wrong with the model's output activation for this loss, or null.</summary>
    public string? Warning { get; }

    /// <summary>The last layer a Sequential (nested or not) applies; null for other modules, whose Forward is code.</summary>
    private static Module? LastLayer(Module model)
    {
        while (model is Sequential)
        {
            var children = model.Children().ToList();
            if (children.Count == 0) return null;
            model = children[^1];
        }
        return model is Sequential ? null : model;
    }

    /// <summary>Whether targets are class labels (class weights and classification metrics apply).</summary>
    public bool IsClassification => _kind != Kind.Regression;

    /// <summary>The batch loss (mean over samples); with <paramref name="sampleWeights"/>, Σ wᵢ·lᵢ / n as Keras does.</summary>
    public Tensor Compute(Tensor output, float[] targets, int targetWidth, float[]? sampleWeights)
    {
        int n = output.Size(0);
        if (sampleWeights is null)
        {
            return _kind switch
            {
                Kind.CrossEntropy => ((CrossEntropyLoss)_loss).Forward(output, Labels(targets, targetWidth, output)),
                Kind.Nll => ((NLLLoss)_loss).Forward(output, Labels(targets, targetWidth, output)),
                _ => _loss.Forward(output, TargetTensor(output, targets)),
            };
        }
        if (_loss.Reduction != Reduction.Mean)
            throw new NotSupportedException($"Class weights need a loss with Reduction.Mean. Received: {_loss.Reduction}.");
        Tensor perSample = _kind switch
        {
            Kind.CrossEntropy => Ce((CrossEntropyLoss)_loss, output, Labels(targets, targetWidth, output)),
            Kind.Nll => Functional.NllLoss(output, Labels(targets, targetWidth, output), ((NLLLoss)_loss).Weight, Reduction.None, ((NLLLoss)_loss).IgnoreIndex),
            Kind.BceLogits => Functional.BinaryCrossEntropyWithLogits(output, TargetTensor(output, targets), ((BCEWithLogitsLoss)_loss).Weight, ((BCEWithLogitsLoss)_loss).PosWeight, Reduction.None),
            Kind.Bce => Functional.BinaryCrossEntropy(output, TargetTensor(output, targets), ((BCELoss)_loss).Weight, Reduction.None),
            _ => throw new NotSupportedException($"Class weights apply to classification losses only. Received: {_loss.GetType().Name}."),
        };
        // per-sample loss is [n] (cross-entropy) or [n, 1] (binary); weights take the same shape
        var w = Tensor.FromArray(sampleWeights, perSample.Shape);
        return (perSample * w).Sum() * (1f / n);
    }

    /// <summary>Raw outputs → probabilities (softmax, sigmoid, exp of log-probabilities) or values (regression, BCELoss).</summary>
    public float[] ToProbabilities(Tensor output)
    {
        using var _ = Autograd.NoGrad();
        if (_outputsProbabilities) return output.ToArray();
        Tensor? p = _kind switch
        {
            Kind.CrossEntropy => output.Softmax(1),
            Kind.Nll => output.Exp(),
            Kind.BceLogits => output.Sigmoid(),
            _ => null,
        };
        if (p is null) return output.ToArray();
        try { return p.ToArray(); }
        finally { p.Dispose(); }
    }

    private static Tensor Ce(CrossEntropyLoss l, Tensor output, int[] labels) =>
        Functional.CrossEntropy(output, labels, l.Weight, Reduction.None, l.LabelSmoothing, l.IgnoreIndex);

    private static int[] Labels(float[] targets, int width, Tensor output)
    {
        if (width != 1) throw new ArgumentException($"Cross-entropy takes one class label per sample. Received: {width} targets per sample.");
        var y = new int[targets.Length];
        int classes = output.Rank >= 2 ? output.Size(1) : 0;
        for (int i = 0; i < y.Length; i++)
        {
            float t = targets[i];
            if (t != MathF.Floor(t) || t < 0 || (classes > 0 && t >= classes))
                throw new ArgumentException($"Target {t} of sample {i} in the batch is not a class label in 0..{classes - 1}.");
            y[i] = (int)t;
        }
        return y;
    }

    private static Tensor TargetTensor(Tensor output, float[] targets)
    {
        if (targets.Length != output.Count)
            throw new ArgumentException($"The model gives {output.Count / Math.Max(1, output.Size(0))} outputs per sample but the data have {targets.Length / Math.Max(1, output.Size(0))} targets per sample (shape [{string.Join(", ", output.Shape)}]).");
        return Tensor.FromArray(targets, output.Shape);
    }
}
