using System.Text.Json.Nodes;

namespace NativeNet.Nn;

/// <summary>y = x·Wᵀ + b. weight [out_features, in_features], bias [out_features] (PyTorch layout and init).</summary>
public sealed class Linear : Module
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
    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("Linear").With("in_features", InFeatures).With("out_features", OutFeatures).With("bias", Bias is not null);

    internal static Module Create(ModuleSpec s) => new Linear(s.GetInt("in_features"), s.GetInt("out_features"), s.GetBool("bias", true));

    /// <inheritdoc />
    public override string ToString() => $"Linear(in_features={InFeatures}, out_features={OutFeatures}, bias={(Bias is not null ? "True" : "False")})";
}
