using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NativeNet.Nn;

/// <summary>A forward hook: the module, its input and its output (read them; do not dispose them).</summary>
public delegate void ForwardHook(Module module, Tensor input, Tensor output);

/// <summary>A forward hook that may replace the output: it returns the tensor the module passes on (its output, or another of the same shape).</summary>
public delegate Tensor ForwardOutputHook(Module module, Tensor input, Tensor output);

public abstract partial class Module
{
    private List<ForwardOutputHook>? _forwardHooks;

    /// <summary>
    /// Calls <paramref name="hook"/> after every <see cref="Call"/> of this module, with its input and
    /// output — feature maps without touching the model's code. Dispose the returned handle to
    /// remove the hook.
    /// </summary>
    public IDisposable RegisterForwardHook(ForwardHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        return RegisterForwardOutputHook((m, input, output) => { hook(m, input, output); return output; });
    }

    /// <summary>
    /// Like <see cref="RegisterForwardHook"/>, but what <paramref name="hook"/> returns is what the
    /// module passes on (as a PyTorch forward hook that returns a value): Grad-CAM hands the rest of
    /// the network a leaf copy of a layer's output, whose gradient it then reads.
    /// </summary>
    public IDisposable RegisterForwardOutputHook(ForwardOutputHook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        (_forwardHooks ??= new()).Add(hook);
        return new HookHandle(() => _forwardHooks.Remove(hook));
    }

    internal bool HasForwardHooks => _forwardHooks is { Count: > 0 };

    private Tensor RunForwardHooks(Tensor input, Tensor output)
    {
        if (_forwardHooks is not { Count: > 0 } hooks) return output;
        foreach (var h in hooks.ToArray())
        {
            var next = h(this, input, output) ?? throw new InvalidOperationException($"A forward hook of {GetType().Name} returned null; return the output (or its replacement).");
            if (!next.ShapeRef.AsSpan().SequenceEqual(output.ShapeRef))
                throw new InvalidOperationException($"A forward hook of {GetType().Name} replaced an output of shape [{string.Join(", ", output.Shape)}] by one of shape [{string.Join(", ", next.Shape)}].");
            output = next;
        }
        return output;
    }

    private sealed class HookHandle(Action remove) : IDisposable
    {
        private Action? _remove = remove;

        public void Dispose()
        {
            _remove?.Invoke();
            _remove = null;
        }
    }

    /// <summary>
    /// Parameters whose dotted name matches any pattern: '*' matches any run of characters (dots
    /// included), '?' one character; a pattern without wildcards matches that name or everything
    /// under it ("layer1" = "layer1.*"). No pattern matches every parameter.
    /// </summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParametersMatching(params string[] patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var regexes = patterns.Select(Glob).ToArray();
        foreach (var (name, p) in NamedParameters())
            if (regexes.Length == 0 || regexes.Any(r => r.IsMatch(name))) yield return (name, p);
    }

    private static Regex Glob(string pattern)
    {
        if (string.IsNullOrEmpty(pattern)) throw new ArgumentException("A parameter pattern must not be empty.", nameof(pattern));
        string body = Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal);
        if (!pattern.Contains('*') && !pattern.Contains('?')) body += @"(\..*)?";
        return new Regex("^" + body + "$", RegexOptions.CultureInvariant);
    }

    /// <summary>
    /// Stops training the parameters matching <paramref name="patterns"/> (see
    /// <see cref="NamedParametersMatching"/>; none = all), e.g. <c>model.Freeze("layer1.*", "layer2.*")</c>.
    /// A BatchNorm layer whose parameters are all frozen also keeps its running statistics (it
    /// normalizes as in evaluation mode), as fine-tuning a frozen backbone needs. Returns how many
    /// parameters matched; a pattern that matches nothing throws (a typo would silently train everything).
    /// </summary>
    public int Freeze(params string[] patterns) => SetTrainable(false, patterns);

    /// <summary>Trains the matching parameters again (none = all) and lets their BatchNorm layers update statistics; returns how many matched.</summary>
    public int Unfreeze(params string[] patterns) => SetTrainable(true, patterns);

    private int SetTrainable(bool trainable, string[] patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        foreach (var pattern in patterns)
            if (!NamedParametersMatching(pattern).Any())
                throw new ArgumentException($"No parameter matches '{pattern}'. Parameters look like: {string.Join(", ", NamedParameters().Take(4).Select(p => p.Name))}, …", nameof(patterns));
        int n = 0;
        foreach (var (_, p) in NamedParametersMatching(patterns))
        {
            p.RequiresGrad = trainable;
            n++;
        }
        foreach (var (_, m) in NamedModules())
            if (m is BatchNormBase bn && bn.Parameters(false).Any())
                bn.StatisticsFrozen = bn.Parameters(false).All(p => !p.RequiresGrad);
        return n;
    }

    /// <summary>
    /// A Keras-style table of the layers a forward pass of a zero batch of <paramref name="inputShape"/>
    /// reaches (run in evaluation mode without gradients; the modes are restored after): name and
    /// type, output shape, parameter count and whether they train, with totals.
    /// </summary>
    public string Summary(params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        var rows = new List<(string Name, string Type, string Shape, long Params, bool Trainable)>();
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var handles = new List<IDisposable>();
        foreach (var (name, m) in NamedModules())
        {
            bool leaf = !m.Children().Any(), ownParams = m.Parameters(false).Any();
            if (!leaf && !ownParams) continue;
            string label = name.Length == 0 ? "(model)" : name;
            handles.Add(m.RegisterForwardHook((mod, _, output) =>
            {
                if (!seen.Add(mod)) return;
                var ps = mod.Parameters(false).ToList();
                rows.Add((label, mod.GetType().Name, "[" + string.Join(", ", output.Shape.Select((d, i) => i == 0 ? "-1" : d.ToString(CultureInfo.InvariantCulture))) + "]",
                          ps.Sum(p => (long)p.Count), ps.Count > 0 && ps.All(p => p.RequiresGrad)));
            }));
        }
        var modes = NamedModules().Select(x => (x.Module, x.Module.Training)).ToList();
        try
        {
            Eval();
            using var x = Tensor.Zeros(inputShape);
            using (Autograd.NoGrad())
            using (var y = Call(x)) { }
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
            foreach (var (m, t) in modes) m.Training = t;
        }
        var all = Parameters().ToList();
        long total = all.Sum(p => (long)p.Count), trainable = all.Where(p => p.RequiresGrad).Sum(p => (long)p.Count);
        int w0 = Math.Max(12, rows.Count == 0 ? 0 : rows.Max(r => r.Name.Length + r.Type.Length + 3)), w1 = Math.Max(12, rows.Count == 0 ? 0 : rows.Max(r => r.Shape.Length));
        var sb = new StringBuilder();
        string rule = new('─', w0 + w1 + 30);
        sb.AppendLine($"{"Layer (type)".PadRight(w0)}  {"Output Shape".PadRight(w1)}  {"Param #",12}  Trainable");
        sb.AppendLine(rule);
        foreach (var r in rows)
            sb.AppendLine($"{(r.Name + " (" + r.Type + ")").PadRight(w0)}  {r.Shape.PadRight(w1)}  {r.Params.ToString("N0", CultureInfo.InvariantCulture),12}  {(r.Params == 0 ? "" : r.Trainable ? "yes" : "no")}");
        sb.AppendLine(rule);
        sb.AppendLine(CultureInfo.InvariantCulture, $"Total params: {total:N0}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Trainable params: {trainable:N0}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"Non-trainable params: {total - trainable:N0}");
        return sb.ToString();
    }
}
