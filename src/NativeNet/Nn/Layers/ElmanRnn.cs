namespace NativeNet.Nn;

/// <summary>Nonlinearity of an Elman <see cref="RNN"/>.</summary>
public enum RnnNonlinearity
{
    /// <summary>tanh (PyTorch's default).</summary>
    Tanh = 0,
    /// <summary>max(x, 0).</summary>
    Relu = 1,
}

/// <summary>
/// Elman recurrent layer, h_t = act(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), stacked and optionally
/// bidirectional, with PyTorch's parameter names (weight_ih_l0, weight_hh_l0_reverse, …), layouts and
/// init (uniform ±1/√H). Input [T, B, I] or [B, T, I] with batch_first. The input projection of all
/// time steps is one GEMM; the recurrence runs step by step through the autograd ops (one GEMM
/// per step), so it uses whichever backend is active.
/// </summary>
public sealed class RNN : Module
{
    private readonly Generator? _generator;

    /// <summary>Creates the layer.</summary>
    public RNN(int inputSize, int hiddenSize, int numLayers = 1, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, bool bias = true,
               bool batchFirst = false, double dropout = 0, bool bidirectional = false, Generator? generator = null)
    {
        if (inputSize <= 0) throw new ArgumentException($"input_size must be positive. Received: input_size={inputSize}", nameof(inputSize));
        if (hiddenSize <= 0) throw new ArgumentException($"hidden_size must be positive. Received: hidden_size={hiddenSize}", nameof(hiddenSize));
        if (numLayers <= 0) throw new ArgumentException($"num_layers must be positive. Received: num_layers={numLayers}", nameof(numLayers));
        if (dropout < 0 || dropout > 1) throw new ArgumentException($"dropout must be in [0, 1]. Received: dropout={dropout}", nameof(dropout));
        if (!Enum.IsDefined(nonlinearity)) throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, $"nonlinearity must be Tanh or Relu. Received: {(int)nonlinearity}");
        _generator = generator;
        InputSize = inputSize; HiddenSize = hiddenSize; NumLayers = numLayers; Nonlinearity = nonlinearity; HasBias = bias;
        BatchFirst = batchFirst; DropoutP = dropout; Bidirectional = bidirectional;
        float k = (float)(1 / Math.Sqrt(hiddenSize));
        int dirs = bidirectional ? 2 : 1;
        for (int l = 0; l < numLayers; l++)
            for (int d = 0; d < dirs; d++)
            {
                string sfx = Suffix(l, d);
                int inp = l == 0 ? inputSize : hiddenSize * dirs;
                RegisterParameter("weight_ih" + sfx, Tensor.Empty(new[] { hiddenSize, inp }, register: false).Uniform_(-k, k, generator));
                RegisterParameter("weight_hh" + sfx, Tensor.Empty(new[] { hiddenSize, hiddenSize }, register: false).Uniform_(-k, k, generator));
                if (!bias) continue;
                RegisterParameter("bias_ih" + sfx, Tensor.Empty(new[] { hiddenSize }, register: false).Uniform_(-k, k, generator));
                RegisterParameter("bias_hh" + sfx, Tensor.Empty(new[] { hiddenSize }, register: false).Uniform_(-k, k, generator));
            }
    }

    /// <summary>Input features.</summary>
    public int InputSize { get; }
    /// <summary>Hidden features.</summary>
    public int HiddenSize { get; }
    /// <summary>Stacked layers.</summary>
    public int NumLayers { get; }
    /// <summary>tanh or relu.</summary>
    public RnnNonlinearity Nonlinearity { get; }
    /// <summary>Whether biases exist.</summary>
    public bool HasBias { get; }
    /// <summary>Input/output are [B, T, *].</summary>
    public bool BatchFirst { get; }
    /// <summary>Dropout between layers (training only).</summary>
    public double DropoutP { get; }
    /// <summary>Two directions.</summary>
    public bool Bidirectional { get; }

    private static string Suffix(int layer, int direction) => $"_l{layer}" + (direction == 1 ? "_reverse" : "");

    /// <summary>The output sequence only.</summary>
    public override Tensor Forward(Tensor input)
    {
        var r = ForwardWithState(input);
        r.HN.Dispose();
        return r.Output;
    }

    /// <summary>Output plus h_n [layers·directions, B, H] (CN is null); h0 of that shape may be null (zeros).</summary>
    public RnnResult ForwardWithState(Tensor input, Tensor? h0 = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.ThrowIfDisposed();
        if (input.Rank != 3 || input.Size(2) != InputSize)
            throw new ArgumentException($"RNN expects input [{(BatchFirst ? "B, T" : "T, B")}, {InputSize}]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        int dirs = Bidirectional ? 2 : 1, timeDim = BatchFirst ? 1 : 0;
        int batch = input.Size(1 - timeDim), steps = input.Size(timeDim);
        if (h0 is not null && (h0.Rank != 3 || h0.Size(0) != NumLayers * dirs || h0.Size(1) != batch || h0.Size(2) != HiddenSize))
            throw new ArgumentException($"h0 must have shape [{NumLayers * dirs}, {batch}, {HiddenSize}]. Received: shape={Tensor.ShapeString(h0.ShapeRef)}", nameof(h0));
        var x = input;
        var finals = new List<Tensor>(NumLayers * dirs);
        var outs = new Tensor[dirs];
        for (int l = 0; l < NumLayers; l++)
        {
            for (int d = 0; d < dirs; d++)
            {
                string sfx = Suffix(l, d);
                using var proj = Functional.Linear(x, GetParameter("weight_ih" + sfx)!, GetParameter("bias_ih" + sfx));
                using var initial = h0 is null ? Tensor.Zeros(batch, HiddenSize) : h0.Select(0, l * dirs + d);
                var h = initial;
                var seq = new Tensor[steps];
                for (int s = 0; s < steps; s++)
                {
                    int t = d == 0 ? s : steps - 1 - s;
                    using var xt = proj.Select(timeDim, t);
                    using var hh = Functional.Linear(h, GetParameter("weight_hh" + sfx)!, GetParameter("bias_hh" + sfx));
                    using var pre = xt.Add(hh);
                    h = seq[t] = Nonlinearity == RnnNonlinearity.Tanh ? pre.Tanh() : pre.Relu();
                }
                finals.Add(h.Clone());
                outs[d] = Tensor.Stack(seq, timeDim);
                foreach (var t in seq) t.Dispose();
            }
            var layerOut = dirs == 2 ? Tensor.Concat(outs, 2) : outs[0];
            if (dirs == 2) foreach (var o in outs) o.Dispose();
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = layerOut;
            if (DropoutP > 0 && Training && l < NumLayers - 1)
            {
                var dropped = Functional.Dropout(x, DropoutP, true, _generator);
                x.Dispose();
                x = dropped;
            }
        }
        var hN = Tensor.Stack(finals, 0);
        foreach (var f in finals) f.Dispose();
        return new RnnResult(x, hN, null);
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("RNN").With("input_size", InputSize).With("hidden_size", HiddenSize).With("num_layers", NumLayers)
        .With("nonlinearity", Nonlinearity == RnnNonlinearity.Tanh ? "tanh" : "relu").With("bias", HasBias).With("batch_first", BatchFirst)
        .With("dropout", DropoutP).With("bidirectional", Bidirectional);

    internal static Module Create(ModuleSpec s)
    {
        string nl = s.Config.TryGetValue("nonlinearity", out var v) && v is System.Text.Json.Nodes.JsonValue j && j.TryGetValue<string>(out var str) ? str : "tanh";
        var act = nl switch
        {
            "tanh" => RnnNonlinearity.Tanh,
            "relu" => RnnNonlinearity.Relu,
            _ => throw new InvalidDataException($"RNN nonlinearity must be 'tanh' or 'relu'. Received: '{nl}'"),
        };
        return new RNN(s.GetInt("input_size"), s.GetInt("hidden_size"), s.GetInt("num_layers", 1), act, s.GetBool("bias", true),
                       s.GetBool("batch_first", false), s.GetDouble("dropout", 0), s.GetBool("bidirectional", false));
    }

    /// <inheritdoc />
    public override string ToString() => $"RNN({InputSize}, {HiddenSize}, num_layers={NumLayers}, nonlinearity={Nonlinearity}, batch_first={BatchFirst}, bidirectional={Bidirectional})";
}
