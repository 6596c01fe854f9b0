namespace NativeNet.Nn;

/// <summary>
/// Multi-head scaled dot-product attention (nn.MultiheadAttention, equal q/k/v sizes): parameters
/// in_proj_weight [3E, E], in_proj_bias [3E] (q, k, v stacked), out_proj.weight/bias, PyTorch's
/// init (xavier_uniform in_proj, zero biases). Built from the autograd ops (GEMMs, batched GEMMs,
/// softmax), so it runs on either backend.
/// </summary>
public sealed class MultiheadAttention : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    public MultiheadAttention(int embedDim, int numHeads, double dropout = 0, bool bias = true, bool batchFirst = false, Generator? generator = null)
    {
        if (embedDim <= 0) throw new ArgumentException($"embed_dim must be positive. Received: embed_dim={embedDim}", nameof(embedDim));
        if (numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"embed_dim must be divisible by num_heads. Received: embed_dim={embedDim}, num_heads={numHeads}", nameof(numHeads));
        if (dropout < 0 || dropout > 1) throw new ArgumentException($"dropout must be in [0, 1]. Received: dropout={dropout}", nameof(dropout));
        EmbedDim = embedDim; NumHeads = numHeads; DropoutP = dropout; BatchFirst = batchFirst; _generator = generator;
        var w = Tensor.Empty(new[] { 3 * embedDim, embedDim }, register: false);
        Init.XavierUniform(w, embedDim, 3 * embedDim, 1, generator);
        RegisterParameter("in_proj_weight", w);
        RegisterParameter("in_proj_bias", bias ? Tensor.Zeros(3 * embedDim).DetachFromDisposeScope() : null);
        var outProj = RegisterModule("out_proj", new Linear(embedDim, embedDim, bias, generator));
        outProj.Bias?.Zero_();
    }

    /// <summary>Model width E.</summary>
    public int EmbedDim { get; }
    /// <summary>Heads (each of width E / heads).</summary>
    public int NumHeads { get; }
    /// <summary>Dropout on the attention weights (training only).</summary>
    public double DropoutP { get; }
    /// <summary>Inputs and output are [B, T, E] (else [T, B, E]).</summary>
    public bool BatchFirst { get; }

    /// <summary>Self-attention without masks.</summary>
    public override Tensor Forward(Tensor input) => Forward(input, input, input);

    /// <summary>
    /// Attention of <paramref name="query"/> over <paramref name="key"/>/<paramref name="value"/>.
    /// keyPaddingMask [B, S]: a nonzero entry hides that key (PyTorch's bool mask, True = ignore).
    /// attnMask [T, S] or [B·heads, T, S]: added to the scores (−∞ forbids, as PyTorch's float masks).
    /// </summary>
    public Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null, Tensor? attnMask = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        foreach (var (t, name) in new[] { (query, "query"), (key, "key"), (value, "value") })
        {
            t.ThrowIfDisposed();
            if (t.Rank != 3 || t.Size(2) != EmbedDim)
                throw new ArgumentException($"{name} must be {(BatchFirst ? "[B, T, E]" : "[T, B, E]")} with E={EmbedDim}. Received: shape={Tensor.ShapeString(t.ShapeRef)}", name);
        }
        int bd = BatchFirst ? 0 : 1, td = 1 - bd;
        int b = query.Size(bd), tq = query.Size(td), s = key.Size(td), e = EmbedDim, h = NumHeads, d = e / h;
        if (key.Size(bd) != b || value.Size(bd) != b || value.Size(td) != s)
            throw new ArgumentException($"key and value must share the query's batch and have the same length. Received: query {Tensor.ShapeString(query.ShapeRef)}, key {Tensor.ShapeString(key.ShapeRef)}, value {Tensor.ShapeString(value.ShapeRef)}", nameof(key));
        using var qh = Project(query, 0, b, tq);
        using var kh = Project(key, 1, b, s);
        using var vh = Project(value, 2, b, s);
        using var qs = qh.Mul((float)(1 / Math.Sqrt(d)));
        using var kt = kh.Transpose(1, 2);
        using var scores = qs.MatMul(kt);                       // [B·h, T, S]
        using var masked = ApplyMasks(scores, keyPaddingMask, attnMask, b, tq, s);
        using var attn = (masked ?? scores).Softmax(-1);
        using var dropped = DropoutP > 0 && Training ? Functional.Dropout(attn, DropoutP, true, _generator) : null;
        using var ctx = (dropped ?? attn).MatMul(vh);           // [B·h, T, d]
        using var split = ctx.Reshape(b, h, tq, d);
        using var merged = split.Permute(0, 2, 1, 3);
        using var flat = merged.Reshape(b, tq, e);
        var outProj = (Linear)NamedChildren().First(c => c.Name == "out_proj").Module;
        using var y = outProj.Forward(flat);
        return BatchFirst ? y.Clone() : y.Transpose(0, 1);
    }

    // x ([B, L, E], or [L, B, E] when not batch-first) through the part-th slice of in_proj, split into heads: [B·h, L, d].
    private Tensor Project(Tensor input, int part, int b, int len)
    {
        int e = EmbedDim, h = NumHeads;
        using var x = BatchFirst ? input.Reshape(b, len, e) : input.Transpose(0, 1);
        using var w = GetParameter("in_proj_weight")!.Narrow(0, part * e, e);
        using var bias = GetParameter("in_proj_bias")?.Narrow(0, part * e, e);
        using var p = Functional.Linear(x, w, bias);
        using var heads = p.Reshape(b, len, h, e / h);
        using var moved = heads.Permute(0, 2, 1, 3);
        return moved.Reshape(b * h, len, e / h);
    }

    // The scores with the masks added, or null when there are none.
    private Tensor? ApplyMasks(Tensor scores, Tensor? keyPaddingMask, Tensor? attnMask, int b, int tq, int s)
    {
        int h = NumHeads;
        if (keyPaddingMask is null && attnMask is null) return null;
        var acc = scores.Reshape(b, h, tq, s);
        if (keyPaddingMask is not null)
        {
            keyPaddingMask.ThrowIfDisposed();
            if (keyPaddingMask.Count != b * s)
                throw new ArgumentException($"key_padding_mask must be [{b}, {s}]. Received: shape={Tensor.ShapeString(keyPaddingMask.ShapeRef)}", nameof(keyPaddingMask));
            var m = keyPaddingMask.Data;
            var add = new float[b * s];
            for (int i = 0; i < add.Length; i++) add[i] = m[i] != 0 ? float.NegativeInfinity : 0f;
            using var bias = Tensor.FromArray(add, b, 1, 1, s);
            var next = acc.Add(bias);
            acc.Dispose();
            acc = next;
        }
        if (attnMask is not null)
        {
            attnMask.ThrowIfDisposed();
            using var shaped = attnMask.Count == tq * s ? attnMask.Reshape(1, 1, tq, s)
                : attnMask.Count == b * h * tq * s ? attnMask.Reshape(b, h, tq, s)
                : throw new ArgumentException($"attn_mask must be [{tq}, {s}] or [{b * h}, {tq}, {s}]. Received: shape={Tensor.ShapeString(attnMask.ShapeRef)}", nameof(attnMask));
            var next = acc.Add(shaped);
            acc.Dispose();
            acc = next;
        }
        using (acc) return acc.Reshape(b * h, tq, s);
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("MultiheadAttention").With("embed_dim", EmbedDim).With("num_heads", NumHeads)
        .With("dropout", DropoutP).With("bias", GetParameter("in_proj_bias") is not null).With("batch_first", BatchFirst);

    internal static Module Create(ModuleSpec s) => new MultiheadAttention(s.GetInt("embed_dim"), s.GetInt("num_heads"), s.GetDouble("dropout", 0),
        s.GetBool("bias", true), s.GetBool("batch_first", false));
}

