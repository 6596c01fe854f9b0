using System.Diagnostics;

namespace NativeNet.Kernels;

/// <summary>
/// A convolution's weights and bias prepared once by <see cref="IKernels.PackConv2d"/> (in the layout
/// of the algorithm the backend picks for the geometry) and reused by
/// <see cref="IKernels.Conv2dForwardPacked"/> for any batch, so repeated inference skips the per-call
/// weight transforms. Holds its own copy: later writes to the weights are not seen. Dispose to free
/// it at once; the finalizer frees it otherwise.
/// </summary>
internal abstract class PackedConv2d : IDisposable
{
    private int _disposed;

    /// <summary>Creates the handle for <paramref name="geometry"/> (its batch is not part of the packing).</summary>
    protected PackedConv2d(in Conv2dGeometry geometry) => Geometry = geometry with { Batch = 0 };

    /// <summary>The geometry packed for, with Batch = 0: a call may use any batch.</summary>
    public Conv2dGeometry Geometry { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Frees the packed copy.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Free();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the backend's storage (called exactly once).</summary>
    protected abstract void Free();

    /// <summary>Frees the packed copy of an undisposed handle.</summary>
    ~PackedConv2d()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Free();
    }

    /// <summary>
    /// Throws <see cref="ObjectDisposedException"/> once disposed (a forward racing a module's
    /// Dispose must not reach freed native memory); asserts, in debug builds, that the handle is
    /// from <paramref name="owner"/>'s backend and packed for <paramref name="g"/> (any batch).
    /// </summary>
    internal void CheckUsable(Type owner, in Conv2dGeometry g)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Debug.Assert(GetType().DeclaringType == owner, $"packed was made by {GetType().DeclaringType?.Name}, used with {owner.Name}");
        Debug.Assert(Geometry == (g with { Batch = 0 }), $"packed was made for {Geometry}; the call has {g with { Batch = 0 }}");
    }
}
