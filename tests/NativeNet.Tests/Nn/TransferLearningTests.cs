using NativeNet.Models;
using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Tests.Nn;

/// <summary>Freezing by name, BatchNorm kept in inference mode while frozen, head replacement, parameter groups, hooks and Summary on the backbones.</summary>
public class TransferLearningTests
{
    private static Tensor Images(int n, int size, ulong seed) => Tensor.Normal([n, 3, size, size], 0, 1, new Generator(seed));

    private static void TrainStep(Module model, Optimizer opt, Tensor x, int[] target)
    {
        opt.ZeroGrad();
        using var y = model.Call(x);
        using var loss = Functional.CrossEntropy(y, target);
        loss.Backward();
        opt.Step();
    }

    [Fact]
    public void Frozen_layers_and_their_batchnorm_statistics_stay_unchanged_while_the_rest_trains()
    {
        using var model = ResNet.ResNet18(numClasses: 3);
        int frozen = model.Freeze("layer1.*", "conv1", "bn1");
        Assert.Equal(model.NamedParametersMatching("layer1", "conv1", "bn1").Count(), frozen);
        Assert.All(model.NamedParameters(), p => Assert.Equal(!(p.Name.StartsWith("layer1.") || p.Name.StartsWith("conv1.") || p.Name.StartsWith("bn1.")), p.Parameter.RequiresGrad));
        var before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        model.Train();
        var opt = new SGD(model.Parameters(), 0.1, 0.9);
        using var x = Images(4, 32, 1);
        TrainStep(model, opt, x, [0, 1, 2, 1]);
        foreach (var (name, t) in model.StateDict())
        {
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
            bool inFrozen = name.StartsWith("layer1.", StringComparison.Ordinal) || name.StartsWith("conv1.", StringComparison.Ordinal) || name.StartsWith("bn1.", StringComparison.Ordinal);
            bool same = before[name].AsSpan().SequenceEqual(t.ToArray());
            Assert.True(inFrozen == same, $"{name}: {(inFrozen ? "changed although frozen" : "did not train")}");
        }
        model.Unfreeze();
        Assert.All(model.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.All(model.NamedModules().Select(m => m.Module).OfType<BatchNormBase>(), bn => Assert.False(bn.StatisticsFrozen));
    }

    [Fact]
    public void A_pattern_matching_nothing_is_an_error_naming_it()
    {
        using var model = new MobileNetV2(numClasses: 2);
        var e = Assert.Throws<ArgumentException>(() => model.Freeze("layer1.*"));
        Assert.Contains("layer1.*", e.Message);
        Assert.Equal(model.Parameters().Count() - 2, model.Freeze("features.*"));
    }

    [Fact]
    public void Heads_are_replaceable_and_parameter_groups_train_at_their_own_rates()
    {
        using var model = ResNet.ResNet18(numClasses: 1000);
        var head = model.ReplaceHead(4);
        Assert.Same(head, model.Fc);
        Assert.Equal(new[] { 4, 512 }, model.StateDict()["fc.weight"].Shape);
        model.Fc = new Linear(512, 2);
        Assert.Throws<ArgumentException>(() => model.Fc = new Linear(100, 2));
        using var x = Images(2, 32, 2);
        using (var y = model.Call(x)) Assert.Equal(new[] { 2, 2 }, y.Shape);

        // Backbone at learning rate 0 (a group of its own), head at 0.5.
        var backbone = model.NamedParameters().Where(p => !p.Name.StartsWith("fc.", StringComparison.Ordinal)).Select(p => p.Parameter);
        var opt = new SGD(backbone, 0.0);
        opt.AddParamGroup(new ParamGroup(model.NamedParametersMatching("fc").Select(p => p.Parameter), 0.5, 0));
        float conv = model.StateDict()["conv1.weight"].ToArray()[0], fc = model.StateDict()["fc.weight"].ToArray()[0];
        model.Train();
        TrainStep(model, opt, x, [0, 1]);
        Assert.Equal(conv, model.StateDict()["conv1.weight"].ToArray()[0]);
        Assert.NotEqual(fc, model.StateDict()["fc.weight"].ToArray()[0]);
    }

    [Fact]
    public void Forward_hooks_see_feature_maps_and_are_removed_by_their_handle()
    {
        using var model = ResNet.ResNet18(numClasses: 2);
        model.Eval();
        var shapes = new List<int[]>();
        var handle = model.Layer(4).RegisterForwardHook((_, _, output) => shapes.Add(output.Shape));
        using var x = Images(2, 64, 3);
        using (global::NativeNet.Autograd.NoGrad())
        {
            using (model.Call(x)) { }
            handle.Dispose();
            using (model.Call(x)) { }
        }
        Assert.Single(shapes);
        Assert.Equal(new[] { 2, 512, 2, 2 }, shapes[0]);

        // A hooked Linear before a ReLU in a Sequential reports its own (pre-activation) output.
        using var seq = new Sequential(new Linear(3, 4), new ReLU());
        Tensor? seen = null;
        using var h = seq[0].RegisterForwardHook((_, _, o) => seen = o.Clone());
        using var input = Tensor.FromArray([1f, -2f, 3f], 1, 3);
        using var outp = seq.Call(input);
        using var pre = Functional.Linear(input, ((Linear)seq[0]).Weight, ((Linear)seq[0]).Bias);
        Assert.Equal(pre.ToArray(), seen!.ToArray());
        seen.Dispose();
    }

    [Fact]
    public void Summary_lists_layers_shapes_and_parameter_counts()
    {
        using var model = ResNet.ResNet18(numClasses: 5);
        model.Freeze("layer1", "layer2");
        model.Train();
        string table = model.Summary(1, 3, 64, 64);
        Assert.Contains("conv1 (Conv2d)", table);
        Assert.Contains("[-1, 64, 32, 32]", table);
        Assert.Contains("fc (Linear)", table);
        Assert.Contains("[-1, 5]", table);
        long total = model.Parameters().Sum(p => (long)p.Count);
        Assert.Equal(11_179_077, total);   // torchvision's resnet18(num_classes=5)
        long trainable = model.Parameters().Where(p => p.RequiresGrad).Sum(p => (long)p.Count);
        Assert.Contains($"Total params: {total:N0}", table);
        Assert.Contains($"Trainable params: {trainable:N0}", table);
        Assert.True(model.Training, "Summary must restore the training mode");
        Assert.All(model.StateDict().Where(kv => kv.Key.EndsWith("num_batches_tracked")), kv => Assert.Equal(0f, kv.Value.ToArray()[0]));
    }

    [Fact]
    public void Torchvision_backbones_save_and_load_as_model_files()
    {
        string dir = Directory.CreateTempSubdirectory("nn-backbone-").FullName;
        try
        {
            foreach (var make in new Func<Backbone>[] { () => ResNet.ResNet18(3), () => new MobileNetV2(2, dropout: 0.3) })
            {
                using var model = make();
                model.Eval();
                string path = Path.Combine(dir, model.TorchvisionName + ".safetensors");
                NativeNet.Serialization.Model.Save(model, path);
                using var loaded = Assert.IsAssignableFrom<Backbone>(NativeNet.Serialization.Model.Load(path));
                Assert.Equal(model.GetType(), loaded.GetType());
                Assert.Equal(model.ToSpec().ToJson(), loaded.ToSpec().ToJson());
                using var x = Images(2, 32, 5);
                using var a = model.Call(x);
                using var b = loaded.Call(x);
                Assert.Equal(a.ToArray(), b.ToArray());
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_custom_configuration_does_not_claim_a_torchvision_name()
    {
        using var custom = new ResNet(false, [1, 1, 1, 1], 2);
        Assert.Null(custom.TorchvisionName);
        Assert.Contains("custom configuration", Assert.Throws<NotSupportedException>(() => custom.ToSpec()).Message);
    }

    [Theory]
    [InlineData("{\"name\": \"resnet999\", \"num_classes\": 3}", "'name' must be one of")]
    [InlineData("{\"name\": \"resnet18\", \"num_classes\": 0}", "'num_classes' must be in")]
    [InlineData("{\"name\": \"resnet18\", \"num_classes\": 1073741824}", "'num_classes' must be in")]
    [InlineData("{\"name\": \"mobilenet_v2\", \"num_classes\": 2, \"dropout\": 1.5}", "'dropout' must be in")]
    public void A_hostile_torchvision_spec_is_refused_before_anything_is_built(string config, string expected)
    {
        var spec = NativeNet.Nn.ModuleSpec.FromJson($"{{\"Type\": \"Torchvision\", \"Config\": {config}}}");
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => Module.FromSpec(spec)).Message);
    }

    [Fact]
    public void Pretrained_weights_load_into_the_features_and_into_the_head_only_when_it_fits()
    {
        string dir = Directory.CreateTempSubdirectory("nn-pretrained-").FullName;
        try
        {
            string path = Path.Combine(dir, "imagenet.safetensors");
            using var source = ResNet.ResNet18();
            NativeNet.Serialization.StateDictFile.Save(source, path);
            var want = source.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

            using var three = ResNet.ResNet18(3);
            var freshHead = three.Head.Weight.ToArray();
            Assert.False(three.LoadPretrained(path));
            foreach (var (name, t) in three.StateDict())
                Assert.True(name.StartsWith("fc.", StringComparison.Ordinal) ? t.ToArray().AsSpan().SequenceEqual(name == "fc.weight" ? freshHead : t.ToArray()) : want[name].AsSpan().SequenceEqual(t.ToArray()), name);
            Assert.Equal(freshHead, three.Head.Weight.ToArray());

            using var thousand = ResNet.ResNet18();
            thousand.Head.Weight.Zero_();
            Assert.True(thousand.LoadPretrained(path));
            Assert.Equal(want["fc.weight"], thousand.Head.Weight.ToArray());

            // Freezing the features leaves the head, and only the head, to train.
            int frozen = three.FreezeFeatures();
            Assert.Equal(three.NamedParameters().Count() - 2, frozen);
            Assert.All(three.NamedParameters(), p => Assert.Equal(p.Name.StartsWith("fc.", StringComparison.Ordinal), p.Parameter.RequiresGrad));

            var e = Assert.Throws<InvalidDataException>(() => new MobileNetV2(2).LoadPretrained(path));
            Assert.Contains("is not a mobilenet_v2 state dict", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
