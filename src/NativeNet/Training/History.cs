using System.Text.Json;

namespace NativeNet.Training;

/// <summary>
/// What <c>Fit</c> returns: per-epoch logs ("loss", metric names, and "val_"-prefixed validation
/// values, plus "lr"), in epoch order.
/// </summary>
public sealed class History
{
    private readonly List<IReadOnlyDictionary<string, double>> _epochs = [];

    /// <summary>The logs of each completed epoch (index 0 = epoch 1).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, double>> Epochs => _epochs;

    /// <summary>Completed epochs.</summary>
    public int Count => _epochs.Count;

    /// <summary>Whether training ended because a callback asked it to stop (e.g. early stopping).</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>Whether training ended because the cancellation token fired.</summary>
    public bool Cancelled { get; internal set; }

    /// <summary>The series of one log key over the epochs, e.g. <c>history["val_loss"]</c> (NaN where an epoch lacks it).</summary>
    public IReadOnlyList<double> this[string key] => _epochs.Select(e => e.TryGetValue(key, out var v) ? v : double.NaN).ToList();

    /// <summary>Every key seen.</summary>
    public IReadOnlyList<string> Keys => _epochs.SelectMany(e => e.Keys).Distinct().ToList();

    /// <summary>Appends an epoch's logs.</summary>
    public void Add(IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        _epochs.Add(new Dictionary<string, double>(logs));
    }

    /// <summary>The history as JSON: <c>{"loss": [..], "val_loss": [..], …}</c>.</summary>
    public string ToJson()
    {
        var d = Keys.ToDictionary(k => k, k => this[k].Select(v => double.IsFinite(v) ? (double?)v : null).ToArray());
        return JsonSerializer.Serialize(d, new JsonSerializerOptions { WriteIndented = true });
    }
}
