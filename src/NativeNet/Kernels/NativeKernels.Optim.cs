using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NativeNet.Interop;

namespace NativeNet.Kernels;

internal sealed unsafe partial class NativeKernels
{
    /// <inheritdoc />
    public void SgdStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
    {
        KernelAssert.SameLength(param.Length, grad.Length, "grad", "param");
        if (momentum != 0) KernelAssert.SameLength(param.Length, momentumBuffer.Length, "momentumBuffer", "param");
        fixed (float* pp = param)
        fixed (float* pg = grad)
        fixed (float* pb = momentumBuffer)
            NativeStatus.Check(NativeMethods.nn_sgd_update(param.Length, pp, pg, momentum != 0 ? pb : null, lr, momentum, dampening, weightDecay,
                                                           nesterov ? 1 : 0, maximize ? 1 : 0, firstStep ? 1 : 0));
    }

    /// <inheritdoc />
    public void AdamStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq, Span<float> maxExpAvgSq, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool amsgrad, bool maximize, long step)
    {
        KernelAssert.SameLength(param.Length, grad.Length, "grad", "param");
        KernelAssert.SameLength(param.Length, expAvg.Length, "expAvg", "param");
        KernelAssert.SameLength(param.Length, expAvgSq.Length, "expAvgSq", "param");
        if (amsgrad) KernelAssert.SameLength(param.Length, maxExpAvgSq.Length, "maxExpAvgSq", "param");
        KernelAssert.That(step >= 1, $"step={step} (counts from 1)");
        int flags = (decoupledWeightDecay ? (int)nn_adam_flags.NN_ADAM_DECOUPLED_WEIGHT_DECAY : 0)
                  | (amsgrad ? (int)nn_adam_flags.NN_ADAM_AMSGRAD : 0)
                  | (maximize ? (int)nn_adam_flags.NN_ADAM_MAXIMIZE : 0);
        fixed (float* pp = param)
        fixed (float* pg = grad)
        fixed (float* pm = expAvg)
        fixed (float* pv = expAvgSq)
        fixed (float* pmax = maxExpAvgSq)
            NativeStatus.Check(NativeMethods.nn_adam_update(param.Length, pp, pg, pm, pv, amsgrad ? pmax : null, lr, beta1, beta2, eps, weightDecay, step, flags));
    }

    /// <inheritdoc />
    public void AdamSteps(ReadOnlySpan<AdamTensor> tensors, float lr, float beta1, float beta2, float eps, float weightDecay,
                          bool decoupledWeightDecay, bool amsgrad, bool maximize)
    {
        int count = tensors.Length;
        if (count == 0) return;
        int flags = (decoupledWeightDecay ? (int)nn_adam_flags.NN_ADAM_DECOUPLED_WEIGHT_DECAY : 0)
                  | (amsgrad ? (int)nn_adam_flags.NN_ADAM_AMSGRAD : 0)
                  | (maximize ? (int)nn_adam_flags.NN_ADAM_MAXIMIZE : 0);
        // Six pointer arrays and two long arrays, one allocation: a model has tens to hundreds of parameters.
        var mem = (nint*)NativeMemory.Alloc((nuint)(count * 8), (nuint)sizeof(nint));
        try
        {
            float** p = (float**)mem, g = p + count, m = g + count, v = m + count, vmax = v + count;
            long* sizes = (long*)(vmax + count), steps = sizes + count;
            for (int i = 0; i < count; i++)
            {
                var t = tensors[i];
                KernelAssert.SameLength(t.Param.Count, t.Grad.Count, "grad", "param");
                KernelAssert.SameLength(t.Param.Count, t.ExpAvg.Count, "expAvg", "param");
                KernelAssert.SameLength(t.Param.Count, t.ExpAvgSq.Count, "expAvgSq", "param");
                if (amsgrad) KernelAssert.SameLength(t.Param.Count, t.MaxExpAvgSq!.Count, "maxExpAvgSq", "param");
                KernelAssert.That(t.Step >= 1, $"step={t.Step} (counts from 1)");
                // Through AsSpan, as AdamStep's callers do: it marks the parameter written (packed-weight caches go stale).
                p[i] = Address(t.Param.AsSpan());
                g[i] = Address(t.Grad.Data);
                m[i] = Address(t.ExpAvg.AsSpan());
                v[i] = Address(t.ExpAvgSq.AsSpan());
                vmax[i] = amsgrad ? Address(t.MaxExpAvgSq!.AsSpan()) : null;
                sizes[i] = t.Param.Count;
                steps[i] = t.Step;
            }
            NativeStatus.Check(NativeMethods.nn_adam_update_multi(count, sizes, p, g, m, v, amsgrad ? vmax : null, lr, beta1, beta2, eps,
                                                                  weightDecay, steps, flags));
        }
        finally
        {
            NativeMemory.Free(mem);
        }
    }

    // Tensor memory is native: a span's first element has a fixed address.
    private static float* Address(ReadOnlySpan<float> s) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(s));

    /// <inheritdoc />
    public void RmspropStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> squareAvg, Span<float> momentumBuffer, Span<float> gradAvg, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
    {
        KernelAssert.SameLength(param.Length, grad.Length, "grad", "param");
        KernelAssert.SameLength(param.Length, squareAvg.Length, "squareAvg", "param");
        if (momentum > 0) KernelAssert.SameLength(param.Length, momentumBuffer.Length, "momentumBuffer", "param");
        if (centered) KernelAssert.SameLength(param.Length, gradAvg.Length, "gradAvg", "param");
        fixed (float* pp = param)
        fixed (float* pg = grad)
        fixed (float* psq = squareAvg)
        fixed (float* pb = momentumBuffer)
        fixed (float* pga = gradAvg)
            NativeStatus.Check(NativeMethods.nn_rmsprop_update(param.Length, pp, pg, psq, momentum > 0 ? pb : null, centered ? pga : null,
                                                               lr, alpha, eps, weightDecay, momentum, centered ? 1 : 0, maximize ? 1 : 0));
    }
}
