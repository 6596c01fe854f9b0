namespace NativeNet.Nn;

/// <summary>
/// Base of every layer and model, with PyTorch's naming: parameters, buffers and child modules are
/// registered under names, which give the dotted state-dict keys ("encoder.0.weight"). A
/// user-defined model subclasses Module, keeps its layers in plain fields and overrides
/// <see cref="Forward"/>: fields holding a Module, a leaf Tensor that requires gradients (a
/// parameter) or a Tensor marked <see cref="BufferAttribute"/> are registered automatically under
/// the field name (leading underscores removed), in declaration order, whenever the module's
/// parameters, buffers, children or state are asked for. <see cref="RegisterModule{T}"/>,
/// <see cref="RegisterParameter"/> and <see cref="RegisterBuffer"/> remain for explicit names
/// and for layers kept in collections, which are not scanned.
/// Parameters and buffers are never registered in a <see cref="DisposeScope"/>; <see cref="Dispose"/> frees them.
/// </summary>
public abstract partial class Module : IDisposable
{
    private readonly List<string> _paramNames = new();
    private readonly Dictionary<string, Tensor?> _params = new();
    private readonly List<string> _bufferNames = new();
    private readonly Dictionary<string, Tensor?> _buffers = new();
    private readonly List<string> _childNames = new();
    private readonly Dictionary<string, Module> _children = new();

    /// <summary>True in training mode (the default); affects Dropout and BatchNorm.</summary>
    public bool Training { get; private protected set; } = true;

    /// <summary>Runs the module.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>Runs <see cref="Forward"/>, then the forward hooks (<see cref="RegisterForwardHook"/>, <see cref="RegisterForwardOutputHook"/>); containers call their children this way.</summary>
    public Tensor Call(Tensor input)
    {
        var output = Forward(input);
        return RunForwardHooks(input, output);
    }

    private static void CheckName(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{what} name must be non-empty and contain no '.'. Received: '{name}'", nameof(name));
    }

    // Registers the fields of a user subclass (see ModuleFields) that are not registered yet or
    // now hold another object; cheap when nothing changed (the field list is built once per type).
    private void RegisterFields()
    {
        var fields = ModuleFields.For(GetType());
        if (fields.Length == 0) return;
        foreach (var f in fields)
        {
            switch (f.Info.GetValue(this))
            {
                case Module m when !ReferenceEquals(m, this) && !(_children.TryGetValue(f.Name, out var old) && ReferenceEquals(old, m)) && !HoldsValue(_children, m):
                    RegisterModule(f.Name, m);
                    break;
                case Tensor t when f.Kind == ModuleFields.Kind.Buffer && !t.IsDisposed && !HoldsValue(_buffers, t):
                    RegisterBuffer(f.Name, t);
                    break;
                case Tensor t when f.Kind == ModuleFields.Kind.Parameter && !t.IsDisposed && t.IsLeaf && t.RequiresGrad && !HoldsValue(_params, t):
                    RegisterParameter(f.Name, t);
                    break;
            }
        }
    }

    // By reference, without a closure: RegisterFields runs on every state walk (compiled inference checks one per call).
    private static bool HoldsValue<T>(Dictionary<string, T> registered, object value) where T : class?
    {
        foreach (var v in registered.Values)
            if (ReferenceEquals(v, value)) return true;
        return false;
    }

    /// <summary>Registers (or replaces) a trainable parameter; null registers an absent optional one (e.g. no bias).</summary>
    protected internal Tensor? RegisterParameter(string name, Tensor? parameter)
    {
        CheckName(name, "Parameter");
        if (_buffers.ContainsKey(name) || _children.ContainsKey(name))
            throw new ArgumentException($"'{name}' is already registered as a buffer or module.", nameof(name));
        if (parameter is not null)
        {
            parameter.DetachFromDisposeScope();
            if (!parameter.IsLeaf) throw new ArgumentException($"Parameter '{name}' must be a leaf tensor (use Detach()).", nameof(parameter));
            parameter.RequiresGrad = true;
        }
        if (!_params.ContainsKey(name)) _paramNames.Add(name);
        _params[name] = parameter;
        return parameter;
    }

