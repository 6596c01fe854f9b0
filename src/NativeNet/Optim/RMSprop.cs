using NativeNet.Kernels;

namespace NativeNet.Optim;

/// <summary>RMSprop with optional momentum and centering (PyTorch formulas).</summary>
public sealed class RMSprop : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public RMSprop(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(parameters, lr, weightDecay)
    {
        if (!(alpha >= 0)) throw new ArgumentException($"Invalid alpha value: {alpha}", nameof(alpha));
        if (!(eps >= 0)) throw new ArgumentException($"Invalid epsilon value: {eps}", nameof(eps));
        if (!(momentum >= 0)) throw new ArgumentException($"Invalid momentum value: {momentum}", nameof(momentum));
        Alpha = alpha; Eps = eps; Momentum = momentum; Centered = centered; Maximize = maximize;
    }

    /// <summary>Smoothing constant.</summary>
    public double Alpha { get; }
    /// <summary>Denominator epsilon.</summary>
    public double Eps { get; }
    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>Centered variant.</summary>
    public bool Centered { get; }
    /// <summary>Maximize instead of minimize.</summary>
    public bool Maximize { get; }

    private protected override void Update(IKernels k, ParamGroup group, Tensor param, ReadOnlySpan<float> grad, Dictionary<string, Tensor> state, long step)
    {
        var sq = StateBuffer(state, "square_avg", param);
        Span<float> mb = Momentum > 0 ? StateBuffer(state, "momentum_buffer", param).AsSpan() : default;
        Span<float> ga = Centered ? StateBuffer(state, "grad_avg", param).AsSpan() : default;
        k.RmspropStep(param.AsSpan(), grad, sq.AsSpan(), mb, ga, (float)group.LearningRate, (float)Alpha, (float)Eps, (float)group.WeightDecay, (float)Momentum, Centered, Maximize);
    }
}
