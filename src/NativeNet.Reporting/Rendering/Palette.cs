namespace NativeNet.Reporting.Rendering;

/// <summary>The report's colours, in one place so every chart agrees.</summary>
internal static class Palette
{
    /// <summary>Series colours (colour-blind-friendly order: blue, orange, green, purple, ...).</summary>
    public static readonly string[] Series =
        ["#2563eb", "#ea580c", "#059669", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];

    public const string Primary = "#1d4ed8";
    public const string PrimaryLight = "#dbeafe";
    public const string Negative = "#94a3b8";
    public const string Grid = "#e5e7eb";
    public const string AxisLine = "#9ca3af";
    public const string Reference = "#6b7280";
    public const string Ink = "#111827";
    public const string Muted = "#6b7280";
    public const string HeatLow = "#f8fafc";
    public const string HeatHigh = "#1e3a8a";

    public static string SeriesColor(int i) => Series[((i % Series.Length) + Series.Length) % Series.Length];

    /// <summary>Linear mix of two #rrggbb colours, t in [0, 1].</summary>
    public static string Mix(string a, string b, double t)
    {
        t = double.IsFinite(t) ? Math.Clamp(t, 0, 1) : 0;
        int Ch(string c, int i) => Convert.ToInt32(c.Substring(1 + 2 * i, 2), 16);
        int M(int i) => (int)Math.Round(Ch(a, i) + (Ch(b, i) - Ch(a, i)) * t);
        return $"#{M(0):x2}{M(1):x2}{M(2):x2}";
    }
}
