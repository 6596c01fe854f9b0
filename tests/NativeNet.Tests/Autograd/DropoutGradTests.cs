using NativeNet.Nn;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Autograd;

/// <summary>Dropout is random, so its backward is checked against its own mask instead of finite differences.</summary>
public class DropoutGradTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void GradientIsTheScaledMask(string backend)
    {
        using var _ = Backends.Use(backend);
        using var x = Tensor.Uniform(new[] { 1000 }, 1, 2, new Generator(1));
        x.RequiresGrad = true;
        using var y = Functional.Dropout(x, 0.3, training: true, new Generator(2));
        using var s = y.Sum();
        s.Backward();
        var xv = x.ToArray(); var yv = y.ToArray(); var gv = x.Grad!.ToArray();
        int dropped = 0;
        for (int i = 0; i < xv.Length; i++)
        {
            float scale = yv[i] / xv[i];
            if (yv[i] == 0) dropped++;
            Assert.True(Math.Abs(scale - gv[i]) < 1e-5, $"element {i}: y/x = {scale}, grad = {gv[i]}");
            Assert.True(yv[i] == 0 || Math.Abs(scale - 1 / 0.7f) < 1e-5, $"element {i}: kept value scaled by {scale}");
        }
        Assert.InRange(dropped, 240, 360);
        using var eval = Functional.Dropout(x, 0.3, training: false);
        Assert.Equal(xv, eval.ToArray());
    }
}
