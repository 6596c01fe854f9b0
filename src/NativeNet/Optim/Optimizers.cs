using NativeNet.Kernels;

namespace NativeNet.Optim;

/// <summary>Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (PyTorch formulas).</summary>
public sealed class SGD : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public SGD(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(parameters, lr, weightDecay)
    {
        if (!(momentum >= 0)) throw new ArgumentException($"Invalid momentum: must be non-negative. Received: momentum={momentum}", nameof(momentum));
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening.", nameof(nesterov));
        Momentum = momentum; Dampening = dampening; Nesterov = nesterov; Maximize = maximize;
    }

    /// <summary>Momentum factor.</summary>
    public double Momentum { get; }
    /// <summary>Dampening for momentum.</summary>
    public double Dampening { get; }
    /// <summary>Nesterov momentum.</summary>
    public bool Nesterov { get; }
    /// <summary>Maximize instead of minimize.</summary>
    public bool Maximize { get; }

    private protected override void Update(IKernels k, ParamGroup group, Tensor param, ReadOnlySpan<float> grad, Dictionary<string, Tensor> state, long step)
    {
        bool first = !state.ContainsKey("momentum_buffer");
        Span<float> buf = Momentum != 0 ? StateBuffer(state, "momentum_buffer", param).AsSpan() : default;
        k.SgdStep(param.AsSpan(), grad, buf, (float)group.LearningRate, (float)Momentum, (float)Dampening, (float)group.WeightDecay, Nesterov, Maximize, first);
    }
}

/// <summary>Adam (or AdamW with decoupled weight decay); amsgrad optional (PyTorch formulas).</summary>
public class Adam : Optimizer
{
    private readonly bool _decoupled;

    /// <summary>Creates the optimizer.</summary>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, false) { }

    private protected Adam(IEnumerable<Tensor> parameters, double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool maximize, bool decoupled)
        : base(parameters, lr, weightDecay)
    {
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentException($"Invalid beta parameter at index 0: {beta1}", nameof(beta1));
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentException($"Invalid beta parameter at index 1: {beta2}", nameof(beta2));
        if (!(eps >= 0)) throw new ArgumentException($"Invalid epsilon value: {eps}", nameof(eps));
        Beta1 = beta1; Beta2 = beta2; Eps = eps; Amsgrad = amsgrad; Maximize = maximize; _decoupled = decoupled;
    }

    /// <summary>First-moment decay.</summary>
    public double Beta1 { get; }
    /// <summary>Second-moment decay.</summary>
    public double Beta2 { get; }
    /// <summary>Denominator epsilon.</summary>
    public double Eps { get; }
    /// <summary>AMSGrad variant.</summary>
    public bool Amsgrad { get; }
    /// <summary>Maximize instead of minimize.</summary>
    public bool Maximize { get; }

    private protected override void Update(IKernels k, ParamGroup group, Tensor param, ReadOnlySpan<float> grad, Dictionary<string, Tensor> state, long step)
    {
        var m = StateBuffer(state, "exp_avg", param);
        var v = StateBuffer(state, "exp_avg_sq", param);
        Span<float> vmax = Amsgrad ? StateBuffer(state, "max_exp_avg_sq", param).AsSpan() : default;
        k.AdamStep(param.AsSpan(), grad, m.AsSpan(), v.AsSpan(), vmax, (float)group.LearningRate, (float)Beta1, (float)Beta2, (float)Eps,
                   (float)group.WeightDecay, _decoupled, Amsgrad, Maximize, step);
    }
}

/// <summary>AdamW: Adam with decoupled weight decay (default 0.01, as PyTorch).</summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer.</summary>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, true) { }
}

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

/// <summary>Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).</summary>
public static class GradientClipping
{
    /// <summary>Scales all gradients so their joint norm is at most maxNorm; returns the norm before clipping.</summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentException($"max_norm must be non-negative. Received: max_norm={maxNorm}", nameof(maxNorm));
        if (!(normType > 0)) throw new ArgumentException($"norm_type must be positive. Received: norm_type={normType}", nameof(normType));
        var grads = new List<Tensor>();
        foreach (var p in parameters) if (p.Grad is not null) grads.Add(p.Grad);
        double total = 0;
        foreach (var g in grads)
        {
            var s = g.AsSpan();
            if (double.IsPositiveInfinity(normType)) foreach (var v in s) total = Math.Max(total, Math.Abs(v));
            else foreach (var v in s) total += Math.Pow(Math.Abs(v), normType);
        }
        if (!double.IsPositiveInfinity(normType)) total = Math.Pow(total, 1.0 / normType);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1)
        {
            var k = KernelProvider.Current;
            foreach (var g in grads) k.BinaryScalar(BinaryOp.Mul, g.AsSpan(), (float)coef, g.AsSpan());
        }
        return total;
    }

    /// <summary>Clamps every gradient element to [−clipValue, clipValue].</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0)) throw new ArgumentException($"clip_value must be non-negative. Received: clip_value={clipValue}", nameof(clipValue));
        var k = KernelProvider.Current;
        foreach (var p in parameters)
        {
            if (p.Grad is null) continue;
            var s = p.Grad.AsSpan();
            k.BinaryScalar(BinaryOp.Min, s, (float)clipValue, s);
            k.BinaryScalar(BinaryOp.Max, s, (float)-clipValue, s);
        }
    }
}
