using NativeNet.Nn;

namespace NativeNet.Training;

/// <summary>
/// Gradient × input saliency: for one input x and one output class c, the map
/// x ⊙ ∂logit_c/∂x — which pixels pushed the model towards c, and how strongly. Computed in eval
/// mode; the model's parameters get no gradient and its mode is restored.
/// </summary>
public static class Saliency
{
    /// <summary>The saliency map of one sample (same shape as the sample).</summary>
    /// <param name="model">A model mapping [1, ..sampleShape] to [1, classes] scores.</param>
    /// <param name="sample">The sample's values, e.g. a CHW image.</param>
    /// <param name="sampleShape">Its shape, e.g. [1, 28, 28].</param>
    /// <param name="targetClass">The output whose score is explained.</param>
    public static float[] GradientTimesInput(Module model, ReadOnlySpan<float> sample, int[] sampleShape, int targetClass)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sampleShape);
        using var scope = ExplainScope.Enter(model);
        var x = Tensor.FromSpan(sample, [1, .. sampleShape]);
        x.RequiresGrad = true;
        var output = model.Forward(x);
        int classes = output.Count;
        if ((uint)targetClass >= (uint)classes)
            throw new ArgumentOutOfRangeException(nameof(targetClass), targetClass, $"targetClass must be in 0..{classes - 1}. Received: targetClass={targetClass}");
        var mask = new float[classes];
        mask[targetClass] = 1;
        ExplainScope.BackwardOfScore(output, mask);
        var grad = x.Grad ?? throw new InvalidOperationException("The model's output does not depend on its input.");
        var g = grad.ToArray();
        for (int i = 0; i < g.Length; i++) g[i] *= sample[i];
        grad.Dispose();
        x.Grad = null;
        return g;
    }
}
