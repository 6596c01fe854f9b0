using System.Globalization;

namespace NativeNet.Data;

/// <summary>Statistic an <see cref="Imputer"/> fills missing values with.</summary>
public enum ImputeStrategy
{
    /// <summary>Column mean of the present values.</summary>
    Mean = 0,
    /// <summary>Column median of the present values.</summary>
    Median = 1,
}

/// <summary>
/// Replaces NaN features by a per-column statistic fitted on the training part only, so no
/// information leaks from validation or test rows. Columns are the features of a flat sample.
/// </summary>
public sealed class Imputer
{
    private readonly float[] _fill;

    private Imputer(float[] fill, ImputeStrategy strategy) { _fill = fill; Strategy = strategy; }

    /// <summary>The strategy used.</summary>
    public ImputeStrategy Strategy { get; }

    /// <summary>Fill value per feature.</summary>
    public IReadOnlyList<float> FillValues => _fill;

    /// <summary>Fits per-feature fill values on <paramref name="training"/>; a column with no present value fills with 0.</summary>
    public static Imputer Fit(Dataset training, ImputeStrategy strategy = ImputeStrategy.Mean)
    {
        ArgumentNullException.ThrowIfNull(training);
        int d = training.SampleSize;
        var fill = new float[d];
        var column = new List<float>(training.Count);
        for (int j = 0; j < d; j++)
        {
            column.Clear();
            for (int i = 0; i < training.Count; i++)
            {
                float v = training.Features[(long)i * d + j];
                if (!float.IsNaN(v)) column.Add(v);
            }
            if (column.Count == 0) { fill[j] = 0; continue; }
            if (strategy == ImputeStrategy.Mean)
            {
                double s = 0;
                foreach (var v in column) s += v;
                fill[j] = (float)(s / column.Count);
            }
            else
            {
                column.Sort();
                int m = column.Count / 2;
                fill[j] = column.Count % 2 == 1 ? column[m] : (float)((column[m - 1] + (double)column[m]) / 2);
            }
        }
        return new Imputer(fill, strategy);
    }

    /// <summary>A copy of <paramref name="data"/> with every NaN feature replaced.</summary>
    public Dataset Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.SampleSize != _fill.Length)
            throw new ArgumentException($"The imputer was fitted on {_fill.Length} features. Received: {data.SampleSize} features.", nameof(data));
        var f = (float[])data.Features.Clone();
        for (long i = 0; i < f.Length; i++)
            if (float.IsNaN(f[i])) f[i] = _fill[i % _fill.Length];
        return data.WithFeatures(f);
    }

    /// <summary>Fill values as text (invariant, round-trip), e.g. to store next to a model.</summary>
    public string ToText() => string.Join(",", _fill.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
