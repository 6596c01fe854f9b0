using NativeNet.Data;
using NativeNet.Distributed;
using NativeNet.Nn;
using NativeNet.Training;

namespace NativeNet.Tests.Distributed;

/// <summary>The single-process half of data parallelism: how batches are split and how dropout draws for a split batch.</summary>
public class DistributedSamplerTests
{
    private static Dataset Rows(int n) => new(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), [1], new float[n]);

    [Theory]
    [InlineData(100, 8, 2)]
    [InlineData(101, 5, 3)]
    [InlineData(7, 4, 4)]   // one short global batch: some ranks get nothing
    [InlineData(1, 1, 3)]
    public void RanksSplitEveryGlobalBatchOfTheSingleProcessLoaderDisjointly(int n, int batch, int world)
    {
        var data = Rows(n);
        var single = new DataLoader(data, batch * world, shuffle: true, seed: 5, prefetch: 0);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var globals = single.GetEpoch(epoch).Select(b => b.Indices).ToList();
            var perRank = Enumerable.Range(0, world).Select(r => new DistributedSampler(data, batch, r, world, seed: 5).EpochBatches(epoch).ToList()).ToList();
            for (int b = 0; b < globals.Count; b++)
            {
                var parts = perRank.Select(p => p[b]).ToList();
                // In rank order the parts are the global batch, and their shards say where they sit.
                Assert.Equal(globals[b], parts.SelectMany(p => p.Indices));
                Assert.All(parts, p => Assert.Equal(globals[b].Length, p.Shard.GlobalCount));
                Assert.True(parts.Max(p => p.Indices.Length) - parts.Min(p => p.Indices.Length) <= 1);
                for (int r = 0; r < world; r++)
                    Assert.Equal(globals[b].AsSpan(parts[r].Shard.Offset, parts[r].Shard.Count).ToArray(), parts[r].Indices);
            }
            Assert.All(perRank, p => Assert.Equal(globals.Count, p.Count));
        }
        if (n > 2)
            Assert.NotEqual(new DistributedSampler(data, batch, 0, world, seed: 5).EpochBatches(0).SelectMany(p => p.Indices),
                            new DistributedSampler(data, batch, 0, world, seed: 5).EpochBatches(1).SelectMany(p => p.Indices));
    }

    [Fact]
    public void DropoutOnAShardDrawsTheGlobalBatchsMaskRows()
    {
        const int global = 7, features = 5;
        using var x = Tensor.FromArray(Enumerable.Repeat(1f, global * features).ToArray(), global, features);
        var dropout = new Dropout(0.5);
        Generator.ManualSeed(99);
        var reference = dropout.Forward(x).ToArray();
        double nextAfterWhole = Generator.Default.NextDouble();
        for (int rank = 0; rank < 3; rank++)
        {
            var shard = DistributedSampler.Shard(global, rank, 3);
            Generator.ManualSeed(99);
            using var rows = Tensor.FromArray(Enumerable.Repeat(1f, shard.Count * features).ToArray(), shard.Count, features);
            float[] mine;
            using (BatchShard.Enter(shard)) mine = dropout.Forward(rows).ToArray();
            Assert.Equal(reference.AsSpan(shard.Offset * features, shard.Count * features).ToArray(), mine);
            // The generator advanced as far as for the whole batch, so every rank stays in step.
            Assert.Equal(nextAfterWhole, Generator.Default.NextDouble());
        }
    }
}
