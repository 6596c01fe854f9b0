namespace NativeNet.Training;

/// <summary>
/// This process's rows of a mini-batch that several processes share in data-parallel training:
/// rows [<see cref="Offset"/>, <see cref="Offset"/> + <see cref="Count"/>) of a global batch of
/// <see cref="GlobalCount"/>. While one is entered on a thread, layers that draw random numbers
/// per row (dropout) draw them for the whole global batch and keep these rows, so N processes
/// make exactly the draws one process makes for the whole batch, and every generator stays in step.
/// </summary>
public readonly record struct BatchShard(int Offset, int Count, int GlobalCount)
{
    [ThreadStatic] private static BatchShard? _current;

    /// <summary>The shard entered on this thread, if any.</summary>
    public static BatchShard? Current => _current;

    /// <summary>Makes <paramref name="shard"/> current on this thread until the scope is disposed.</summary>
    public static Scope Enter(BatchShard shard)
    {
        if (shard.Offset < 0 || shard.Count < 0 || shard.Offset + shard.Count > shard.GlobalCount)
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"A shard must lie inside its global batch. Received: {shard}");
        var previous = _current;
        _current = shard;
        return new Scope(previous);
    }

    /// <summary>Restores the previous shard when disposed.</summary>
    public readonly struct Scope(BatchShard? previous) : IDisposable
    {
        /// <summary>Leaves the shard.</summary>
        public void Dispose() => _current = previous;
    }

    /// <summary>
    /// Fills <paramref name="rows"/> (this shard's rows, row-major) with Bernoulli(<paramref name="p"/>)
    /// draws: those of the global batch's rows when a shard of that many rows is current, else plain draws.
    /// </summary>
    internal static void FillBernoulli(Generator generator, Span<float> rows, double p)
    {
        if (_current is not { } s || s.Count == 0 || s.Count == s.GlobalCount || rows.Length % s.Count != 0)
        {
            generator.FillBernoulli(rows, p);
            return;
        }
        int rowSize = rows.Length / s.Count;
        var all = new float[(long)s.GlobalCount * rowSize];
        generator.FillBernoulli(all, p);
        all.AsSpan(s.Offset * rowSize, rows.Length).CopyTo(rows);
    }
}
