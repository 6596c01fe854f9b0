using System.Runtime.InteropServices;

namespace NativeNet;

/// <summary>
/// A size-bucketed cache of 64-byte-aligned native blocks, so a training loop that allocates the
/// same shapes every step reuses memory instead of calling the allocator. Blocks are rounded up to
/// a power of two bytes (minimum 64); a released block is kept for reuse while the cache holds less
/// than <see cref="MaxCachedBytes"/>, otherwise it is freed at once. Thread-safe.
/// </summary>
/// <remarks>
/// By default the cap is <see cref="PeakBlockBytes"/> (at least 1 GiB): for each block size, the
/// most blocks of that size live at once so far. A cache that only keeps released blocks never
/// holds more of a size than that, so it serves every later step of a loop that repeats its
/// shapes, and holds no more than the process has already shown it needs. A fixed cap of 1 GiB was
/// below one training step of MobileNetV2 (batch 8, 3x224x224: 1,160 MiB of blocks), whose released
/// blocks were freed and allocated again every step: 136 pool misses and 900-4,600 page faults a
/// step (steps 10-14); with the default cap no misses from the third step on and about 100 faults
/// a step (Intel Emerald Rapids, 1 thread, 2026-12-05).
/// Setting <see cref="MaxCachedBytes"/> fixes a cap instead.
/// </remarks>
public static unsafe class TensorMemoryPool
{
    private const int MinShift = 6;  // 64 bytes
    private const int Buckets = 48;
    private static readonly Stack<nint>[] Free = CreateBuckets();
    private static long _cachedBytes;
    private static long _liveBytes;
    private static long _liveBlocks;
    private static readonly long[] LiveByBucket = new long[Buckets];
    private static readonly long[] PeakByBucket = new long[Buckets];
    private static long _peakBlockBytes;
    private static long _fixedMaxCachedBytes = -1;  // -1: the default cap, PeakBlockBytes
    private static long _hits;
    private static long _misses;

    /// <summary>The least the default cap allows (1 GiB; tests lower it).</summary>
    internal static long MinDefaultCap { get; set; } = 1L << 30;

