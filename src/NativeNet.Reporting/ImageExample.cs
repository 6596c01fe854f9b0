namespace NativeNet.Reporting;

/// <summary>
/// One image shown in the report's sample grid: the picture as PNG bytes, its true and predicted
/// labels, and optionally a PNG heat map of what the prediction rests on (e.g. Grad-CAM).
/// </summary>
/// <param name="Png">The image, PNG-encoded (small: shown at thumbnail size).</param>
/// <param name="TrueLabel">The label in the data.</param>
/// <param name="PredictedLabel">The model's class.</param>
/// <param name="Probability">The model's probability of <paramref name="PredictedLabel"/>.</param>
public sealed record ImageExample(byte[] Png, string TrueLabel, string PredictedLabel, double Probability)
{
    /// <summary>A heat map over the image, PNG-encoded, or null.</summary>
    public byte[]? HeatmapPng { get; init; }
    /// <summary>Where the image came from (file name), or null.</summary>
    public string? Source { get; init; }
}
