using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Training;

/// <summary>Keras-style entry point: <c>model.Compile(optimizer, loss, "accuracy", "auc")</c>.</summary>
public static class TrainingExtensions
{
    /// <summary>Binds <paramref name="model"/> to an optimizer, a loss and metrics given by name.</summary>
    public static CompiledModel Compile(this Module model, Optimizer optimizer, Loss loss, params string[] metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return Compile(model, optimizer, loss, metrics.Select(Metric.FromName));
    }

    /// <summary>Binds <paramref name="model"/> to an optimizer, a loss and metric instances (built-in or your own).</summary>
    public static CompiledModel Compile(this Module model, Optimizer optimizer, Loss loss, IEnumerable<Metric> metrics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(metrics);
        return new CompiledModel(model, optimizer, loss, metrics.ToList());
    }
}
