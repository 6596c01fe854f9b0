using NativeNet;
using NativeNet.Nn;

namespace DiabetesCnnModule;

/// <summary>
/// The retinopathy CNN written as PyTorch users write <c>class DiabetesCNN(nn.Module)</c>: layers in
/// plain fields (registered automatically, state-dict keys conv1.weight, …), a Forward, and the
/// constructor arguments kept in properties of the same name, which is what lets
/// <c>Model.Save</c> record how to rebuild it.
/// </summary>
public sealed class DiabetesCNN : Module
{
    private readonly Conv2d _conv1;
    private readonly MaxPool2d _pool = new(2);
    private readonly Conv2d _conv2;
    private readonly Flatten _flatten = new();
    private readonly Linear _fc1;
    private readonly Dropout _dropout = new(0.3);
    private readonly Linear _fc2;

    /// <summary>A CNN for <paramref name="channels"/>×<paramref name="imageSize"/>×<paramref name="imageSize"/> images (the size a multiple of 4) and <paramref name="classes"/> classes.</summary>
    public DiabetesCNN(int channels = 3, int imageSize = 112, int classes = 2)
    {
        Channels = channels;
        ImageSize = imageSize;
        Classes = classes;
        _conv1 = new Conv2d(channels, 16, 3, padding: 1);
        _conv2 = new Conv2d(16, 32, 3, padding: 1);
        _fc1 = new Linear(32 * (imageSize / 4) * (imageSize / 4), 128);
        _fc2 = new Linear(128, classes);
    }

    /// <summary>Input channels (a constructor argument: Model.Save reads it back from here).</summary>
    public int Channels { get; }
    /// <summary>Input height and width.</summary>
    public int ImageSize { get; }
    /// <summary>Output logits.</summary>
    public int Classes { get; }

    /// <summary>Logits [N, classes] for images [N, channels, imageSize, imageSize].</summary>
    public override Tensor Forward(Tensor x)
    {
        x = _pool.Forward(_conv1.Forward(x).Relu());
        x = _pool.Forward(_conv2.Forward(x).Relu());
        x = _fc1.Forward(_flatten.Forward(x)).Relu();
        return _fc2.Forward(_dropout.Forward(x));
    }
}
