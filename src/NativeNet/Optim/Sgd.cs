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
