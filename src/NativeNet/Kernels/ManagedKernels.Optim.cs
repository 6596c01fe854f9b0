namespace NativeNet.Kernels;

public sealed partial class ManagedKernels
{
    /// <inheritdoc />
    public void SgdStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, float lr, float momentum, float dampening,
                        float weightDecay, bool nesterov, bool maximize, bool firstStep)
    {
        KernelChecks.SameLength(param.Length, grad.Length, "grad", "param");
        if (momentum != 0) KernelChecks.SameLength(param.Length, momentumBuffer.Length, "momentumBuffer", "param");
        for (int i = 0; i < param.Length; i++)
        {
            float d = maximize ? -grad[i] : grad[i];
            if (weightDecay != 0) d += weightDecay * param[i];
            if (momentum != 0)
            {
                float buf = firstStep ? d : momentum * momentumBuffer[i] + (1 - dampening) * d;
                momentumBuffer[i] = buf;
                d = nesterov ? d + momentum * buf : buf;
            }
            param[i] -= lr * d;
        }
    }

    /// <inheritdoc />
    public void AdamStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq, Span<float> maxExpAvgSq,
                         float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool amsgrad, bool maximize, long step)
    {
        KernelChecks.SameLength(param.Length, grad.Length, "grad", "param");
        KernelChecks.SameLength(param.Length, expAvg.Length, "expAvg", "param");
        KernelChecks.SameLength(param.Length, expAvgSq.Length, "expAvgSq", "param");
        if (amsgrad) KernelChecks.SameLength(param.Length, maxExpAvgSq.Length, "maxExpAvgSq", "param");
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), step, $"step counts from 1. Received: step={step}");
        float bc1 = 1 - MathF.Pow(beta1, step);
        float bc2 = 1 - MathF.Pow(beta2, step);
        float stepSize = lr / bc1;
        float bc2Sqrt = MathF.Sqrt(bc2);
        for (int i = 0; i < param.Length; i++)
        {
            float g = maximize ? -grad[i] : grad[i];
            float p = param[i];
            if (weightDecay != 0)
            {
                if (decoupledWeightDecay) p *= 1 - lr * weightDecay;
                else g += weightDecay * p;
            }
            float m = expAvg[i] + (g - expAvg[i]) * (1 - beta1);
            float v = expAvgSq[i] * beta2 + (1 - beta2) * g * g;
            expAvg[i] = m;
            expAvgSq[i] = v;
            float vm = v;
            if (amsgrad) { vm = Math.Max(maxExpAvgSq[i], v); maxExpAvgSq[i] = vm; }
            float denom = MathF.Sqrt(vm) / bc2Sqrt + eps;
            param[i] = p - stepSize * (m / denom);
        }
    }

    /// <inheritdoc />
    public void RmspropStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> squareAvg, Span<float> momentumBuffer, Span<float> gradAvg,
                            float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
    {
        KernelChecks.SameLength(param.Length, grad.Length, "grad", "param");
        KernelChecks.SameLength(param.Length, squareAvg.Length, "squareAvg", "param");
        if (momentum > 0) KernelChecks.SameLength(param.Length, momentumBuffer.Length, "momentumBuffer", "param");
        if (centered) KernelChecks.SameLength(param.Length, gradAvg.Length, "gradAvg", "param");
        for (int i = 0; i < param.Length; i++)
        {
            float g = maximize ? -grad[i] : grad[i];
            if (weightDecay != 0) g += weightDecay * param[i];
            float sq = squareAvg[i] * alpha + (1 - alpha) * g * g;
            squareAvg[i] = sq;
            float avg;
            if (centered)
            {
                float ga = gradAvg[i] * alpha + (1 - alpha) * g;
                gradAvg[i] = ga;
                avg = MathF.Sqrt(sq - ga * ga) + eps;
            }
            else avg = MathF.Sqrt(sq) + eps;
            if (momentum > 0)
            {
                float buf = momentumBuffer[i] * momentum + g / avg;
                momentumBuffer[i] = buf;
                param[i] -= lr * buf;
            }
            else param[i] -= lr * (g / avg);
        }
    }
}
