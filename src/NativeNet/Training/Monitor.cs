namespace NativeNet.Training;

/// <summary>Whether a monitored quantity should fall or rise.</summary>
public enum MonitorMode
{
    /// <summary>Decide from the name: accuracy, AUC, precision, recall, F1, specificity, R² rise; everything else (losses, errors) falls.</summary>
    Auto = 0,
    /// <summary>Lower is better.</summary>
    Min = 1,
    /// <summary>Higher is better.</summary>
    Max = 2,
}

/// <summary>Tracks the best value of one log key, shared by the callbacks that watch a metric.</summary>
internal sealed class Monitor
{
    private static readonly string[] HigherIsBetter = ["acc", "auc", "precision", "recall", "sensitivity", "specificity", "f1", "r2"];

    public Monitor(string key, MonitorMode mode, double minDelta)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, $"minDelta must be >= 0. Received: minDelta={minDelta}");
        Key = key;
        Maximize = mode == MonitorMode.Max || (mode == MonitorMode.Auto && HigherIsBetter.Any(h => key.Contains(h, StringComparison.OrdinalIgnoreCase)));
        MinDelta = minDelta;
        Reset();
    }

    public string Key { get; }
    public bool Maximize { get; }
    public double MinDelta { get; }
    public double Best { get; private set; }

    public void Reset() => Best = Maximize ? double.NegativeInfinity : double.PositiveInfinity;

    /// <summary>The monitored value in <paramref name="logs"/>; throws naming the available keys when absent.</summary>
    public double Read(IReadOnlyDictionary<string, double> logs, string callback)
    {
        if (logs.TryGetValue(Key, out var v)) return v;
        throw new InvalidOperationException($"{callback} monitors '{Key}', which the epoch logs do not contain. Available: {string.Join(", ", logs.Keys)}.");
    }

    /// <summary>True (and records it) when <paramref name="value"/> beats the best by more than MinDelta.</summary>
    public bool Improved(double value)
    {
        if (double.IsNaN(value)) return false;
        bool better = Maximize ? value - MinDelta > Best : value + MinDelta < Best;
        if (better)
        {
            Best = value;
            return true;
        }
        return false;
    }
}
