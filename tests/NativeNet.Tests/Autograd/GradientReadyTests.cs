namespace NativeNet.Tests.Autograd;

/// <summary>Autograd.OnGradientReady reports each leaf once, when no more gradient can reach it.</summary>
public class GradientReadyTests
{
    [Fact]
    public void ASharedLeafIsReportedOnceWithItsWholeGradientAndAnUnreachedLeafNever()
    {
        using var w = Tensor.FromArray([2f, 3f], 2);
        using var b = Tensor.FromArray([1f, 1f], 2);
        using var unused = Tensor.FromArray([5f], 1);
        w.RequiresGrad = b.RequiresGrad = unused.RequiresGrad = true;
        using var x = Tensor.FromArray([1f, 4f], 2);
        // y = sum((w·x + b) · w): w reaches the loss along two paths.
        using var y = ((w * x + b) * w).Sum();
        var reported = new List<(Tensor Leaf, float[] Grad)>();
        using (NativeNet.Autograd.OnGradientReady(t => reported.Add((t, t.Grad!.ToArray()))))
            y.Backward();
        Assert.Equal(2, reported.Count);
        Assert.Single(reported, r => ReferenceEquals(r.Leaf, w));
        Assert.Single(reported, r => ReferenceEquals(r.Leaf, b));
        // dy/dw = 2·w·x + b: complete when reported.
        Assert.Equal(new[] { 2 * 2f * 1 + 1, 2 * 3f * 4 + 1 }, reported.Single(r => ReferenceEquals(r.Leaf, w)).Grad);
        Assert.Null(unused.Grad);
        // Outside the scope nothing is reported.
        w.Grad = null;
        using var y2 = (w * x).Sum();
        y2.Backward();
        Assert.Equal(2, reported.Count);
    }
}