    /// <summary>
    /// The most bytes kept cached for reuse: by default the larger of <see cref="PeakBlockBytes"/>
    /// and 1 GiB, so a training loop's steady state allocates nothing; once set, that fixed value
    /// (<see cref="UseDefaultCacheCap"/> returns to the default). Lowering it does not free blocks
    /// already cached; call <see cref="Trim"/>. A negative value throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static long MaxCachedBytes
    {
        get
        {
            long fixedCap = Interlocked.Read(ref _fixedMaxCachedBytes);
            return fixedCap >= 0 ? fixedCap : Math.Max(MinDefaultCap, PeakBlockBytes);
        }
        set
        {
            if (value < 0)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"MaxCachedBytes must be non-negative. Received: MaxCachedBytes={value}");
            Interlocked.Exchange(ref _fixedMaxCachedBytes, value);
        }
    }

    /// <summary>Returns <see cref="MaxCachedBytes"/> to its default: the larger of <see cref="PeakBlockBytes"/> and 1 GiB.</summary>
    public static void UseDefaultCacheCap() => Interlocked.Exchange(ref _fixedMaxCachedBytes, -1);

    /// <summary>Sum over block sizes of the most blocks of that size live at one time so far, times the size.</summary>
    public static long PeakBlockBytes => Interlocked.Read(ref _peakBlockBytes);

    /// <summary>Bytes currently cached (released but kept for reuse).</summary>
    public static long CachedBytes => Interlocked.Read(ref _cachedBytes);

    /// <summary>Bytes currently handed out to live tensors (rounded to bucket sizes).</summary>
    public static long LiveBytes => Interlocked.Read(ref _liveBytes);

    /// <summary>Blocks currently handed out (one per live tensor storage; a tensor and its views share one).</summary>
    public static long LiveBlocks => Interlocked.Read(ref _liveBlocks);

    /// <summary>How many rents were served from the cache.</summary>
    public static long Hits => Interlocked.Read(ref _hits);

    /// <summary>How many rents had to allocate.</summary>
    public static long Misses => Interlocked.Read(ref _misses);

    private static Stack<nint>[] CreateBuckets()
    {
        var b = new Stack<nint>[Buckets];
        for (int i = 0; i < Buckets; i++) b[i] = new Stack<nint>();
        return b;
    }

    internal static int BucketOf(long bytes)
    {
        if (bytes <= 1L << MinShift) return 0;
        int shift = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(bytes - 1));
        return shift - MinShift;
    }

    internal static long BucketBytes(int bucket) => 1L << (bucket + MinShift);

    /// <summary>Rents a block of at least <paramref name="bytes"/> bytes (contents undefined). Returns the pointer and its bucket.</summary>
    internal static void* Rent(long bytes, out int bucket)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, $"bytes must be non-negative. Received: bytes={bytes}");
        bucket = BucketOf(bytes);
        if (bucket >= Buckets) throw new OutOfMemoryException($"A tensor of {bytes} bytes is larger than NativeNet supports.");
        long size = BucketBytes(bucket);
        if (_budgeted)
        {
            _budgetLeft -= size + BudgetChargePerTensor;
            if (_budgetLeft < 0) throw new AllocationBudgetExceededException(_budgetLimit);
        }
        var stack = Free[bucket];
        lock (stack)
        {
            if (stack.Count > 0)
            {
                nint p = stack.Pop();
                Interlocked.Add(ref _cachedBytes, -size);
                AddLive(bucket);
                Interlocked.Increment(ref _hits);
                return (void*)p;
            }
        }
        Interlocked.Increment(ref _misses);
        void* mem;
        try
        {
            mem = NativeMemory.AlignedAlloc((nuint)size, 64);
        }
        catch (OutOfMemoryException)
        {
            Trim();
            mem = NativeMemory.AlignedAlloc((nuint)size, 64);
        }
        AddLive(bucket);
        return mem;
    }

    private static void AddLive(int bucket)
    {
        long size = BucketBytes(bucket);
        Interlocked.Add(ref _liveBytes, size);
        Interlocked.Increment(ref _liveBlocks);
        long live = Interlocked.Increment(ref LiveByBucket[bucket]);
        long peak = Interlocked.Read(ref PeakByBucket[bucket]);
        while (live > peak)
        {
            long seen = Interlocked.CompareExchange(ref PeakByBucket[bucket], live, peak);
            if (seen == peak)
            {
                Interlocked.Add(ref _peakBlockBytes, (live - peak) * size);
                break;
            }
            peak = seen;
        }
    }

    private static void RemoveLive(int bucket)
    {
        Interlocked.Add(ref _liveBytes, -BucketBytes(bucket));
        Interlocked.Decrement(ref _liveBlocks);
        Interlocked.Decrement(ref LiveByBucket[bucket]);
    }

    // A per-thread cap on tensor memory while untrusted input is turned into tensors (a model
    // file's architecture), so a tampered "hidden_size": 2147483647 fails fast instead of
    // allocating and initializing gigabytes.
    // Each rent also costs this much of the budget: the managed objects around a tensor (a module,
    // its dictionaries) are the real cost when a tampered file declares millions of tiny layers.
    internal const long BudgetChargePerTensor = 4096;
    [ThreadStatic] private static bool _budgeted;
    [ThreadStatic] private static long _budgetLeft;
    [ThreadStatic] private static long _budgetLimit;

    /// <summary>Until disposed, rents on this thread beyond <paramref name="bytes"/> in total throw <see cref="AllocationBudgetExceededException"/>.</summary>
    internal static AllocationBudget LimitAllocations(long bytes)
    {
        var saved = new AllocationBudget(_budgeted, _budgetLeft, _budgetLimit);
        _budgeted = true;
        _budgetLeft = bytes;
        _budgetLimit = bytes;
        return saved;
    }

    /// <summary>Restores the enclosing budget (or none) when disposed.</summary>
    internal readonly struct AllocationBudget(bool budgeted, long left, long limit) : IDisposable
    {
        public void Dispose()
        {
            _budgeted = budgeted;
            _budgetLeft = left;
            _budgetLimit = limit;
        }
    }

    /// <summary>Gives a block back: cached when there is room, freed otherwise.</summary>
    internal static void Return(void* p, int bucket)
    {
        long size = BucketBytes(bucket);
        RemoveLive(bucket);
        if (Interlocked.Read(ref _cachedBytes) + size <= MaxCachedBytes)
        {
            var stack = Free[bucket];
            lock (stack) stack.Push((nint)p);
            Interlocked.Add(ref _cachedBytes, size);
            return;
        }
        NativeMemory.AlignedFree(p);
    }

    /// <summary>Frees a block without caching it (finalizer path).</summary>
    internal static void FreeNow(void* p, int bucket)
    {
        RemoveLive(bucket);
        NativeMemory.AlignedFree(p);
    }

    /// <summary>Frees every cached block.</summary>
    public static void Trim()
    {
        for (int i = 0; i < Buckets; i++)
        {
            var stack = Free[i];
            lock (stack)
            {
                while (stack.Count > 0)
                {
                    NativeMemory.AlignedFree((void*)stack.Pop());
                    Interlocked.Add(ref _cachedBytes, -BucketBytes(i));
                }
            }
        }
    }
}

/// <summary>Thrown when tensors built under an allocation budget would exceed it.</summary>
internal sealed class AllocationBudgetExceededException(long limit)
    : InvalidOperationException($"more than {limit} bytes of tensors would be allocated")
{
    public long Limit { get; } = limit;
}
