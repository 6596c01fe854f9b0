using NativeNet.Data;
using NativeNet.Nn;

namespace NativeNet.Tests.Data;

/// <summary>PyTorch habits: TensorDataset-style construction and the functional activations.</summary>
public class TensorDatasetTests
{
    [Fact]
    public void FromTensorsAndToTensorsRoundTripImagesAndLabels()
    {
        var x = Enumerable.Range(0, 3 * 2 * 4 * 4).Select(i => i * 0.5f).ToArray();
        using var features = Tensor.FromArray(x, 3, 2, 4, 4);
        using var labels = Tensor.FromArray([0f, 2f, 1f], 3);
        var ds = Dataset.FromTensors(features, labels);
        Assert.Equal(3, ds.Count);
        Assert.Equal([2, 4, 4], ds.SampleShape);
        Assert.Equal(1, ds.TargetWidth);
        Assert.Equal([0, 2, 1], ds.GetLabels());
        var (f, y) = ds.ToTensors();
        using (f)
        using (y)
        {
            Assert.Equal([3, 2, 4, 4], f.Shape);
            Assert.Equal(x, f.ToArray());
            Assert.Equal([3], y.Shape);
        }
        using var wide = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 3, 2);
        Assert.Equal(2, Dataset.FromTensors(features, wide).TargetWidth);
        using var wrongCount = Tensor.FromArray([1f, 2f], 2);
        Assert.Contains("N = 3", Assert.Throws<ArgumentException>(() => Dataset.FromTensors(features, wrongCount)).Message);
    }

    [Fact]
    public void FunctionalActivationsAreTheTensorMethods()
    {
        using var x = Tensor.FromArray([-2f, -0.5f, 0f, 0.5f, 2f, 3f], 2, 3);
        Assert.Equal(x.Relu().ToArray(), Functional.Relu(x).ToArray());
        Assert.Equal(x.Sigmoid().ToArray(), Functional.Sigmoid(x).ToArray());
        Assert.Equal(x.Tanh().ToArray(), Functional.Tanh(x).ToArray());
        var softmax = Functional.Softmax(x, 1).ToArray();
        Assert.Equal(1f, softmax[0] + softmax[1] + softmax[2], 5);
        Assert.Equal(MathF.Log(softmax[4]), Functional.LogSoftmax(x, -1).ToArray()[4], 5);
        Assert.Throws<ArgumentNullException>(() => Functional.Relu(null!));
    }
}
