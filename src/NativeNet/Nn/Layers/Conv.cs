using NativeNet.Kernels;

namespace NativeNet.Nn;

/// <summary>2-D convolution over NCHW. weight [out, in/groups, kh, kw], bias [out]; PyTorch init.</summary>
public sealed class Conv2d : Module, IEpilogueFusable
{
    /// <summary>Creates the layer.</summary>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
                  (int H, int W)? dilation = null, int groups = 1, bool bias = true, Generator? generator = null)
    {
        if (inChannels <= 0) throw new ArgumentException($"in_channels must be positive. Received: in_channels={inChannels}", nameof(inChannels));
        if (outChannels <= 0) throw new ArgumentException($"out_channels must be positive. Received: out_channels={outChannels}", nameof(outChannels));
        if (kernelSize.H <= 0 || kernelSize.W <= 0) throw new ArgumentException($"kernel_size must be positive. Received: kernel_size=({kernelSize.H}, {kernelSize.W})", nameof(kernelSize));
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"in_channels and out_channels must be divisible by groups. Received: in_channels={inChannels}, out_channels={outChannels}, groups={groups}", nameof(groups));
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize;
        Stride = stride ?? (1, 1); Padding = padding ?? (0, 0); Dilation = dilation ?? (1, 1); Groups = groups;
        if (Stride.H <= 0 || Stride.W <= 0) throw new ArgumentException($"stride must be positive. Received: stride=({Stride.H}, {Stride.W})", nameof(stride));
        if (Padding.H < 0 || Padding.W < 0) throw new ArgumentException($"padding must be non-negative. Received: padding=({Padding.H}, {Padding.W})", nameof(padding));
        int fanIn = inChannels / groups * kernelSize.H * kernelSize.W;
        var w = Tensor.Empty(new[] { outChannels, inChannels / groups, kernelSize.H, kernelSize.W }, register: false);
        var b = bias ? Tensor.Empty(new[] { outChannels }, register: false) : null;
        Init.DefaultLinear(w, b, fanIn, generator);
        RegisterParameter("weight", w);
        RegisterParameter("bias", b);
    }

    /// <summary>Square kernel convenience constructor.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, generator) { }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel size.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Stride.</summary>
    public (int H, int W) Stride { get; }
    /// <summary>Zero padding.</summary>
    public (int H, int W) Padding { get; }
    /// <summary>Dilation.</summary>
    public (int H, int W) Dilation { get; }
    /// <summary>Groups.</summary>
    public int Groups { get; }
    /// <summary>The weight.</summary>
    public Tensor Weight => GetParameter("weight")!;
    /// <summary>The bias or null.</summary>
    public Tensor? Bias => GetParameter("bias");

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        var w = Weight;
        var b = Bias;
        return Functional.Conv2d(input, w, b, Stride, Padding, Dilation, Groups, g => PackedWeights(g, w, b), Precision);
    }

    // Packed-weights cache (see PackedWeightsCache): weight and bias in the layout of the algorithm
    // the geometry picks (Winograd-transformed, tiled or GEMM panels) and for this module's
    // Precision (bf16 Winograd products); any batch reuses them.
    private readonly record struct PackKey(Tensor Weight, int WeightVersion, Tensor? Bias, int BiasVersion, IKernels Kernels,
                                           Conv2dGeometry Geometry, Precision Precision);
    private readonly PackedWeightsCache<PackKey, PackedConv2d> _packs = new();

    private PackedConv2d? PackedWeights(Conv2dGeometry g, Tensor w, Tensor? b)
    {
        var key = new PackKey(w, w.Version, b, b?.Version ?? 0, KernelProvider.Current, g with { Batch = 0 }, Precision);
        return _packs.Get(key, () =>
        {
            var packed = key.Kernels.PackConv2d(g, w.Data, b is null ? default : b.Data, key.Precision);
            GC.KeepAlive(w);
            GC.KeepAlive(b);
            return packed;
        });
    }

    /// <summary>True while a packed copy of the present weights is cached (for tests).</summary>
    internal bool HasPackedWeights => _packs.HasPacked;

    bool IEpilogueFusable.CanFuse(GemmActivation activation) => activation is GemmActivation.Relu or GemmActivation.Sigmoid or GemmActivation.Tanh;

    /// <summary>
    /// activation(conv(input) + bias) in one kernel call on the packed weights (the activation runs in
    /// the packed convolution's epilogue), or null where that does not apply: a gradient may be
    /// needed (the plain path has no activation epilogue), the graph is being traced for export, or
    /// the pack is not made yet (the backend has none, or this is the first call with these weights).
    /// </summary>
    Tensor? IEpilogueFusable.Forward(Tensor input, GemmActivation activation)
    {
        ArgumentNullException.ThrowIfNull(input);
        var w = Weight;
        var b = Bias;
        if (Autograd.Tracing || (Autograd.IsEnabled && (input.RequiresGrad || w.RequiresGrad || b?.RequiresGrad == true)))
            return null;
        var g = Functional.Conv2dGeometryOf(input, w, b, Stride, Padding, Dilation, Groups);
        var packed = PackedWeights(g, w, b);
        return packed is null ? null : Functional.Conv2dPackedInference(g, input, packed, null, EpilogueFusion.ToUnaryOp(activation));
    }

    /// <summary>
    /// Inference of this convolution followed by <paramref name="norm"/> (running statistics), plus
    /// <paramref name="residual"/> (may be null), then <paramref name="activation"/>: one kernel call
    /// on weights with the normalization folded in (w·γ/σ, β + (b − μ)·γ/σ), packed once and kept while
    /// the parameters and statistics are unchanged. Null where that does not apply — a gradient may be
    /// needed, the normalization uses batch statistics, a layer is hooked, the graph is being traced
    /// for export, or the folded pack is not made yet (see <see cref="PackedWeightsCache{TKey, TPacked}"/>) —
    /// and the caller then runs the layers one by one.
    /// </summary>
    internal Tensor? ForwardFoldingNorm(Tensor input, BatchNormBase norm, Tensor? residual, UnaryOp activation)
    {
        ArgumentNullException.ThrowIfNull(input);
        var w = Weight;
        var b = Bias;
        if (!norm.NormalizesWithRunningStatistics || norm.NumFeatures != OutChannels || HasForwardHooks || norm.HasForwardHooks || Autograd.Tracing)
            return null;
        if (Autograd.IsEnabled && (input.RequiresGrad || w.RequiresGrad || b?.RequiresGrad == true || norm.Weight?.RequiresGrad == true
                                   || norm.Bias?.RequiresGrad == true || residual?.RequiresGrad == true))
            return null;
        var g = Functional.Conv2dGeometryOf(input, w, b, Stride, Padding, Dilation, Groups);
        var packed = FoldedWeights(g, w, b, norm);
        return packed is null ? null : Functional.Conv2dPackedInference(g, input, packed, residual, activation);
    }

    private readonly record struct FoldKey(PackKey Conv, BatchNormBase Norm, Tensor? Gamma, int GammaVersion, Tensor? Beta, int BetaVersion,
                                           Tensor Mean, int MeanVersion, Tensor Var, int VarVersion);
    private readonly PackedWeightsCache<FoldKey, PackedConv2d> _foldedPacks = new();

    private PackedConv2d? FoldedWeights(Conv2dGeometry g, Tensor w, Tensor? b, BatchNormBase norm)
    {
        var gamma = norm.Weight;
        var beta = norm.Bias;
        var mean = norm.RunningMean!;
        var variance = norm.RunningVar!;
        var key = new FoldKey(new PackKey(w, w.Version, b, b?.Version ?? 0, KernelProvider.Current, g with { Batch = 0 }, Precision), norm,
                              gamma, gamma?.Version ?? 0, beta, beta?.Version ?? 0, mean, mean.Version, variance, variance.Version);
        return _foldedPacks.Get(key, () =>
        {
            int perChannel = w.Count / OutChannels;
            var wf = w.Data.ToArray();
            var bf = new float[OutChannels];
            ReadOnlySpan<float> ga = gamma is null ? default : gamma.Data, be = beta is null ? default : beta.Data, bb = b is null ? default : b.Data;
            ReadOnlySpan<float> mu = mean.Data, va = variance.Data;
            for (int c = 0; c < OutChannels; c++)
            {
                double scale = (ga.IsEmpty ? 1.0 : ga[c]) / Math.Sqrt(va[c] + norm.Eps);
                foreach (ref float v in wf.AsSpan(c * perChannel, perChannel)) v = (float)(v * scale);
                bf[c] = (float)((be.IsEmpty ? 0.0 : be[c]) + ((bb.IsEmpty ? 0.0 : bb[c]) - mu[c]) * scale);
            }
            GC.KeepAlive(w); GC.KeepAlive(b); GC.KeepAlive(gamma); GC.KeepAlive(beta); GC.KeepAlive(mean); GC.KeepAlive(variance);
            return key.Conv.Kernels.PackConv2d(g, wf, bf, key.Conv.Precision);
        });
    }

    /// <summary>True while a pack with a normalization folded in is cached (for tests).</summary>
    internal bool HasFoldedWeights => _foldedPacks.HasPacked;

    private protected override void DisposeCaches()
    {
        _packs.Clear();
        _foldedPacks.Clear();
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("Conv2d").With("in_channels", InChannels).With("out_channels", OutChannels)
        .With("kernel_size", ModuleSpec.Pair(KernelSize)).With("stride", ModuleSpec.Pair(Stride)).With("padding", ModuleSpec.Pair(Padding))
        .With("dilation", ModuleSpec.Pair(Dilation)).With("groups", Groups).With("bias", Bias is not null);

    internal static Module Create(ModuleSpec s) => new Conv2d(s.GetInt("in_channels"), s.GetInt("out_channels"), s.GetPair("kernel_size", (1, 1)),
        s.GetPair("stride", (1, 1)), s.GetPair("padding", (0, 0)), s.GetPair("dilation", (1, 1)), s.GetInt("groups", 1), s.GetBool("bias", true));

    /// <inheritdoc />
    public override string ToString() => $"Conv2d({InChannels}, {OutChannels}, kernel_size=({KernelSize.H}, {KernelSize.W}), stride=({Stride.H}, {Stride.W}), padding=({Padding.H}, {Padding.W}))";
}

