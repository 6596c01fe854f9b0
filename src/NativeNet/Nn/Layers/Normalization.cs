namespace NativeNet.Nn;

/// <summary>
/// Batch normalization (shared by <see cref="BatchNorm1d"/> and <see cref="BatchNorm2d"/>). Parameters
/// weight/bias [C]; buffers running_mean, running_var [C] and num_batches_tracked — stored as a
/// 0-d float32 tensor (PyTorch uses int64; loading accepts any one-element tensor).
/// momentum null = cumulative moving average (as PyTorch).
/// </summary>
public abstract class BatchNormBase : Module, IEpilogueFusable
{
    private protected BatchNormBase(int numFeatures, double eps, double? momentum, bool affine, bool trackRunningStats)
    {
        if (numFeatures <= 0) throw new ArgumentException($"num_features must be positive. Received: num_features={numFeatures}", nameof(numFeatures));
        if (eps <= 0) throw new ArgumentException($"eps must be positive. Received: eps={eps}", nameof(eps));
        NumFeatures = numFeatures; Eps = eps; Momentum = momentum; Affine = affine; TrackRunningStats = trackRunningStats;
        if (affine)
        {
            var w = Tensor.Empty(new[] { numFeatures }, register: false); w.Fill_(1f);
            var b = Tensor.Empty(new[] { numFeatures }, register: false); b.Fill_(0f);
            RegisterParameter("weight", w);
            RegisterParameter("bias", b);
        }
        if (trackRunningStats)
        {
            var m = Tensor.Empty(new[] { numFeatures }, register: false); m.Fill_(0f);
            var v = Tensor.Empty(new[] { numFeatures }, register: false); v.Fill_(1f);
            var n = Tensor.Empty(Array.Empty<int>(), register: false); n.Fill_(0f);
            RegisterBuffer("running_mean", m);
            RegisterBuffer("running_var", v);
            RegisterBuffer("num_batches_tracked", n);
        }
    }

    /// <summary>Channels.</summary>
    public int NumFeatures { get; }
    /// <summary>Added to the variance.</summary>
    public double Eps { get; }
    /// <summary>Running-stat momentum (null = cumulative average).</summary>
    public double? Momentum { get; }
    /// <summary>Whether weight and bias exist.</summary>
    public bool Affine { get; }
    /// <summary>Whether running statistics are kept.</summary>
    public bool TrackRunningStats { get; }
    /// <summary>Scale or null.</summary>
    public Tensor? Weight => GetParameter("weight");
    /// <summary>Shift or null.</summary>
    public Tensor? Bias => GetParameter("bias");
    /// <summary>Running mean or null.</summary>
    public Tensor? RunningMean => GetBuffer("running_mean");

    /// <summary>
    /// True while the layer's parameters are frozen (<see cref="Module.Freeze"/>): it then normalizes
    /// with its running statistics and leaves them unchanged even in training mode.
    /// </summary>
    public bool StatisticsFrozen { get; set; }
    /// <summary>Running variance or null.</summary>
    public Tensor? RunningVar => GetBuffer("running_var");

    /// <summary>
    /// True when the next forward normalizes with the running statistics (evaluation, or frozen):
    /// then the layer is a fixed per-channel affine map that a preceding convolution can absorb.
    /// </summary>
    internal bool NormalizesWithRunningStatistics => TrackRunningStats && (!Training || StatisticsFrozen);

    private protected abstract void CheckInput(Tensor input);

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        var (training, useBatch, momentum) = BeginForward(input);
        return Functional.BatchNorm(input, useBatch && !training ? null : RunningMean, useBatch && !training ? null : RunningVar,
                                    Weight, Bias, useBatch, momentum, (float)Eps);
    }

    // Checks the input and picks the statistics of this call; in training, counts the batch (the
    // counter and the cumulative-average momentum, as PyTorch).
    private (bool Training, bool UseBatch, float Momentum) BeginForward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input);
        if (input.Size(1) != NumFeatures)
            throw new ArgumentException($"{GetType().Name} expects {NumFeatures} channels. Received: input shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        // Frozen (fine-tuning a fixed backbone): the running statistics normalize, as in evaluation.
        bool training = Training && !StatisticsFrozen;
        bool useBatch = training || !TrackRunningStats;
        float momentum = (float)(Momentum ?? 0.0);
        if (training && TrackRunningStats)
        {
            var n = GetBuffer("num_batches_tracked")!;
            n.AsSpan()[0] += 1;
            if (Momentum is null) momentum = 1f / n.AsSpan()[0];
        }
        return (training, useBatch, momentum);
    }

    /// <summary>
    /// relu(this(input) + residual) (residual may be null) as one fused kernel and autograd node, where
    /// the layer normalizes with batch statistics that it also records (training); null otherwise (the
    /// caller runs the layers one by one): running statistics (a preceding convolution folds those),
    /// forward hooks (they must see this layer's own output) and ONNX tracing (the exporter maps the
    /// layers one by one).
    /// </summary>
    internal Tensor? ForwardRelu(Tensor input, Tensor? residual)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (HasForwardHooks || Autograd.Tracing || !Training || StatisticsFrozen) return null;
        if (residual is not null && !residual.ShapeRef.SequenceEqual(input.ShapeRef)) return null;
        if (input.Rank < 2 || input.Count == 0 || input.Count / input.Size(1) <= 1) return null;  // BatchNorm's own errors
        var (_, _, momentum) = BeginForward(input);
        return Functional.BatchNormRelu(input, residual, RunningMean, RunningVar, Weight, Bias, momentum, (float)Eps);
    }

    bool IEpilogueFusable.CanFuse(Kernels.GemmActivation activation) => activation == Kernels.GemmActivation.Relu;

    Tensor? IEpilogueFusable.Forward(Tensor input, Kernels.GemmActivation activation) =>
        activation == Kernels.GemmActivation.Relu ? ForwardRelu(input, null) : null;

    /// <inheritdoc />
    public override ModuleSpec ToSpec()
    {
        var s = new ModuleSpec(GetType().Name).With("num_features", NumFeatures).With("eps", Eps).With("affine", Affine).With("track_running_stats", TrackRunningStats);
        if (Momentum is double m) s.With("momentum", m);
        return s;
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}({NumFeatures}, eps={Eps}, momentum={Momentum?.ToString() ?? "None"}, affine={Affine})";
}

