using NativeNet.Kernels;

namespace NativeNet.Nn;

/// <summary>What a recurrent layer returns: the output sequence and the final states [layers·directions, B, H].</summary>
public readonly record struct RnnResult(Tensor Output, Tensor HN, Tensor? CN);

/// <summary>
/// Shared multi-layer, optionally bidirectional recurrent layer (<see cref="LSTM"/>, <see cref="GRU"/>).
/// Parameters per layer k and direction (suffix "_reverse"): weight_ih_lk [G·H, in], weight_hh_lk [G·H, H],
/// bias_ih_lk, bias_hh_lk [G·H], initialized uniform(±1/√H) like PyTorch. Input [T, B, I], or [B, T, I]
/// with batch_first. Each layer-direction is one fused autograd node.
/// </summary>
public abstract class RecurrentBase : Module
{
    private readonly RnnCell _cell;
    private readonly Generator? _generator;
    // Per layer-direction (layer-major): w_hh laid out for inference, kept while the weight is unchanged.
    private readonly RecurrentWeightPack[] _packs;

    private protected RecurrentBase(RnnCell cell, int inputSize, int hiddenSize, int numLayers, bool bias, bool batchFirst, double dropout, bool bidirectional, Generator? generator)
    {
        if (inputSize <= 0) throw new ArgumentException($"input_size must be positive. Received: input_size={inputSize}", nameof(inputSize));
        if (hiddenSize <= 0) throw new ArgumentException($"hidden_size must be positive. Received: hidden_size={hiddenSize}", nameof(hiddenSize));
        if (numLayers <= 0) throw new ArgumentException($"num_layers must be positive. Received: num_layers={numLayers}", nameof(numLayers));
        if (dropout < 0 || dropout > 1) throw new ArgumentException($"dropout must be in [0, 1]. Received: dropout={dropout}", nameof(dropout));
        _cell = cell;
        _generator = generator;
        InputSize = inputSize; HiddenSize = hiddenSize; NumLayers = numLayers; HasBias = bias; BatchFirst = batchFirst; DropoutP = dropout; Bidirectional = bidirectional;
        int g = cell == RnnCell.Lstm ? 4 : 3, dirs = bidirectional ? 2 : 1;
        float k = (float)(1 / Math.Sqrt(hiddenSize));
        for (int l = 0; l < numLayers; l++)
            for (int d = 0; d < dirs; d++)
            {
                string sfx = $"_l{l}" + (d == 1 ? "_reverse" : "");
                int inp = l == 0 ? inputSize : hiddenSize * dirs;
                RegisterParameter("weight_ih" + sfx, Tensor.Empty(new[] { g * hiddenSize, inp }, register: false).Uniform_(-k, k, generator));
                RegisterParameter("weight_hh" + sfx, Tensor.Empty(new[] { g * hiddenSize, hiddenSize }, register: false).Uniform_(-k, k, generator));
                if (bias)
                {
                    RegisterParameter("bias_ih" + sfx, Tensor.Empty(new[] { g * hiddenSize }, register: false).Uniform_(-k, k, generator));
                    RegisterParameter("bias_hh" + sfx, Tensor.Empty(new[] { g * hiddenSize }, register: false).Uniform_(-k, k, generator));
                }
            }
        _packs = new RecurrentWeightPack[numLayers * dirs];
        for (int i = 0; i < _packs.Length; i++) _packs[i] = new RecurrentWeightPack();
    }

    /// <summary>Input features.</summary>
    public int InputSize { get; }
    /// <summary>Hidden features.</summary>
    public int HiddenSize { get; }
    /// <summary>Stacked layers.</summary>
    public int NumLayers { get; }
    /// <summary>Whether biases exist.</summary>
    public bool HasBias { get; }
    /// <summary>Input/output are [B, T, *].</summary>
    public bool BatchFirst { get; }
    /// <summary>Dropout between layers (training only).</summary>
    public double DropoutP { get; }
    /// <summary>Two directions.</summary>
    public bool Bidirectional { get; }

    /// <summary>The output sequence only.</summary>
    public override Tensor Forward(Tensor input) => Run(input, null, null).Output;

