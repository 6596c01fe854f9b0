using System.Globalization;

namespace NativeNet.Data;

/// <summary>
/// Standardizes each feature to zero mean and unit variance: z = (x − mean) / scale, with the
/// population standard deviation (as scikit-learn's StandardScaler) and scale 1 for a constant
/// feature. Fit it on the training part only and apply it to every part. Per channel
/// (<see cref="FitPerChannel"/>), one mean and scale covers every position of a channel: the
/// H·W pixels of an image channel [C, H, W], or the T steps of a signal feature [T, F].
/// </summary>
public sealed class StandardScaler
{
    private readonly double[] _mean;
    private readonly double[] _scale;

    private StandardScaler(double[] mean, double[] scale, int inner = 1) { _mean = mean; _scale = scale; Inner = inner; }

    /// <summary>Per-feature means.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>Per-feature scales (standard deviations; 1 where the feature was constant).</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>Consecutive values that share one channel's mean and scale (1 per feature; H·W for image channels).</summary>
    public int Inner { get; }

    /// <summary>Fits on the features of <paramref name="training"/> (each of the SampleSize features is a column).</summary>
    public static StandardScaler Fit(Dataset training)
    {
        ArgumentNullException.ThrowIfNull(training);
        return Fit(training.Features, training.SampleSize);
    }

    /// <summary>Fits on row-major data of <paramref name="features"/> columns.</summary>
    public static StandardScaler Fit(ReadOnlySpan<float> data, int features) => FitPerChannel(data, features, 1);

    /// <summary>
    /// Fits one mean and scale per channel on row-major samples laid out [channels, inner]
    /// (images [C, H, W]: <paramref name="channels"/> = C, <paramref name="inner"/> = H·W).
    /// </summary>
    public static StandardScaler FitPerChannel(ReadOnlySpan<float> data, int channels, int inner)
    {
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be positive. Received: channels={channels}");
        if (inner <= 0) throw new ArgumentOutOfRangeException(nameof(inner), inner, $"inner must be positive. Received: inner={inner}");
        long rowSize = (long)channels * inner;
        if (data.Length == 0 || data.Length % rowSize != 0)
            throw new ArgumentException($"data must hold a positive whole number of rows of {channels}×{inner} values. Received: data.Length={data.Length}", nameof(data));
        long n = data.Length / rowSize;
        var mean = new double[channels];
        var m2 = new double[channels];
        var count = new long[channels];
        for (long i = 0; i < data.Length; i++)
        {
            int j = (int)(i / inner % channels);
            double v = data[(int)i];
            if (!double.IsFinite(v)) throw new ArgumentException($"data must be finite (impute missing values first). Received: row {i / rowSize}, {(inner == 1 ? "feature" : "channel")} {j} = {v}", nameof(data));
            // Welford's update: numerically stable for large offsets.
            double delta = v - mean[j];
            mean[j] += delta / ++count[j];
            m2[j] += delta * (v - mean[j]);
        }
        var scale = new double[channels];
        for (int j = 0; j < channels; j++)
        {
            double sd = Math.Sqrt(m2[j] / (n * inner));
            scale[j] = sd > 1e-12 * Math.Max(1, Math.Abs(mean[j])) ? sd : 1.0;
        }
        return new StandardScaler(mean, scale, inner);
    }

    /// <summary>A scaler with the given per-channel means and scales (e.g. read from a model's schema).</summary>
    public static StandardScaler FromValues(IReadOnlyList<double> mean, IReadOnlyList<double> scale, int inner = 1)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(scale);
        if (mean.Count == 0 || mean.Count != scale.Count)
            throw new ArgumentException($"mean and scale must be non-empty and of equal length. Received: {mean.Count} means, {scale.Count} scales", nameof(scale));
        for (int j = 0; j < mean.Count; j++)
            if (!double.IsFinite(mean[j]) || !(scale[j] > 0) || !double.IsFinite(scale[j]))
                throw new ArgumentException($"means must be finite and scales positive. Received: channel {j}: mean {mean[j]}, scale {scale[j]}", nameof(scale));
        if (inner <= 0) throw new ArgumentOutOfRangeException(nameof(inner), inner, $"inner must be positive. Received: inner={inner}");
        return new StandardScaler(mean.ToArray(), scale.ToArray(), inner);
    }

    /// <summary>A standardized copy of <paramref name="data"/>.</summary>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var f = (float[])data.Features.Clone();
        TransformInPlace(f);
        return data.WithFeatures(f);
    }

    /// <summary>Standardizes row-major data in place.</summary>
    public void TransformInPlace(Span<float> data)
    {
        CheckWidth(data.Length);
        int d = _mean.Length;
        for (int i = 0; i < data.Length; i++) { int j = i / Inner % d; data[i] = (float)((data[i] - _mean[j]) / _scale[j]); }
    }

    /// <summary>Undoes <see cref="TransformInPlace"/>: x = z · scale + mean.</summary>
    public void InverseTransformInPlace(Span<float> data)
    {
        CheckWidth(data.Length);
        int d = _mean.Length;
        for (int i = 0; i < data.Length; i++) { int j = i / Inner % d; data[i] = (float)(data[i] * _scale[j] + _mean[j]); }
    }

    /// <summary>An original-units copy of standardized <paramref name="data"/>.</summary>
    public Dataset InverseTransform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var f = (float[])data.Features.Clone();
        InverseTransformInPlace(f);
        return data.WithFeatures(f);
    }

    /// <summary>The fitted state as strings ("mean", "scale": comma-separated round-trip numbers), e.g. for model metadata.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var d = new Dictionary<string, string>
        {
            ["type"] = "StandardScaler",
            ["mean"] = string.Join(",", _mean.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
            ["scale"] = string.Join(",", _scale.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        };
        if (Inner != 1) d["inner"] = Inner.ToString(CultureInfo.InvariantCulture);
        return d;
    }

    /// <summary>Restores a scaler written by <see cref="ToDictionary"/>.</summary>
    public static StandardScaler FromDictionary(IReadOnlyDictionary<string, string> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        double[] Parse(string key)
        {
            if (!state.TryGetValue(key, out var text)) throw new FormatException($"StandardScaler state lacks the key '{key}'.");
            return text.Split(',').Select((s, i) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
                ? v : throw new FormatException($"StandardScaler state '{key}'[{i}] is not a finite number. Received: '{s}'")).ToArray();
        }
        var mean = Parse("mean");
        var scale = Parse("scale");
        if (mean.Length != scale.Length) throw new FormatException($"StandardScaler state has {mean.Length} means but {scale.Length} scales.");
        if (scale.Any(s => s <= 0)) throw new FormatException("StandardScaler state holds a non-positive scale.");
        int inner = 1;
        if (state.TryGetValue("inner", out var innerText) && !(int.TryParse(innerText, NumberStyles.None, CultureInfo.InvariantCulture, out inner) && inner > 0))
            throw new FormatException($"StandardScaler state 'inner' must be a positive integer. Received: '{innerText}'");
        return new StandardScaler(mean, scale, inner);
    }

    private void CheckWidth(int length)
    {
        if (length % ((long)_mean.Length * Inner) != 0)
            throw new ArgumentException($"The scaler was fitted on {_mean.Length} {(Inner == 1 ? "features" : $"channels of {Inner} values")}; data.Length must be a multiple of {(long)_mean.Length * Inner}. Received: data.Length={length}", "data");
    }
}
