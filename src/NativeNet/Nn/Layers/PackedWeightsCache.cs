namespace NativeNet.Nn;

/// <summary>
/// A layer's weights packed once for inference (the GEMM's or the convolution's layout) and kept
/// while they stay unchanged. <typeparamref name="TKey"/> says what "unchanged" means for the
/// layer: the same tensors (reference equality), the same storage Versions, the same backend and
/// layout parameters. Inference runs the same weights again and again; packing them on every call
/// costs a pass over the weights. The weights are packed on the second call that finds the same
/// key, so training, whose every step writes the weights (a new Version), never packs.
/// </summary>
/// <remarks>
/// A stale pack is left to its finalizer rather than disposed, so a forward on another thread
/// that still holds it stays memory-safe; <see cref="Clear"/> (the layer's Dispose) frees it.
/// </remarks>
internal sealed class PackedWeightsCache<TKey, TPacked>
    where TKey : struct, IEquatable<TKey>
    where TPacked : class, IDisposable
{
    private readonly object _lock = new();
    private TKey? _seen;
    private TPacked? _packed;

    /// <summary>
    /// The pack for <paramref name="key"/>: null on the first call with a key (only recorded),
    /// then made by <paramref name="pack"/> (which may return null: the backend has no packed path)
    /// and reused while the key stays the same.
    /// </summary>
    public TPacked? Get(TKey key, Func<TPacked?> pack)
    {
        lock (_lock)
        {
            if (_seen is { } seen && seen.Equals(key)) return _packed ??= pack();
            _seen = key;
            _packed = null;
            return null;
        }
    }

    /// <summary>True while a pack is cached (for tests).</summary>
    public bool HasPacked
    {
        get { lock (_lock) return _packed is not null; }
    }

    /// <summary>Frees the pack and forgets the key.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _packed?.Dispose();
            _packed = null;
            _seen = null;
        }
    }
}