    private protected RnnResult Run(Tensor input, Tensor? h0, Tensor? c0)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3 || input.Size(2) != InputSize)
            throw new ArgumentException($"{GetType().Name} expects input [{(BatchFirst ? "B, T" : "T, B")}, {InputSize}]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        int dirs = Bidirectional ? 2 : 1;
        int batch = BatchFirst ? input.Size(0) : input.Size(1);
        foreach (var (s, name) in new[] { (h0, "h0"), (c0, "c0") })
            if (s is not null && (s.Rank != 3 || s.Size(0) != NumLayers * dirs || s.Size(1) != batch || s.Size(2) != HiddenSize))
                throw new ArgumentException($"{name} must have shape [{NumLayers * dirs}, {batch}, {HiddenSize}]. Received: shape={Tensor.ShapeString(s.ShapeRef)}", name);
        // Every layer runs in the module's own layout (the kernels take batch-first directly), and
        // concatenating directions along the feature dim is the same in both layouts.
        var x = input;
        var hs = new List<Tensor>(NumLayers * dirs);
        var cs = new List<Tensor>(NumLayers * dirs);
        var outs = new Tensor[dirs];
        for (int l = 0; l < NumLayers; l++)
        {
            for (int d = 0; d < dirs; d++)
            {
                string sfx = $"_l{l}" + (d == 1 ? "_reverse" : "");
                int idx = l * dirs + d;
                using var h0i = h0?.Select(0, idx);
                using var c0i = c0?.Select(0, idx);
                var (y, hn, cn) = Functional.RnnLayer(_cell, x, GetParameter("weight_ih" + sfx)!, GetParameter("weight_hh" + sfx)!,
                                                      GetParameter("bias_ih" + sfx), GetParameter("bias_hh" + sfx), h0i, c0i, reverse: d == 1, batchFirst: BatchFirst,
                                                      Precision, pack: _packs[idx]);
                outs[d] = y;
                hs.Add(hn);
                if (cn is not null) cs.Add(cn);
            }
            x = dirs == 2 ? Tensor.Concat(outs, 2) : outs[0];
            if (DropoutP > 0 && Training && l < NumLayers - 1) x = Functional.Dropout(x, DropoutP, true, _generator);
        }
        var output = x;
        var hN = Tensor.Stack(hs, 0);
        var cN = cs.Count > 0 ? Tensor.Stack(cs, 0) : null;
        return new RnnResult(output, hN, cN);
    }

    /// <summary>True while the inference layout of layer-direction <paramref name="index"/>'s w_hh is cached (for tests).</summary>
    internal bool HasPackedWeight(int index) => _packs[index].IsCached;

    private protected override void DisposeCaches()
    {
        foreach (var p in _packs) p.Clear();
    }

    private protected ModuleSpec Spec(string type) => new ModuleSpec(type).With("input_size", InputSize).With("hidden_size", HiddenSize)
        .With("num_layers", NumLayers).With("bias", HasBias).With("batch_first", BatchFirst).With("dropout", DropoutP).With("bidirectional", Bidirectional);

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}({InputSize}, {HiddenSize}, num_layers={NumLayers}, batch_first={BatchFirst}, bidirectional={Bidirectional})";
}

/// <summary>Long short-term memory (gate order i, f, g, o), PyTorch layout and init.</summary>
public sealed class LSTM : RecurrentBase
{
    /// <summary>Creates the layer.</summary>
    public LSTM(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0, bool bidirectional = false, Generator? generator = null)
        : base(RnnCell.Lstm, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator) { }

    /// <summary>Output plus (h_n, c_n); h0/c0 [layers·directions, B, H] may be null (zeros).</summary>
    public RnnResult ForwardWithState(Tensor input, Tensor? h0 = null, Tensor? c0 = null) => Run(input, h0, c0);

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => Spec("LSTM");

    internal static Module Create(ModuleSpec s) => new LSTM(s.GetInt("input_size"), s.GetInt("hidden_size"), s.GetInt("num_layers", 1), s.GetBool("bias", true),
        s.GetBool("batch_first", false), s.GetDouble("dropout", 0), s.GetBool("bidirectional", false));
}

/// <summary>Gated recurrent unit (gate order r, z, n), PyTorch layout and init.</summary>
public sealed class GRU : RecurrentBase
{
    /// <summary>Creates the layer.</summary>
    public GRU(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0, bool bidirectional = false, Generator? generator = null)
        : base(RnnCell.Gru, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, generator) { }

    /// <summary>Output plus h_n (CN is null); h0 [layers·directions, B, H] may be null (zeros).</summary>
    public RnnResult ForwardWithState(Tensor input, Tensor? h0 = null) => Run(input, h0, null);

    /// <inheritdoc />
    public override ModuleSpec ToSpec() => Spec("GRU");

    internal static Module Create(ModuleSpec s) => new GRU(s.GetInt("input_size"), s.GetInt("hidden_size"), s.GetInt("num_layers", 1), s.GetBool("bias", true),
        s.GetBool("batch_first", false), s.GetDouble("dropout", 0), s.GetBool("bidirectional", false));
}