/// <summary>1-D convolution over [N, C, L]. weight [out, in/groups, k], bias [out]; PyTorch init.</summary>
public sealed class Conv1d : Module
{
    /// <summary>Creates the layer.</summary>
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true, Generator? generator = null)
    {
        if (inChannels <= 0) throw new ArgumentException($"in_channels must be positive. Received: in_channels={inChannels}", nameof(inChannels));
        if (outChannels <= 0) throw new ArgumentException($"out_channels must be positive. Received: out_channels={outChannels}", nameof(outChannels));
        if (kernelSize <= 0) throw new ArgumentException($"kernel_size must be positive. Received: kernel_size={kernelSize}", nameof(kernelSize));
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"in_channels and out_channels must be divisible by groups. Received: in_channels={inChannels}, out_channels={outChannels}, groups={groups}", nameof(groups));
        if (stride <= 0) throw new ArgumentException($"stride must be positive. Received: stride={stride}", nameof(stride));
        if (padding < 0) throw new ArgumentException($"padding must be non-negative. Received: padding={padding}", nameof(padding));
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Stride = stride; Padding = padding; Dilation = dilation; Groups = groups;
        var w = Tensor.Empty(new[] { outChannels, inChannels / groups, kernelSize }, register: false);
        var b = bias ? Tensor.Empty(new[] { outChannels }, register: false) : null;
        Init.DefaultLinear(w, b, inChannels / groups * kernelSize, generator);
        RegisterParameter("weight", w);
        RegisterParameter("bias", b);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel size.</summary>
    public int KernelSize { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Padding.</summary>
    public int Padding { get; }
    /// <summary>Dilation.</summary>
    public int Dilation { get; }
    /// <summary>Groups.</summary>
    public int Groups { get; }
    /// <summary>The weight.</summary>
    public Tensor Weight => GetParameter("weight")!;
    /// <summary>The bias or null.</summary>
    public Tensor? Bias => GetParameter("bias");

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Conv1d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("Conv1d").With("in_channels", InChannels).With("out_channels", OutChannels)
        .With("kernel_size", KernelSize).With("stride", Stride).With("padding", Padding).With("dilation", Dilation).With("groups", Groups).With("bias", Bias is not null);

    internal static Module Create(ModuleSpec s) => new Conv1d(s.GetInt("in_channels"), s.GetInt("out_channels"), s.GetInt("kernel_size"),
        s.GetInt("stride", 1), s.GetInt("padding", 0), s.GetInt("dilation", 1), s.GetInt("groups", 1), s.GetBool("bias", true));
}

