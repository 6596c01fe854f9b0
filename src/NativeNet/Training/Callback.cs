namespace NativeNet.Training;

/// <summary>
/// Hooks into training. Implement the interface, or derive from <see cref="Callback"/> and
/// override only what you need. Calls come on the training thread, in this order:
/// OnTrainBegin, then per epoch OnEpochBegin, OnBatchEnd per batch, OnEpochEnd (with the
/// epoch's logs, validation included), and finally OnTrainEnd (also after a stop or cancellation).
/// </summary>
public interface ICallback
{
    /// <summary>Before the first epoch.</summary>
    void OnTrainBegin(TrainingContext context);
    /// <summary>Before each epoch.</summary>
    void OnEpochBegin(TrainingContext context);
    /// <summary>After each training batch, with its loss.</summary>
    void OnBatchEnd(TrainingContext context, int batch, double loss);
    /// <summary>After each epoch, with its logs ("loss", metrics, "val_*", "lr").</summary>
    void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs);
    /// <summary>After the last epoch.</summary>
    void OnTrainEnd(TrainingContext context);
}

/// <summary>A callback whose hooks do nothing until overridden.</summary>
public abstract class Callback : ICallback
{
    /// <inheritdoc />
    public virtual void OnTrainBegin(TrainingContext context) { }
    /// <inheritdoc />
    public virtual void OnEpochBegin(TrainingContext context) { }
    /// <inheritdoc />
    public virtual void OnBatchEnd(TrainingContext context, int batch, double loss) { }
    /// <inheritdoc />
    public virtual void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs) { }
    /// <inheritdoc />
    public virtual void OnTrainEnd(TrainingContext context) { }
}

/// <summary>A callback from delegates, for one-off hooks: <c>new LambdaCallback(onEpochEnd: (ctx, logs) =&gt; …)</c>.</summary>
public sealed class LambdaCallback(
    Action<TrainingContext, IReadOnlyDictionary<string, double>>? onEpochEnd = null,
    Action<TrainingContext, int, double>? onBatchEnd = null,
    Action<TrainingContext>? onTrainBegin = null,
    Action<TrainingContext>? onTrainEnd = null) : Callback
{
    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs) => onEpochEnd?.Invoke(context, logs);
    /// <inheritdoc />
    public override void OnBatchEnd(TrainingContext context, int batch, double loss) => onBatchEnd?.Invoke(context, batch, loss);
    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) => onTrainBegin?.Invoke(context);
    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context) => onTrainEnd?.Invoke(context);
}
