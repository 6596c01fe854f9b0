using System.Globalization;
using System.Text;

namespace NativeNet.Reporting.Rendering;

/// <summary>Escaping and number formatting. Every number goes through here, so the output is
/// the same under any current culture (a comma decimal would break SVG coordinates).</summary>
internal static class Text
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Escapes text for HTML content and attribute values (both quote kinds), and drops
    /// control characters that HTML forbids.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return string.Empty;
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default:
                    if (c >= ' ' || c is '\t' or '\n' or '\r') sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>Shortens text to at most <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Truncate(string text, int max) =>
        text.Length <= max ? text : string.Concat(text.AsSpan(0, Math.Max(1, max - 1)), "…");

    /// <summary>An SVG coordinate: at most two decimals, invariant.</summary>
    public static string C(double v) => Math.Round(v, 2).ToString("0.##", Inv);

    /// <summary>A metric value for tables: "n/a" for NaN, three decimals below 10.</summary>
    public static string Metric(double v)
    {
        if (double.IsNaN(v)) return "n/a";
        if (double.IsPositiveInfinity(v)) return "∞";
        if (double.IsNegativeInfinity(v)) return "−∞";
        double a = Math.Abs(v);
        string s = a >= 1000 ? v.ToString("#,0", Inv) : a >= 10 ? v.ToString("0.00", Inv) : v.ToString("0.000", Inv);
        return s.StartsWith('-') ? "−" + s[1..] : s;
    }

    /// <summary>A confidence interval, e.g. "95% CI 0.891–0.934".</summary>
    public static string Interval(ConfidenceInterval ci) =>
        $"{Percent(ci.Level)} CI {Metric(ci.Low)}–{Metric(ci.High)}";

    /// <summary>A fraction as a percentage without needless decimals ("95%", "97.5%").</summary>
    public static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (fraction * 100).ToString("0.#", Inv) + "%" : "n/a";

    /// <summary>An integer with thousands separators ("12,345").</summary>
    public static string Int(long v) => v.ToString("#,0", Inv);

    /// <summary>An axis tick label with the given number of decimals.</summary>
    public static string Tick(double v, int decimals)
    {
        string s = v.ToString("F" + decimals.ToString(Inv), Inv);
        if (s.StartsWith('-') && double.Parse(s, Inv) == 0) s = s[1..];
        return s.StartsWith('-') ? "−" + s[1..] : s;
    }

    /// <summary>An invariant general number (e.g. for a prevalence or a Brier score).</summary>
    public static string G(double v, int significant = 3) =>
        double.IsFinite(v) ? v.ToString("G" + significant.ToString(Inv), Inv) : "n/a";
}