/// <summary>
/// Transposed 2-D convolution (decoders, GAN generators) over NCHW. weight [in, out/groups, kh, kw],
/// bias [out]; PyTorch's init (fan-in computed from weight dim 1, as PyTorch does).
/// </summary>
public sealed class ConvTranspose2d : Module
{
    /// <summary>Creates the layer.</summary>
    public ConvTranspose2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
                           (int H, int W)? outputPadding = null, int groups = 1, bool bias = true, (int H, int W)? dilation = null, Generator? generator = null)
    {
        if (inChannels <= 0) throw new ArgumentException($"in_channels must be positive. Received: in_channels={inChannels}", nameof(inChannels));
        if (outChannels <= 0) throw new ArgumentException($"out_channels must be positive. Received: out_channels={outChannels}", nameof(outChannels));
        if (kernelSize.H <= 0 || kernelSize.W <= 0) throw new ArgumentException($"kernel_size must be positive. Received: kernel_size=({kernelSize.H}, {kernelSize.W})", nameof(kernelSize));
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"in_channels and out_channels must be divisible by groups. Received: in_channels={inChannels}, out_channels={outChannels}, groups={groups}", nameof(groups));
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize; Groups = groups;
        Stride = stride ?? (1, 1); Padding = padding ?? (0, 0); OutputPadding = outputPadding ?? (0, 0); Dilation = dilation ?? (1, 1);
        var w = Tensor.Empty(new[] { inChannels, outChannels / groups, kernelSize.H, kernelSize.W }, register: false);
        var b = bias ? Tensor.Empty(new[] { outChannels }, register: false) : null;
        Init.DefaultLinear(w, b, outChannels / groups * kernelSize.H * kernelSize.W, generator);
        RegisterParameter("weight", w);
        RegisterParameter("bias", b);
    }

    /// <summary>Square kernel convenience constructor.</summary>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0, int groups = 1, bool bias = true,
                           int dilation = 1, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (outputPadding, outputPadding), groups, bias, (dilation, dilation), generator) { }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel size.</summary>
    public (int H, int W) KernelSize { get; }
    /// <summary>Stride.</summary>
    public (int H, int W) Stride { get; }
    /// <summary>Padding removed from the output's borders.</summary>
    public (int H, int W) Padding { get; }
    /// <summary>Extra rows/columns added on one side of the output.</summary>
    public (int H, int W) OutputPadding { get; }
    /// <summary>Dilation.</summary>
    public (int H, int W) Dilation { get; }
    /// <summary>Groups.</summary>
    public int Groups { get; }
    /// <summary>The weight [in, out/groups, kh, kw].</summary>
    public Tensor Weight => GetParameter("weight")!;
    /// <summary>The bias or null.</summary>
    public Tensor? Bias => GetParameter("bias");

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("ConvTranspose2d").With("in_channels", InChannels).With("out_channels", OutChannels)
        .With("kernel_size", ModuleSpec.Pair(KernelSize)).With("stride", ModuleSpec.Pair(Stride)).With("padding", ModuleSpec.Pair(Padding))
        .With("output_padding", ModuleSpec.Pair(OutputPadding)).With("groups", Groups).With("bias", Bias is not null).With("dilation", ModuleSpec.Pair(Dilation));

    internal static Module Create(ModuleSpec s) => new ConvTranspose2d(s.GetInt("in_channels"), s.GetInt("out_channels"), s.GetPair("kernel_size", (1, 1)),
        s.GetPair("stride", (1, 1)), s.GetPair("padding", (0, 0)), s.GetPair("output_padding", (0, 0)), s.GetInt("groups", 1), s.GetBool("bias", true), s.GetPair("dilation", (1, 1)));
}
