using System.Collections;

namespace NativeNet.Data;

/// <summary>Changes one sample in place (e.g. an augmentation), drawing randomness only from <paramref name="random"/>.</summary>
/// <param name="sample">The sample's features, a copy owned by the batch.</param>
/// <param name="random">A generator seeded per (loader seed, epoch, batch), so results do not depend on thread timing.</param>
public delegate void SampleTransform(Span<float> sample, Random random);

/// <summary>
/// Serves a <see cref="Dataset"/> (or any <see cref="ISampleSource"/>, such as a folder of images
/// decoded on demand) as mini-batches, shuffled per epoch from a seed (epoch e of a loader with
/// seed s always has the same order), optionally transformed per sample, and prepared ahead by
/// <c>workers</c> background tasks that keep at most <c>prefetch</c> finished batches waiting.
/// Batches come out in order, and every random choice is seeded per (seed, epoch, sample or
/// batch), so the batches are the same for any number of workers. Leaving a <c>foreach</c> early
/// or cancelling stops and joins the workers before the enumerator's Dispose returns.
/// </summary>
/// <example>
/// <code>
/// var loader = new DataLoader(train, batchSize: 32, shuffle: true, seed: 42);
/// for (int epoch = 0; epoch &lt; 10; epoch++)
///     foreach (var batch in loader.GetEpoch(epoch, token)) { /* batch.Features, batch.Targets */ }
/// </code>
/// </example>
public sealed class DataLoader : IEnumerable<Batch>
{
    private static int s_activeProducers;
    private int _nextEpoch;

