namespace NativeNet.Tests.Autograd;

/// <summary>
/// Central finite differences against autograd: loss = Σ f(inputs)·R for a fixed random R,
/// d loss / d x_i ≈ (loss(x_i + eps) − loss(x_i − eps)) / 2eps with the loss summed in double.
/// </summary>
public static class GradCheck
{
    public static void Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-2, double rtol = 2e-2, double atol = 2e-3, string what = "")
    {
        foreach (var t in inputs) t.RequiresGrad = true;
        Tensor weights;
        using (var y = f(inputs))
        {
            var g = new Generator(99);
            weights = Tensor.Uniform(y.Shape, -1, 1, g);
            using var prod = y.Mul(weights);
            using var loss = prod.Sum();
            loss.Backward();
        }
        using (weights)
        using (NativeNet.Autograd.NoGrad())
        {
            for (int n = 0; n < inputs.Length; n++)
            {
                var x = inputs[n];
                Assert.True(x.Grad is not null, $"{what}: input {n} got no gradient");
                var analytic = x.Grad!.ToArray();
                var data = x.AsSpan();
                for (int i = 0; i < data.Length; i++)
                {
                    float orig = data[i];
                    data[i] = orig + (float)eps;
                    double up = Loss(f, inputs, weights);
                    data = x.AsSpan();
                    data[i] = orig - (float)eps;
                    double down = Loss(f, inputs, weights);
                    data = x.AsSpan();
                    data[i] = orig;
                    double numeric = (up - down) / (2 * eps);
                    double err = Math.Abs(numeric - analytic[i]);
                    Assert.True(err <= atol + rtol * Math.Abs(numeric),
                        $"{what}: d/d input{n}[{i}] autograd {analytic[i]} vs finite difference {numeric}");
                }
            }
        }
        foreach (var t in inputs) { t.Grad?.Dispose(); t.Grad = null; }
    }

    private static double Loss(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor weights)
    {
        using var y = f(inputs);
        var a = y.ToArray();
        var w = weights.ToArray();
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += (double)a[i] * w[i];
        return s;
    }

    public static Tensor Rand(Generator g, params int[] shape) => Tensor.Uniform(shape, -1, 1, g);

    public static Tensor RandAwayFromZero(Generator g, params int[] shape)
    {
        // Keeps kinks (relu, abs, max) out of the finite-difference window.
        var t = Tensor.Uniform(shape, 0.1f, 1f, g);
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) if (g.NextDouble() < 0.5) s[i] = -s[i];
        return t;
    }
}
