using NativeNet.Kernels;
using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Reliability;

/// <summary>
/// The C# argument boundary: <see cref="Functional"/> and the tensor ops check every argument and
/// throw the exception that names it; the kernels behind them trust that and check nothing in a
/// Release build. Each case runs on both backends, so a check that only one backend made would
/// show up as a difference here.
/// </summary>
public class ArgumentBoundaryTests
{
    public static IEnumerable<object[]> Both() => Backends.Both();

    private static Tensor Ones(params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Repeat(1f, n).ToArray(), shape);
    }

    private static void Rejects(Func<Tensor> call, string messagePart, string? paramName = null)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => call().Dispose());
        Assert.Contains(messagePart, e.Message);
        if (paramName is not null) Assert.Equal(paramName, e.ParamName);
    }

    [Theory]
    [MemberData(nameof(Both))]
    public void PoolingChecksItsGeometryAndOutputSize(string backend)
    {
        using var _ = Backends.Use(backend);
        using var x = Ones(1, 2, 5, 5);
        Rejects(() => Functional.MaxPool2d(x, (2, 2), padding: (2, 0)), "padding must be non-negative and at most half the kernel size. Received: padding=(2, 0)");
        Rejects(() => Functional.AvgPool2d(x, (2, 2), stride: (0, 1)), "stride must be positive. Received: stride=(0, 1)");
        Rejects(() => Functional.MaxPool2d(x, (6, 6)), "too small for pooling window 6x6: the output would be 0x0");
        Rejects(() => Functional.AvgPool2d(x, (6, 2), stride: (4, 1)), "too small for pooling window 6x2");
        Rejects(() => Functional.AdaptiveAvgPool2d(x, (0, 3)), "output_size must be positive. Received: output_size=(0, 3)", "outputSize");
        Rejects(() => Functional.AdaptiveAvgPool2d(x, (2, -1)), "Received: output_size=(2, -1)", "outputSize");
        using var empty = Tensor.Zeros(1, 2, 0, 4);
        Rejects(() => Functional.AdaptiveAvgPool2d(empty, (1, 1)), "non-empty plane. Received: shape=[1, 2, 0, 4]", "input");
    }

    [Theory]
    [MemberData(nameof(Both))]
    public void ConvolutionChecksItsGeometry(string backend)
    {
        using var _ = Backends.Use(backend);
        using var x = Ones(1, 2, 4, 4);
        using var w = Ones(3, 2, 3, 3);
        Rejects(() => Functional.Conv2d(x, w, stride: (0, 1)), "stride_h must be positive. Received: stride_h=0");
        Rejects(() => Functional.Conv2d(x, w, padding: (-1, 0)), "padding must be non-negative. Received: padding=(-1, 0)");
        Rejects(() => Functional.Conv2d(x, w, dilation: (3, 1)), "too small for kernel 3x3");
        // A window that does not fit is refused at every stride (truncating division made it 1 output).
        Rejects(() => Functional.Conv2d(x, w, stride: (4, 4), dilation: (3, 1)), "the output would be 0x");
        using var b = Ones(2);
        Rejects(() => Functional.Conv2d(x, w, b), "bias must have shape [3]", "bias");
    }

    [Theory]
    [MemberData(nameof(Both))]
    public void ClassIndexLossesCheckTargetsAndSmoothing(string backend)
    {
        using var _ = Backends.Use(backend);
        using var logits = Ones(2, 3);
        Rejects(() => Functional.CrossEntropy(logits, new[] { 0, 5 }), "Target 5 is out of bounds for 3 classes (row 1).", "target");
        Rejects(() => Functional.CrossEntropy(logits, new[] { -1, 0 }, ignoreIndex: -100), "Target -1 is out of bounds for 3 classes (row 0).", "target");
        Rejects(() => Functional.CrossEntropy(logits, new[] { 0, 1 }, labelSmoothing: 1.5f), "label_smoothing must be in [0, 1]. Received: label_smoothing=1.5", "labelSmoothing");
        Rejects(() => Functional.CrossEntropy(logits, new[] { 0, 1 }, labelSmoothing: float.NaN), "label_smoothing must be in [0, 1]", "labelSmoothing");
        Rejects(() => Functional.NllLoss(logits, new[] { 3, 0 }), "Target 3 is out of bounds for 3 classes (row 0).", "target");
        using var noClasses = Tensor.Zeros(2, 0);
        Rejects(() => Functional.CrossEntropy(noClasses, new[] { 0, 0 }), "at least one class. Received: shape=[2, 0]", "input");
        // The ignored index is not a class and passes.
        Functional.CrossEntropy(logits, new[] { -100, 2 }).Dispose();
    }

    [Theory]
    [MemberData(nameof(Both))]
    public void NormalizationChecksItsSizes(string backend)
    {
        using var _ = Backends.Use(backend);
        using var one = Ones(1, 3);
        Rejects(() => Functional.BatchNorm(one, null, null, null, null, training: true), "Expected more than 1 value per channel when training. Received: batch=1, spatial=1", "input");
        using var noChannels = Tensor.Zeros(4, 0);
        Rejects(() => Functional.BatchNorm(noChannels, null, null, null, null, training: true), "at least one channel", "input");
        using var x = Ones(2, 4);
        using var w3 = Ones(3);
        Rejects(() => Functional.LayerNorm(x, 4, weight: w3), "weight must have 4 elements (the normalized size). Received: shape=[3]", "weight");
        Rejects(() => Functional.LayerNorm(x, 4, bias: w3), "bias must have 4 elements", "bias");
    }

    [Theory]
    [MemberData(nameof(Both))]
    public void RecurrentLayerChecksItsShapes(string backend)
    {
        using var _ = Backends.Use(backend);
        int h = 2, i = 3;
        using var wIh = Ones(4 * h, i);
        using var wHh = Ones(4 * h, h);
        using var noSteps = Tensor.Zeros(0, 1, i);
        var e = Assert.ThrowsAny<ArgumentException>(() => Functional.RnnLayer(RnnCell.Lstm, noSteps, wIh, wHh, null, null, null, null, false));
        Assert.Contains("seq_len must be positive. Received: seq_len=0", e.Message);
        using var x = Ones(2, 1, i);
        using var badBias = Ones(4 * h + 1);
        e = Assert.ThrowsAny<ArgumentException>(() => Functional.RnnLayer(RnnCell.Lstm, x, wIh, wHh, badBias, null, null, null, false));
        Assert.Contains("bias_ih must have shape [8]. Received: shape=[9]", e.Message);
        Assert.Equal("bIh", e.ParamName);
        e = Assert.ThrowsAny<ArgumentException>(() => Functional.RnnLayer(RnnCell.Lstm, x, wIh, wHh, null, badBias, null, null, false));
        Assert.Equal("bHh", e.ParamName);
    }
}
