using NativeNet.Data;

namespace NativeNet.Tests.Data;

public class ScalerAndSplitTests
{
    [Fact]
    public void ScalerUsesPopulationStdAndRoundTrips()
    {
        var train = new Dataset(new float[,] { { 1, 10 }, { 3, 10 }, { 5, 10 } }, [0, 1, 0]);
        var s = StandardScaler.Fit(train);
        Assert.Equal([3.0, 10.0], s.Mean);
        Assert.Equal(Math.Sqrt(8.0 / 3), s.Scale[0], 12);
        Assert.Equal(1.0, s.Scale[1]); // constant feature → scale 1
        var z = s.Transform(train);
        Assert.Equal(-Math.Sqrt(1.5), z.Features[0], 5);
        Assert.Equal(0f, z.Features[1]);
        var back = s.InverseTransform(z);
        Assert.Equal(train.Features, back.Features, new FloatTol(1e-5f));
        var restored = StandardScaler.FromDictionary(s.ToDictionary());
        Assert.Equal(s.Mean, restored.Mean);
        Assert.Equal(s.Scale, restored.Scale);
        Assert.Throws<FormatException>(() => StandardScaler.FromDictionary(new Dictionary<string, string> { ["mean"] = "1", ["scale"] = "x" }));
        Assert.Throws<ArgumentException>(() => s.TransformInPlace(new float[3]));
    }

    [Fact]
    public void StratifiedSplitKeepsClassSharesAndIsSeeded()
    {
        var labels = Enumerable.Range(0, 500).Select(i => i % 5 == 0 ? 1 : 0).ToArray(); // 20% positive
        var a = Splits.StratifiedTrainValidationTest(labels, 0.2, 0.2, seed: 3);
        var b = Splits.StratifiedTrainValidationTest(labels, 0.2, 0.2, seed: 3);
        Assert.Equal(a.Train, b.Train);
        Assert.Equal(500, a.Train.Length + a.Validation.Length + a.Test.Length);
        Assert.Equal(500, a.Train.Concat(a.Validation).Concat(a.Test).Distinct().Count());
        Assert.Equal(100, a.Test.Length);
        Assert.Equal(20, a.Test.Count(i => labels[i] == 1));
        Assert.Equal(20, a.Validation.Count(i => labels[i] == 1));
        Assert.NotEqual(a.Test, Splits.StratifiedTrainValidationTest(labels, 0.2, 0.2, seed: 4).Test);
    }

    [Fact]
    public void StratifiedKFoldPartitionsEverySample()
    {
        var labels = Enumerable.Range(0, 103).Select(i => i < 37 ? 1 : 0).ToArray();
        var folds = Splits.StratifiedKFold(labels, 5, seed: 1);
        Assert.Equal(5, folds.Count);
        var allTest = folds.SelectMany(f => f.Test).OrderBy(i => i).ToArray();
        Assert.Equal(Enumerable.Range(0, 103), allTest);
        foreach (var f in folds)
        {
            Assert.Empty(f.Train.Intersect(f.Test));
            Assert.Equal(103, f.Train.Length + f.Test.Length);
            Assert.InRange(f.Test.Length, 20, 21);
            Assert.InRange(f.Test.Count(i => labels[i] == 1), 7, 8);
        }
        Assert.Equal(folds[2].Test, Splits.StratifiedKFold(labels, 5, seed: 1)[2].Test);
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.StratifiedKFold(labels, 1));
    }

    [Fact]
    public void PerChannelScalerUsesOneMeanAndScalePerImageChannelAndRoundTrips()
    {
        // Two images [C=2, H·W=3]: channel 0 holds 0…5 (+ offset per image), channel 1 holds 100 + 10·k.
        var rng = new Random(4);
        var data = new float[2 * 2 * 3];
        for (int i = 0; i < 2; i++)
            for (int k = 0; k < 3; k++) { data[(i * 2 + 0) * 3 + k] = rng.Next(6); data[(i * 2 + 1) * 3 + k] = 100 + 10 * rng.Next(4); }
        var scaler = StandardScaler.FitPerChannel(data, channels: 2, inner: 3);
        for (int c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, 2).SelectMany(i => data.Skip((i * 2 + c) * 3).Take(3)).Select(v => (double)v).ToArray();
            double mean = values.Average(), sd = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
            Assert.Equal(mean, scaler.Mean[c], 9);
            Assert.Equal(sd > 0 ? sd : 1, scaler.Scale[c], 9);
        }
        var z = (float[])data.Clone();
        scaler.TransformInPlace(z);
        Assert.Equal((data[4] - scaler.Mean[1]) / scaler.Scale[1], z[4], 5);
        var restored = StandardScaler.FromDictionary(scaler.ToDictionary());
        Assert.Equal(3, restored.Inner);
        restored.InverseTransformInPlace(z);
        Assert.Equal(data, z, new FloatTol(1e-4f));
        Assert.Throws<ArgumentException>(() => scaler.TransformInPlace(new float[5]));
    }

    private sealed class FloatTol(float eps) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= eps;
        public int GetHashCode(float obj) => 0;
    }
}