/// <summary>Feed-forward activation of a <see cref="TransformerEncoderLayer"/>.</summary>
public enum TransformerActivation
{
    /// <summary>max(x, 0) (PyTorch's default).</summary>
    Relu = 0,
    /// <summary>GELU, exact erf form.</summary>
    Gelu = 1,
}

/// <summary>
/// One transformer encoder block as nn.TransformerEncoderLayer: self-attention and a two-layer
/// feed-forward network, each with a residual connection and LayerNorm, after (post-norm, the
/// default) or before (<c>normFirst</c>) the sub-layer. Children and state-dict keys: self_attn,
/// linear1, dropout, linear2, norm1, norm2, dropout1, dropout2.
/// </summary>
public sealed class TransformerEncoderLayer : Module
{
    private readonly MultiheadAttention _attn;
    private readonly Linear _linear1, _linear2;
    private readonly Dropout _dropout, _dropout1, _dropout2;
    private readonly LayerNorm _norm1, _norm2;

    /// <summary>Creates the layer.</summary>
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward = 2048, double dropout = 0.1, TransformerActivation activation = TransformerActivation.Relu,
                                   double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, Generator? generator = null)
    {
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, $"activation must be Relu or Gelu. Received: {(int)activation}");
        DModel = dModel; NHead = nhead; DimFeedforward = dimFeedforward; DropoutP = dropout; Activation = activation;
        LayerNormEps = layerNormEps; BatchFirst = batchFirst; NormFirst = normFirst;
        _attn = RegisterModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, true, batchFirst, generator));
        _linear1 = RegisterModule("linear1", new Linear(dModel, dimFeedforward, true, generator));
        _dropout = RegisterModule("dropout", new Dropout(dropout, generator));
        _linear2 = RegisterModule("linear2", new Linear(dimFeedforward, dModel, true, generator));
        _norm1 = RegisterModule("norm1", new LayerNorm(dModel, layerNormEps));
        _norm2 = RegisterModule("norm2", new LayerNorm(dModel, layerNormEps));
        _dropout1 = RegisterModule("dropout1", new Dropout(dropout, generator));
        _dropout2 = RegisterModule("dropout2", new Dropout(dropout, generator));
    }

    /// <summary>Model width.</summary>
    public int DModel { get; }
    /// <summary>Attention heads.</summary>
    public int NHead { get; }
    /// <summary>Hidden width of the feed-forward network.</summary>
    public int DimFeedforward { get; }
    /// <summary>Dropout probability.</summary>
    public double DropoutP { get; }
    /// <summary>Feed-forward activation.</summary>
    public TransformerActivation Activation { get; }
    /// <summary>LayerNorm epsilon.</summary>
    public double LayerNormEps { get; }
    /// <summary>[B, T, E] layout.</summary>
    public bool BatchFirst { get; }
    /// <summary>Pre-norm (LayerNorm before each sub-layer).</summary>
    public bool NormFirst { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => Forward(input, null, null);

    /// <summary>The block with optional masks (see <see cref="MultiheadAttention.Forward(Tensor, Tensor, Tensor, Tensor?, Tensor?)"/>).</summary>
    public Tensor Forward(Tensor src, Tensor? srcMask, Tensor? srcKeyPaddingMask)
    {
        ArgumentNullException.ThrowIfNull(src);
        if (NormFirst)
        {
            using var n1 = _norm1.Forward(src);
            using var sa = SelfAttention(n1, srcMask, srcKeyPaddingMask);
            using var x = src.Add(sa);
            using var n2 = _norm2.Forward(x);
            using var ff = FeedForward(n2);
            return x.Add(ff);
        }
        using (var sa = SelfAttention(src, srcMask, srcKeyPaddingMask))
        using (var r1 = src.Add(sa))
        using (var x = _norm1.Forward(r1))
        using (var ff = FeedForward(x))
        using (var r2 = x.Add(ff))
            return _norm2.Forward(r2);
    }

    private Tensor SelfAttention(Tensor x, Tensor? mask, Tensor? keyPadding)
    {
        using var a = _attn.Forward(x, x, x, keyPadding, mask);
        return _dropout1.Forward(a);
    }

    private Tensor FeedForward(Tensor x)
    {
        using var h = _linear1.Forward(x);
        using var act = Activation == TransformerActivation.Relu ? h.Relu() : h.Gelu();
        using var d = _dropout.Forward(act);
        using var o = _linear2.Forward(d);
        return _dropout2.Forward(o);
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("TransformerEncoderLayer").With("d_model", DModel).With("nhead", NHead)
        .With("dim_feedforward", DimFeedforward).With("dropout", DropoutP).With("activation", Activation == TransformerActivation.Relu ? "relu" : "gelu")
        .With("layer_norm_eps", LayerNormEps).With("batch_first", BatchFirst).With("norm_first", NormFirst);

    internal static Module Create(ModuleSpec s)
    {
        string act = s.Config.TryGetValue("activation", out var v) && v is System.Text.Json.Nodes.JsonValue j && j.TryGetValue<string>(out var str) ? str : "relu";
        var a = act switch
        {
            "relu" => TransformerActivation.Relu,
            "gelu" => TransformerActivation.Gelu,
            _ => throw new InvalidDataException($"TransformerEncoderLayer activation must be 'relu' or 'gelu'. Received: '{act}'"),
        };
        return new TransformerEncoderLayer(s.GetInt("d_model"), s.GetInt("nhead"), s.GetInt("dim_feedforward", 2048), s.GetDouble("dropout", 0.1), a,
                                           s.GetDouble("layer_norm_eps", 1e-5), s.GetBool("batch_first", false), s.GetBool("norm_first", false));
    }
}
