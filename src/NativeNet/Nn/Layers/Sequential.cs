using NativeNet.Kernels;

namespace NativeNet.Nn;

/// <summary>Runs its children in order; they are named "0", "1", … as in PyTorch.</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = new();

    /// <summary>Creates the container with the given layers.</summary>
    public Sequential(params Module[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var l in layers) Add(l);
    }

    /// <summary>Appends a layer (named by its position); returns this.</summary>
    public Sequential Add(Module layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>The layer at <paramref name="index"/> (negative counts from the end).</summary>
    public Module this[int index]
    {
        get
        {
            int i = index < 0 ? index + _layers.Count : index;
            if ((uint)i >= (uint)_layers.Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [{-_layers.Count}, {_layers.Count - 1}]. Received: index={index}");
            return _layers[i];
        }
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (_layers.Count == 0) return input.Clone();
        return RunLayers(input, _layers.Count);
    }

    /// <summary>
    /// this(input) + residual (a residual block's body and shortcut). Where the layers end with a
    /// Conv2d → BatchNorm that inference folds, the add happens in that convolution's epilogue.
    /// </summary>
    internal Tensor CallAddingResidual(Tensor input, Tensor residual)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(residual);
        int n = _layers.Count;
        if (!HasForwardHooks && n >= 2 && _layers[n - 2] is Conv2d conv && _layers[n - 1] is BatchNormBase norm)
        {
            var x = n > 2 ? RunLayers(input, n - 2) : input;
            try
            {
                if (conv.ForwardFoldingNorm(x, norm, residual, UnaryOp.Identity) is { } folded) return folded;
                using var c = conv.Call(x);
                using var b = norm.Call(c);
                return b.Add(residual);
            }
            finally
            {
                if (!ReferenceEquals(x, input)) x.Dispose();
            }
        }
        using var y = Call(input);
        return y.Add(residual);
    }

    // Layers [0, end) in order, fused where FusedForward finds a run.
    private Tensor RunLayers(Tensor input, int end)
    {
        var x = input;
        for (int i = 0; i < end; i++)
        {
            if (FusedForward(i, end, x, out int consumed) is { } y)
            {
                x = y;
                i += consumed - 1;
                continue;
            }
            x = _layers[i].Call(x);
        }
        return x;
    }

    // Runs of layers in [i, end) that one kernel call computes, with no intermediate tensor (never
    // visible outside this call); null where none starts at layer i. Hooked layers run one by one, so each
    // hook sees its own layer's output.
    private Tensor? FusedForward(int i, int end, Tensor x, out int consumed)
    {
        consumed = 0;
        if (i + 1 >= end || _layers[i].HasForwardHooks) return null;
        var next = _layers[i + 1];
        // A layer then an activation its epilogue applies: one autograd node.
        if (_layers[i] is IEpilogueFusable fusable && !next.HasForwardHooks && EpilogueFusion.ActivationOf(next) is { } activation && fusable.CanFuse(activation)
            && fusable.Forward(x, activation) is { } fused)
        {
            consumed = 2;
            return fused;
        }
        // Inference: a convolution, the BatchNorm after it folded into its weights, and the activation after that.
        if (_layers[i] is Conv2d conv && next is BatchNormBase norm)
        {
            var op = i + 2 < end && !_layers[i + 2].HasForwardHooks ? EpilogueFusion.InferenceOpOf(_layers[i + 2]) : null;
            var y = conv.ForwardFoldingNorm(x, norm, null, op ?? UnaryOp.Identity);
            consumed = op is null ? 2 : 3;
            return y;
        }
        return null;
    }

    /// <inheritdoc />
    public override ModuleSpec ToSpec()
    {
        var s = new ModuleSpec("Sequential");
        for (int i = 0; i < _layers.Count; i++) s.WithChild(i.ToString(System.Globalization.CultureInfo.InvariantCulture), _layers[i].ToSpec());
        return s;
    }

    internal static Module Create(ModuleSpec s)
    {
        var seq = new Sequential();
        if (s.Children is not null) foreach (var c in s.Children) seq.Add(ModuleSpec.Build(c.Spec));
        return seq;
    }

    /// <inheritdoc />
    public override string ToString() => "Sequential(" + string.Join(", ", _layers) + ")";
}
