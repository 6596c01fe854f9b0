namespace NativeNet.Nn;

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
