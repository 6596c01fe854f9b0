using NativeNet.Kernels;

namespace NativeNet.Optim;

/// <summary>A set of parameters sharing a learning rate (and weight decay).</summary>
public sealed class ParamGroup
{
    /// <summary>Creates a group.</summary>
    public ParamGroup(IEnumerable<Tensor> parameters, double learningRate, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Params = parameters.ToList();
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The parameters.</summary>
    public IReadOnlyList<Tensor> Params { get; }

    /// <summary>Learning rate of this group (schedulers change it).</summary>
    public double LearningRate { get; set; }

    /// <summary>L2 penalty (decoupled for AdamW).</summary>
    public double WeightDecay { get; set; }

    /// <summary>The learning rate the group started with (schedulers compute from it).</summary>
    public double InitialLearningRate { get; internal set; }
}

/// <summary>
/// Base of the optimizers: <see cref="ZeroGrad"/>, <see cref="Step"/>, <see cref="LearningRate"/>,
/// parameter groups, an optional L1 penalty (adds l1·sign(p) to each gradient) and
/// <see cref="StateDict"/>/<see cref="LoadStateDict"/> for checkpoints. Update rules follow
/// PyTorch 1.13's single-tensor implementations exactly and run through <see cref="IKernels"/>.
/// Parameters without a gradient (or with RequiresGrad = false) are skipped.
/// </summary>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups = new();
    private protected readonly Dictionary<Tensor, Dictionary<string, Tensor>> State = new(ReferenceEqualityComparer.Instance);
    private protected readonly Dictionary<Tensor, long> Steps = new(ReferenceEqualityComparer.Instance);

