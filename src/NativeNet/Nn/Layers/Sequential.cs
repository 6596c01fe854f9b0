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
        var x = input;
        for (int i = 0; i < _layers.Count; i++)
        {
            // A layer then an activation its epilogue can apply: one kernel call, one autograd node,
            // no intermediate tensor (the pre-activation is never visible outside this call).
            // Hooked layers run one by one, so each hook sees its own layer's output.
            if (_layers[i] is IEpilogueFusable fusable && i + 1 < _layers.Count && !_layers[i].HasForwardHooks && !_layers[i + 1].HasForwardHooks
                && EpilogueFusion.ActivationOf(_layers[i + 1]) is { } activation && fusable.CanFuse(activation))
            {
                x = fusable.Forward(x, activation);
                i++;
                continue;
            }
            x = _layers[i].Call(x);
        }
        return x;
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
