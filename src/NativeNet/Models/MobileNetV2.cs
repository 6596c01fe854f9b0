using NativeNet.Nn;

namespace NativeNet.Models;

/// <summary>
/// MobileNetV2's inverted residual: 1×1 expansion (skipped at ratio 1) → 3×3 depthwise → 1×1
/// linear projection, each with BN (ReLU6 after the first two); the input is added back when
/// stride is 1 and the width is unchanged. Child "conv" holds the layers as torchvision numbers them.
/// </summary>
public sealed class InvertedResidual : Module
{
    private readonly Sequential _conv;

    /// <summary>Creates the block.</summary>
    public InvertedResidual(int inChannels, int outChannels, int stride, int expandRatio)
    {
        if (stride is not (1 or 2)) throw new ArgumentException($"stride must be 1 or 2. Received: stride={stride}", nameof(stride));
        int hidden = inChannels * expandRatio;
        UsesResidual = stride == 1 && inChannels == outChannels;
        _conv = new Sequential();
        if (expandRatio != 1) _conv.Add(TorchvisionInit.ConvNormActivation(inChannels, hidden, 1, activation: new ReLU6()));
        _conv.Add(TorchvisionInit.ConvNormActivation(hidden, hidden, 3, stride, hidden, new ReLU6()));
        _conv.Add(new Conv2d(hidden, outChannels, 1, bias: false));
        _conv.Add(new BatchNorm2d(outChannels));
        RegisterModule("conv", _conv);
    }

    /// <summary>Whether the input is added to the output.</summary>
    public bool UsesResidual { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        return UsesResidual ? _conv.CallAddingResidual(input, input) : _conv.Call(input);
    }
}

/// <summary>
/// MobileNetV2 (Sandler et al.) as torchvision.models.mobilenet_v2: "features" (stem, 17 inverted
/// residuals, 1×1 to 1280) → global average pool → "classifier" (Dropout 0.2 "0", Linear "1").
/// torchvision 0.14 state-dict keys and init.
/// </summary>
public sealed class MobileNetV2 : Backbone
{
    // (expansion t, channels c, repeats n, first stride s) per stage, from the paper's Table 2.
    private static readonly (int T, int C, int N, int S)[] Settings =
        { (1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1) };

    private readonly Sequential _features;
    private readonly NamedSequential _classifier;
    private readonly double _dropout;

    /// <summary>Creates the network (width multiplier 1).</summary>
    public MobileNetV2(int numClasses = 1000, double dropout = 0.2)
    {
        if (numClasses <= 0) throw new ArgumentException($"numClasses must be positive. Received: numClasses={numClasses}", nameof(numClasses));
        _features = new Sequential(TorchvisionInit.ConvNormActivation(3, 32, 3, 2, activation: new ReLU6()));
        int input = 32;
        foreach (var (t, c, n, s) in Settings)
            for (int i = 0; i < n; i++)
            {
                _features.Add(new InvertedResidual(input, c, i == 0 ? s : 1, t));
                input = c;
            }
        _features.Add(TorchvisionInit.ConvNormActivation(input, 1280, 1, activation: new ReLU6()));
        RegisterModule("features", _features);
        TorchvisionName = "mobilenet_v2";
        _dropout = dropout;
        _classifier = RegisterModule("classifier", new NamedSequential().Add("0", new Dropout(dropout)).Add("1", new Linear(1280, numClasses)));
        TorchvisionInit.Apply(this, convFanOut: true, l =>
        {
            l.Weight.Normal_(0f, 0.01f);
            l.Bias?.Zero_();
        });
    }

    /// <inheritdoc />
    public override int FeatureCount => 1280;

    /// <summary>The feature extractor ("features": stem, inverted residuals, last 1×1 convolution).</summary>
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
        CheckImages(input, "MobileNetV2");
        using var f = _features.Call(input);
        using var pooled = Functional.AdaptiveAvgPool2d(f, (1, 1));
        return pooled.Flatten(1);
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => base.ToSpec().With("dropout", _dropout);

    private protected override Tensor HeadForward(Tensor features) => _classifier.Call(features);
}
