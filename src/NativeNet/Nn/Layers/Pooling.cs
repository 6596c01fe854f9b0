namespace NativeNet.Nn;

/// <summary>Max pooling over NCHW (stride defaults to the kernel size, floor mode).</summary>
public sealed class MaxPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    public MaxPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null)
    {
        if (kernelSize.H <= 0 || kernelSize.W <= 0) throw new ArgumentException($"kernel_size must be positive. Received: kernel_size=({kernelSize.H}, {kernelSize.W})", nameof(kernelSize));
        KernelSize = kernelSize; Stride = stride ?? kernelSize; Padding = padding ?? (0, 0);
    }

    /// <summary>Square window convenience constructor (stride 0 = kernel size).</summary>
    public MaxPool2d(int kernelSize, int stride = 0, int padding = 0) : this((kernelSize, kernelSize), stride == 0 ? null : (stride, stride), (padding, padding)) { }

    /// <summary>Window.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Stride.</summary>
    public (int H, int W) Stride { get; }
    /// <summary>Padding (implicit −∞).</summary>
    public (int H, int W) Padding { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.MaxPool2d(input, KernelSize, Stride, Padding);

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("MaxPool2d").With("kernel_size", ModuleSpec.Pair(KernelSize)).With("stride", ModuleSpec.Pair(Stride)).With("padding", ModuleSpec.Pair(Padding));

    internal static Module Create(ModuleSpec s)
    {
        var k = s.GetPair("kernel_size", (2, 2));
        return new MaxPool2d(k, s.GetPair("stride", k), s.GetPair("padding", (0, 0)));
    }
}

/// <summary>Average pooling over NCHW (stride defaults to the kernel size, floor mode).</summary>
public sealed class AvgPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    public AvgPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null, bool countIncludePad = true)
    {
        if (kernelSize.H <= 0 || kernelSize.W <= 0) throw new ArgumentException($"kernel_size must be positive. Received: kernel_size=({kernelSize.H}, {kernelSize.W})", nameof(kernelSize));
        KernelSize = kernelSize; Stride = stride ?? kernelSize; Padding = padding ?? (0, 0); CountIncludePad = countIncludePad;
    }

    /// <summary>Square window convenience constructor (stride 0 = kernel size).</summary>
    public AvgPool2d(int kernelSize, int stride = 0, int padding = 0, bool countIncludePad = true)
        : this((kernelSize, kernelSize), stride == 0 ? null : (stride, stride), (padding, padding), countIncludePad) { }

    /// <summary>Window.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Stride.</summary>
    public (int H, int W) Stride { get; }
    /// <summary>Zero padding.</summary>
    public (int H, int W) Padding { get; }
    /// <summary>Whether padded zeros count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.AvgPool2d(input, KernelSize, Stride, Padding, CountIncludePad);

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("AvgPool2d").With("kernel_size", ModuleSpec.Pair(KernelSize)).With("stride", ModuleSpec.Pair(Stride))
        .With("padding", ModuleSpec.Pair(Padding)).With("count_include_pad", CountIncludePad);

    internal static Module Create(ModuleSpec s)
    {
        var k = s.GetPair("kernel_size", (2, 2));
        return new AvgPool2d(k, s.GetPair("stride", k), s.GetPair("padding", (0, 0)), s.GetBool("count_include_pad", true));
    }
}

/// <summary>Adaptive average pooling of NCHW to a fixed output size ((1, 1) = global average pooling).</summary>
public sealed class AdaptiveAvgPool2d : Module
{
    /// <summary>Creates the layer.</summary>
    public AdaptiveAvgPool2d((int H, int W) outputSize)
    {
        if (outputSize.H <= 0 || outputSize.W <= 0) throw new ArgumentException($"output_size must be positive. Received: output_size=({outputSize.H}, {outputSize.W})", nameof(outputSize));
        OutputSize = outputSize;
    }

    /// <summary>Square output convenience constructor.</summary>
    public AdaptiveAvgPool2d(int outputSize) : this((outputSize, outputSize)) { }

