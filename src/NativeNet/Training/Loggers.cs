using System.Globalization;
using System.Text;
using NativeNet.Serialization;

namespace NativeNet.Training;

/// <summary>
/// Appends one CSV row per epoch (<c>epoch,loss,…</c>), flushed at once so a crash loses at most
/// the current epoch. The columns are fixed by the first epoch's logs (sorted); a later key is
/// ignored and a missing one is left empty.
/// </summary>
public sealed class CsvLogger(string path, bool append = false) : Callback
{
    private string[]? _columns;

    /// <summary>The log file.</summary>
    public string Path { get; } = string.IsNullOrEmpty(path) ? throw new ArgumentException("path must not be empty.", nameof(path)) : path;

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        _columns = null;
        if (!append) File.WriteAllText(Path, "");
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(logs);
        var sb = new StringBuilder();
        if (_columns is null)
        {
            _columns = [.. logs.Keys.Order(StringComparer.Ordinal)];
            if (!File.Exists(Path) || new FileInfo(Path).Length == 0) sb.Append("epoch,").AppendJoin(',', _columns).AppendLine();
        }
        sb.Append(context.Epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var c in _columns)
            sb.Append(',').Append(logs.TryGetValue(c, out var v) ? v.ToString("R", CultureInfo.InvariantCulture) : "");
        sb.AppendLine();
        using var f = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        f.Write(Encoding.UTF8.GetBytes(sb.ToString()));
        f.Flush(flushToDisk: true);
    }
}

/// <summary>Rewrites the whole history as JSON after every epoch, atomically (temp file, flush, rename).</summary>
public sealed class JsonLogger(string path) : Callback
{
    /// <summary>The log file.</summary>
    public string Path { get; } = string.IsNullOrEmpty(path) ? throw new ArgumentException("path must not be empty.", nameof(path)) : path;

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs)
    {
        ArgumentNullException.ThrowIfNull(context);
        var history = new History();
        foreach (var e in context.History.Epochs) history.Add(e);
        history.Add(logs);
        var bytes = Encoding.UTF8.GetBytes(history.ToJson());
        AtomicFile.Write(Path, s => s.Write(bytes));
    }
}