    /// <summary>Creates a loader.</summary>
    /// <param name="data">The samples: an in-memory <see cref="Dataset"/> or a source that loads them on demand.</param>
    /// <param name="batchSize">Samples per batch (the last one may be smaller unless <paramref name="dropLast"/>).</param>
    /// <param name="shuffle">Shuffle the order each epoch.</param>
    /// <param name="seed">Seed of the shuffles and of the transform's randomness.</param>
    /// <param name="dropLast">Skip a final partial batch.</param>
    /// <param name="prefetch">Finished batches kept ahead of the consumer; 0 prepares them on the caller's thread.</param>
    /// <param name="transform">Optional per-sample transform (augmentation).</param>
    /// <param name="workers">Batches prepared at the same time (ignored when <paramref name="prefetch"/> is 0).</param>
    public DataLoader(ISampleSource data, int batchSize, bool shuffle = true, int seed = 0, bool dropLast = false, int prefetch = 2, SampleTransform? transform = null, int workers = 1)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be positive. Received: batchSize={batchSize}");
        if (prefetch < 0) throw new ArgumentOutOfRangeException(nameof(prefetch), prefetch, $"prefetch must be >= 0. Received: prefetch={prefetch}");
        if (workers < 1 || workers > 256) throw new ArgumentOutOfRangeException(nameof(workers), workers, $"workers must be in [1, 256]. Received: workers={workers}");
        long size = 1;
        foreach (var d in data.SampleShape) size *= d;
        if (data.SampleShape.Count == 0 || size <= 0 || size > int.MaxValue) throw new ArgumentException($"The samples' shape must be non-empty with positive dimensions. Received: [{string.Join(", ", data.SampleShape)}]", nameof(data));
        Data = data; BatchSize = batchSize; Shuffle = shuffle; Seed = seed; DropLast = dropLast; Prefetch = prefetch; Transform = transform; Workers = workers;
        _sampleSize = (int)size;
    }

    private readonly int _sampleSize;

    /// <summary>The samples served.</summary>
    public ISampleSource Data { get; }
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }
    /// <summary>The seed.</summary>
    public int Seed { get; }
    /// <summary>Whether a final partial batch is skipped.</summary>
    public bool DropLast { get; }
    /// <summary>Finished batches kept ahead.</summary>
    public int Prefetch { get; }
    /// <summary>Batches prepared at the same time.</summary>
    public int Workers { get; }
    /// <summary>The per-sample transform, if any.</summary>
    public SampleTransform? Transform { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchCount => DropLast ? Data.Count / BatchSize : (Data.Count + BatchSize - 1) / BatchSize;

    /// <summary>Producers running now in this process (diagnostics; tests check it returns to its old value).</summary>
    internal static int ActiveProducers => Volatile.Read(ref s_activeProducers);

    /// <summary>The sample order of epoch <paramref name="epoch"/> (identity when not shuffling).</summary>
    public int[] EpochOrder(int epoch)
    {
        var order = new int[Data.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        if (Shuffle) Splits.Shuffle(order, new Random(Mix(Seed, epoch, -1)));
        return order;
    }

    /// <summary>The batches of epoch <paramref name="epoch"/>.</summary>
    public IEnumerable<Batch> GetEpoch(int epoch, CancellationToken cancellationToken = default)
    {
        var order = EpochOrder(epoch);
        int batches = BatchCount;
        if (Prefetch == 0)
        {
            for (int b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return Make(order, epoch, b);
            }
            yield break;
        }

        // Up to Workers batches are being made while up to Prefetch finished ones wait; the
        // consumer takes them in batch order, so the result does not depend on which finishes first.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(Workers);
        var pending = new Queue<Task<Batch>>();
        int next = 0, window = Workers + Prefetch;
        Interlocked.Increment(ref s_activeProducers);
        try
        {
            while (true)
            {
                while (next < batches && pending.Count < window)
                {
                    int b = next++;
                    pending.Enqueue(Task.Run(async () =>
                    {
                        await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                        try { return Make(order, epoch, b, stop.Token); }
                        finally { slots.Release(); }
                    }, stop.Token));
                }
                if (pending.Count == 0) break;
                cancellationToken.ThrowIfCancellationRequested();   // a finished batch is not served after cancellation
                var task = pending.Dequeue();
                Batch batch;
                try { batch = task.WaitAsync(cancellationToken).GetAwaiter().GetResult(); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new InvalidOperationException($"Preparing a batch failed: {e.Message}", e);
                }
                yield return batch;
            }
        }
        finally
        {
            stop.Cancel();
            foreach (var t in pending)
                try { t.Wait(CancellationToken.None); } catch (AggregateException) { }
            Interlocked.Decrement(ref s_activeProducers);
        }
    }

    /// <summary>Enumerates the next epoch (0, 1, 2, … on successive enumerations).</summary>
    public IEnumerator<Batch> GetEnumerator() => GetEpoch(Interlocked.Increment(ref _nextEpoch) - 1).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private Batch Make(int[] order, int epoch, int b, CancellationToken token = default)
    {
        int start = b * BatchSize;
        int count = Math.Min(BatchSize, order.Length - start);
        var idx = order.AsSpan(start, count).ToArray();
        int size = _sampleSize, tw = Data.TargetWidth;
        var f = new float[(long)count * size];
        var t = new float[(long)count * tw];
        for (int k = 0; k < count; k++)
        {
            token.ThrowIfCancellationRequested();
            // Seeded by the sample's index, not its position: the same augmentation for any batch size or worker count.
            Data.Read(idx[k], f.AsSpan(k * size, size), t.AsSpan(k * tw, tw), new Random(Mix(Seed, epoch, -2 - idx[k])));
        }
        if (Transform is not null)
        {
            var rng = new Random(Mix(Seed, epoch, b));
            for (int k = 0; k < count; k++) Transform(f.AsSpan(k * size, size), rng);
        }
        return new Batch(b, idx, f, [count, .. Data.SampleShape], t, tw);
    }
    // SplitMix64-style mixing: a stable seed per (seed, epoch, batch); HashCode is randomized per process.
    internal static int Mix(int seed, int epoch, int batch)
    {
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(uint)epoch * 0xBF58476D1CE4E5B9UL ^ (ulong)(uint)batch * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
