namespace NativeNet.Nn;

/// <summary>
/// Squeeze-and-Excitation (Hu et al.; torchvision.ops.SqueezeExcitation, as EfficientNet uses it):
/// per-channel gates sigmoid(fc2(act(fc1(avgpool(x))))) scale the input. Children avgpool, fc1, fc2
/// (1×1 convolutions with bias), activation, scale_activation.
/// </summary>
public sealed class SqueezeExcitation : Module
{
    private readonly AdaptiveAvgPool2d _pool;
    private readonly Conv2d _fc1, _fc2;
    private readonly Module _activation, _scale;

    /// <summary>Creates the block; the activation defaults to ReLU (EfficientNet passes SiLU).</summary>
    public SqueezeExcitation(int inputChannels, int squeezeChannels, Module? activation = null, Generator? generator = null)
    {
        _pool = RegisterModule("avgpool", new AdaptiveAvgPool2d(1));
        _fc1 = RegisterModule("fc1", new Conv2d(inputChannels, squeezeChannels, 1, generator: generator));
        _fc2 = RegisterModule("fc2", new Conv2d(squeezeChannels, inputChannels, 1, generator: generator));
        _activation = RegisterModule("activation", activation ?? new ReLU());
        _scale = RegisterModule("scale_activation", new Sigmoid());
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var s = _pool.Forward(input);
        using var a = _fc1.Forward(s);
        using var b = _activation.Forward(a);
        using var c = _fc2.Forward(b);
        using var gate = _scale.Forward(c);
        return input.Mul(gate);
    }
}

/// <summary>
/// Stochastic depth (Huang et al.; torchvision.ops.StochasticDepth, "row" mode): in training each
/// sample's residual branch is dropped with probability p and the kept ones scaled by 1/(1−p);
/// identity in evaluation.
/// </summary>
public sealed class StochasticDepth : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    public StochasticDepth(double p, Generator? generator = null)
    {
        if (p < 0 || p > 1) throw new ArgumentException($"drop probability must be in [0, 1]. Received: p={p}", nameof(p));
        P = p;
        _generator = generator;
    }

    /// <summary>Probability of dropping a sample's branch.</summary>
    public double P { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!Training || P == 0) return input.Clone();
        var shape = new int[input.Rank];
        Array.Fill(shape, 1);
        shape[0] = input.Size(0);
        using var keep = Tensor.Bernoulli(shape, 1 - P, _generator);
        if (P < 1) keep.AsSpan().Replace(1f, (float)(1 / (1 - P)));
        return input.Mul(keep);
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("StochasticDepth").With("p", P);

    internal static Module Create(ModuleSpec s) => new StochasticDepth(s.GetDouble("p", 0));
}