    /// <summary>Output size.</summary>
    public (int H, int W) OutputSize { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.AdaptiveAvgPool2d(input, OutputSize);

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("AdaptiveAvgPool2d").With("output_size", ModuleSpec.Pair(OutputSize));

    internal static Module Create(ModuleSpec s) => new AdaptiveAvgPool2d(s.GetPair("output_size", (1, 1)));
}

/// <summary>Max pooling over [N, C, L] (floor mode).</summary>
public sealed class MaxPool1d : Module
{
    /// <summary>Creates the layer; stride 0 = kernel size (PyTorch's default).</summary>
    public MaxPool1d(int kernelSize, int stride = 0, int padding = 0)
    {
        KernelSize = kernelSize; Stride = stride == 0 ? kernelSize : stride; Padding = padding;
    }
    /// <summary>Window length.</summary>
    public int KernelSize { get; }
    /// <summary>Step.</summary>
    public int Stride { get; }
    /// <summary>Implicit −∞ padding on both ends.</summary>
    public int Padding { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.MaxPool1d(input, KernelSize, Stride, Padding);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("MaxPool1d").With("kernel_size", KernelSize).With("stride", Stride).With("padding", Padding);
    internal static Module Create(ModuleSpec s) => new MaxPool1d(s.GetInt("kernel_size"), s.GetInt("stride", 0), s.GetInt("padding", 0));
}

/// <summary>Average pooling over [N, C, L] (floor mode).</summary>
public sealed class AvgPool1d : Module
{
    /// <summary>Creates the layer; stride 0 = kernel size (PyTorch's default).</summary>
    public AvgPool1d(int kernelSize, int stride = 0, int padding = 0, bool countIncludePad = true)
    {
        KernelSize = kernelSize; Stride = stride == 0 ? kernelSize : stride; Padding = padding; CountIncludePad = countIncludePad;
    }
    /// <summary>Window length.</summary>
    public int KernelSize { get; }
    /// <summary>Step.</summary>
    public int Stride { get; }
    /// <summary>Implicit zero padding on both ends.</summary>
    public int Padding { get; }
    /// <summary>Whether padded zeros count in the divisor.</summary>
    public bool CountIncludePad { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.AvgPool1d(input, KernelSize, Stride, Padding, CountIncludePad);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("AvgPool1d").With("kernel_size", KernelSize).With("stride", Stride).With("padding", Padding).With("count_include_pad", CountIncludePad);
    internal static Module Create(ModuleSpec s) => new AvgPool1d(s.GetInt("kernel_size"), s.GetInt("stride", 0), s.GetInt("padding", 0), s.GetBool("count_include_pad", true));
}

/// <summary>Resizes NCHW input by a scale factor or to a size (nearest or bilinear), as nn.Upsample.</summary>
public sealed class Upsample : Module
{
    /// <summary>Scales height and width by <paramref name="scaleFactor"/>.</summary>
    public Upsample(double scaleFactor, InterpolationMode mode = InterpolationMode.Nearest, bool alignCorners = false)
    {
        ScaleFactor = scaleFactor; Mode = mode; AlignCorners = alignCorners;
    }

    /// <summary>Resizes to <paramref name="size"/>.</summary>
    public Upsample((int H, int W) size, InterpolationMode mode = InterpolationMode.Nearest, bool alignCorners = false)
    {
        Size = size; Mode = mode; AlignCorners = alignCorners;
    }

    /// <summary>The scale factor, or null when a size is set.</summary>
    public double? ScaleFactor { get; }
    /// <summary>The output size, or null when a scale factor is set.</summary>
    public (int H, int W)? Size { get; }
    /// <summary>Sampling mode.</summary>
    public InterpolationMode Mode { get; }
    /// <summary>Bilinear only: corner pixels of input and output aligned.</summary>
    public bool AlignCorners { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) =>
        Functional.Interpolate(input, Size, ScaleFactor is { } f ? (f, f) : null, Mode, AlignCorners);

    /// <inheritdoc />
    public override ModuleSpec ToSpec()
    {
        var s = new ModuleSpec("Upsample").With("mode", Mode == InterpolationMode.Nearest ? "nearest" : "bilinear").With("align_corners", AlignCorners);
        return Size is { } sz ? s.With("size", ModuleSpec.Pair(sz)) : s.With("scale_factor", ScaleFactor!.Value);
    }

    internal static Module Create(ModuleSpec s)
    {
        string? name = s.Config.TryGetValue("mode", out var m) && m is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var str) ? str : "nearest";
        var mode = name switch
        {
            "nearest" => InterpolationMode.Nearest,
            "bilinear" => InterpolationMode.Bilinear,
            _ => throw new InvalidDataException($"Upsample mode must be 'nearest' or 'bilinear'. Received: mode='{name}'"),
        };
        bool align = s.GetBool("align_corners", false);
        return s.Config.ContainsKey("size") ? new Upsample(s.GetPair("size", (1, 1)), mode, align) : new Upsample(s.GetDouble("scale_factor", 2), mode, align);
    }
}
