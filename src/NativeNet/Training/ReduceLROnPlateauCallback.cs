namespace NativeNet.Training;

/// <summary>
/// Multiplies the optimizer's learning rate by <see cref="Factor"/> when the monitored value has
/// not improved for <see cref="Patience"/> epochs, then waits <see cref="Cooldown"/> epochs
/// before watching again; never goes below <see cref="MinLearningRate"/>. Keras semantics
/// (absolute <c>minDelta</c>); <see cref="NativeNet.Optim.ReduceLROnPlateau"/> is the PyTorch-style
/// scheduler you step yourself in a manual loop.
/// </summary>
public sealed class ReduceLROnPlateauCallback : Callback
{
    private readonly Monitor _monitor;
    private int _wait;
    private int _cooldownLeft;

    /// <summary>Creates the callback.</summary>
    public ReduceLROnPlateauCallback(string monitor = "val_loss", double factor = 0.1, int patience = 10, double minDelta = 1e-4,
        int cooldown = 0, double minLearningRate = 0, MonitorMode mode = MonitorMode.Auto)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, $"factor must be in (0, 1). Received: factor={factor}");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, $"patience must be >= 0. Received: patience={patience}");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, $"cooldown must be >= 0. Received: cooldown={cooldown}");
        if (!(minLearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, $"minLearningRate must be >= 0. Received: minLearningRate={minLearningRate}");
        _monitor = new Monitor(monitor, mode, minDelta);
        Factor = factor; Patience = patience; Cooldown = cooldown; MinLearningRate = minLearningRate;
    }

    /// <summary>Multiplier applied on a plateau.</summary>
    public double Factor { get; }
    /// <summary>Epochs without improvement before reducing.</summary>
    public int Patience { get; }
    /// <summary>Epochs to wait after a reduction.</summary>
    public int Cooldown { get; }
    /// <summary>Floor of the learning rate.</summary>
    public double MinLearningRate { get; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) { _monitor.Reset(); _wait = 0; _cooldownLeft = 0; }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(context);
        double value = _monitor.Read(logs, nameof(ReduceLROnPlateauCallback));
        // Keras semantics: cooldown epochs count down and reset the wait; reduce after `patience` epochs without improvement.
        if (_cooldownLeft > 0) { _cooldownLeft--; _wait = 0; }
        if (_monitor.Improved(value)) { _wait = 0; return; }
        if (_cooldownLeft > 0) return;
        if (++_wait >= Math.Max(1, Patience))
        {
            double lr = context.LearningRate;
            double next = Math.Max(lr * Factor, MinLearningRate);
            if (next < lr) context.LearningRate = next;
            _cooldownLeft = Cooldown;
            _wait = 0;
        }
    }
}
