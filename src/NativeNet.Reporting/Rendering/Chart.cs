namespace NativeNet.Reporting.Rendering;

/// <summary>A drawn chart (SVG markup) or the reason it could not be drawn.</summary>
internal readonly record struct Chart(string? Markup, string? Unavailable)
{
    public static Chart Drawn(Svg svg) => new(svg.ToString(), null);

    public static Chart NotAvailable(string reason) => new(null, reason);
}

/// <summary>Checks shared by the charts; each returns a reason when the data is unusable.</summary>
internal static class DataCheck
{
    public static string? Curve(IReadOnlyList<double>? xs, IReadOnlyList<double>? ys, string xName, string yName, bool unitRange)
    {
        if (xs is null || ys is null) return $"the {xName} or {yName} values are missing";
        if (xs.Count != ys.Count)
            return $"{xName} has {xs.Count} points but {yName} has {ys.Count}";
        if (xs.Count < 2) return $"the curve has {xs.Count} point(s); at least 2 are needed (only one class present?)";
        int bad = 0;
        for (int i = 0; i < xs.Count; i++)
        {
            if (!double.IsFinite(xs[i]) || !double.IsFinite(ys[i])) bad++;
            else if (unitRange && (xs[i] < -1e-9 || xs[i] > 1 + 1e-9 || ys[i] < -1e-9 || ys[i] > 1 + 1e-9))
                return $"point {i} ({Text.G(xs[i])}, {Text.G(ys[i])}) lies outside [0, 1]";
        }
        if (bad > 0) return $"{bad} of {xs.Count} points are NaN or infinite (only one class present?)";
        return null;
    }

    public static IEnumerable<double> Finite(IEnumerable<double>? values) =>
        values?.Where(double.IsFinite) ?? [];
}
