using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Serialization;

namespace NativeNet.Tests.Serialization;

/// <summary>
/// A run interrupted by a checkpoint and resumed in fresh objects (different initial weights,
/// learning rate and generator state) must end bitwise equal to the uninterrupted run. Dropout and
/// the per-epoch shuffle draw from Generator.Default, so the generator state matters.
/// </summary>
public class CheckpointTests
{
    private const int Epochs = 6, Interrupt = 3;

    private static Sequential Net(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(new Linear(4, 16, generator: g), new ReLU(), new Dropout(0.3), new Linear(16, 2, generator: g));
    }

    private static Optimizer MakeOptimizer(string kind, Module net, double lr) => kind switch
    {
        "adam" => new Adam(net.Parameters(), lr: lr, weightDecay: 1e-3),
        _ => new SGD(net.Parameters(), lr: lr, momentum: 0.9, nesterov: true),
    };

    private static void Train(Module net, Optimizer opt, int fromEpoch, int toEpoch)
    {
        var data = new float[32 * 4];
        var target = new float[32 * 2];
        var dataGen = new Generator(5);
        dataGen.FillNormal(data, 0, 1);
        dataGen.FillNormal(target, 0, 1);
        using var x = Tensor.FromArray(data, 32, 4);
        using var y = Tensor.FromArray(target, 32, 2);
        var loss = new MSELoss();
        net.Train();
        for (int epoch = fromEpoch; epoch < toEpoch; epoch++)
        {
            int[] order = Generator.Default.Permutation(32);
            for (int b = 0; b < 32; b += 8)
            {
                using var scope = Tensor.NewDisposeScope();
                var xb = x.IndexSelect(order.AsSpan(b, 8));
                var yb = y.IndexSelect(order.AsSpan(b, 8));
                opt.ZeroGrad();
                loss.Forward(net.Forward(xb), yb).Backward();
                opt.Step();
            }
        }
    }

    private static float[] Flat(Module net) => net.Parameters().SelectMany(p => p.ToArray()).ToArray();

    [Theory]
    [InlineData("adam")]
    [InlineData("sgd")]
    public void Resuming_from_a_checkpoint_is_bitwise_identical_to_an_uninterrupted_run(string kind)
    {
        using var dir = new TempDir();
        string path = dir.File("ckpt.safetensors");

        Generator.ManualSeed(123);
        using var straight = Net(1);
        var straightOpt = MakeOptimizer(kind, straight, 0.01);
        Train(straight, straightOpt, 0, Epochs);
        float[] expected = Flat(straight);

        Generator.ManualSeed(123);
        using (var first = Net(1))
        {
            var firstOpt = MakeOptimizer(kind, first, 0.01);
            Train(first, firstOpt, 0, Interrupt);
            Checkpoint.Save(path, first, firstOpt, Interrupt, extraMetadata: new Dictionary<string, string> { ["note"] = "half way" });
        }

        Generator.ManualSeed(999);
        using var resumed = Net(77);
        var resumedOpt = MakeOptimizer(kind, resumed, 0.5);
        var info = Checkpoint.Load(path, resumed, resumedOpt);
        Assert.Equal(Interrupt, info.Epoch);
        Assert.Equal("half way", info.Metadata["note"]);
        Assert.Equal(0.01, resumedOpt.LearningRate);
        Train(resumed, resumedOpt, info.Epoch, Epochs);
        Assert.Equal(expected, Flat(resumed));

        // Without the generator state the run diverges: the test can tell.
        Generator.ManualSeed(999);
        using var noRng = Net(77);
        var noRngOpt = MakeOptimizer(kind, noRng, 0.5);
        Checkpoint.Load(path, noRng, noRngOpt, generators: new Dictionary<string, Generator>());
        Train(noRng, noRngOpt, Interrupt, Epochs);
        Assert.NotEqual(expected, Flat(noRng));
    }

    [Fact]
    public void Checkpoint_holds_optimizer_buffers_as_tensors_and_scalars_in_metadata()
    {
        using var dir = new TempDir();
        string path = dir.File("ckpt.safetensors");
        Generator.ManualSeed(1);
        using var net = Net(2);
        var opt = MakeOptimizer("adam", net, 0.001);
        Train(net, opt, 0, 1);
        Checkpoint.Save(path, net, opt, 1);
        using var file = SafetensorsFile.Open(path);
        Assert.Contains("model.0.weight", file.Entries.Select(e => e.Name));
        Assert.Contains("optimizer.state.0.exp_avg", file.Entries.Select(e => e.Name));
        Assert.Contains("optimizer.state.3.exp_avg_sq", file.Entries.Select(e => e.Name));
        Assert.Equal("4", file.Metadata["optimizer.state.0.step"]);
        Assert.Equal("0.001", file.Metadata["optimizer.param_groups.0.lr"]);
        Assert.Equal("Adam", file.Metadata["optimizer.type"]);
        Assert.Equal(6, file.Metadata["rng.default"].Split(',').Length);
    }

    [Fact]
    public void Mismatched_or_corrupt_checkpoints_throw_InvalidDataException()
    {
        using var dir = new TempDir();
        string path = dir.File("ckpt.safetensors");
        using var net = Net(3);
        var adam = MakeOptimizer("adam", net, 0.001);
        Train(net, adam, 0, 1);
        Checkpoint.Save(path, net, adam, 1);

        using var other = Net(4);
        var sgd = MakeOptimizer("sgd", other, 0.1);
        Assert.Contains("Adam", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, other, sgd)).Message);

        using var wider = new Sequential(new Linear(4, 32), new ReLU(), new Dropout(0.3), new Linear(32, 2));
        Assert.Contains(path, Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, wider, null)).Message);

        byte[] bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("SHA-256", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(path, other, null)).Message);
    }
}
