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

/// <summary>Returns its input (a copy, so ownership stays simple).</summary>
public sealed class Identity : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Clone();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("Identity");
}

/// <summary>Row lookup into a [num_embeddings, embedding_dim] table (init normal(0, 1); padding row zeroed).</summary>
public sealed class Embedding : Module
{
    /// <summary>Creates the layer.</summary>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Generator? generator = null)
    {
        if (numEmbeddings <= 0) throw new ArgumentException($"num_embeddings must be positive. Received: num_embeddings={numEmbeddings}", nameof(numEmbeddings));
        if (embeddingDim <= 0) throw new ArgumentException($"embedding_dim must be positive. Received: embedding_dim={embeddingDim}", nameof(embeddingDim));
        if (paddingIdx is int pi && (pi < -numEmbeddings || pi >= numEmbeddings))
            throw new ArgumentException($"padding_idx must be within num_embeddings. Received: padding_idx={pi}", nameof(paddingIdx));
        NumEmbeddings = numEmbeddings; EmbeddingDim = embeddingDim;
        PaddingIdx = paddingIdx is int p && p < 0 ? p + numEmbeddings : paddingIdx;
        var w = Tensor.Empty(new[] { numEmbeddings, embeddingDim }, register: false);
        w.Normal_(0, 1, generator);
        if (PaddingIdx is int row) w.AsSpan().Slice(row * embeddingDim, embeddingDim).Clear();
        RegisterParameter("weight", w);
    }

    /// <summary>Table rows.</summary>
    public int NumEmbeddings { get; }
    /// <summary>Row width.</summary>
    public int EmbeddingDim { get; }
    /// <summary>Row that gets no gradient, or null.</summary>
    public int? PaddingIdx { get; }
    /// <summary>The table.</summary>
    public Tensor Weight => GetParameter("weight")!;
    /// <summary>indices: integer-valued floats of any shape → [.., embedding_dim].</summary>
    public override Tensor Forward(Tensor input) => Functional.Embedding(input, Weight, PaddingIdx);
    /// <inheritdoc />
    public override ModuleSpec ToSpec()
    {
        var s = new ModuleSpec("Embedding").With("num_embeddings", NumEmbeddings).With("embedding_dim", EmbeddingDim);
        if (PaddingIdx is int p) s.With("padding_idx", p);
        return s;
    }
    internal static Module Create(ModuleSpec s) =>
        new Embedding(s.GetInt("num_embeddings"), s.GetInt("embedding_dim"), s.Config.ContainsKey("padding_idx") ? s.GetInt("padding_idx") : null);
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
