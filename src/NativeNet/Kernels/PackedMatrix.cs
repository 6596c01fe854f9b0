namespace NativeNet.Kernels;

/// <summary>
/// A right-hand GEMM operand op(B) (k×n) packed once by <see cref="IKernels.PackB"/> and reused by
/// <see cref="IKernels.GemmPacked"/>, so repeated products with the same weights skip the per-call
/// packing. Holds its own copy: later writes to B are not seen. Dispose to free it at once; the
/// finalizer frees it otherwise.
/// </summary>
public abstract class PackedMatrix : IDisposable
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

    /// <summary>Throws unless this handle is live, from <paramref name="owner"/>'s backend and k×n.</summary>
    internal void CheckUsable(Type owner, int k, int n)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (GetType().DeclaringType != owner)
            throw new ArgumentException($"packedB was made by another backend ({GetType().DeclaringType?.Name}); pack it with this backend's PackB.", "packedB");
        if (K != k || N != n)
            throw new ArgumentException($"packedB is {K}x{N} but the call needs k={k}, n={n}.", "packedB");
    }

    /// <summary>Throws unless b holds op(B) (k×n) with leading dimension ldb and precision is known.</summary>
    internal static void CheckOperand(bool transB, int k, int n, int bLen, int ldb, Precision precision = Precision.Float32)
    {
        if (precision is not (Precision.Float32 or Precision.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, $"precision is not a Precision. Received: {(int)precision}");
        if (k < 0 || n < 0) throw new ArgumentException($"k and n must be non-negative. Received: k={k}, n={n}");
        long cols = transB ? k : n, rows = transB ? n : k;
        if (ldb < Math.Max(1, cols)) throw new ArgumentException($"ldb must be at least {Math.Max(1, cols)}. Received: ldb={ldb}", nameof(ldb));
        if (k > 0 && n > 0 && bLen < (rows - 1) * ldb + cols)
            throw new ArgumentException($"b is too short for a {rows}x{cols} matrix with ldb={ldb}. Received: b.Length={bLen}", "b");
    }
}
