using NativeNet.Kernels;

namespace NativeNet.Optim;

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

    // All of a group's parameters in one call (one parallel region in the native backend) when
    // no two share memory (views of one tensor passed as parameters); otherwise one call each, in
    // order, as the updates would then interact.
    private protected override void UpdateGroup(IKernels k, ParamGroup group, IReadOnlyList<ParamUpdate> updates)
    {
        if (updates.Count < 2 || Overlap(updates))
        {
            base.UpdateGroup(k, group, updates);
            return;
        }
        var tensors = new AdamTensor[updates.Count];
        for (int i = 0; i < tensors.Length; i++)
        {
            var u = updates[i];
            tensors[i] = new AdamTensor(u.Param, u.Grad, StateBuffer(u.State, "exp_avg", u.Param), StateBuffer(u.State, "exp_avg_sq", u.Param),
                                        Amsgrad ? StateBuffer(u.State, "max_exp_avg_sq", u.Param) : null, u.Step);
        }
        k.AdamSteps(tensors, (float)group.LearningRate, (float)Beta1, (float)Beta2, (float)Eps, (float)group.WeightDecay, _decoupled, Amsgrad, Maximize);
    }

    private static unsafe bool Overlap(IReadOnlyList<ParamUpdate> updates)
    {
        var ranges = new (nuint Start, nuint End)[updates.Count];
        for (int i = 0; i < ranges.Length; i++)
        {
            var d = updates[i].Param.Data;
            fixed (float* p = d) ranges[i] = ((nuint)p, (nuint)(p + d.Length));
        }
        Array.Sort(ranges);
        for (int i = 1; i < ranges.Length; i++)
            if (ranges[i].Start < ranges[i - 1].End) return true;
        return false;
    }
}

/// <summary>AdamW: Adam with decoupled weight decay (default 0.01, as PyTorch).</summary>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer.</summary>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(parameters, lr, beta1, beta2, eps, weightDecay, amsgrad, maximize, true) { }
}
