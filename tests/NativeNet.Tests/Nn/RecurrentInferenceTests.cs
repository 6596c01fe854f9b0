using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Nn;

/// <summary>
/// LSTM/GRU inference (no gradient wanted) runs the backend's inference path from w_hh laid out
/// once and cached: its outputs must match the training path's (the input projection is summed
/// in another order, so up to rounding), and the cache must follow every change to the weight.
/// </summary>
public class RecurrentInferenceTests
{
    private static RecurrentBase Make(string cell, ulong seed) => cell == "lstm"
        ? new LSTM(7, 21, numLayers: 2, batchFirst: true, bidirectional: true, generator: new Generator(seed))
        : new GRU(7, 21, numLayers: 2, batchFirst: true, bidirectional: true, generator: new Generator(seed));

    private static float[] Run(Module m, Tensor x, bool grad)
    {
        if (grad)
        {
            using var yg = m.Forward(x);
            return yg.ToArray();
        }
        using var noGrad = global::NativeNet.Autograd.NoGrad();
        using var y = m.Forward(x);
        return y.ToArray();
    }

    private static void AssertClose(float[] want, float[] got)
    {
        Assert.Equal(want.Length, got.Length);
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(want[i] - got[i]) <= 1e-6f + 1e-5f * Math.Abs(want[i]), $"[{i}] {got[i]} vs {want[i]}");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void InferenceMatchesTrainingForward(string backend)
    {
        using var _ = Backends.Use(backend);
        foreach (var cell in new[] { "lstm", "gru" })
            foreach (int batch in new[] { 1, 9 })
            {
                using var m = Make(cell, 11);
                using var x = Tensor.Normal(new[] { batch, 6, 7 }, generator: new Generator(12));
                AssertClose(Run(m, x, grad: true), Run(m, x, grad: false));
                AssertClose(Run(m, x, grad: true), Run(m, x, grad: false)); // from the cached layout
            }
    }

    [Fact]
    public unsafe void LayoutStartsOnACacheLine()
    {
        // The step kernels read the layout as whole vectors; one that straddles two cache lines
        // costs two loads, so every length must start on a 64-byte boundary and hold its floats.
        for (int length = 1; length <= 70; length += 3)
        {
            var packed = RecurrentWeightPack.AlignedFloats(length);
            Assert.Equal(length, packed.Length);
            fixed (float* p = packed.Span)
                Assert.Equal(0ul, (ulong)p % 64);
            packed.Span.Fill(1.5f);
            Assert.All(packed.ToArray(), v => Assert.Equal(1.5f, v));
        }
        using var _ = Backends.Use("native");
        var d = new global::NativeNet.Kernels.RnnDescriptor(global::NativeNet.Kernels.RnnCell.Lstm, 3, 2, 5, 17, BatchFirst: true);
        using var wIh = Tensor.Normal(new[] { 4 * 17, 5 }, generator: new Generator(1));
        using var wHh = Tensor.Normal(new[] { 4 * 17, 17 }, generator: new Generator(2));
        var pack = RecurrentWeightPack.Pack(global::NativeNet.Kernels.KernelProvider.Current, d, wIh, wHh);
        Assert.NotNull(pack);
        fixed (float* p = pack!.Value.Span)
            Assert.Equal(0ul, (ulong)p % 64);
    }

    [Fact]
    public void CachedLayoutFollowsEveryChangeToTheWeights()
    {
        using var _ = Backends.Use("native");
        using var m = Make("lstm", 3);
        using var x = Tensor.Normal(new[] { 4, 5, 7 }, generator: new Generator(4));
        Assert.False(m.HasPackedWeight(0));
        AssertClose(Run(m, x, grad: true), Run(m, x, grad: false));
        Assert.True(m.HasPackedWeight(0));
        Assert.True(m.HasPackedWeight(3)); // layer 1, reverse direction

        var w = m.NamedParameters().Single(p => p.Name == "weight_hh_l0").Parameter;
        w.AsSpan()[5] += 0.5f;                                          // in-place edit
        AssertClose(Run(m, x, grad: true), Run(m, x, grad: false));
        using (var flat = w.Reshape(-1)) flat.AsSpan()[70] -= 0.25f;    // write through a view
        AssertClose(Run(m, x, grad: true), Run(m, x, grad: false));
        // The input weights are laid out with the recurrent ones: an edit to either is seen.
        foreach (var name in new[] { "weight_ih_l0", "weight_ih_l1_reverse" })
        {
            var wi = m.NamedParameters().Single(p => p.Name == name).Parameter;
            wi.AsSpan()[3] += 0.75f;
            AssertClose(Run(m, x, grad: true), Run(m, x, grad: false));
        }

        var opt = new SGD(m.Parameters(), lr: 0.5);
        for (int step = 0; step < 2; step++)
        {
            opt.ZeroGrad();
            using (var y = m.Forward(x))
            using (var s = y.Sum())
                s.Backward();
            opt.Step();                                                 // an optimizer step
            AssertClose(Run(m, x, grad: true), Run(m, x, grad: false));
        }
    }
}
