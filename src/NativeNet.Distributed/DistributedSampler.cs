using NativeNet.Data;
using NativeNet.Training;

namespace NativeNet.Distributed;

/// <summary>
/// Splits each epoch between the ranks: the epoch's order is the one a single
/// <see cref="DataLoader"/> with the same seed uses (reshuffled per epoch), cut into global
/// batches of <see cref="GlobalBatchSize"/> = ranks × per-rank batch, and each global batch into
/// contiguous, disjoint per-rank parts whose sizes differ by at most one. So N ranks with batch b
/// see exactly the samples one process with batch N·b sees, batch by batch.
/// </summary>
public sealed class DistributedSampler
{
    private readonly DataLoader _order;

    /// <summary>Creates the sampler for rank <paramref name="rank"/> of <paramref name="worldSize"/>.</summary>
    public DistributedSampler(Dataset data, int batchSize, int rank, int worldSize, bool shuffle = true, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (worldSize < 1) throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, $"worldSize must be positive. Received: worldSize={worldSize}");
        if (rank < 0 || rank >= worldSize) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {worldSize}). Received: rank={rank}");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be positive. Received: batchSize={batchSize}");
        Rank = rank; WorldSize = worldSize;
        _order = new DataLoader(data, checked(batchSize * worldSize), shuffle, seed, prefetch: 0);
    }

    /// <summary>This rank.</summary>
    public int Rank { get; }
    /// <summary>Number of ranks.</summary>
    public int WorldSize { get; }
    /// <summary>Samples per global batch (every rank's together).</summary>
    public int GlobalBatchSize => _order.BatchSize;

    /// <summary>
    /// For each global batch of epoch <paramref name="epoch"/> (0-based), in order: this rank's
    /// data-set indices and where they sit in the global batch (its weight in the gradient sum is
    /// Shard.Count / Shard.GlobalCount; a rank may get none in a short last batch).
    /// </summary>
    public IEnumerable<(int[] Indices, BatchShard Shard)> EpochBatches(int epoch)
    {
        var order = _order.EpochOrder(epoch);
        for (int start = 0; start < order.Length; start += GlobalBatchSize)
        {
            var shard = Shard(Math.Min(GlobalBatchSize, order.Length - start), Rank, WorldSize);
            yield return (order.AsSpan(start + shard.Offset, shard.Count).ToArray(), shard);
        }
    }

    /// <summary>Rank <paramref name="rank"/>'s rows of a global batch of <paramref name="globalCount"/>: the first globalCount mod worldSize ranks take one more.</summary>
    public static BatchShard Shard(int globalCount, int rank, int worldSize)
    {
        int quotient = globalCount / worldSize, remainder = globalCount % worldSize;
        return new BatchShard(rank * quotient + Math.Min(rank, remainder), quotient + (rank < remainder ? 1 : 0), globalCount);
    }
}
