namespace NativeNet;

/// <summary>
/// Disposes, when it is disposed, every tensor created on this thread while it was the innermost
/// scope, except those moved out with <see cref="MoveToOuter(Tensor)"/> / <see cref="Tensor.MoveToOuterDisposeScope"/>
/// or detached with <see cref="Tensor.DetachFromDisposeScope"/>. Scopes nest. Parameters,
/// gradients and optimizer state are never registered in a scope.
/// <code>
/// using (var scope = Tensor.NewDisposeScope())
/// {
///     var loss = lossFn.Forward(model.Forward(x), y);
///     loss.Backward();
///     optimizer.Step();
/// }   // every temporary of the step is returned to the pool here
/// </code>
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? _current;
    [ThreadStatic] private static int _suspended;
    private static int _lastId;

    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private readonly DisposeScope? _outer;
    private readonly int _threadId;
    private bool _disposed;

    internal DisposeScope()
    {
        _outer = _current;
        _current = this;
        _threadId = Environment.CurrentManagedThreadId;
        Id = Interlocked.Increment(ref _lastId);
        if (RecordCreationSites) CreatedAt = CallerOutsideLibrary(new System.Diagnostics.StackTrace(1, fNeedFileInfo: true));
    }

    /// <summary>A process-wide sequence number, named in the ObjectDisposedException of a tensor this scope disposed.</summary>
    public int Id { get; }

    /// <summary>
    /// Whether new scopes record the code that opened them (a stack walk per scope, for debugging):
    /// a tensor used after its scope ended then names that place. On when a debugger is attached
    /// or the environment variable NATIVENET_DEBUG_SCOPES=1; settable.
    /// </summary>
    public static bool RecordCreationSites { get; set; } =
        System.Diagnostics.Debugger.IsAttached || Environment.GetEnvironmentVariable("NATIVENET_DEBUG_SCOPES") == "1";

    /// <summary>Where this scope was opened ("Method in File:line"), when <see cref="RecordCreationSites"/> was on.</summary>
    public string? CreatedAt { get; }

    internal string Describe() => CreatedAt is null ? $"DisposeScope #{Id}" : $"DisposeScope #{Id} (opened in {CreatedAt})";

    // The first frame outside NativeNet: Tensor.NewDisposeScope and Fit's own scopes are not what the user looks for.
    private static string? CallerOutsideLibrary(System.Diagnostics.StackTrace trace)
    {
        System.Diagnostics.StackFrame? first = null;
        foreach (var frame in trace.GetFrames())
        {
            var method = frame.GetMethod();
            if (method is null) continue;
            first ??= frame;
            if (method.DeclaringType?.Assembly != typeof(DisposeScope).Assembly) { first = frame; break; }
        }
        if (first?.GetMethod() is not { } m) return null;
        string where = $"{m.DeclaringType?.Name}.{m.Name}";
        return first.GetFileName() is { } file ? $"{where} at {Path.GetFileName(file)}:{first.GetFileLineNumber()}" : where;
    }

    /// <summary>The innermost open scope on this thread, or null.</summary>
    public static DisposeScope? Current => _current;

    /// <summary>How many tensors this scope will dispose.</summary>
    public int Count => _tensors.Count;

    /// <summary>The scope that was current when this one was opened (null at the outermost level).</summary>
    public DisposeScope? Outer => _outer;

    internal static bool RegistrationSuspended => _suspended != 0;

    internal static void Suspend() => _suspended++;

    internal static void Resume() => _suspended--;

    internal static void Register(Tensor t)
    {
        var scope = _current;
        if (scope is null || _suspended != 0) return;
        scope._tensors.Add(t);
        t.Scope = scope;
    }

    internal void Remove(Tensor t) => _tensors.Remove(t);

    /// <summary>Moves <paramref name="tensor"/> to the enclosing scope (or out of all scopes) and returns it.</summary>
    public Tensor MoveToOuter(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!ReferenceEquals(tensor.Scope, this)) return tensor;
        _tensors.Remove(tensor);
        tensor.Scope = null;
        if (_outer is not null && !_outer._disposed)
        {
            _outer._tensors.Add(tensor);
            tensor.Scope = _outer;
        }
        return tensor;
    }

    /// <summary>Moves several tensors to the enclosing scope.</summary>
    public void MoveToOuter(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var t in tensors) MoveToOuter(t);
    }

    /// <summary>Removes <paramref name="tensor"/> from this scope without moving it anywhere: the caller owns it.</summary>
    public Tensor Detach(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (ReferenceEquals(tensor.Scope, this))
        {
            _tensors.Remove(tensor);
            tensor.Scope = null;
        }
        return tensor;
    }

    /// <summary>Disposes every tensor still registered and makes the enclosing scope current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("A DisposeScope must be disposed on the thread that created it.");
        _disposed = true;
        // Restore the outer scope first so nothing created while disposing lands here.
        if (ReferenceEquals(_current, this)) _current = _outer;
        var list = new Tensor[_tensors.Count];
        _tensors.CopyTo(list);
        _tensors.Clear();
        foreach (var t in list)
        {
            t.Scope = null;
            if (!t.IsDisposed) t.DisposedByScope = this;
            t.Dispose();
        }
    }
}