    private protected Optimizer(IEnumerable<Tensor> parameters, double lr, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lr >= 0)) throw new ArgumentException($"Invalid learning rate: lr must be non-negative. Received: lr={lr}", nameof(lr));
        if (!(weightDecay >= 0)) throw new ArgumentException($"Invalid weight_decay: must be non-negative. Received: weight_decay={weightDecay}", nameof(weightDecay));
        var group = new ParamGroup(parameters, lr, weightDecay);
        // An optimizer of nothing trains nothing, silently: most often a module whose layers were never registered.
        if (group.Params.Count == 0)
            throw new ArgumentException("optimizer got an empty parameter list. Does the model's Parameters() see its layers? Layers held in fields of a Module are registered automatically; layers kept in a List or created inside Forward are not (use ModuleList-style RegisterModule calls).", nameof(parameters));
        AddParamGroup(group);
    }

    /// <summary>The parameter groups.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>Adds a group (its parameters must not already be in another group).</summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var g in _groups) foreach (var p in g.Params) seen.Add(p);
        foreach (var p in group.Params)
        {
            ArgumentNullException.ThrowIfNull(p, "parameters");
            if (!seen.Add(p)) throw new ArgumentException("Some parameters appear in more than one parameter group.", nameof(group));
        }
        group.InitialLearningRate = group.LearningRate;
        _groups.Add(group);
    }

    /// <summary>The first group's learning rate; setting it sets every group's.</summary>
    public double LearningRate
    {
        get => _groups[0].LearningRate;
        set
        {
            if (!(value >= 0)) throw new ArgumentException($"learning rate must be non-negative. Received: {value}", nameof(value));
            foreach (var g in _groups) g.LearningRate = value;
        }
    }

    /// <summary>L1 penalty coefficient added to every gradient as l1·sign(p) (default 0).</summary>
    public double L1 { get; set; }

    /// <summary>Drops (disposes) every parameter's gradient, or zeroes it in place when setToNone is false.</summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var g in _groups)
            foreach (var p in g.Params)
            {
                if (p.Grad is null) continue;
                if (setToNone) { p.Grad.Dispose(); p.Grad = null; }
                else p.Grad.Zero_();
            }
    }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        var k = KernelProvider.Current;
        // Checked before anything is written: a bad gradient leaves every parameter as it was.
        foreach (var g in _groups)
            foreach (var p in g.Params)
                if (p.Grad is { } grad && p.RequiresGrad && grad.Count != p.Count)
                    throw new InvalidOperationException($"A gradient has {grad.Count} elements but its parameter has {p.Count}.");
        var updates = new List<ParamUpdate>();
        var penalized = new List<Tensor>();
        try
        {
            foreach (var g in _groups)
            {
                updates.Clear();
                foreach (var p in g.Params)
                {
                    var grad = p.Grad;
                    if (grad is null || !p.RequiresGrad) continue;
                    if (L1 != 0)
                    {
                        var pen = Tensor.Empty(p.ShapeChecked(), register: false);
                        penalized.Add(pen);
                        var dst = pen.AsSpan();
                        var gs = grad.Data;
                        var pv = p.Data;
                        float l1 = (float)L1;
                        for (int i = 0; i < dst.Length; i++) dst[i] = gs[i] + l1 * MathF.Sign(pv[i]);
                        grad = pen;
                    }
                    Steps.TryGetValue(p, out long step);
                    step++;
                    Steps[p] = step;
                    if (!State.TryGetValue(p, out var st)) State[p] = st = new Dictionary<string, Tensor>();
                    updates.Add(new ParamUpdate(p, grad, st, step));
                }
                UpdateGroup(k, g, updates);
            }
        }
        finally
        {
            foreach (var t in penalized) t.Dispose();
        }
    }

    /// <summary>One parameter's update in <see cref="UpdateGroup"/>: the gradient to apply (L1 penalty included), its state and step number.</summary>
    private protected readonly record struct ParamUpdate(Tensor Param, Tensor Grad, Dictionary<string, Tensor> State, long Step);

    /// <summary>The updates of one group; by default one <see cref="Update"/> per parameter (an optimizer may run them in one kernel call).</summary>
    private protected virtual void UpdateGroup(IKernels k, ParamGroup group, IReadOnlyList<ParamUpdate> updates)
    {
        foreach (var u in updates) Update(k, group, u.Param, u.Grad.Data, u.State, u.Step);
    }

    private protected abstract void Update(IKernels k, ParamGroup group, Tensor param, ReadOnlySpan<float> grad, Dictionary<string, Tensor> state, long step);

    private protected static Tensor StateBuffer(Dictionary<string, Tensor> state, string name, Tensor like, float fill = 0f)
    {
        if (!state.TryGetValue(name, out var t))
        {
            t = Tensor.Empty(like.ShapeChecked(), register: false);
            t.Fill_(fill);
            state[name] = t;
        }
        return t;
    }

    /// <summary>
    /// The optimizer state as name → tensor copies: "state.{i}.{buffer}" per parameter index i (over all
    /// groups in order), "state.{i}.step" (0-d), and "param_groups.{g}.lr" / ".weight_decay" (0-d).
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var d = new OrderedDictionary<string, Tensor>();
        int i = 0;
        for (int gi = 0; gi < _groups.Count; gi++)
        {
            var g = _groups[gi];
            d.Add($"param_groups.{gi}.lr", Scalar((float)g.LearningRate));
            d.Add($"param_groups.{gi}.weight_decay", Scalar((float)g.WeightDecay));
            foreach (var p in g.Params)
            {
                if (Steps.TryGetValue(p, out long s)) d.Add($"state.{i}.step", Scalar(s));
                if (State.TryGetValue(p, out var st))
                    foreach (var (name, t) in st)
                    {
                        var c = Tensor.Empty(t.ShapeChecked(), register: false);
                        c.CopyFrom(t);
                        d.Add($"state.{i}.{name}", c);
                    }
                i++;
            }
        }
        return d;
    }

    private static Tensor Scalar(float v)
    {
        var t = Tensor.Empty(Array.Empty<int>(), register: false);
        t.AsSpan()[0] = v;
        return t;
    }

    /// <summary>Restores state written by <see cref="StateDict"/> for the same parameter list; throws naming a key that does not fit.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var ps = new List<Tensor>();
        foreach (var g in _groups) ps.AddRange(g.Params);
        foreach (var key in state.Keys)
        {
            var parts = key.Split('.');
            bool ok = parts.Length == 3 && int.TryParse(parts[1], out int idx) &&
                      ((parts[0] == "state" && idx >= 0 && idx < ps.Count) || (parts[0] == "param_groups" && idx >= 0 && idx < _groups.Count));
            if (!ok) throw new ArgumentException($"Optimizer state key '{key}' does not match this optimizer ({ps.Count} parameters in {_groups.Count} groups).", nameof(state));
        }
        foreach (var (key, t) in state)
        {
            var parts = key.Split('.');
            int idx = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            if (parts[0] == "param_groups")
            {
                if (parts[2] == "lr") _groups[idx].LearningRate = t.Item();
                else if (parts[2] == "weight_decay") _groups[idx].WeightDecay = t.Item();
                continue;
            }
            var p = ps[idx];
            if (parts[2] == "step") { Steps[p] = (long)t.Item(); continue; }
            if (t.Count != p.Count)
                throw new ArgumentException($"Optimizer state '{key}' has {t.Count} elements but parameter {idx} has {p.Count}.", nameof(state));
            if (!State.TryGetValue(p, out var st)) State[p] = st = new Dictionary<string, Tensor>();
            var buf = StateBuffer(st, parts[2], p);
            buf.CopyFrom(t);
        }
    }
}
