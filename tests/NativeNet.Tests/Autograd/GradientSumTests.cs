using NativeNet.Models;
using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Autograd;

/// <summary>
/// Two gradients reaching one output are summed over whichever of them owns its memory alone,
/// else into a new tensor: the sum is first + second on every path (same bits), and a gradient
/// that is a view another consumer still reads is never written.
/// </summary>
public class GradientSumTests
{
    private static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void TwoOwnedGradientsAreSummedInPlaceWithTheSumsBits(string backend)
    {
        using var _ = Backends.Use(backend);
        var ps = new[] { 0.3f, -1.7f, 2.9f, 1e-3f, -4.1f, 0.77f, 5.5f, -0.01f, 3.3f };
        var w1 = new[] { 1.1f, -0.3f, 7.7f, 0.9f, 2.2f, -5f, 0.123f, 3.1f, -2.4f };
        var w2 = new[] { -0.6f, 0.45f, 1e4f, -3.3f, 0.07f, 6.1f, -9.9f, 0.5f, 1.9f };
        using var p = Tensor.FromArray(ps, 3, 3);
        p.RequiresGrad = true;
        using var tw1 = Tensor.FromArray(w1, 3, 3);
        using var tw2 = Tensor.FromArray(w2, 3, 3);
        using var h = p.Mul(2.5f);       // one node whose output two consumers read
        using var u = h.Mul(tw1);        // gradient to h: g * w1, a new tensor
        using var v = h.Mul(tw2);        // gradient to h: g * w2, a new tensor
        using var s = u.Add(v);
        using var loss = s.Sum();
        int before = global::NativeNet.Autograd.SumsIntoFirst + global::NativeNet.Autograd.SumsIntoSecond;
        loss.Backward();
        Assert.Equal(1, global::NativeNet.Autograd.SumsIntoFirst + global::NativeNet.Autograd.SumsIntoSecond - before);
        var expected = new float[ps.Length];
        for (int i = 0; i < ps.Length; i++)
        {
            // h's two gradients, summed in either order (IEEE addition commutes), then Mul's backward.
            float a = 1f * w1[i], b = 1f * w2[i];
            expected[i] = (a + b) * 2.5f;
        }
        AssertSameBits(expected, p.Grad!.ToArray(), $"p.Grad ({backend})");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void AGradientSharedWithAnotherConsumerIsNotWritten(string backend)
    {
        // h gets one gradient from Mul (owned) and one from Add (a view of Add's output gradient,
        // which q receives too): q's gradient must stay Add's output gradient, whichever way h's
        // two gradients are summed.
        using var _ = Backends.Use(backend);
        var hs = new[] { 0.5f, -2f, 3f, 1.25f };
        var qs = new[] { 4f, -1f, 0.5f, 2f };
        var ws = new[] { 3f, 0.25f, -7f, 1.5f };
        using var p = Tensor.FromArray(hs, 2, 2);
        using var q = Tensor.FromArray(qs, 2, 2);
        using var w = Tensor.FromArray(ws, 2, 2);
        p.RequiresGrad = true;
        q.RequiresGrad = true;
        using var h = p.Mul(1f);
        using var a = h.Add(q);          // gradients to h and q: views of one tensor
        using var b = h.Mul(w);          // gradient to h: g * w, a new tensor
        using var a2 = a.Mul(w);         // Add's output gradient is w (not all ones)
        using var s = a2.Add(b);
        using var loss = s.Sum();
        loss.Backward();
        var expectedP = new float[4];
        for (int i = 0; i < 4; i++) expectedP[i] = (1f * ws[i] + 1f * ws[i]) * 1f;
        AssertSameBits(expectedP, p.Grad!.ToArray(), $"p.Grad ({backend})");
        AssertSameBits(ws.Select(x => 1f * x).ToArray(), q.Grad!.ToArray(), $"q.Grad ({backend})");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void EachWayWritesOnlyAnUnsharedBufferAndGivesTheSameBits(string backend)
    {
        using var _ = Backends.Use(backend);
        var xs = new[] { 0.1f, -2.5f, 3.75f, 1e-7f, -1e6f, 0.3f };
        var ys = new[] { 0.2f, 2.5f, -1.25f, 3e-7f, 1f, 0.7f };
        var expected = xs.Zip(ys, (x, y) => x + y).ToArray();
        Tensor Owned(float[] v) => Tensor.FromArray(v, 2, 3);
        var ways = global::NativeNet.Autograd.SumsIntoFirst;
        // Both owned: written over the first.
        var first = Owned(xs);
        using (var sum = global::NativeNet.Autograd.SumGradients(first, Owned(ys)))
        {
            Assert.Same(first, sum);
            AssertSameBits(expected, sum.ToArray(), $"into first ({backend})");
        }
        Assert.Equal(ways + 1, global::NativeNet.Autograd.SumsIntoFirst);

        // The first is a view another tensor shares: written over the second, the view untouched.
        using var shared = Owned(xs);
        var view = shared.ViewAs(new[] { 2, 3 });
        var second = Owned(ys);
        int intoSecond = global::NativeNet.Autograd.SumsIntoSecond;
        using (var sum = global::NativeNet.Autograd.SumGradients(view, second))
        {
            Assert.Same(second, sum);
            AssertSameBits(expected, sum.ToArray(), $"into second ({backend})");
        }
        Assert.Equal(intoSecond + 1, global::NativeNet.Autograd.SumsIntoSecond);
        AssertSameBits(xs, shared.ToArray(), $"shared first unchanged ({backend})");

        // Both shared: a new tensor, neither input written.
        using var sharedY = Owned(ys);
        int outOfPlace = global::NativeNet.Autograd.SumsOutOfPlace;
        using (var sum = global::NativeNet.Autograd.SumGradients(shared.ViewAs(new[] { 2, 3 }), sharedY.ViewAs(new[] { 2, 3 })))
            AssertSameBits(expected, sum.ToArray(), $"out of place ({backend})");
        Assert.Equal(outOfPlace + 1, global::NativeNet.Autograd.SumsOutOfPlace);
        AssertSameBits(xs, shared.ToArray(), $"shared first unchanged ({backend})");
        AssertSameBits(ys, sharedY.ToArray(), $"shared second unchanged ({backend})");

        // A second of another shape (same count) is not written: the sum keeps the first's shape.
        using var sharedZ = Owned(xs);
        int outOfPlace2 = global::NativeNet.Autograd.SumsOutOfPlace;
        using (var sum = global::NativeNet.Autograd.SumGradients(sharedZ.ViewAs(new[] { 2, 3 }), Tensor.FromArray(ys, 6)))
        {
            Assert.Equal(new[] { 2, 3 }, sum.Shape);
            AssertSameBits(expected, sum.ToArray(), $"other shape ({backend})");
        }
        Assert.Equal(outOfPlace2 + 1, global::NativeNet.Autograd.SumsOutOfPlace);
    }

    private static Module ResNetBlocks() => new Sequential(
        new Conv2d(3, 8, 3, 1, 1, bias: false), new BatchNorm2d(8), new ReLU(),
        new BasicBlock(8, 8),
        new BasicBlock(8, 16, 2, new Sequential(new Conv2d(8, 16, 1, 2, bias: false), new BatchNorm2d(16))));

    // Parameter and input gradients of ResNetBlocks() from `initial`, at `threads` threads, with
    // the block inputs' two gradients folded into the BatchNorm+ReLU backward that consumes them
    // or summed into one tensor first; asserts which way the three sums took (the two block inputs,
    // and the output, which y·y reads twice).
    private static float[] ResNetBlockGrads(IReadOnlyDictionary<string, Tensor> initial, Tensor x, int threads, bool fold)
    {
        int savedThreads = NativeNetRuntime.Threads;
        NativeNetRuntime.Threads = threads;
        global::NativeNet.Autograd.NoFoldedGradientSums = !fold;
        try
        {
            var m = ResNetBlocks();
            m.LoadStateDict(initial);
            m.Train();
            x.Grad?.Dispose();
            x.Grad = null;
            using var y = m.Call(x);
            using var loss = y.Mul(y).Sum();
            int inPlace = global::NativeNet.Autograd.SumsIntoFirst + global::NativeNet.Autograd.SumsIntoSecond;
            int folded = global::NativeNet.Autograd.SumsFolded;
            loss.Backward();
            inPlace = global::NativeNet.Autograd.SumsIntoFirst + global::NativeNet.Autograd.SumsIntoSecond - inPlace;
            folded = global::NativeNet.Autograd.SumsFolded - folded;
            if (fold) Assert.True(folded == 3 && inPlace == 0, $"the three sums folded (folded {folded}, in place {inPlace})");
            else Assert.True(folded == 0 && inPlace == 3, $"the three sums ran in place (folded {folded}, in place {inPlace})");
            return m.Parameters().SelectMany(p => p.Grad!.ToArray()).Concat(x.Grad!.ToArray()).ToArray();
        }
        finally
        {
            NativeNetRuntime.Threads = savedThreads;
            global::NativeNet.Autograd.NoFoldedGradientSums = false;
        }
    }

    [Fact]
    public void ResNetBlocksGiveTheSameGradientsAtOneAndTwoThreads()
    {
        // Residual blocks sum two gradients at every block input; at 2 threads the sums split.
        // 2x8x64x64: the block inputs' sums (32,768 elements a thread at least) split at 2 threads.
        using var _ = Backends.Use("native");
        var initial = ResNetBlocks().StateDict();
        using var x = Tensor.Normal(new[] { 2, 3, 64, 64 }, 0f, 1f, new Generator(3));
        x.RequiresGrad = true;
        foreach (bool fold in new[] { true, false })
            AssertSameBits(ResNetBlockGrads(initial, x, 1, fold), ResNetBlockGrads(initial, x, 2, fold),
                $"parameter and input gradients, 1 vs 2 threads, sums {(fold ? "folded" : "in place")}");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void ResNetBlockSumsFoldedIntoTheirBatchNormReluBackwardGiveTheSumsBits(string backend)
    {
        // The two gradients of each block input go to the BatchNorm+ReLU backward that produced it
        // as two parts (nn_batch_norm_relu_backward_sum): the same bits as summing them first.
        using var _ = Backends.Use(backend);
        var initial = ResNetBlocks().StateDict();
        using var x = Tensor.Normal(new[] { 2, 3, 20, 20 }, 0f, 1f, new Generator(4));
        x.RequiresGrad = true;
        AssertSameBits(ResNetBlockGrads(initial, x, 1, fold: false), ResNetBlockGrads(initial, x, 1, fold: true),
            $"parameter and input gradients, summed first vs folded ({backend})");
    }
}
