using NativeNet.Kernels;

namespace NativeNet.Optim;

/// <summary>Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).</summary>
public static class GradientClipping
{
    /// <summary>Scales all gradients so their joint norm is at most maxNorm; returns the norm before clipping.</summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentException($"max_norm must be non-negative. Received: max_norm={maxNorm}", nameof(maxNorm));
        if (!(normType > 0)) throw new ArgumentException($"norm_type must be positive. Received: norm_type={normType}", nameof(normType));
        var grads = new List<Tensor>();
        foreach (var p in parameters) if (p.Grad is not null) grads.Add(p.Grad);
        double total = 0;
        foreach (var g in grads)
        {
            var s = g.AsSpan();
            if (double.IsPositiveInfinity(normType)) foreach (var v in s) total = Math.Max(total, Math.Abs(v));
            else foreach (var v in s) total += Math.Pow(Math.Abs(v), normType);
        }
        if (!double.IsPositiveInfinity(normType)) total = Math.Pow(total, 1.0 / normType);
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1)
        {
            var k = KernelProvider.Current;
            foreach (var g in grads) k.BinaryScalar(BinaryOp.Mul, g.AsSpan(), (float)coef, g.AsSpan());
        }
        return total;
    }

    /// <summary>Clamps every gradient element to [−clipValue, clipValue].</summary>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0)) throw new ArgumentException($"clip_value must be non-negative. Received: clip_value={clipValue}", nameof(clipValue));
        var k = KernelProvider.Current;
        foreach (var p in parameters)
        {
            if (p.Grad is null) continue;
            var s = p.Grad.AsSpan();
            k.BinaryScalar(BinaryOp.Min, s, (float)clipValue, s);
            k.BinaryScalar(BinaryOp.Max, s, (float)-clipValue, s);
        }
    }
}
