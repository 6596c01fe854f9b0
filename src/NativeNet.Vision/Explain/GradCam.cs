using NativeNet.Nn;
using NativeNet.Training;

namespace NativeNet.Vision.Explain;

/// <summary>
/// Grad-CAM (Selvaraju et al., 2017): the activation A of a convolutional layer weighted per
/// channel by the spatial mean of ∂score/∂A, summed, ReLU'd, scaled to [0, 1] and resized to the
/// input. A forward hook on the layer (<see cref="Module.RegisterForwardOutputHook"/>) hands the
/// rest of the network a leaf copy of A, so ∂score/∂A is that leaf's gradient — for any module
/// that calls its children through <see cref="Module.Call"/> (Sequential, the torchvision backbones).
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

    /// <summary>The module explained by default: a Sequential's <see cref="TargetLayer"/>, a backbone's last feature map (<see cref="Models.Backbone.FeatureMapLayer"/>).</summary>
    public static Module TargetModule(Module model) => model switch
    {
        Sequential s => s[TargetLayer(s)],
        Models.Backbone b => b.FeatureMapLayer,
        null => throw new ArgumentNullException(nameof(model)),
        _ => throw new ArgumentException($"Grad-CAM picks a layer of a Sequential or a backbone by itself; for a {model.GetType().Name} name the layer (Compute(model, layer, …)).", nameof(model)),
    };

    /// <summary>The heat map of <paramref name="sample"/> ([C, H, W]) for <paramref name="targetClass"/> at <see cref="TargetModule"/>'s output, [H, W] in [0, 1].</summary>
    public static float[] Compute(Module model, ReadOnlySpan<float> sample, int[] sampleShape, int targetClass) =>
        Compute(model, TargetModule(model), sample, sampleShape, targetClass);

    /// <summary>The heat map of <paramref name="sample"/> ([C, H, W]) for <paramref name="targetClass"/> at <paramref name="layer"/>'s output ([1, K, h, w]), [H, W] in [0, 1].</summary>
    /// <param name="model">The network (eval mode is used; its mode and parameters are restored).</param>
    /// <param name="layer">A module inside <paramref name="model"/>, called once per forward pass.</param>
    /// <param name="sample">The preprocessed image.</param>
    /// <param name="sampleShape">[C, H, W].</param>
    /// <param name="targetClass">Output explained (for a single-logit binary model, 1 explains the positive class and 0 the negative).</param>
    public static float[] Compute(Module model, Module layer, ReadOnlySpan<float> sample, int[] sampleShape, int targetClass)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(sampleShape);
        using var scope = ExplainScope.Enter(model);
        var x = Tensor.FromSpan(sample, [1, .. sampleShape]);
        Tensor? a = null;
        Tensor y;
        using (layer.RegisterForwardOutputHook((_, _, output) =>
        {
            a = Tensor.FromArray(output.ToArray(), output.Shape); // a leaf: the rest of the network starts here
            a.RequiresGrad = true;
            return a.Clone(); // the network may dispose what it is handed (the backbones do); the leaf stays ours
        }))
            y = model.Forward(x);
        if (a is null) throw new ArgumentException("The layer was not called by the model's forward pass (containers must call their children through Module.Call).", nameof(layer));
        var shape = a.Shape;
        if (shape.Length != 4) throw new ArgumentException($"Grad-CAM needs a layer output of shape [1, K, h, w]. Received: [{string.Join(", ", shape)}]", nameof(layer));
        int outputs = y.Count;
        var mask = new float[outputs];
        if (outputs == 1) mask[0] = targetClass == 0 ? -1 : 1;
        else if ((uint)targetClass < (uint)outputs) mask[targetClass] = 1;
        else throw new ArgumentOutOfRangeException(nameof(targetClass), targetClass, $"targetClass must be in 0..{outputs - 1}. Received: targetClass={targetClass}");
        ExplainScope.BackwardOfScore(y, mask);
        var grad = a.Grad ?? throw new InvalidOperationException("The output does not depend on the explained layer.");
        var g = grad.ToArray();
        var act = a.ToArray();
        grad.Dispose();
        a.Grad = null;
        a.Dispose();
        return Map(act, g, shape[1], shape[2], shape[3], sampleShape[1], sampleShape[2]);
    }

    // Σ_c mean(∂score/∂A_c) · A_c, ReLU'd, scaled to [0, 1], resized to the input.
    private static float[] Map(float[] act, float[] g, int k, int h, int w, int height, int width)
    {
        int plane = h * w;
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
        return Transforms.Resampler.Resize(new Imaging.FloatImage(cam, 1, h, w), height, width, antialias: false).Data;
    }
}
