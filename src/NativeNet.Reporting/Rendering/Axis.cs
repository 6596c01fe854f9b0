namespace NativeNet.Reporting.Rendering;

/// <summary>A linear axis with "nice" round ticks (1, 2, 2.5, 5 × 10^k steps).</summary>
internal sealed class Axis
{
    private Axis(double min, double max, double step)
    {
        Min = min;
        Max = max;
        Step = step;
        int n = (int)Math.Round((max - min) / step);
        Ticks = Enumerable.Range(0, n + 1).Select(i => Math.Round(min + i * step, 12)).ToArray();
        // Enough decimals to tell neighbouring ticks apart (a step of 0.25 needs two).
        Decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        if (Math.Abs(Math.Round(step / Math.Pow(10, -Decimals)) * Math.Pow(10, -Decimals) - step) > step * 1e-9)
            Decimals++;
    }

    public double Min { get; }

    public double Max { get; }

    public double Step { get; }

    public IReadOnlyList<double> Ticks { get; }

    public int Decimals { get; }

    /// <summary>An axis from exactly <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Axis Fixed(double min, double max, double step) => new(min, max, step);

    /// <summary>An axis that covers [lo, hi] with about <paramref name="targetTicks"/> ticks.</summary>
    public static Axis Nice(double lo, double hi, int targetTicks = 6)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) { lo = 0; hi = 1; }
        if (lo > hi) (lo, hi) = (hi, lo);
        if (hi - lo < 1e-12 * Math.Max(1, Math.Abs(hi)))
        {
            double pad = Math.Abs(lo) > 0 ? Math.Abs(lo) * 0.1 : 1;
            lo -= pad;
            hi += pad;
        }
        double rough = (hi - lo) / Math.Max(1, targetTicks - 1);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double r = rough / mag * (1 - 1e-9); // 0.1 / 5 is 0.020000000000000004: still a step of 2
        double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag;
        double min = Math.Floor(lo / step + 1e-9) * step;
        double max = Math.Ceiling(hi / step - 1e-9) * step;
        return new Axis(min, max, step);
    }

    /// <summary>Integer ticks for epochs 1..n, at most about eight of them.</summary>
    public static Axis Epochs(int n)
    {
        if (n <= 1) return new Axis(0, 2, 1);
        double step = Math.Max(1, Nice(1, n, 8).Step);
        step = Math.Ceiling(step);
        double max = Math.Ceiling(n / step) * step;
        return new Axis(0, Math.Max(max, step), step);
    }

    public string Format(double v) => Text.Tick(v, Decimals);
}
