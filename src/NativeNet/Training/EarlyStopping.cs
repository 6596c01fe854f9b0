namespace NativeNet.Training;

/// <summary>
/// Stops training when the monitored value has not improved by more than
/// <see cref="MinDelta"/> for <see cref="Patience"/> epochs. With
/// <see cref="RestoreBestWeights"/>, the model ends with the weights of its best epoch
/// (restored when training ends, whether stopped early or not).
/// </summary>
public sealed class EarlyStopping : Callback
{
    private readonly Monitor _monitor;
    private IReadOnlyDictionary<string, float[]>? _bestWeights;
    private int _wait;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">Log key, e.g. "val_loss" or "val_auc".</param>
    /// <param name="patience">Epochs without improvement before stopping.</param>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    /// <param name="mode">Direction; Auto decides from the name.</param>
    /// <param name="restoreBestWeights">Restore the best epoch's weights at the end.</param>
    public EarlyStopping(string monitor = "val_loss", int patience = 0, double minDelta = 0, MonitorMode mode = MonitorMode.Auto, bool restoreBestWeights = false)
    {
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, $"patience must be >= 0. Received: patience={patience}");
        _monitor = new Monitor(monitor, mode, minDelta);
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta => _monitor.MinDelta;
    /// <summary>Whether the best weights are restored at the end.</summary>
    public bool RestoreBestWeights { get; }
    /// <summary>Whether higher values are better.</summary>
    public bool Maximize => _monitor.Maximize;
    /// <summary>The best monitored value seen.</summary>
    public double BestValue => _monitor.Best;
    /// <summary>The 1-based epoch of the best value (0 before any).</summary>
    public int BestEpoch { get; private set; }
    /// <summary>The epoch after which training was stopped (0 when it was not).</summary>
    public int StoppedEpoch { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        _monitor.Reset();
        _bestWeights = null;
        _wait = 0;
        BestEpoch = 0;
        StoppedEpoch = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(context);
        double value = _monitor.Read(logs, nameof(EarlyStopping));
        if (_monitor.Improved(value))
        {
            BestEpoch = context.Epoch;
            _wait = 0;
            if (RestoreBestWeights) _bestWeights = context.GetWeights();
            return;
        }
        if (++_wait >= Math.Max(1, Patience)) // Keras semantics: stop after `patience` epochs without improvement
        {
            StoppedEpoch = context.Epoch;
            context.StopTraining = true;
        }
    }

    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (RestoreBestWeights && _bestWeights is not null && BestEpoch != context.Epoch) context.SetWeights(_bestWeights);
    }
}
