using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Autograd;

/// <summary>Backward(retainGraph: true) keeps the graph for another pass (PyTorch's retain_graph).</summary>
public class RetainGraphTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void RetainedGraphBackwardsTwiceAndAccumulates(string backend)
    {
        using var _ = Backends.Use(backend);
        using var x = Tensor.FromArray(new[] { 1f, -2f, 3f, 0.5f }, 2, 2);
        x.RequiresGrad = true;
        using var lin = new Linear(2, 3, generator: new Generator(7));
        using var h = lin.Forward(x);
        using var y = h.Mul(h);
        using var loss = y.Sum();

        loss.Backward(retainGraph: true);
        var gx1 = x.Grad!.ToArray();
        var gw1 = lin.Weight.Grad!.ToArray();
        loss.Backward(); // second pass through the retained graph; frees it
        var gx2 = x.Grad!.ToArray();
        var gw2 = lin.Weight.Grad!.ToArray();
        for (int i = 0; i < gx1.Length; i++) Assert.Equal(2 * gx1[i], gx2[i], 5);
        for (int i = 0; i < gw1.Length; i++) Assert.Equal(2 * gw1[i], gw2[i], 5);

        var e = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("second time", e.Message);
        Assert.Contains("'Sum'", e.Message); // names the freed node
        Assert.Contains("retainGraph", e.Message);
    }

    [Fact]
    public void WithoutRetainTheSecondBackwardNamesTheFreedNode()
    {
        using var x = Tensor.FromArray(new[] { 1f, 2f, 3f });
        x.RequiresGrad = true;
        using var y = x.Mul(x);
        using var s = y.Sum();
        s.Backward();
        // A new root over the freed part of the graph: the error names the first freed node met.
        using var t = y.Sum();
        var e = Assert.Throws<InvalidOperationException>(() => t.Backward());
        Assert.Contains("'Mul'", e.Message);
    }

    [Fact]
    public void TwoLossesShareARetainedTrunk()
    {
        using var x = Tensor.FromArray(new[] { 0.5f, -1f, 2f });
        x.RequiresGrad = true;
        using var trunk = x.Mul(x);           // d/dx = 2x
        using var a = trunk.Sum();            // dA/dx = 2x
        using var b = trunk.Mul(3f).Sum();    // dB/dx = 6x
        a.Backward(retainGraph: true);
        b.Backward();
        var g = x.Grad!.ToArray();
        float[] xs = { 0.5f, -1f, 2f };
        for (int i = 0; i < 3; i++) Assert.Equal(8 * xs[i], g[i], 5);
    }
}
