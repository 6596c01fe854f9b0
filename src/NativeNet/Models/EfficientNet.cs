using NativeNet.Nn;

namespace NativeNet.Models;

/// <summary>
/// EfficientNet's mobile inverted bottleneck: 1×1 expansion (skipped at ratio 1) → k×k depthwise →
/// squeeze-and-excitation → 1×1 projection, SiLU after the first two; with stride 1 and unchanged
/// width the input is added back after stochastic depth. Children "block" and "stochastic_depth".
/// </summary>
public sealed class MBConv : Module
{
    private readonly Sequential _block;
    private readonly StochasticDepth _drop;

    /// <summary>Creates the block.</summary>
    public MBConv(int inChannels, int outChannels, int kernel, int stride, int expandRatio, double stochasticDepthProb)
    {
        if (stride is not (1 or 2)) throw new ArgumentException($"stride must be 1 or 2. Received: stride={stride}", nameof(stride));
        int expanded = inChannels * expandRatio;
        UsesResidual = stride == 1 && inChannels == outChannels;
        _block = new Sequential();
        if (expanded != inChannels) _block.Add(TorchvisionInit.ConvNormActivation(inChannels, expanded, 1, activation: new SiLU()));
        _block.Add(TorchvisionInit.ConvNormActivation(expanded, expanded, kernel, stride, expanded, new SiLU()));
        _block.Add(new SqueezeExcitation(expanded, Math.Max(1, inChannels / 4), new SiLU()));
        _block.Add(TorchvisionInit.ConvNormActivation(expanded, outChannels, 1));
        RegisterModule("block", _block);
        _drop = RegisterModule("stochastic_depth", new StochasticDepth(stochasticDepthProb));
    }

    /// <summary>Whether the input is added to the output.</summary>
    public bool UsesResidual { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        if (!UsesResidual) return _block.Call(input);
        using var y = _block.Call(input);
        using var d = _drop.Call(y);
        return d.Add(input);
    }
}

/// <summary>
/// EfficientNet-B0 (Tan and Le) as torchvision.models.efficientnet_b0: "features" (stem, seven
/// stages of <see cref="MBConv"/>, 1×1 to 1280) → global average pool → "classifier" (Dropout 0.2
/// "0", Linear "1"). Stochastic depth rises linearly to 0.2 over the 16 blocks. torchvision 0.14
/// state-dict keys and init.
/// </summary>
public sealed class EfficientNet : Backbone
{
    // (expand ratio, kernel, stride, in, out, layers) per stage: B0, width and depth multipliers 1.
    private static readonly (int E, int K, int S, int In, int Out, int N)[] B0 =
        { (1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3), (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1) };

    private readonly Sequential _features;
    private readonly NamedSequential _classifier;

    private EfficientNet((int E, int K, int S, int In, int Out, int N)[] stages, int lastChannels, int numClasses, double dropout, double stochasticDepthProb)
    {
        if (numClasses <= 0) throw new ArgumentException($"numClasses must be positive. Received: numClasses={numClasses}", nameof(numClasses));
        _features = new Sequential(TorchvisionInit.ConvNormActivation(3, stages[0].In, 3, 2, activation: new SiLU()));
        int total = stages.Sum(s => s.N), id = 0;
        foreach (var (e, k, s, cin, cout, n) in stages)
        {
            var stage = new Sequential();
            for (int i = 0; i < n; i++, id++)
                stage.Add(new MBConv(i == 0 ? cin : cout, cout, k, i == 0 ? s : 1, e, stochasticDepthProb * id / total));
            _features.Add(stage);
        }
        _features.Add(TorchvisionInit.ConvNormActivation(stages[^1].Out, lastChannels, 1, activation: new SiLU()));
        RegisterModule("features", _features);
        FeatureCount = lastChannels;
        _classifier = RegisterModule("classifier", new NamedSequential().Add("0", new Dropout(dropout)).Add("1", new Linear(lastChannels, numClasses)));
        TorchvisionInit.Apply(this, convFanOut: true, l =>
        {
            float range = (float)(1 / Math.Sqrt(l.OutFeatures));
            l.Weight.Uniform_(-range, range);
            l.Bias?.Zero_();
        });
    }

    /// <summary>EfficientNet-B0 (224×224 native resolution, 1280 features).</summary>
    public static EfficientNet EfficientNetB0(int numClasses = 1000) => new(B0, 1280, numClasses, 0.2, 0.2) { TorchvisionName = "efficientnet_b0" };

    /// <inheritdoc />
    public override int FeatureCount { get; }

    /// <summary>The feature extractor ("features").</summary>
    public Sequential FeatureLayers => _features;

    /// <inheritdoc />
    public override Module FeatureMapLayer => _features;

    /// <inheritdoc />
    public override Linear Head
    {
        get => (Linear)_classifier.NamedChildren().First(c => c.Name == "1").Module;
        set => _classifier.RegisterModule("1", CheckHead(value, FeatureCount));
    }

    /// <inheritdoc />
    public override Tensor Features(Tensor input)
    {
        CheckImages(input, "EfficientNet");
        using var f = _features.Call(input);
        using var pooled = Functional.AdaptiveAvgPool2d(f, (1, 1));
        return pooled.Flatten(1);
    }

    private protected override Tensor HeadForward(Tensor features) => _classifier.Call(features);
}
