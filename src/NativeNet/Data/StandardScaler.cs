using System.Globalization;

namespace NativeNet.Data;

/// <summary>
/// Standardizes each feature to zero mean and unit variance: z = (x − mean) / scale, with the
/// population standard deviation (as scikit-learn's StandardScaler) and scale 1 for a constant
/// feature. Fit it on the training part only and apply it to every part.
/// </summary>
public sealed class StandardScaler
{
    private readonly double[] _mean;
    private readonly double[] _scale;

    private StandardScaler(double[] mean, double[] scale) { _mean = mean; _scale = scale; }

    /// <summary>Per-feature means.</summary>
    public IReadOnlyList<double> Mean => _mean;

    /// <summary>Per-feature scales (standard deviations; 1 where the feature was constant).</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>Fits on the features of <paramref name="training"/> (each of the SampleSize features is a column).</summary>
    public static StandardScaler Fit(Dataset training)
    {
        ArgumentNullException.ThrowIfNull(training);
        return Fit(training.Features, training.SampleSize);
    }

    /// <summary>Fits on row-major data of <paramref name="features"/> columns.</summary>
    public static StandardScaler Fit(ReadOnlySpan<float> data, int features)
    {
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), features, $"features must be positive. Received: features={features}");
        if (data.Length == 0 || data.Length % features != 0)
            throw new ArgumentException($"data must hold a positive whole number of rows of {features} features. Received: data.Length={data.Length}", nameof(data));
        int n = data.Length / features;
        var mean = new double[features];
        var m2 = new double[features];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < features; j++)
            {
                double v = data[i * features + j];
                if (!double.IsFinite(v)) throw new ArgumentException($"data must be finite (impute missing values first). Received: row {i}, feature {j} = {v}", nameof(data));
                // Welford's update: numerically stable for large offsets.
                double delta = v - mean[j];
                mean[j] += delta / (i + 1);
                m2[j] += delta * (v - mean[j]);
            }
        var scale = new double[features];
        for (int j = 0; j < features; j++)
        {
            double sd = Math.Sqrt(m2[j] / n);
            scale[j] = sd > 1e-12 * Math.Max(1, Math.Abs(mean[j])) ? sd : 1.0;
        }
        return new StandardScaler(mean, scale);
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
        for (int i = 0; i < data.Length; i++) data[i] = (float)((data[i] - _mean[i % d]) / _scale[i % d]);
    }

    /// <summary>Undoes <see cref="TransformInPlace"/>: x = z · scale + mean.</summary>
    public void InverseTransformInPlace(Span<float> data)
    {
        CheckWidth(data.Length);
        int d = _mean.Length;
        for (int i = 0; i < data.Length; i++) data[i] = (float)(data[i] * _scale[i % d] + _mean[i % d]);
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
    public IReadOnlyDictionary<string, string> ToDictionary() => new Dictionary<string, string>
    {
        ["type"] = "StandardScaler",
        ["mean"] = string.Join(",", _mean.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
        ["scale"] = string.Join(",", _scale.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
    };

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
        return new StandardScaler(mean, scale);
    }

    private void CheckWidth(int length)
    {
        if (length % _mean.Length != 0)
            throw new ArgumentException($"The scaler was fitted on {_mean.Length} features; data.Length must be a multiple of it. Received: data.Length={length}", "data");
    }
}
