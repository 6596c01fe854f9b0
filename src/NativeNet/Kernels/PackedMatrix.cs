using System.Diagnostics;

namespace NativeNet.Kernels;

/// <summary>
/// A right-hand GEMM operand op(B) (k×n) packed once by <see cref="IKernels.PackB"/> and reused by
/// <see cref="IKernels.GemmPacked"/>, so repeated products with the same weights skip the per-call
/// packing. Holds its own copy: later writes to B are not seen. Dispose to free it at once; the
/// finalizer frees it otherwise.
/// </summary>
internal abstract class PackedMatrix : IDisposable
{
    private int _disposed;

    /// <summary>Creates the handle for a k×n operand stored in <paramref name="precision"/>.</summary>
    protected PackedMatrix(int k, int n, Precision precision = Precision.Float32)
    {
        K = k;
        N = n;
        Precision = precision;
        if (Bytes > 0) GC.AddMemoryPressure(Bytes);
    }

    /// <summary>The operand's precision: every product with it is taken in this precision.</summary>
    public Precision Precision { get; }

    /// <summary>Rows of op(B) (the GEMM's k).</summary>
    public int K { get; }

    /// <summary>Columns of op(B) (the GEMM's n).</summary>
    public int N { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    private long Bytes => (long)K * N * (Precision == Precision.BFloat16 ? sizeof(ushort) : sizeof(float));

    /// <summary>Frees the packed copy.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Free();
        if (Bytes > 0) GC.RemoveMemoryPressure(Bytes);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the backend's storage (called exactly once).</summary>
    protected abstract void Free();

    /// <summary>Frees the packed copy of an undisposed handle.</summary>
    ~PackedMatrix()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Free();
        if (Bytes > 0) GC.RemoveMemoryPressure(Bytes);
    }

    /// <summary>
    /// Throws <see cref="ObjectDisposedException"/> once disposed (a forward racing a module's
    /// Dispose must not reach freed native memory); asserts, in debug builds, that the handle is
    /// from <paramref name="owner"/>'s backend and k×n (its callers key their caches on both).
    /// </summary>
    internal void CheckUsable(Type owner, int k, int n)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Debug.Assert(GetType().DeclaringType == owner, $"packedB was made by {GetType().DeclaringType?.Name}, used with {owner.Name}");
        Debug.Assert(K == k && N == n, $"packedB is {K}x{N}, the call has k={k}, n={n}");
    }
}
