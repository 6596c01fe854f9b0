using NativeNet.Nn;

namespace NativeNet.Models;

/// <summary>
/// An image classifier made of a convolutional feature extractor and a linear head, with
/// torchvision's module names (so a torchvision state dict loads with strict checking). The head
/// can be replaced for transfer learning (<see cref="ReplaceHead"/>); <see cref="Features"/> gives
/// the pooled feature vector the head reads.
/// </summary>
public abstract class Backbone : Module
{
    /// <summary>Width of the pooled feature vector (the head's in_features).</summary>
    public abstract int FeatureCount { get; }

    /// <summary>The final linear layer.</summary>
    public abstract Linear Head { get; set; }

    /// <summary>The pooled, flattened features [N, FeatureCount] of NCHW images.</summary>
    public abstract Tensor Features(Tensor input);

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        using var f = Features(input);
        return HeadForward(f);
    }

    /// <summary>Runs the head on pooled features (a subclass adds dropout before it where torchvision does).</summary>
    private protected virtual Tensor HeadForward(Tensor features) => Head.Forward(features);

    /// <summary>Swaps the head for a freshly initialized Linear(FeatureCount, numClasses) (PyTorch's default init); returns it.</summary>
    public Linear ReplaceHead(int numClasses, Generator? generator = null)
    {
        if (numClasses <= 0) throw new ArgumentException($"numClasses must be positive. Received: numClasses={numClasses}", nameof(numClasses));
        var old = Head;
        var head = new Linear(FeatureCount, numClasses, true, generator);
        Head = head;
        old.Dispose();
        return head;
    }

    /// <summary>Checks that a new head reads <paramref name="features"/> features.</summary>
    private protected static Linear CheckHead(Linear value, int features)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.InFeatures != features)
            throw new ArgumentException($"The head must take {features} features. Received: Linear({value.InFeatures}, {value.OutFeatures})", nameof(value));
        return value;
    }

    /// <summary>Checks an NCHW image batch with 3 channels.</summary>
    private protected static void CheckImages(Tensor input, string model)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.ThrowIfDisposed();
        if (input.Rank != 4 || input.Size(1) != 3)
            throw new ArgumentException($"{model} expects RGB images [N, 3, H, W]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
    }
}

/// <summary>Children run one after the other in registration order, under their own names (PyTorch's nn.Sequential(OrderedDict)).</summary>
/// Registering a module again under an existing name (<see cref="Module.RegisterModule{T}"/>) replaces it in place.
public sealed class NamedSequential : Module
{
    /// <summary>Appends a child under <paramref name="name"/>; returns this.</summary>
    public NamedSequential Add(string name, Module module)
    {
        RegisterModule(name, module);
        return this;
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Tensor x = input;
        foreach (var layer in Children())
        {
            var next = layer.Forward(x);
            if (!ReferenceEquals(x, input)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? input.Clone() : x;
    }
}

/// <summary>torchvision's building blocks and initializers shared by the backbones.</summary>
internal static class TorchvisionInit
{
    /// <summary>Conv2dNormActivation: conv (no bias) "0", BatchNorm "1", activation "2" when given; padding (k − 1)/2.</summary>
    public static Sequential ConvNormActivation(int inChannels, int outChannels, int kernel, int stride = 1, int groups = 1, Module? activation = null)
    {
        var seq = new Sequential(new Conv2d(inChannels, outChannels, kernel, stride, (kernel - 1) / 2, 1, groups, bias: false), new BatchNorm2d(outChannels));
        if (activation is not null) seq.Add(activation);
        return seq;
    }

    /// <summary>
    /// torchvision's init loop: convolutions kaiming-normal (fan_out, or fan_in for DenseNet) with zero
    /// bias, BatchNorm weight 1 / bias 0; linear layers left to <paramref name="linear"/>.
    /// </summary>
    public static void Apply(Module model, bool convFanOut, Action<Linear>? linear = null)
    {
        foreach (var (_, m) in model.NamedModules())
        {
            switch (m)
            {
                case Conv2d c:
                    int rf = c.KernelSize.H * c.KernelSize.W;
                    int fan = convFanOut ? c.OutChannels * rf : c.InChannels / c.Groups * rf;  // PyTorch: fan_out = weight.size(0)·rf
                    Init.KaimingNormal(c.Weight, fan);
                    c.Bias?.Zero_();
                    break;
                case BatchNormBase bn:
                    bn.Weight?.Fill_(1f);
                    bn.Bias?.Zero_();
                    break;
                case Linear l:
                    linear?.Invoke(l);
                    break;
            }
        }
    }
}
