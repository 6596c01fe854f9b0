namespace NativeNet.Training;

/// <summary>What a progress report is about.</summary>
public enum ProgressKind
{
    /// <summary>A training batch finished.</summary>
    BatchEnd = 0,
    /// <summary>An epoch finished (training and validation metrics are final).</summary>
    EpochEnd = 1,
}

/// <summary>A snapshot of training, reported through <see cref="IProgress{T}"/>.</summary>
public sealed record TrainingProgress
{
    /// <summary>Batch or epoch end.</summary>
    public ProgressKind Kind { get; init; }
    /// <summary>1-based epoch.</summary>
    public int Epoch { get; init; }
    /// <summary>Epochs requested.</summary>
    public int Epochs { get; init; }
    /// <summary>Batches done in this epoch.</summary>
    public int Batch { get; init; }
    /// <summary>Batches per epoch.</summary>
    public int Batches { get; init; }
    /// <summary>Mean training loss so far in this epoch.</summary>
    public double Loss { get; init; }
    /// <summary>Training metrics so far in this epoch, and at epoch end the validation ones prefixed "val_".</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
    /// <summary>Time spent in this epoch.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Estimated time left in this epoch (zero at its end).</summary>
    public TimeSpan EstimatedRemaining => Batch <= 0 || Batch >= Batches ? TimeSpan.Zero : Elapsed / Batch * (Batches - Batch);
}
