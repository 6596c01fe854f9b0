namespace NativeNet.Nn;

/// <summary>
/// Base of the loss modules: <c>Forward(input, target)</c> returns a 0-d tensor (or per-element
/// values with <see cref="Reduction.None"/>). Class-index targets are tensors of integer-valued
/// floats, or int arrays through the overloads on <see cref="CrossEntropyLoss"/> / <see cref="NLLLoss"/>.
/// </summary>
public abstract class Loss
{
    private protected Loss(Reduction reduction)
    {
        if (!Enum.IsDefined(reduction)) throw new ArgumentOutOfRangeException(nameof(reduction), reduction, $"reduction must be Mean, Sum or None. Received: {(int)reduction}");
        Reduction = reduction;
    }

    /// <summary>How values are reduced.</summary>
    public Reduction Reduction { get; }

    /// <summary>Computes the loss.</summary>
    public abstract Tensor Forward(Tensor input, Tensor target);

    /// <summary>Same as <see cref="Forward"/>.</summary>
    public Tensor Call(Tensor input, Tensor target) => Forward(input, target);
}

/// <summary>Mean squared error.</summary>
public sealed class MSELoss : Loss
{
    /// <summary>Creates the loss.</summary>
    public MSELoss(Reduction reduction = Reduction.Mean) : base(reduction) { }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);
}

/// <summary>Mean absolute error.</summary>
public sealed class L1Loss : Loss
{
    /// <summary>Creates the loss.</summary>
    public L1Loss(Reduction reduction = Reduction.Mean) : base(reduction) { }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(input, target, Reduction);
}

/// <summary>Binary cross-entropy of probabilities in [0, 1].</summary>
public sealed class BCELoss : Loss
{
    /// <summary>Creates the loss (optional per-element weight, broadcast).</summary>
    public BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : base(reduction) => Weight = weight;
    /// <summary>Per-element weight or null.</summary>
    public Tensor? Weight { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(input, target, Weight, Reduction);
}

/// <summary>Sigmoid + binary cross-entropy on logits (stable); pos_weight weights positives.</summary>
public sealed class BCEWithLogitsLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    public BCEWithLogitsLoss(Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        Weight = weight;
        PosWeight = posWeight;
    }
    /// <summary>Per-element weight or null.</summary>
    public Tensor? Weight { get; }
    /// <summary>Weight of the positive term (broadcast over the last dimension) or null.</summary>
    public Tensor? PosWeight { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropyWithLogits(input, target, Weight, PosWeight, Reduction);
}

/// <summary>Cross-entropy of logits with class indices (class weights, label smoothing, ignore index).</summary>
public sealed class CrossEntropyLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    public CrossEntropyLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, float labelSmoothing = 0f, int ignoreIndex = -100) : base(reduction)
    {
        if (labelSmoothing < 0 || labelSmoothing > 1) throw new ArgumentException($"label_smoothing must be in [0, 1]. Received: label_smoothing={labelSmoothing}", nameof(labelSmoothing));
        Weight = weight; LabelSmoothing = labelSmoothing; IgnoreIndex = ignoreIndex;
    }
    /// <summary>Class weights [C] or null.</summary>
    public Tensor? Weight { get; }
    /// <summary>Label smoothing ε.</summary>
    public float LabelSmoothing { get; }
    /// <summary>Target value that contributes nothing.</summary>
    public int IgnoreIndex { get; }
    /// <summary>target: integer-valued floats [N].</summary>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.CrossEntropy(input, target, Weight, Reduction, LabelSmoothing, IgnoreIndex);
    /// <summary>target: class indices, one per row.</summary>
    public Tensor Forward(Tensor input, int[] target) => Functional.CrossEntropy(input, target, Weight, Reduction, LabelSmoothing, IgnoreIndex);
}

/// <summary>Negative log-likelihood of log-probabilities with class indices.</summary>
public sealed class NLLLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    public NLLLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, int ignoreIndex = -100) : base(reduction)
    {
        Weight = weight; IgnoreIndex = ignoreIndex;
    }
    /// <summary>Class weights [C] or null.</summary>
    public Tensor? Weight { get; }
    /// <summary>Target value that contributes nothing.</summary>
    public int IgnoreIndex { get; }
    /// <summary>target: integer-valued floats [N].</summary>
    public override Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Weight, Reduction, IgnoreIndex);
    /// <summary>target: class indices, one per row.</summary>
    public Tensor Forward(Tensor input, int[] target) => Functional.NllLoss(input, target, Weight, Reduction, IgnoreIndex);
}

/// <summary>KL divergence of log-probability input from a probability target (knowledge distillation).</summary>
public sealed class KLDivLoss : Loss
{
    /// <summary>Creates the loss; batchMean divides the sum by the batch size (PyTorch's reduction="batchmean").</summary>
    public KLDivLoss(Reduction reduction = Reduction.Mean, bool batchMean = false) : base(reduction) => BatchMean = batchMean;
    /// <summary>Sum divided by the batch size.</summary>
    public bool BatchMean { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input, Tensor target) => Functional.KlDiv(input, target, Reduction, BatchMean);
}

/// <summary>Smooth L1 loss (quadratic below beta, linear above).</summary>
public sealed class SmoothL1Loss : Loss
{
    /// <summary>Creates the loss.</summary>
    public SmoothL1Loss(Reduction reduction = Reduction.Mean, float beta = 1f) : base(reduction) => Beta = beta;
    /// <summary>Where the loss turns from quadratic to linear.</summary>
    public float Beta { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(input, target, Reduction, Beta);
}

/// <summary>Sigmoid focal loss on logits (torchvision.ops.sigmoid_focal_loss).</summary>
public sealed class SigmoidFocalLoss : Loss
{
    /// <summary>Creates the loss (torchvision's default reduction is none).</summary>
    public SigmoidFocalLoss(float alpha = 0.25f, float gamma = 2f, Reduction reduction = Reduction.None) : base(reduction)
    {
        Alpha = alpha; Gamma = gamma;
    }
    /// <summary>Weight of positives (negatives get 1 − α); negative = none.</summary>
    public float Alpha { get; }
    /// <summary>Focusing exponent.</summary>
    public float Gamma { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input, Tensor target) => Functional.SigmoidFocalLoss(input, target, Alpha, Gamma, Reduction);
}
