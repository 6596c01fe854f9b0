using System.Globalization;
using System.Text;

namespace NativeNet.Training;

/// <summary>
/// Prints training progress. On a terminal it redraws one live line per epoch
/// (<c>Epoch 3/20 [=========&gt;    ] 12/18 loss 0.2311 accuracy 0.9412 ETA 0:02</c>) and ends it
/// with the epoch summary; when output is redirected (a log file, CI) it prints only one plain
/// line per epoch, so logs stay readable.
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private readonly TextWriter _out;
    private readonly object _gate = new();
    private int _lastWidth;

    /// <summary>Writes to the console; live mode when stdout is not redirected.</summary>
    public ConsoleProgress() : this(Console.Out, !Console.IsOutputRedirected) { }

    /// <summary>Writes to <paramref name="writer"/>; <paramref name="live"/> selects the redrawn bar.</summary>
    public ConsoleProgress(TextWriter writer, bool live, int barWidth = 24)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (barWidth <= 0) throw new ArgumentOutOfRangeException(nameof(barWidth), barWidth, $"barWidth must be positive. Received: barWidth={barWidth}");
        _out = writer; Live = live; BarWidth = barWidth;
    }

    /// <summary>Whether the live bar is drawn.</summary>
    public bool Live { get; }

    /// <summary>Characters of the bar.</summary>
    public int BarWidth { get; }

    /// <inheritdoc />
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (value.Kind == ProgressKind.BatchEnd)
            {
                if (!Live) return;
                string line = $"Epoch {value.Epoch}/{value.Epochs} {Bar(value.Batch, value.Batches)} {value.Batch}/{value.Batches} {Numbers(value)} ETA {Format(value.EstimatedRemaining)}";
                _out.Write('\r' + line.PadRight(_lastWidth));
                _lastWidth = line.Length;
                _out.Flush();
                return;
            }
            string summary = $"Epoch {value.Epoch}/{value.Epochs} {Numbers(value)} ({Format(value.Elapsed)})";
            if (Live) _out.Write('\r' + summary.PadRight(_lastWidth) + Environment.NewLine);
            else _out.WriteLine(summary);
            _lastWidth = 0;
            _out.Flush();
        }
    }

    private string Bar(int done, int total)
    {
        int filled = total <= 0 ? BarWidth : (int)((long)done * BarWidth / total);
        var sb = new StringBuilder("[");
        sb.Append('=', Math.Max(0, filled - 1));
        if (filled > 0) sb.Append(filled == BarWidth ? '=' : '>');
        sb.Append(' ', BarWidth - filled);
        return sb.Append(']').ToString();
    }

    private static string Numbers(TrainingProgress p)
    {
        var sb = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"loss {p.Loss:F4}"));
        foreach (var (k, v) in p.Metrics) sb.Append(CultureInfo.InvariantCulture, $" {k} {v:F4}");
        return sb.ToString();
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1
        ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
