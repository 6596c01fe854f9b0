using NativeNet.Data;

namespace NativeNet.Tests.Data;

[Collection(NativeNet.Tests.Support.NoParallel.Name)]
public class DataLoaderTests
{
    private static Dataset Numbers(int n) => new(Enumerable.Range(0, n).Select(i => (float)i).ToArray(), [1], Enumerable.Range(0, n).Select(i => (float)(i % 3)).ToArray());

    [Fact]
    public void EachEpochServesEverySampleOnceInASeededOrder()
    {
        var loader = new DataLoader(Numbers(103), 10, shuffle: true, seed: 5);
        Assert.Equal(11, loader.BatchCount);
        var e0 = loader.GetEpoch(0).ToList();
        Assert.Equal(11, e0.Count);
        Assert.Equal(3, e0[^1].Count);
        Assert.Equal([3, 1], e0[^1].Shape);
        var seen = e0.SelectMany(b => b.Features).Select(f => (int)f).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 103), seen);
        Assert.All(e0, b => Assert.Equal(b.Indices.Select(i => (float)(i % 3)), b.Targets));
        var again = new DataLoader(Numbers(103), 10, shuffle: true, seed: 5, prefetch: 0).GetEpoch(0).SelectMany(b => b.Indices);
        Assert.Equal(e0.SelectMany(b => b.Indices), again);
        Assert.NotEqual(e0.SelectMany(b => b.Indices), loader.GetEpoch(1).SelectMany(b => b.Indices));
        Assert.Equal(10, new DataLoader(Numbers(103), 10, dropLast: true).GetEpoch(0).Count());
        Assert.Equal(Enumerable.Range(0, 103), new DataLoader(Numbers(103), 10, shuffle: false).GetEpoch(0).SelectMany(b => b.Indices));
    }

    [Fact]
    public void TransformsAreDeterministicWhateverThePrefetch()
    {
        SampleTransform jitter = (s, r) => s[0] += (float)r.NextDouble();
        var a = new DataLoader(Numbers(64), 8, seed: 2, prefetch: 4, transform: jitter).GetEpoch(3).SelectMany(b => b.Features).ToArray();
        var b = new DataLoader(Numbers(64), 8, seed: 2, prefetch: 0, transform: jitter).GetEpoch(3).SelectMany(b => b.Features).ToArray();
        Assert.Equal(a, b);
    }

    [Fact]
    public void BreakingOrCancellingStopsTheProducer()
    {
        var data = Numbers(10_000);
        var loader = new DataLoader(data, 1, prefetch: 2);
        foreach (var batch in loader.GetEpoch(0)) if (batch.Index == 3) break;
        Assert.Equal(0, DataLoader.ActiveProducers);
        using var cts = new CancellationTokenSource();
        int served = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (var batch in loader.GetEpoch(1, cts.Token)) if (++served == 5) cts.Cancel();
        });
        Assert.Equal(5, served);
        Assert.Equal(0, DataLoader.ActiveProducers);
        var e = Assert.Throws<InvalidOperationException>(() => new DataLoader(data, 100, transform: (s, r) => throw new FormatException("boom")).GetEpoch(0).ToList());
        Assert.Contains("boom", e.Message);
        Assert.Equal(0, DataLoader.ActiveProducers);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(data, 0));
    }
}
