namespace NativeNet.Runtime;

/// <summary>
/// Process-wide figures on the native memory that backs tensors, for leak checks and dashboards:
/// <c>var s = Memory.Snapshot(); … Assert(Memory.LiveBytes == s.LiveBytes)</c>. Every tensor's
/// elements live in <see cref="TensorMemoryPool"/> blocks (64-byte aligned, power-of-two sizes);
/// the native library itself keeps only bounded per-thread scratch, which is not counted here.
/// </summary>
public static class Memory
{
    /// <summary>Native bytes held by live tensors (bucket-rounded sizes).</summary>
    public static long LiveBytes => TensorMemoryPool.LiveBytes;

    /// <summary>Live tensor buffers: one per tensor, a tensor and its views (Reshape, Narrow, …) sharing one.</summary>
    public static long LiveTensors => TensorMemoryPool.LiveBlocks;

    /// <summary>For each block size, the most blocks of it live at one time so far, times the size, summed: the default cap of the cache (at least 1 GiB).</summary>
    public static long PeakBlockBytes => TensorMemoryPool.PeakBlockBytes;

    /// <summary>Native bytes released by tensors and kept cached for reuse.</summary>
    public static long CachedBytes => TensorMemoryPool.CachedBytes;

    /// <summary>Allocations served from the cache so far.</summary>
    public static long PoolHits => TensorMemoryPool.Hits;

    /// <summary>Allocations that had to call the system allocator so far.</summary>
    public static long PoolMisses => TensorMemoryPool.Misses;

    /// <summary>All counters at one moment (each is read atomically; together they are a near-instant view).</summary>
    public static MemorySnapshot Snapshot() => new(LiveBytes, LiveTensors, CachedBytes, PoolHits, PoolMisses);

    /// <summary>Frees every cached block (live tensors are untouched).</summary>
    public static void TrimCache() => TensorMemoryPool.Trim();
}

/// <summary>The counters of <see cref="Memory"/> at one moment.</summary>
/// <param name="LiveBytes">Native bytes held by live tensors.</param>
/// <param name="LiveTensors">Live tensor buffers.</param>
/// <param name="CachedBytes">Bytes cached for reuse.</param>
/// <param name="PoolHits">Allocations served from the cache.</param>
/// <param name="PoolMisses">Allocations from the system allocator.</param>
public readonly record struct MemorySnapshot(long LiveBytes, long LiveTensors, long CachedBytes, long PoolHits, long PoolMisses);
