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

    private readonly HashSet<Tensor> _tensors = new(ReferenceEqualityComparer.Instance);
    private readonly DisposeScope? _outer;
    private readonly int _threadId;
    private bool _disposed;

    internal DisposeScope()
    {
        _outer = _current;
        _current = this;
        _threadId = Environment.CurrentManagedThreadId;
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
            t.Dispose();
        }
    }
}
