using NativeNet.Nn;

namespace NativeNet.Models;

/// <summary>
/// ResNet's two-convolution residual block (ResNet-18/34): conv3×3 → BN → ReLU → conv3×3 → BN, plus
/// the input (through <c>downsample</c> when the shape changes), then ReLU. torchvision names.
/// </summary>
public sealed class BasicBlock : Module
{
    /// <summary>Output channels per unit of <c>planes</c>.</summary>
    public const int Expansion = 1;

    private readonly Conv2d _conv1, _conv2;
    private readonly BatchNorm2d _bn1, _bn2;
    private readonly Module? _downsample;

    /// <summary>Creates the block.</summary>
    public BasicBlock(int inplanes, int planes, int stride = 1, Module? downsample = null)
    {
        _conv1 = RegisterModule("conv1", new Conv2d(inplanes, planes, 3, stride, 1, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        RegisterModule("relu", new ReLU());
        _conv2 = RegisterModule("conv2", new Conv2d(planes, planes, 3, 1, 1, bias: false));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        if (downsample is not null) _downsample = RegisterModule("downsample", downsample);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var r1 = ConvNormRelu(_conv1, _bn1, input, null);
        using var shortcut = _downsample?.Call(input);
        return ConvNormRelu(_conv2, _bn2, r1, shortcut ?? input);
    }

    /// <summary>
    /// relu(bn(conv(x)) + residual): in inference one convolution with the normalization folded into
    /// its weights and the residual and ReLU in its epilogue; in training the convolution, then the
    /// normalization, residual and ReLU in one pass; otherwise layer by layer.
    /// </summary>
    internal static Tensor ConvNormRelu(Conv2d conv, BatchNorm2d bn, Tensor x, Tensor? residual)
    {
        if (conv.ForwardFoldingNorm(x, bn, residual, Kernels.UnaryOp.Relu) is { } fused) return fused;
        using var c = conv.Call(x);
        if (bn.ForwardRelu(c, residual) is { } normalized) return normalized;
        using var b = bn.Call(c);
        if (residual is null) return b.Relu();
        using var sum = b.Add(residual);
        return sum.Relu();
    }
}

/// <summary>
/// ResNet's bottleneck block (ResNet-50 and deeper, torchvision's "v1.5": the stride sits on the 3×3):
/// conv1×1 → conv3×3 → conv1×1 expanding to 4·planes, each with BN, plus the shortcut, then ReLU.
/// </summary>
public sealed class Bottleneck : Module
{
    /// <summary>Output channels per unit of <c>planes</c>.</summary>
    public const int Expansion = 4;

    private readonly Conv2d _conv1, _conv2, _conv3;
    private readonly BatchNorm2d _bn1, _bn2, _bn3;
    private readonly Module? _downsample;

    /// <summary>Creates the block.</summary>
    public Bottleneck(int inplanes, int planes, int stride = 1, Module? downsample = null)
    {
        _conv1 = RegisterModule("conv1", new Conv2d(inplanes, planes, 1, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(planes));
        _conv2 = RegisterModule("conv2", new Conv2d(planes, planes, 3, stride, 1, bias: false));
        _bn2 = RegisterModule("bn2", new BatchNorm2d(planes));
        _conv3 = RegisterModule("conv3", new Conv2d(planes, planes * Expansion, 1, bias: false));
        _bn3 = RegisterModule("bn3", new BatchNorm2d(planes * Expansion));
        RegisterModule("relu", new ReLU());
        if (downsample is not null) _downsample = RegisterModule("downsample", downsample);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var r1 = BasicBlock.ConvNormRelu(_conv1, _bn1, input, null);
        using var r2 = BasicBlock.ConvNormRelu(_conv2, _bn2, r1, null);
        using var shortcut = _downsample?.Call(input);
        return BasicBlock.ConvNormRelu(_conv3, _bn3, r2, shortcut ?? input);
    }
}

/// <summary>
/// ResNet (He et al.) as torchvision.models.resnet18/34/50: conv1 (7×7, stride 2) → bn1 → relu →
/// maxpool → layer1…layer4 → avgpool → fc. State-dict keys as torchvision 0.14 ("layer1.0.conv1.weight",
/// "layer2.0.downsample.0.weight", "fc.weight", …); torchvision's init.
/// </summary>
public sealed class ResNet : Backbone
{
    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly MaxPool2d _maxpool;
    private readonly Sequential[] _layers = new Sequential[4];
    private readonly AdaptiveAvgPool2d _avgpool;
    private readonly bool _bottleneck;

    /// <summary>Creates a ResNet with the given block type and blocks per stage.</summary>
    public ResNet(bool bottleneck, int[] blocksPerStage, int numClasses = 1000)
    {
        ArgumentNullException.ThrowIfNull(blocksPerStage);
        if (blocksPerStage.Length != 4 || Array.Exists(blocksPerStage, b => b <= 0))
            throw new ArgumentException($"blocksPerStage must hold 4 positive counts. Received: [{string.Join(", ", blocksPerStage)}]", nameof(blocksPerStage));
        if (numClasses <= 0) throw new ArgumentException($"numClasses must be positive. Received: numClasses={numClasses}", nameof(numClasses));
        _bottleneck = bottleneck;
        int expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion;
        _conv1 = RegisterModule("conv1", new Conv2d(3, 64, 7, 2, 3, bias: false));
        _bn1 = RegisterModule("bn1", new BatchNorm2d(64));
        RegisterModule("relu", new ReLU());
        _maxpool = RegisterModule("maxpool", new MaxPool2d(3, 2, 1));
        int inplanes = 64;
        int[] planes = { 64, 128, 256, 512 };
        for (int s = 0; s < 4; s++)
        {
            var stage = new Sequential();
            int stride = s == 0 ? 1 : 2;
            for (int b = 0; b < blocksPerStage[s]; b++)
            {
                int st = b == 0 ? stride : 1;
                Module? down = b == 0 && (st != 1 || inplanes != planes[s] * expansion)
                    ? new Sequential(new Conv2d(inplanes, planes[s] * expansion, 1, st, bias: false), new BatchNorm2d(planes[s] * expansion))
                    : null;
                stage.Add(bottleneck ? new Bottleneck(inplanes, planes[s], st, down) : new BasicBlock(inplanes, planes[s], st, down));
                inplanes = planes[s] * expansion;
            }
            _layers[s] = RegisterModule($"layer{s + 1}", stage);
        }
        _avgpool = RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        FeatureCount = 512 * expansion;
        RegisterModule("fc", new Linear(FeatureCount, numClasses));
        TorchvisionInit.Apply(this, convFanOut: true);
    }

    /// <summary>ResNet-18 (BasicBlock ×[2, 2, 2, 2]).</summary>
    public static ResNet ResNet18(int numClasses = 1000) => new(false, new[] { 2, 2, 2, 2 }, numClasses) { TorchvisionName = "resnet18" };

    /// <summary>ResNet-34 (BasicBlock ×[3, 4, 6, 3]).</summary>
    public static ResNet ResNet34(int numClasses = 1000) => new(false, new[] { 3, 4, 6, 3 }, numClasses) { TorchvisionName = "resnet34" };

    /// <summary>ResNet-50 (Bottleneck ×[3, 4, 6, 3]).</summary>
    public static ResNet ResNet50(int numClasses = 1000) => new(true, new[] { 3, 4, 6, 3 }, numClasses) { TorchvisionName = "resnet50" };

    /// <inheritdoc />
    public override int FeatureCount { get; }

    /// <summary>The classifier ("fc"), settable as in torchvision (<c>model.Fc = new Linear(512, 3)</c>).</summary>
    public Linear Fc
    {
        get => Head;
        set => Head = value;
    }

    /// <inheritdoc />
    public override Linear Head
    {
        get => (Linear)NamedChildren().First(c => c.Name == "fc").Module;
        set => RegisterModule("fc", CheckHead(value, FeatureCount));
    }

    /// <inheritdoc />
    public override Module FeatureMapLayer => _layers[3];

    /// <summary>Stage <paramref name="index"/> (1–4) as torchvision's layer1…layer4.</summary>
    public Sequential Layer(int index) => index is >= 1 and <= 4 ? _layers[index - 1]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be 1 to 4. Received: index={index}");

    /// <inheritdoc />
    public override Tensor Features(Tensor input)
    {
        CheckImages(input, _bottleneck ? "ResNet (bottleneck)" : "ResNet");
        using var r = BasicBlock.ConvNormRelu(_conv1, _bn1, input, null);
        var x = _maxpool.Call(r);
        foreach (var stage in _layers)
        {
            var next = stage.Call(x);
            x.Dispose();
            x = next;
        }
        using (x)
        using (var pooled = _avgpool.Call(x))
            return pooled.Flatten(1);
    }
}
