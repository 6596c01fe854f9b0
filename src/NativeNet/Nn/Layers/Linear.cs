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

    Tensor IEpilogueFusable.Forward(Tensor input, GemmActivation activation) => Forward(input, activation);

    /// <summary>act(x·Wᵀ + b) in one GEMM (<see cref="Sequential"/> fuses a following activation this way).</summary>
    internal Tensor Forward(Tensor input, GemmActivation activation)
    {
        var w = Weight;
        return Functional.Linear(input, w, Bias, activation, PackedWeight(w), Precision);
    }

    // Packed-weight cache. Inference runs the same weights through the GEMM again and again, and
    // packing Wᵀ into the micro-kernel layout on every call costs a pass over the weights. The
    // weight is packed on the second forward that finds it unchanged (same tensor, same storage
    // Version, same backend) and reused while it stays so; a training step writes the weight, which
    // bumps the Version, so training never packs. The pack is in the module's Precision (a change of
    // precision repacks). A stale pack is left to its finalizer rather than
    // disposed, so a forward on another thread that still holds it stays memory-safe.
    private readonly object _packLock = new();
    private Tensor? _seenWeight;
    private int _seenVersion;
    private IKernels? _seenKernels;
    private Precision _seenPrecision;
    private PackedMatrix? _packed;

    private PackedMatrix? PackedWeight(Tensor w)
    {
        var kernels = KernelProvider.Current;
        int version = w.Version;
        var precision = Precision;
        lock (_packLock)
        {
            if (ReferenceEquals(w, _seenWeight) && version == _seenVersion && ReferenceEquals(kernels, _seenKernels) && precision == _seenPrecision)
            {
                if (_packed is null)
                {
                    // transB: the GEMM computes x·Wᵀ, so op(B) = Wᵀ is in_features × out_features.
                    _packed = kernels.PackB(true, InFeatures, OutFeatures, w.Data, InFeatures, precision);
                    GC.KeepAlive(w);
                }
                return _packed;
            }
            _seenWeight = w;
            _seenVersion = version;
            _seenKernels = kernels;
            _seenPrecision = precision;
            _packed = null;
            return null;
        }
    }

    /// <summary>True while a packed copy of the present weight is cached (for tests).</summary>
    internal bool HasPackedWeight
    {
        get { lock (_packLock) return _packed is not null; }
    }

    private protected override void DisposeCaches()
    {
        lock (_packLock)
        {
            _packed?.Dispose();
            _packed = null;
            _seenWeight = null;
        }
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("Linear").With("in_features", InFeatures).With("out_features", OutFeatures).With("bias", Bias is not null);

    internal static Module Create(ModuleSpec s) => new Linear(s.GetInt("in_features"), s.GetInt("out_features"), s.GetBool("bias", true));

    /// <inheritdoc />
    public override string ToString() => $"Linear(in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is not null ? "True" : "False")})";
}
