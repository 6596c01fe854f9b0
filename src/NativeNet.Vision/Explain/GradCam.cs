using NativeNet.Nn;

namespace NativeNet.Vision.Explain;

/// <summary>
/// Grad-CAM (Selvaraju et al., 2017) for a <see cref="Sequential"/> CNN: the activation A of the
/// last convolution (after its activation function) weighted per channel by the spatial mean of
/// ∂score/∂A, summed, ReLU'd, scaled to [0, 1] and resized to the input. The network is split at
/// that layer and run in two halves, the second from a leaf tensor holding A; a network with
/// forward hooks could take A from a hook instead, with the same result.
/// </summary>
public static class GradCam
{
    /// <summary>Index of the layer whose output is explained: the last Conv2d, or the activation right after it.</summary>
    public static int TargetLayer(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        int conv = -1;
        for (int i = 0; i < model.Count; i++) if (model[i] is Conv2d) conv = i;
        if (conv < 0) throw new ArgumentException("Grad-CAM needs a network with a Conv2d layer.", nameof(model));
        return conv + 1 < model.Count && model[conv + 1] is ReLU ? conv + 1 : conv;
    }

    /// <summary>The heat map of <paramref name="sample"/> ([C, H, W]) for <paramref name="targetClass"/>, [H, W] in [0, 1].</summary>
    /// <param name="model">The CNN (eval mode is used; its mode is restored).</param>
    /// <param name="sample">The preprocessed image.</param>
    /// <param name="sampleShape">[C, H, W].</param>
    /// <param name="targetClass">Output explained (for a single-logit binary model, 1 explains the positive class and 0 the negative).</param>
    public static float[] Compute(Sequential model, ReadOnlySpan<float> sample, int[] sampleShape, int targetClass)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        int split = TargetLayer(model);
        bool wasTraining = model.Training;
        var frozen = model.Parameters().Where(p => p.RequiresGrad).ToList();
        model.Eval();
        foreach (var p in frozen) p.RequiresGrad = false;
        try
        {
            using var scope = Tensor.NewDisposeScope();
            var x = Tensor.FromSpan(sample, [1, .. sampleShape]);
            for (int i = 0; i <= split; i++) x = model[i].Forward(x);
            var shape = x.Shape.ToArray();                         // [1, K, h, w]
            var a = Tensor.FromArray(x.ToArray(), shape);
            a.RequiresGrad = true;
            var y = a;
            for (int i = split + 1; i < model.Count; i++) y = model[i].Forward(y);
            int outputs = y.Count;
            var mask = new float[outputs];
            if (outputs == 1) mask[0] = targetClass == 0 ? -1 : 1;
            else if ((uint)targetClass < (uint)outputs) mask[targetClass] = 1;
            else throw new ArgumentOutOfRangeException(nameof(targetClass), targetClass, $"targetClass must be in 0..{outputs - 1}. Received: targetClass={targetClass}");
            (y * Tensor.FromArray(mask, y.Shape)).Sum().Backward();
            var grad = a.Grad ?? throw new InvalidOperationException("The output does not depend on the last convolution.");
            var g = grad.ToArray();
            var act = a.ToArray();
            grad.Dispose();
            a.Grad = null;
            int k = shape[1], h = shape[2], w = shape[3], plane = h * w;
            var cam = new float[plane];
            for (int c = 0; c < k; c++)
            {
                double weight = 0;
                for (int i = 0; i < plane; i++) weight += g[c * plane + i];
                weight /= plane;
                for (int i = 0; i < plane; i++) cam[i] += (float)(weight * act[c * plane + i]);
            }
            float max = 0;
            for (int i = 0; i < plane; i++) { cam[i] = Math.Max(cam[i], 0); max = Math.Max(max, cam[i]); }
            if (max > 0) for (int i = 0; i < plane; i++) cam[i] /= max;
            var resized = Transforms.Resampler.Resize(new Imaging.FloatImage(cam, 1, h, w), sampleShape[1], sampleShape[2], antialias: false);
            return resized.Data;
        }
        finally
        {
            foreach (var p in frozen) p.RequiresGrad = true;
            model.Train(wasTraining);
        }
    }
}
