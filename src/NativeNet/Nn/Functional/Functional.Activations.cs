namespace NativeNet.Nn;

// PyTorch's torch.nn.functional spelling of the activations, beside the tensor methods they call
// (F.relu(x) and x.relu() are the same op, recorded once on the tape).
public static partial class Functional
{
    /// <summary>max(x, 0) elementwise (same as <see cref="Tensor.Relu"/>).</summary>
    public static Tensor Relu(Tensor input) => NotNull(input).Relu();

    /// <summary>1 / (1 + e^−x) elementwise (same as <see cref="Tensor.Sigmoid"/>).</summary>
    public static Tensor Sigmoid(Tensor input) => NotNull(input).Sigmoid();

    /// <summary>tanh(x) elementwise (same as <see cref="Tensor.Tanh"/>).</summary>
    public static Tensor Tanh(Tensor input) => NotNull(input).Tanh();

    /// <summary>Softmax along <paramref name="dim"/> (same as <see cref="Tensor.Softmax"/>).</summary>
    public static Tensor Softmax(Tensor input, int dim) => NotNull(input).Softmax(dim);

    /// <summary>Log-softmax along <paramref name="dim"/> (same as <see cref="Tensor.LogSoftmax"/>).</summary>
    public static Tensor LogSoftmax(Tensor input, int dim) => NotNull(input).LogSoftmax(dim);

    private static Tensor NotNull(Tensor input, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(input))] string? name = null) =>
        input ?? throw new ArgumentNullException(name);
}
