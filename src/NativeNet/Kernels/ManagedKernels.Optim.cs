using System.Numerics;
using static NativeNet.Kernels.ManagedVector;

namespace NativeNet.Kernels;

// The optimizer steps, Vector<float> wide; per element the same float operations, in the same
// order, as PyTorch's foreach=False loops.
internal sealed partial class ManagedKernels
{
    /// <inheritdoc />
    public void SgdStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, float lr, float momentum, float dampening,
                        float weightDecay, bool nesterov, bool maximize, bool firstStep)
    {
        KernelAssert.SameLength(param.Length, grad.Length, "grad", "param");
        if (momentum != 0) KernelAssert.SameLength(param.Length, momentumBuffer.Length, "momentumBuffer", "param");
        var vLr = new Vector<float>(lr);
        var vWd = new Vector<float>(weightDecay);
        var vMom = new Vector<float>(momentum);
        var vDamp = new Vector<float>(1 - dampening);
        for (int i = 0; i < param.Length; i += Width)
        {
            var p = Load(param, i);
            var d = Load(grad, i);
            if (maximize) d = -d;
            if (weightDecay != 0) d += vWd * p;
            if (momentum != 0)
            {
                var buf = firstStep ? d : vMom * Load(momentumBuffer, i) + vDamp * d;
                Store(buf, momentumBuffer, i);
                d = nesterov ? d + vMom * buf : buf;
            }
            Store(p - vLr * d, param, i);
        }
    }

    /// <inheritdoc />
    public void AdamSteps(ReadOnlySpan<AdamTensor> tensors, float lr, float beta1, float beta2, float eps, float weightDecay,
                          bool decoupledWeightDecay, bool amsgrad, bool maximize)
    {
        foreach (var t in tensors)
            AdamStep(t.Param.AsSpan(), t.Grad.Data, t.ExpAvg.AsSpan(), t.ExpAvgSq.AsSpan(), amsgrad ? t.MaxExpAvgSq!.AsSpan() : default,
                     lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, amsgrad, maximize, t.Step);
    }

    /// <inheritdoc />
    public void AdamStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq, Span<float> maxExpAvgSq,
                         float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool amsgrad, bool maximize, long step)
    {
        KernelAssert.SameLength(param.Length, grad.Length, "grad", "param");
        KernelAssert.SameLength(param.Length, expAvg.Length, "expAvg", "param");
        KernelAssert.SameLength(param.Length, expAvgSq.Length, "expAvgSq", "param");
        if (amsgrad) KernelAssert.SameLength(param.Length, maxExpAvgSq.Length, "maxExpAvgSq", "param");
        KernelAssert.That(step >= 1, $"step={step} (counts from 1)");
        float bc1 = 1 - MathF.Pow(beta1, step);
        float bc2 = 1 - MathF.Pow(beta2, step);
        float stepSize = lr / bc1;
        float bc2Sqrt = MathF.Sqrt(bc2);
        var vStep = new Vector<float>(stepSize);
        var vBc2Sqrt = new Vector<float>(bc2Sqrt);
        var vEps = new Vector<float>(eps);
        var vB1 = new Vector<float>(1 - beta1);
        var vB2 = new Vector<float>(beta2);
        var vOneMinusB2 = new Vector<float>(1 - beta2);
        var vDecay = new Vector<float>(decoupledWeightDecay ? 1 - lr * weightDecay : weightDecay);
        for (int i = 0; i < param.Length; i += Width)
        {
            var g = Load(grad, i);
            if (maximize) g = -g;
            var p = Load(param, i);
            if (weightDecay != 0)
            {
                if (decoupledWeightDecay) p *= vDecay;
                else g += vDecay * p;
            }
            var m0 = Load(expAvg, i);
            var m = m0 + (g - m0) * vB1;
            var v = Load(expAvgSq, i) * vB2 + vOneMinusB2 * g * g;
            Store(m, expAvg, i);
            Store(v, expAvgSq, i);
            var vm = v;
            if (amsgrad) { vm = Vector.Max(Load(maxExpAvgSq, i), v); Store(vm, maxExpAvgSq, i); }
            var denom = Vector.SquareRoot(vm) / vBc2Sqrt + vEps;
            Store(p - vStep * (m / denom), param, i);
        }
    }

    /// <inheritdoc />
    public void RmspropStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> squareAvg, Span<float> momentumBuffer, Span<float> gradAvg,
                            float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
    {
        KernelAssert.SameLength(param.Length, grad.Length, "grad", "param");
        KernelAssert.SameLength(param.Length, squareAvg.Length, "squareAvg", "param");
        if (momentum > 0) KernelAssert.SameLength(param.Length, momentumBuffer.Length, "momentumBuffer", "param");
        if (centered) KernelAssert.SameLength(param.Length, gradAvg.Length, "gradAvg", "param");
        var vLr = new Vector<float>(lr);
        var vAlpha = new Vector<float>(alpha);
        var vOneMinusAlpha = new Vector<float>(1 - alpha);
        var vEps = new Vector<float>(eps);
        var vWd = new Vector<float>(weightDecay);
        var vMom = new Vector<float>(momentum);
        for (int i = 0; i < param.Length; i += Width)
        {
            var p = Load(param, i);
            var g = Load(grad, i);
            if (maximize) g = -g;
            if (weightDecay != 0) g += vWd * p;
            var sq = Load(squareAvg, i) * vAlpha + vOneMinusAlpha * g * g;
            Store(sq, squareAvg, i);
            Vector<float> avg;
            if (centered)
            {
                var ga = Load(gradAvg, i) * vAlpha + vOneMinusAlpha * g;
                Store(ga, gradAvg, i);
                avg = Vector.SquareRoot(sq - ga * ga) + vEps;
            }
            else avg = Vector.SquareRoot(sq) + vEps;
            if (momentum > 0)
            {
                var buf = Load(momentumBuffer, i) * vMom + g / avg;
                Store(buf, momentumBuffer, i);
                Store(p - vLr * buf, param, i);
            }
            else Store(p - vLr * (g / avg), param, i);
        }
    }
}
