using System.Text.Json.Nodes;
using NativeNet.Kernels;

namespace NativeNet.Nn;

/// <summary>y = x·Wᵀ + b. weight [out_features, in_features], bias [out_features] (PyTorch layout and init).</summary>
public sealed class Linear : Module, IEpilogueFusable
{
    /// <summary>Creates the layer with PyTorch's default initialization.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        if (inFeatures <= 0) throw new ArgumentException($"in_features must be positive. Received: in_features={inFeatures}", nameof(inFeatures));
        if (outFeatures <= 0) throw new ArgumentException($"out_features must be positive. Received: out_features={outFeatures}", nameof(outFeatures));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        var w = Tensor.Empty(new[] { outFeatures, inFeatures }, register: false);
        var b = bias ? Tensor.Empty(new[] { outFeatures }, register: false) : null;
        Init.DefaultLinear(w, b, inFeatures, generator);
        RegisterParameter("weight", w);
        RegisterParameter("bias", b);
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>[out_features, in_features].</summary>
    public Tensor Weight => GetParameter("weight")!;

    /// <summary>[out_features] or null.</summary>
    public Tensor? Bias => GetParameter("bias");

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, GemmActivation.None);

    bool IEpilogueFusable.CanFuse(GemmActivation activation) => Functional.LinearFuses(activation);

    Tensor? IEpilogueFusable.Forward(Tensor input, GemmActivation activation) => Forward(input, activation);

    /// <summary>act(x·Wᵀ + b) in one GEMM (<see cref="Sequential"/> fuses a following activation this way).</summary>
    internal Tensor Forward(Tensor input, GemmActivation activation)
    {
        var w = Weight;
        return Functional.Linear(input, w, Bias, activation, PackedWeight(w), Precision);
    }

    // Packed-weight cache (see PackedWeightsCache): Wᵀ in the micro-kernel layout, in the module's
    // Precision (a change of precision repacks).
    private readonly record struct PackKey(Tensor Weight, int Version, IKernels Kernels, Precision Precision);
    private readonly PackedWeightsCache<PackKey, PackedMatrix> _packs = new();

    private PackedMatrix? PackedWeight(Tensor w)
    {
        var key = new PackKey(w, w.Version, KernelProvider.Current, Precision);
        return _packs.Get(key, () =>
        {
            // transB: the GEMM computes x·Wᵀ, so op(B) = Wᵀ is in_features × out_features.
            var packed = key.Kernels.PackB(true, InFeatures, OutFeatures, w.Data, InFeatures, key.Precision);
            GC.KeepAlive(w);
            return packed;
        });
    }

    /// <summary>True while a packed copy of the present weight is cached (for tests).</summary>
    internal bool HasPackedWeight => _packs.HasPacked;

    private protected override void DisposeCaches() => _packs.Clear();

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("Linear").With("in_features", InFeatures).With("out_features", OutFeatures).With("bias", Bias is not null);

    internal static Module Create(ModuleSpec s) => new Linear(s.GetInt("in_features"), s.GetInt("out_features"), s.GetBool("bias", true));

    /// <inheritdoc />
    public override string ToString() => $"Linear(in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is not null ? "True" : "False")})";
}