/// <summary>Batch normalization over [N, C] or [N, C, L].</summary>
public sealed class BatchNorm1d : BatchNormBase
{
    /// <summary>Creates the layer.</summary>
    public BatchNorm1d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
        : base(numFeatures, eps, momentum, affine, trackRunningStats) { }

    private protected override void CheckInput(Tensor input)
    {
        if (input.Rank != 2 && input.Rank != 3) throw new ArgumentException($"BatchNorm1d expects 2-D or 3-D input. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
    }

    internal static Module Create(ModuleSpec s) => new BatchNorm1d(s.GetInt("num_features"), s.GetDouble("eps", 1e-5), s.Config.ContainsKey("momentum") ? s.GetDouble("momentum", 0.1) : null,
        s.GetBool("affine", true), s.GetBool("track_running_stats", true));
}

/// <summary>Batch normalization over [N, C, H, W].</summary>
public sealed class BatchNorm2d : BatchNormBase
{
    /// <summary>Creates the layer.</summary>
    public BatchNorm2d(int numFeatures, double eps = 1e-5, double? momentum = 0.1, bool affine = true, bool trackRunningStats = true)
        : base(numFeatures, eps, momentum, affine, trackRunningStats) { }

    private protected override void CheckInput(Tensor input)
    {
        if (input.Rank != 4) throw new ArgumentException($"BatchNorm2d expects 4-D input [N, C, H, W]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
    }

    internal static Module Create(ModuleSpec s) => new BatchNorm2d(s.GetInt("num_features"), s.GetDouble("eps", 1e-5), s.Config.ContainsKey("momentum") ? s.GetDouble("momentum", 0.1) : null,
        s.GetBool("affine", true), s.GetBool("track_running_stats", true));
}

/// <summary>Layer normalization over the trailing normalized_shape dimensions (weight 1, bias 0).</summary>
public sealed class LayerNorm : Module
{
    /// <summary>Creates the layer.</summary>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || Array.Exists(normalizedShape, d => d <= 0))
            throw new ArgumentException($"normalized_shape must be non-empty with positive sizes. Received: normalized_shape=[{string.Join(", ", normalizedShape)}]", nameof(normalizedShape));
        NormalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            var w = Tensor.Empty(NormalizedShape, register: false); w.Fill_(1f);
            var b = Tensor.Empty((int[])NormalizedShape.Clone(), register: false); b.Fill_(0f);
            RegisterParameter("weight", w);
            RegisterParameter("bias", b);
        }
    }

    /// <summary>Single trailing dimension convenience constructor.</summary>
    public LayerNorm(int normalizedShape, double eps = 1e-5, bool elementwiseAffine = true) : this(new[] { normalizedShape }, eps, elementwiseAffine) { }

    /// <summary>The normalized trailing shape.</summary>
    public int[] NormalizedShape { get; }
    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int n = 1;
        var s = input.ShapeRef;
        if (s.Length < NormalizedShape.Length) throw new ArgumentException($"LayerNorm expects input ending in [{string.Join(", ", NormalizedShape)}]. Received: shape={Tensor.ShapeString(s)}", nameof(input));
        for (int i = 0; i < NormalizedShape.Length; i++)
        {
            if (s[s.Length - NormalizedShape.Length + i] != NormalizedShape[i])
                throw new ArgumentException($"LayerNorm expects input ending in [{string.Join(", ", NormalizedShape)}]. Received: shape={Tensor.ShapeString(s)}", nameof(input));
            n *= NormalizedShape[i];
        }
        return Functional.LayerNorm(input, n, GetParameter("weight"), GetParameter("bias"), (float)Eps);
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec()
    {
        var arr = new System.Text.Json.Nodes.JsonArray();
        foreach (var d in NormalizedShape) arr.Add(d);
        return new ModuleSpec("LayerNorm").With("normalized_shape", arr).With("eps", Eps).With("elementwise_affine", GetParameter("weight") is not null);
    }

    internal static Module Create(ModuleSpec s)
    {
        var node = s.Config.TryGetValue("normalized_shape", out var v) ? v : null;
        int[] shape = node is System.Text.Json.Nodes.JsonArray a ? ReadInts(a) : new[] { s.GetInt("normalized_shape") };
        return new LayerNorm(shape, s.GetDouble("eps", 1e-5), s.GetBool("elementwise_affine", true));
    }

    private static int[] ReadInts(System.Text.Json.Nodes.JsonArray a)
    {
        var r = new int[a.Count];
        for (int i = 0; i < r.Length; i++)
        {
            var t = new ModuleSpec("LayerNorm");
            t.Config["v"] = a[i]?.DeepClone();
            r[i] = t.GetInt("v");
        }
        return r;
    }
}
