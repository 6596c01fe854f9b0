using NativeNet.Nn;

namespace NativeNet.Training;

/// <summary>
/// What an explanation of one prediction (<see cref="Saliency"/>, Grad-CAM) needs around its
/// backward pass: the model in eval mode (dropout off, batch-norm on running statistics), its
/// trainable parameters out of the gradient (nothing accumulates in their .Grad), and a dispose
/// scope for the temporaries. Disposing restores the parameters and the model's mode.
/// </summary>
public sealed class ExplainScope : IDisposable
{
    private readonly Module _model;
    private readonly bool _wasTraining;
    private readonly List<Tensor> _frozen;
    private readonly DisposeScope _tensors;
    private bool _disposed;

    private ExplainScope(Module model)
    {
        _model = model;
        _wasTraining = model.Training;
        _frozen = model.Parameters().Where(p => p.RequiresGrad).ToList();
        model.Eval();
        foreach (var p in _frozen) p.RequiresGrad = false;
        _tensors = Tensor.NewDisposeScope();
    }

    /// <summary>Enters the scope for <paramref name="model"/>.</summary>
    public static ExplainScope Enter(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ExplainScope(model);
    }

    /// <summary>Runs the backward pass of the score <c>Σ output ⊙ mask</c>, where <paramref name="mask"/> has one weight per output.</summary>
    public static void BackwardOfScore(Tensor output, float[] mask)
    {
        ArgumentNullException.ThrowIfNull(output);
        (output * Tensor.FromArray(mask, output.Shape)).Sum().Backward();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _tensors.Dispose();
        foreach (var p in _frozen) p.RequiresGrad = true;
        _model.Train(_wasTraining);
    }
}
