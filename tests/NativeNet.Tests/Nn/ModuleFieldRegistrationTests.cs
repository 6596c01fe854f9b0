using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;

namespace NativeNet.Tests.Nn;

/// <summary>
/// A user module written PyTorch-style with plain fields: its layers, parameters and buffers are
/// registered without RegisterModule calls, in declaration order, and an optimizer of a module with
/// nothing to train is refused instead of silently training nothing.
/// </summary>
public class ModuleFieldRegistrationTests
{
    private class Net : Module
    {
        private readonly Linear _fc1 = new(4, 8);
        public Linear Fc2 { get; } = new(8, 3);
        private readonly Tensor _temperature;
        [Buffer] private readonly Tensor _calls = Tensor.Zeros(1);
        private readonly Tensor _notState = Tensor.Ones(3);   // no gradient, no [Buffer]: a plain constant

        public Net()
        {
            _temperature = Tensor.Ones(1);
            _temperature.RequiresGrad = true;
        }

        public override Tensor Forward(Tensor x) => Fc2.Forward(_fc1.Forward(x).Relu()) * _temperature + _notState;
    }

    private sealed class Deeper : Net
    {
        private readonly Sequential _head = new(new ReLU(), new Linear(3, 2));
        [NotRegistered] public Net? Shared { get; set; }

        public override Tensor Forward(Tensor x) => _head.Forward(base.Forward(x));
    }

    private sealed class Explicit : Module
    {
        private readonly Linear _fc;
        public Explicit() => _fc = RegisterModule("classifier", new Linear(2, 2));
        public override Tensor Forward(Tensor x) => _fc.Forward(x);
    }

    private sealed class Empty : Module
    {
        private readonly List<Linear> _hidden = [new Linear(2, 2)];   // collections are not scanned
        public override Tensor Forward(Tensor x) => _hidden[0].Forward(x);
    }

    [Fact]
    public void PlainFieldsRegisterInDeclarationOrderWithPyTorchNames()
    {
        using var net = new Net();
        Assert.Equal(["temperature", "calls", "fc1.weight", "fc1.bias", "Fc2.weight", "Fc2.bias"], net.StateDict().Keys);
        Assert.Equal(["temperature", "fc1.weight", "fc1.bias", "Fc2.weight", "Fc2.bias"], net.NamedParameters().Select(p => p.Name));
        Assert.Equal(["calls"], net.NamedBuffers().Select(b => b.Name));
        Assert.Equal(2, net.Children().Count());
        net.Eval();
        Assert.All(net.Children(), c => Assert.False(c.Training));
    }

    [Fact]
    public void BaseClassFieldsComeFirstAndNotRegisteredFieldsStayOut()
    {
        using var shared = new Net();
        using var net = new Deeper { Shared = shared };
        Assert.Equal(["fc1", "Fc2", "head"], net.NamedChildren().Select(c => c.Name));
        Assert.EndsWith("head.1.bias", net.StateDict().Keys.Last());
    }

    [Fact]
    public void ExplicitNamesAreKeptAndNotRegisteredTwice()
    {
        using var net = new Explicit();
        Assert.Equal(["classifier.weight", "classifier.bias"], net.StateDict().Keys);
    }

    [Fact]
    public void OptimizersRefuseAnEmptyParameterList()
    {
        using var net = new Empty();
        var e = Assert.Throws<ArgumentException>(() => new Adam(net.Parameters()));
        Assert.Contains("empty parameter list", e.Message);
        Assert.Throws<ArgumentException>(() => new SGD(Array.Empty<Tensor>(), lr: 0.1));
    }

    [Fact]
    public void AFieldOnlyModuleTrainsWithFit()
    {
        Generator.ManualSeed(3);
        using var net = new Net();
        var rng = new Random(1);
        var x = Enumerable.Range(0, 240).Select(_ => (float)rng.NextDouble() * 2 - 1).ToArray();
        var y = Enumerable.Range(0, 60).Select(i => (float)(x[i * 4] > 0 ? (x[i * 4 + 1] > 0 ? 2 : 1) : 0)).ToArray();
        var data = new Dataset(x, [4], y);
        var compiled = net.Compile(new Adam(net.Parameters(), lr: 0.02), new CrossEntropyLoss(), "accuracy");
        var before = net.StateDict()["fc1.weight"].ToArray();
        var history = compiled.Fit(data, epochs: 30, batchSize: 16, seed: 1);
        Assert.NotEqual(before, net.StateDict()["fc1.weight"].ToArray());
        Assert.True(history.Epochs[^1]["loss"] < history.Epochs[0]["loss"], "the loss falls");
    }
}
