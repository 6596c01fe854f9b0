using NativeNet.Nn;

namespace NativeNet.Models;

/// <summary>
/// One DenseNet layer: BN → ReLU → 1×1 conv to bn_size·growth → BN → ReLU → 3×3 conv to growth
/// channels, applied to the concatenation of every earlier feature map of its block.
/// </summary>
public sealed class DenseLayer : Module
{
    private readonly BatchNorm2d _norm1, _norm2;
    private readonly Conv2d _conv1, _conv2;

    /// <summary>Creates the layer.</summary>
    public DenseLayer(int inChannels, int growthRate, int bnSize)
    {
        _norm1 = RegisterModule("norm1", new BatchNorm2d(inChannels));
        RegisterModule("relu1", new ReLU());
        _conv1 = RegisterModule("conv1", new Conv2d(inChannels, bnSize * growthRate, 1, bias: false));
        _norm2 = RegisterModule("norm2", new BatchNorm2d(bnSize * growthRate));
        RegisterModule("relu2", new ReLU());
        _conv2 = RegisterModule("conv2", new Conv2d(bnSize * growthRate, growthRate, 3, 1, 1, bias: false));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var n1 = _norm1.Call(input);
        using var r1 = n1.Relu();
        using var c1 = _conv1.Call(r1);
        using var n2 = _norm2.Call(c1);
        using var r2 = n2.Relu();
        return _conv2.Call(r2);
    }
}

/// <summary>A dense block: each <see cref="DenseLayer"/> ("denselayer1", …) adds growth-rate channels to the running concatenation.</summary>
public sealed class DenseBlock : Module
{
    private readonly List<DenseLayer> _layers = new();

    /// <summary>Creates the block.</summary>
    public DenseBlock(int numLayers, int inChannels, int growthRate, int bnSize)
    {
        for (int i = 0; i < numLayers; i++)
            _layers.Add(RegisterModule($"denselayer{i + 1}", new DenseLayer(inChannels + i * growthRate, growthRate, bnSize)));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        var features = input.Clone();
        foreach (var layer in _layers)
        {
            using var grown = layer.Call(features);
            var next = Tensor.Concat(new[] { features, grown }, 1);
            features.Dispose();
            features = next;
        }
        return features;
    }
}

/// <summary>
/// DenseNet (Huang et al.) as torchvision.models.densenet121: "features" (conv0, norm0, relu0, pool0,
/// denseblock1, transition1, …, denseblock4, norm5) → ReLU → global average pool → "classifier".
/// torchvision 0.14 state-dict keys and init.
/// </summary>
public sealed class DenseNet : Backbone
{
    private readonly NamedSequential _features;

    /// <summary>Creates a DenseNet with the given growth rate, layers per block and initial width.</summary>
    public DenseNet(int growthRate, int[] blockConfig, int numInitFeatures, int bnSize = 4, int numClasses = 1000)
    {
        ArgumentNullException.ThrowIfNull(blockConfig);
        if (numClasses <= 0) throw new ArgumentException($"numClasses must be positive. Received: numClasses={numClasses}", nameof(numClasses));
        _features = new NamedSequential()
            .Add("conv0", new Conv2d(3, numInitFeatures, 7, 2, 3, bias: false))
            .Add("norm0", new BatchNorm2d(numInitFeatures))
            .Add("relu0", new ReLU())
            .Add("pool0", new MaxPool2d(3, 2, 1));
        int channels = numInitFeatures;
        for (int i = 0; i < blockConfig.Length; i++)
        {
            _features.Add($"denseblock{i + 1}", new DenseBlock(blockConfig[i], channels, growthRate, bnSize));
            channels += blockConfig[i] * growthRate;
            if (i == blockConfig.Length - 1) continue;
            _features.Add($"transition{i + 1}", new NamedSequential()
                .Add("norm", new BatchNorm2d(channels))
                .Add("relu", new ReLU())
                .Add("conv", new Conv2d(channels, channels / 2, 1, bias: false))
                .Add("pool", new AvgPool2d(2, 2)));
            channels /= 2;
        }
        _features.Add("norm5", new BatchNorm2d(channels));
        RegisterModule("features", _features);
        FeatureCount = channels;
        RegisterModule("classifier", new Linear(channels, numClasses));
        TorchvisionInit.Apply(this, convFanOut: false, l => l.Bias?.Zero_());
    }

    /// <summary>DenseNet-121 (growth 32, blocks [6, 12, 24, 16], 64 initial features).</summary>
    public static DenseNet DenseNet121(int numClasses = 1000) => new(32, new[] { 6, 12, 24, 16 }, 64, 4, numClasses) { TorchvisionName = "densenet121" };

    /// <inheritdoc />
    public override int FeatureCount { get; }

    /// <inheritdoc />
    public override Module FeatureMapLayer => _features;

    /// <summary>The classifier, settable (<c>model.Classifier = new Linear(1024, 2)</c>).</summary>
    public Linear Classifier
    {
        get => Head;
        set => Head = value;
    }

    /// <inheritdoc />
    public override Linear Head
    {
        get => (Linear)NamedChildren().First(c => c.Name == "classifier").Module;
        set => RegisterModule("classifier", CheckHead(value, FeatureCount));
    }

    /// <inheritdoc />
    public override Tensor Features(Tensor input)
    {
        CheckImages(input, "DenseNet");
        using var f = _features.Call(input);
        using var r = f.Relu();
        using var pooled = Functional.AdaptiveAvgPool2d(r, (1, 1));
        return pooled.Flatten(1);
    }
}
