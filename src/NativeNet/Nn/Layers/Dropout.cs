namespace NativeNet.Nn;

/// <summary>Inverted dropout in training mode; identity in evaluation mode.</summary>
public sealed class Dropout : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    public Dropout(double p = 0.5, Generator? generator = null)
    {
        if (p < 0 || p > 1) throw new ArgumentException($"dropout probability must be in [0, 1]. Received: p={p}", nameof(p));
        P = p;
        _generator = generator;
    }

    /// <summary>Drop probability.</summary>
    public double P { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, _generator);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("Dropout").With("p", P);
    internal static Module Create(ModuleSpec s) => new Dropout(s.GetDouble("p", 0.5));
    /// <inheritdoc />
    public override string ToString() => $"Dropout(p={P})";
}
