using System.Globalization;

namespace NativeNet.Training;

/// <summary>
/// Saves the weights (safetensors, written atomically: temp file, flush, rename) after epochs.
/// The path may contain <c>{epoch}</c>, replaced by the 1-based epoch number. With
/// <see cref="SaveBestOnly"/>, it saves only when the monitored value improves, so the file
/// always holds the best model so far.
/// </summary>
public sealed class ModelCheckpoint : Callback
{
    private readonly Monitor _monitor;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">Target file, e.g. "best.safetensors" or "ckpt-{epoch}.safetensors".</param>
    /// <param name="monitor">Log key watched when <paramref name="saveBestOnly"/>.</param>
    /// <param name="saveBestOnly">Save only on improvement.</param>
    /// <param name="mode">Direction; Auto decides from the name.</param>
    public ModelCheckpoint(string path, string monitor = "val_loss", bool saveBestOnly = true, MonitorMode mode = MonitorMode.Auto)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        SaveBestOnly = saveBestOnly;
        _monitor = new Monitor(monitor, mode, 0);
    }

    /// <summary>The path template.</summary>
    public string Path { get; }
    /// <summary>Whether only improvements are saved.</summary>
    public bool SaveBestOnly { get; }
    /// <summary>The 1-based epoch last saved (0 before any).</summary>
    public int LastSavedEpoch { get; private set; }
    /// <summary>The file last written.</summary>
    public string? LastSavedPath { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) => _monitor.Reset();

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (SaveBestOnly && !_monitor.Improved(_monitor.Read(logs, nameof(ModelCheckpoint)))) return;
        string file = Path.Replace("{epoch}", context.Epoch.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        context.SaveWeights(file);
        LastSavedEpoch = context.Epoch;
        LastSavedPath = file;
    }
}
