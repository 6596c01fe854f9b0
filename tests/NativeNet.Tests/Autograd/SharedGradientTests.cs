using NativeNet.Tests.Support;

namespace NativeNet.Tests.Autograd;

/// <summary>
/// Add and Sub pass their output gradient on as views of it (no copy) when an operand has the
/// output's shape; every consumer must still see its own values, and leaves must own their .Grad.
/// </summary>
public class SharedGradientTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void AddGivesEachLeafItsOwnGradient(string backend)
    {
        using var _ = Backends.Use(backend);
        using var a = Tensor.FromArray(new[] { 1f, -2f, 3f, 0.5f }, 2, 2);
        using var b = Tensor.FromArray(new[] { 0.25f, 4f, -1f, 2f }, 2, 2);
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        using var y = a.Add(b);
        using var w = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, 2, 2);
        using var loss = y.Mul(w).Sum();
        loss.Backward();
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, a.Grad!.ToArray());
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, b.Grad!.ToArray());
        // The two gradients are separate memory: changing one leaves the other as it was.
        a.Grad!.Fill_(0f);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, b.Grad!.ToArray());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void ResidualSumReachesBothBranchesAndTheirSumIsExact(string backend)
    {
        // A residual block's pattern: x feeds a branch and the shortcut; their sum goes on.
        using var _ = Backends.Use(backend);
        using var x = Tensor.FromArray(new[] { 0.5f, -1f, 2f, -3f, 1.5f, 0.25f }, 2, 3);
        x.RequiresGrad = true;
        using var branch = x.Mul(x);               // d/dx = 2x
        using var sum = branch.Add(x);             // d/dx = 2x + 1
        using var relu = sum.Relu();
        using var diff = relu.Sub(x);              // d/dx = mask * (2x + 1) - 1
        using var loss = diff.Mul(3f).Sum();
        loss.Backward();
        var xs = x.ToArray();
        var g = x.Grad!.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            float s = xs[i] * xs[i] + xs[i];
            float expected = 3f * ((s > 0 ? 2f * xs[i] + 1f : 0f) - 1f);
            Assert.Equal(expected, g[i]);
        }
    }

    [Fact]
    public void AddOfATensorToItselfDoublesItsGradient()
    {
        using var a = Tensor.FromArray(new[] { 1f, 2f, 3f });
        a.RequiresGrad = true;
        using var y = a.Add(a);
        using var loss = y.Sum();
        loss.Backward();
        Assert.Equal(new[] { 2f, 2f, 2f }, a.Grad!.ToArray());
    }

    [Fact]
    public void BroadcastOperandsStillGetSummedGradients()
    {
        using var a = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3);
        using var b = Tensor.FromArray(new[] { 1f, 1f, 1f });
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        using var y = a.Sub(b);
        using var loss = y.Sum();
        loss.Backward();
        Assert.Equal(new[] { 1f, 1f, 1f, 1f, 1f, 1f }, a.Grad!.ToArray());
        Assert.Equal(new[] { -2f, -2f, -2f }, b.Grad!.ToArray());
    }
}
