namespace NativeNet;

/// <summary>
/// One pooled native block shared by a tensor and its views. Reference counted: the last
/// <see cref="Release"/> returns the block to <see cref="TensorMemoryPool"/>. If tensors are never
/// disposed, the finalizer frees the block once nothing references the storage. The pointer is
/// swapped out atomically, so the block is freed exactly once.
/// </summary>
internal sealed unsafe class TensorStorage
{
    private nint _ptr;
    private readonly int _bucket;
    private int _refs = 1;

    public TensorStorage(long elements)
    {
        Capacity = elements;
        _ptr = (nint)TensorMemoryPool.Rent(elements * sizeof(float), out _bucket);
    }

    public long Capacity { get; }

    /// <summary>Bumped on each writable access to the block (see <see cref="Tensor.Version"/>).</summary>
    public int Version;

    public float* Pointer => (float*)_ptr;

    public int RefCount => Volatile.Read(ref _refs);

    public void AddRef() => Interlocked.Increment(ref _refs);

    public void Release()
    {
        if (Interlocked.Decrement(ref _refs) != 0) return;
        nint p = Interlocked.Exchange(ref _ptr, 0);
        if (p != 0) TensorMemoryPool.Return((void*)p, _bucket);
        GC.SuppressFinalize(this);
    }

    ~TensorStorage()
    {
        nint p = Interlocked.Exchange(ref _ptr, 0);
        if (p != 0) TensorMemoryPool.FreeNow((void*)p, _bucket);
    }
}
