namespace NativeNet.Nn;

/// <summary>Flattens dimensions start_dim..end_dim (default 1..−1), a view.</summary>
public sealed class Flatten : Module
{
    /// <summary>Creates the layer.</summary>
    public Flatten(int startDim = 1, int endDim = -1) { StartDim = startDim; EndDim = endDim; }
    /// <summary>First flattened dimension.</summary>
    public int StartDim { get; }
    /// <summary>Last flattened dimension.</summary>
    public int EndDim { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("Flatten").With("start_dim", StartDim).With("end_dim", EndDim);
    internal static Module Create(ModuleSpec s) => new Flatten(s.GetInt("start_dim", 1), s.GetInt("end_dim", -1));
}

/// <summary>Returns its input (a copy, so ownership stays simple).</summary>
public sealed class Identity : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Clone();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("Identity");
}

/// <summary>
/// Mean over one dimension, which is removed: e.g. dim 1 of an LSTM's batch-first [N, T, H]
/// output gives [N, H], a summary of the whole sequence whatever its length.
/// </summary>
public sealed class ReduceMean : Module
{
    /// <summary>Creates the layer.</summary>
    public ReduceMean(int dim) { Dim = dim; }
    /// <summary>The averaged (and removed) dimension.</summary>
    public int Dim { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Mean(Dim);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("ReduceMean").With("dim", Dim);
    internal static Module Create(ModuleSpec s) => new ReduceMean(s.GetInt("dim"));
}
