using NativeNet.Nn;
using NativeNet.Vision.Explain;

namespace NativeNet.Tests.Vision;

/// <summary>
/// Grad-CAM through a forward hook: the same map as the direct computation (the network run in two
/// halves, the second from a leaf copy of the explained activation), for a Sequential CNN and for a
/// module of another shape that calls its children through Module.Call; the model's mode and its
/// parameters are left as they were.
/// </summary>
public class GradCamTests
{
    private static Sequential Cnn(ulong seed, int outputs)
    {
        var g = new Generator(seed);
        return new Sequential(new Conv2d(2, 4, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(4, 6, 3, padding: 1, generator: g), new ReLU(), new Flatten(), new Linear(6 * 4 * 4, outputs, generator: g));
    }

    private static float[] Sample(int seed, int count)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(3, 2)]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    public void The_hooked_map_equals_the_split_network_computation(int outputs, int target)
    {
        using var model = Cnn(7, outputs);
        var x = Sample(outputs * 10 + target, 2 * 8 * 8);
        float[] viaHook = GradCam.Compute(model, x, [2, 8, 8], target);
        float[] direct = Direct(model, GradCam.TargetLayer(model), x, [2, 8, 8], target);
        Assert.Equal(64, viaHook.Length);
        for (int i = 0; i < direct.Length; i++) Assert.True(Math.Abs(direct[i] - viaHook[i]) <= 1e-5f, $"pixel {i}: {viaHook[i]} vs {direct[i]}");
        Assert.Contains(viaHook, v => v > 0);
    }

    [Fact]
    public void A_module_that_is_not_sequential_is_explained_at_any_layer_it_calls()
    {
        using var seq = Cnn(11, 3);
        var wrapped = new FeaturesAndHead(seq); // shares seq's layers: disposed with it
        var x = Sample(5, 2 * 8 * 8);
        seq.Train();
        Assert.Equal(GradCam.Compute(seq, x, [2, 8, 8], 1), GradCam.Compute(wrapped, seq[4], x, [2, 8, 8], 1));
        Assert.True(seq.Training);
        Assert.All(seq.Parameters(), p => { Assert.True(p.RequiresGrad); Assert.Null(p.Grad); });
        var unused = new Conv2d(2, 2, 1);
        Assert.Throws<ArgumentException>(() => GradCam.Compute(wrapped, unused, x, [2, 8, 8], 1));
    }

    [Fact]
    public void An_output_hook_that_changes_the_shape_is_refused()
    {
        using var model = Cnn(3, 2);
        using var hook = model[0].RegisterForwardOutputHook((_, _, o) => Tensor.Zeros(1, 1));
        Assert.Throws<InvalidOperationException>(() => model.Forward(Tensor.Zeros(1, 2, 8, 8)));
    }

    // The reference: run the layers up to the explained one, restart from a leaf copy, take its gradient.
    private static float[] Direct(Sequential model, int split, float[] sample, int[] shape, int target)
    {
        model.Eval();
        using var scope = Tensor.NewDisposeScope();
        var x = Tensor.FromArray(sample, [1, .. shape]);
        for (int i = 0; i <= split; i++) x = model[i].Forward(x);
        var a = Tensor.FromArray(x.ToArray(), x.Shape);
        a.RequiresGrad = true;
        var y = a;
        for (int i = split + 1; i < model.Count; i++) y = model[i].Forward(y);
        var mask = new float[y.Count];
        if (y.Count == 1) mask[0] = target == 0 ? -1 : 1; else mask[target] = 1;
        (y * Tensor.FromArray(mask, y.Shape)).Sum().Backward();
        float[] g = a.Grad!.ToArray(), act = a.ToArray();
        int k = a.Shape[1], plane = a.Shape[2] * a.Shape[3];
        var cam = new float[plane];
        for (int c = 0; c < k; c++)
        {
            double w = g.Skip(c * plane).Take(plane).Sum(v => (double)v) / plane;
            for (int i = 0; i < plane; i++) cam[i] += (float)(w * act[c * plane + i]);
        }
        float max = cam.Max(v => Math.Max(v, 0));
        var map = cam.Select(v => max > 0 ? Math.Max(v, 0) / max : 0).ToArray();
        foreach (var p in model.Parameters()) p.Grad = null;
        return NativeNet.Vision.Transforms.Resampler.Resize(new NativeNet.Vision.Imaging.FloatImage(map, 1, a.Shape[2], a.Shape[3]), shape[1], shape[2], antialias: false).Data;
    }

    [Fact]
    public void Backbones_are_explained_at_their_last_feature_map_although_they_dispose_it()
    {
        foreach (var model in new NativeNet.Models.Backbone[] { NativeNet.Models.ResNet.ResNet18(2), new NativeNet.Models.MobileNetV2(3) })
            using (model)
            {
                model.Train();
                var x = Sample(3, 3 * 32 * 32);
                float[] map = GradCam.Compute(model, x, [3, 32, 32], 1);
                Assert.Equal(32 * 32, map.Length);
                Assert.All(map, v => Assert.InRange(v, 0f, 1f));
                Assert.Equal(map, GradCam.Compute(model, model.FeatureMapLayer, x, [3, 32, 32], 1));
                Assert.True(model.Training);
                Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
            }
    }

    // Features and head held as two fields, the head applied by hand: not a Sequential.
    private sealed class FeaturesAndHead(Sequential inner) : Module
    {
        private readonly Sequential _features = new(inner[0], inner[1], inner[2], inner[3], inner[4]);
        private readonly Sequential _head = new(inner[5], inner[6]);

        public override Tensor Forward(Tensor input) => _head.Call(_features.Call(input));
    }
}