    /// <summary>Registers (or replaces) a non-trainable state tensor saved in the state dict (e.g. running statistics).</summary>
    protected internal Tensor? RegisterBuffer(string name, Tensor? buffer)
    {
        CheckName(name, "Buffer");
        if (_params.ContainsKey(name) || _children.ContainsKey(name))
            throw new ArgumentException($"'{name}' is already registered as a parameter or module.", nameof(name));
        buffer?.DetachFromDisposeScope();
        if (!_buffers.ContainsKey(name)) _bufferNames.Add(name);
        _buffers[name] = buffer;
        return buffer;
    }

    /// <summary>Registers (or replaces) a child module under <paramref name="name"/> and returns it.</summary>
    public T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name, "Module");
        ArgumentNullException.ThrowIfNull(module);
        if (ReferenceEquals(module, this)) throw new ArgumentException("A module cannot be its own child.", nameof(module));
        if (_params.ContainsKey(name) || _buffers.ContainsKey(name))
            throw new ArgumentException($"'{name}' is already registered as a parameter or buffer.", nameof(name));
        if (!_children.ContainsKey(name)) _childNames.Add(name);
        _children[name] = module;
        return module;
    }

    /// <summary>A registered parameter by local name (null if absent).</summary>
    protected Tensor? GetParameter(string name) => _params.TryGetValue(name, out var t) ? t : null;

    /// <summary>A registered buffer by local name (null if absent).</summary>
    protected Tensor? GetBuffer(string name) => _buffers.TryGetValue(name, out var t) ? t : null;

    /// <summary>The direct children in registration order.</summary>
    public IEnumerable<Module> Children()
    {
        RegisterFields();
        foreach (var n in _childNames) yield return _children[n];
    }

    /// <summary>The direct children with their names.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        RegisterFields();
        foreach (var n in _childNames) yield return (n, _children[n]);
    }

    /// <summary>This module and every descendant with dotted names ("" for this one).</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        RegisterFields();
        yield return (prefix, this);
        foreach (var n in _childNames)
            foreach (var m in _children[n].NamedModules(prefix.Length == 0 ? n : prefix + "." + n))
                yield return m;
    }

    /// <summary>Every parameter (recursively, registration order); frozen ones included.</summary>
    public IEnumerable<Tensor> Parameters(bool recurse = true)
    {
        foreach (var (_, p) in NamedParameters(recurse)) yield return p;
    }

    /// <summary>Parameters with dotted names ("0.weight", "encoder.lstm.weight_ih_l0").</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(bool recurse = true, string prefix = "")
    {
        RegisterFields();
        foreach (var n in _paramNames)
        {
            var p = _params[n];
            if (p is not null) yield return (prefix.Length == 0 ? n : prefix + "." + n, p);
        }
        if (!recurse) yield break;
        foreach (var c in _childNames)
            foreach (var x in _children[c].NamedParameters(true, prefix.Length == 0 ? c : prefix + "." + c))
                yield return x;
    }

    /// <summary>Buffers with dotted names (e.g. "bn.running_mean", "bn.num_batches_tracked").</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(bool recurse = true, string prefix = "")
    {
        RegisterFields();
        foreach (var n in _bufferNames)
        {
            var b = _buffers[n];
            if (b is not null) yield return (prefix.Length == 0 ? n : prefix + "." + n, b);
        }
        if (!recurse) yield break;
        foreach (var c in _childNames)
            foreach (var x in _children[c].NamedBuffers(true, prefix.Length == 0 ? c : prefix + "." + c))
                yield return x;
    }

    /// <summary>Sets training mode on this module and every descendant; returns this.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var c in Children()) c.Train(mode);
        return this;
    }

    /// <summary>Sets evaluation mode (same as Train(false)); returns this.</summary>
    public Module Eval() => Train(false);

    /// <summary>
    /// The precision of this module's matrix products (<see cref="Precision.Float32"/> unless set by
    /// <see cref="ToPrecision"/>). Parameters, activations and outputs stay float32 either way.
    /// </summary>
    public Precision Precision { get; private set; } = Precision.Float32;

    /// <summary>
    /// Sets the precision of the matrix products of this module and every descendant; returns this.
    /// <see cref="Precision.BFloat16"/>: a layer that supports it (<see cref="Nn.Linear"/>) rounds both
    /// operands of its products to bfloat16 and accumulates in float32 (vdpbf16ps on CPUs with
    /// AVX512_BF16), forward and backward; its weights stay float32 (the master copy an optimizer
    /// updates) and are packed as bfloat16 for inference. <see cref="Nn.Conv2d"/> takes bfloat16 products
    /// where its geometry runs on the Winograd algorithm (3×3, stride 1: the transformed weights and
    /// inputs rounded), in inference and in training's forward and data gradient; its weight gradient
    /// stays float32. <see cref="Nn.LSTM"/> and <see cref="Nn.GRU"/> (native backend) take every gate product on
    /// bfloat16-rounded operands, forward and backward; their cell, state and biases stay float32.
    /// Every other computation stays float32.
    /// </summary>
    public Module ToPrecision(Precision precision)
    {
        if (precision is not (Precision.Float32 or Precision.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, $"precision is not a Precision. Received: {(int)precision}");
        Precision = precision;
        foreach (var c in Children()) c.ToPrecision(precision);
        return this;
    }

    /// <summary>Sets RequiresGrad on every parameter (false freezes the module).</summary>
    public Module RequiresGrad(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Drops (disposes) the gradient of every parameter.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters())
        {
            p.Grad?.Dispose();
            p.Grad = null;
        }
    }

    /// <summary>Parameters then buffers of each module, in PyTorch's order, as name → tensor (the live tensors, not copies).</summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var d = new OrderedDictionary<string, Tensor>();
        AddState(d, "");
        return d;
    }

    private void AddState(OrderedDictionary<string, Tensor> d, string prefix)
    {
        RegisterFields();
        foreach (var n in _paramNames) if (_params[n] is { } p) d.Add(prefix + n, p);
        foreach (var n in _bufferNames) if (_buffers[n] is { } b) d.Add(prefix + n, b);
        foreach (var c in _childNames) _children[c].AddState(d, prefix + c + ".");
    }

    /// <summary>
    /// Whether the state dict's tensors are, in order, exactly <paramref name="snapshot"/>'s tensors at
    /// their recorded write versions (<see cref="Tensor.Version"/>). Walks the module tree without
    /// building the dictionary, so a per-call staleness check allocates nothing.
    /// </summary>
    internal bool StateMatches(ReadOnlySpan<(Tensor Tensor, int Version)> snapshot)
    {
        int next = 0;
        return MatchState(snapshot, ref next) && next == snapshot.Length;
    }

    private bool MatchState(ReadOnlySpan<(Tensor Tensor, int Version)> snapshot, ref int next)
    {
        RegisterFields();
        foreach (var n in _paramNames) if (_params[n] is { } p && !SnapshotHolds(snapshot, ref next, p)) return false;
        foreach (var n in _bufferNames) if (_buffers[n] is { } b && !SnapshotHolds(snapshot, ref next, b)) return false;
        foreach (var c in _childNames) if (!_children[c].MatchState(snapshot, ref next)) return false;
        return true;
    }

    private static bool SnapshotHolds(ReadOnlySpan<(Tensor Tensor, int Version)> snapshot, ref int next, Tensor t)
    {
        if (next >= snapshot.Length || !ReferenceEquals(snapshot[next].Tensor, t) || snapshot[next].Version != t.Version) return false;
        next++;
        return true;
    }

    /// <summary>
    /// Copies tensors from <paramref name="state"/> into this module's parameters and buffers by name.
    /// Shapes must match (element counts for a differently-ranked but equal-sized buffer such as a
    /// scalar num_batches_tracked). strict: every key must match (missing and unexpected keys are
    /// listed in the exception). Returns the missing and unexpected keys.
    /// </summary>
    public (IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected) LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        var missing = new List<string>();
        var unexpected = new List<string>();
        var mismatched = new List<string>();
        foreach (var (name, t) in own)
        {
            if (!state.TryGetValue(name, out var src)) { missing.Add(name); continue; }
            bool isBufferScalar = src.Count == t.Count && (src.Rank == 0 || t.Rank == 0);
            if (!Tensor.SameShape(src.ShapeRef, t.ShapeRef) && !isBufferScalar)
                mismatched.Add($"{name}: checkpoint {Tensor.ShapeString(src.ShapeRef)} vs model {Tensor.ShapeString(t.ShapeRef)}");
        }
        foreach (var key in state.Keys) if (!own.ContainsKey(key)) unexpected.Add(key);
        if (mismatched.Count > 0)
            throw new ArgumentException("LoadStateDict: shape mismatch for " + string.Join("; ", mismatched), nameof(state));
        if (strict && (missing.Count > 0 || unexpected.Count > 0))
            throw new ArgumentException("LoadStateDict (strict): " +
                (missing.Count > 0 ? "missing keys: " + string.Join(", ", missing) : "") +
                (missing.Count > 0 && unexpected.Count > 0 ? "; " : "") +
                (unexpected.Count > 0 ? "unexpected keys: " + string.Join(", ", unexpected) : ""), nameof(state));
        foreach (var (name, t) in own)
            if (state.TryGetValue(name, out var src)) t.CopyFrom(src);
        return (missing, unexpected);
    }

    /// <summary>The architecture (type, hyper-parameters, children) as a JSON-serializable spec.</summary>
    public virtual ModuleSpec ToSpec() =>
        throw new NotSupportedException($"{GetType().Name} does not describe its architecture: override ToSpec() and register a factory with ModuleSpec.Register(\"{GetType().Name}\", …).");

    /// <summary>Rebuilds a module (freshly initialized) from its spec; see <see cref="ModuleSpec.Register"/>.</summary>
    public static Module FromSpec(ModuleSpec spec) => ModuleSpec.Build(spec);

    /// <summary>A one-line description such as "Linear(in_features=30, out_features=64, bias=True)".</summary>
    public override string ToString() => GetType().Name;

    /// <summary>
    /// Disposes every parameter, buffer and child: a module owns what is registered in it, so a
    /// layer shared with another model is disposed with either (mark the field
    /// <see cref="NotRegisteredAttribute"/> in the model that does not own it). Using one of these
    /// tensors afterwards throws an ObjectDisposedException naming the parameter and the layer.
    /// </summary>
    public void Dispose()
    {
        NameOwnedTensors();
        foreach (var n in _paramNames) { var p = _params[n]; p?.Grad?.Dispose(); p?.Dispose(); }
        foreach (var n in _bufferNames) _buffers[n]?.Dispose();
        foreach (var c in _childNames) _children[c].Dispose();
        DisposeCaches();
        GC.SuppressFinalize(this);
    }

    // Tells each tensor about to be disposed whose it was, with dotted names from the module
    // Dispose was called on (children disposed next keep the names their root gave).
    private void NameOwnedTensors()
    {
        string root = GetType().Name;
        foreach (var (path, m) in NamedModules())
        {
            string layer = path.Length == 0 ? $"the {root}" : $"layer '{path}' ({m.GetType().Name}) of a {root}";
            foreach (var (name, p) in m.NamedParameters(recurse: false))
                if (!p.IsDisposed) p.DisposedAsPartOf ??= $"parameter '{name}' of {layer}, disposed with it (Module.Dispose disposes every parameter, buffer and child module it holds)";
            foreach (var (name, b) in m.NamedBuffers(recurse: false))
                if (!b.IsDisposed) b.DisposedAsPartOf ??= $"buffer '{name}' of {layer}, disposed with it (Module.Dispose disposes every parameter, buffer and child module it holds)";
        }
    }

    /// <summary>Frees what a module derived from its parameters (e.g. <see cref="Linear"/>'s packed weight); called by <see cref="Dispose"/>.</summary>
    private protected virtual void DisposeCaches() { }
}
