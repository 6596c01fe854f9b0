using NativeNet.Tests.Support;

namespace NativeNet.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void FromArrayShapeAndRoundTrip()
    {
        using var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new[] { 2, 3 }, t.Shape);
        Assert.Equal(6, t.Count);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToArray());
        Assert.Equal(6f, t[1, 2]);
        Assert.Equal(DType.Float32, t.DType);
    }

    [Fact]
    public void BadShapesAreRejectedWithTheValues()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3));
        Assert.Contains("5", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(-1, 2));
        using var t = Tensor.Zeros(2, 3);
        Assert.Throws<ArgumentException>(() => t.Reshape(4, 2));
        Assert.Throws<ArgumentException>(() => t.Reshape(-1, -1));
    }

    [Fact]
    public void UseAfterDisposeThrowsAndDoubleDisposeIsSafe()
    {
        var t = Tensor.Ones(3);
        t.Dispose();
        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.AsSpan());
        Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.Throws<ObjectDisposedException>(() => t.Add(1f));
    }

    [Fact]
    public void ViewsShareMemoryAndOutliveTheirSource()
    {
        var t = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        var v = t.Reshape(2, 3);
        var row = t.Narrow(0, 1, 2);
        t.AsSpan()[2] = 30;
        Assert.Equal(30f, v[0, 2]);
        Assert.Equal(new float[] { 30, 4, 5, 6 }, row.ToArray());
        t.Dispose();
        // The views keep the storage alive.
        Assert.Equal(new float[] { 30, 4, 5, 6 }, row.ToArray());
        v.Dispose();
        row.Dispose();
    }

    [Fact]
    public void PoolReusesBuffersOfTheSameSize()
    {
        for (int i = 0; i < 3; i++) Tensor.Zeros(1000).Dispose();
        long hits = TensorMemoryPool.Hits;
        Tensor.Zeros(1000).Dispose();
        Assert.True(TensorMemoryPool.Hits > hits);
    }

    [Fact]
    public void MemoryIs64ByteAligned()
    {
        using var t = Tensor.Zeros(7);
        unsafe
        {
            fixed (float* p = t.AsSpan()) Assert.Equal(0L, (long)p % 64);
        }
    }

    [Fact]
    public void DisposeScopeDisposesTemporariesButNotMovedOnes()
    {
        Tensor a, b, kept;
        using (var scope = Tensor.NewDisposeScope())
        {
            a = Tensor.Ones(2);
            b = a.Add(1f);
            kept = b.Mul(2f).MoveToOuterDisposeScope();
            Assert.Equal(2, scope.Count);  // a and b; the moved result is not counted
        }
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.False(kept.IsDisposed);
        Assert.Equal(new float[] { 4, 4 }, kept.ToArray());
        kept.Dispose();
    }

    [Fact]
    public void NestedScopesMoveToTheOuterScope()
    {
        Tensor inner;
        using (var outer = Tensor.NewDisposeScope())
        {
            using (Tensor.NewDisposeScope())
            {
                inner = Tensor.Ones(1).MoveToOuterDisposeScope();
            }
            Assert.False(inner.IsDisposed);
            Assert.Equal(1, outer.Count);
        }
        Assert.True(inner.IsDisposed);
    }

    [Fact]
    public void BroadcastingArithmetic()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var row = Tensor.FromArray(new float[] { 10, 20, 30 }, 3);
        using var col = Tensor.FromArray(new float[] { 100, 200 }, 2, 1);
        using var s = a + row;
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, s.ToArray());
        using var m = a * col;
        Assert.Equal(new float[] { 100, 200, 300, 800, 1000, 1200 }, m.ToArray());
        using var d = col - row;
        Assert.Equal(new[] { 2, 3 }, d.Shape);
        Assert.Equal(new float[] { 90, 80, 70, 190, 180, 170 }, d.ToArray());
        using var bad = Tensor.Zeros(4);
        Assert.Throws<ArgumentException>(() => a.Add(bad));
    }

    [Fact]
    public void Reductions()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var s0 = a.Sum(0);
        Assert.Equal(new float[] { 5, 7, 9 }, s0.ToArray());
        using var s1 = a.Sum(1, keepDim: true);
        Assert.Equal(new[] { 2, 1 }, s1.Shape);
        Assert.Equal(new float[] { 6, 15 }, s1.ToArray());
        using var m = a.Mean();
        Assert.Equal(3.5f, m.Item());
        using var am = a.Argmax(1);
        Assert.Equal(new float[] { 2, 2 }, am.ToArray());
        using var mx = a.Max(0);
        Assert.Equal(new float[] { 4, 5, 6 }, mx.ToArray());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void MatMulMatchesNaiveProduct(string backend)
    {
        using var _ = Backends.Use(backend);
        var g = new Generator(1);
        foreach (var (m, k, n) in new[] { (1, 1, 1), (3, 5, 2), (7, 17, 33), (65, 70, 130), (200, 300, 100) })
        {
            using var a = Tensor.Uniform(new[] { m, k }, -1, 1, g);
            using var b = Tensor.Uniform(new[] { k, n }, -1, 1, g);
            using var c = a.MatMul(b);
            var av = a.ToArray(); var bv = b.ToArray();
            var expected = new float[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += av[i * k + p] * bv[p * n + j];
                    expected[i * n + j] = (float)s;
                }
            Close.Assert(expected, c.ToArray(), 1e-4, 1e-4, $"{backend} matmul {m}x{k}x{n}");
        }
    }

    [Fact]
    public void ShapeOps()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        using var t = a.Transpose(0, 1);
        Assert.Equal(new[] { 3, 2 }, t.Shape);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, t.ToArray());
        using var u = a.Unsqueeze(0);
        Assert.Equal(new[] { 1, 2, 3 }, u.Shape);
        using var sq = u.Squeeze(0);
        Assert.Equal(new[] { 2, 3 }, sq.Shape);
        using var c = Tensor.Concat(new[] { a, a }, 1);
        Assert.Equal(new float[] { 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6 }, c.ToArray());
        using var st = Tensor.Stack(new[] { a, a }, 0);
        Assert.Equal(new[] { 2, 2, 3 }, st.Shape);
        using var n = a.Narrow(1, 1, 2);
        Assert.Equal(new float[] { 2, 3, 5, 6 }, n.ToArray());
        using var sel = a.Select(0, 1);
        Assert.Equal(new float[] { 4, 5, 6 }, sel.ToArray());
        using var idx = a.IndexSelect(new[] { 1, 0, 1 });
        Assert.Equal(new float[] { 4, 5, 6, 1, 2, 3, 4, 5, 6 }, idx.ToArray());
        using var f = st.Flatten(1);
        Assert.Equal(new[] { 2, 6 }, f.Shape);
    }

    [Fact]
    public void SoftmaxRowsSumToOne()
    {
        using var a = Tensor.FromArray(new float[] { 1, 2, 3, 1000, 1000, 1000 }, 2, 3);
        using var s = a.Softmax(1);
        var v = s.ToArray();
        Assert.Equal(1.0, v[0] + v[1] + v[2], 5);
        Assert.Equal(1f / 3, v[4], 5);
        using var ls = a.LogSoftmax(-1);
        Assert.Equal(Math.Log(v[0]), ls.ToArray()[0], 4);
    }

    [Fact]
    public void GeneratorIsDeterministicAndHasTheRightMoments()
    {
        var a = new Generator(42);
        var b = new Generator(42);
        using var x = Tensor.Normal(new[] { 20000 }, 0, 1, a);
        using var y = Tensor.Normal(new[] { 20000 }, 0, 1, b);
        Assert.Equal(x.ToArray(), y.ToArray());
        var v = x.ToArray();
        double mean = v.Average(), var = v.Select(z => (z - mean) * (z - mean)).Average();
        Assert.InRange(mean, -0.03, 0.03);
        Assert.InRange(var, 0.95, 1.05);
        using var u = Tensor.Uniform(new[] { 10000 }, -2, 3, a);
        Assert.True(u.ToArray().All(z => z >= -2 && z < 3));
        using var bern = Tensor.Bernoulli(new[] { 10000 }, 0.25, a);
        Assert.InRange(bern.ToArray().Average(), 0.22, 0.28);
    }
}
