namespace NativeNet.Data;

/// <summary>
/// An in-memory data set: <see cref="Count"/> samples, each a row-major float block of
/// <see cref="SampleShape"/> (a feature vector [d], or an image [C, H, W], or a signal [C, T]),
/// with <see cref="TargetWidth"/> float targets per sample (class labels are stored as floats
/// 0, 1, 2, …; regression targets as values). Immutable in shape; subsets copy.
/// </summary>
public sealed class Dataset : ISampleSource
{
    /// <summary>Wraps a [n, d] table and one target per row.</summary>
    public Dataset(float[,] features, float[] targets, IReadOnlyList<string>? featureNames = null, IReadOnlyList<string>? classNames = null)
        : this(Flatten(features ?? throw new ArgumentNullException(nameof(features))), [features.GetLength(1)], targets, 1, featureNames, classNames)
    {
    }

    /// <summary>Wraps flat row-major features with a per-sample shape (the data are not copied).</summary>
    /// <param name="features">n · prod(sampleShape) floats.</param>
    /// <param name="sampleShape">Shape of one sample, e.g. [30] or [1, 28, 28].</param>
    /// <param name="targets">n · targetWidth floats.</param>
    /// <param name="targetWidth">Targets per sample (1 for a label or a single value).</param>
    /// <param name="featureNames">Optional names of the features (tabular data).</param>
    /// <param name="classNames">Optional class names, index = label.</param>
    public Dataset(float[] features, int[] sampleShape, float[] targets, int targetWidth = 1,
        IReadOnlyList<string>? featureNames = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(targets);
        if (sampleShape.Length == 0) throw new ArgumentException("sampleShape must have at least one dimension. Received: sampleShape=[]", nameof(sampleShape));
        long size = 1;
        foreach (var s in sampleShape)
        {
            if (s <= 0) throw new ArgumentException($"sampleShape dimensions must be positive. Received: sampleShape=[{string.Join(", ", sampleShape)}]", nameof(sampleShape));
            size *= s;
        }
        if (size > int.MaxValue) throw new ArgumentException($"A sample is too large. Received: sampleShape=[{string.Join(", ", sampleShape)}]", nameof(sampleShape));
        if (targetWidth <= 0) throw new ArgumentOutOfRangeException(nameof(targetWidth), targetWidth, $"targetWidth must be positive. Received: targetWidth={targetWidth}");
        if (features.Length % size != 0)
            throw new ArgumentException($"features.Length must be a multiple of the sample size {size}. Received: features.Length={features.Length}", nameof(features));
        int n = (int)(features.Length / size);
        if (targets.Length != (long)n * targetWidth)
            throw new ArgumentException($"targets.Length must be samples·targetWidth = {n}·{targetWidth}. Received: targets.Length={targets.Length}", nameof(targets));
        if (featureNames is not null && featureNames.Count != size)
            throw new ArgumentException($"featureNames must name each of the {size} features. Received: featureNames.Count={featureNames.Count}", nameof(featureNames));
        Features = features;
        SampleShape = (int[])sampleShape.Clone();
        SampleSize = (int)size;
        Targets = targets;
        TargetWidth = targetWidth;
        Count = n;
        FeatureNames = featureNames;
        ClassNames = classNames;
    }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Shape of one sample.</summary>
    public IReadOnlyList<int> SampleShape { get; }

    /// <summary>Floats per sample (product of <see cref="SampleShape"/>).</summary>
    public int SampleSize { get; }

    /// <summary>All features, row-major [Count, ..SampleShape].</summary>
    public float[] Features { get; }

    /// <summary>All targets, row-major [Count, TargetWidth].</summary>
    public float[] Targets { get; }

    /// <summary>Targets per sample.</summary>
    public int TargetWidth { get; }

    /// <summary>Names of the features (tabular data), or null.</summary>
    public IReadOnlyList<string>? FeatureNames { get; }

    /// <summary>Class names by label (e.g. from a label-encoded CSV target), or null.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <inheritdoc />
    public void Read(int index, Span<float> features, Span<float> targets, Random random)
    {
        GetFeatures(index).CopyTo(features);
        Targets.AsSpan(index * TargetWidth, TargetWidth).CopyTo(targets);
    }

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> GetFeatures(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in 0..{Count - 1}. Received: index={index}");
        return Features.AsSpan(index * SampleSize, SampleSize);
    }

    /// <summary>
    /// The targets as integer class labels (for stratification and classification metrics).
    /// Throws when <see cref="TargetWidth"/> is not 1 or a target is not a whole non-negative number.
    /// </summary>
    public int[] GetLabels()
    {
        if (TargetWidth != 1) throw new InvalidOperationException($"Class labels need one target per sample. Received: TargetWidth={TargetWidth}.");
        var y = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            float t = Targets[i];
            if (!(t >= 0) || t != MathF.Floor(t) || t > int.MaxValue)
                throw new InvalidOperationException($"Target {i} is not a class label (a whole number >= 0). Received: {t}.");
            y[i] = (int)t;
        }
        return y;
    }

    /// <summary>A new data set holding copies of the samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var f = new float[(long)indices.Length * SampleSize];
        var t = new float[(long)indices.Length * TargetWidth];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), i, $"indices[{k}] must be in 0..{Count - 1}. Received: {i}");
            Array.Copy(Features, (long)i * SampleSize, f, (long)k * SampleSize, SampleSize);
            Array.Copy(Targets, (long)i * TargetWidth, t, (long)k * TargetWidth, TargetWidth);
        }
        return new Dataset(f, [.. SampleShape], t, TargetWidth, FeatureNames, ClassNames);
    }

    /// <summary>The same targets and metadata over new features of the same shape (e.g. scaled).</summary>
    public Dataset WithFeatures(float[] features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.Length != Features.Length)
            throw new ArgumentException($"features.Length must stay {Features.Length}. Received: {features.Length}", nameof(features));
        return new Dataset(features, [.. SampleShape], Targets, TargetWidth, FeatureNames, ClassNames);
    }

    /// <summary>
    /// A data set from tensors, as PyTorch's TensorDataset: <paramref name="features"/> [N, …] and
    /// <paramref name="targets"/> [N] or [N, width] (class labels as 0, 1, 2, … or values); both are copied.
    /// </summary>
    public static Dataset FromTensors(Tensor features, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (features.Rank < 2)
            throw new ArgumentException($"features must be [N, …] with at least one sample dimension. Received: shape {Tensor.ShapeString(features.ShapeRef)}", nameof(features));
        if (targets.Rank is < 1 or > 2 || targets.Size(0) != features.Size(0))
            throw new ArgumentException($"targets must be [N] or [N, width] with N = {features.Size(0)} (the samples of features). Received: shape {Tensor.ShapeString(targets.ShapeRef)}", nameof(targets));
        return new Dataset(features.ToArray(), features.Shape[1..], targets.ToArray(), targets.Rank == 2 ? targets.Size(1) : 1);
    }

    /// <summary>The samples and targets as new tensors: features [N, …SampleShape], targets [N] (one per sample) or [N, TargetWidth].</summary>
    public (Tensor Features, Tensor Targets) ToTensors()
    {
        var x = Tensor.FromArray((float[])Features.Clone(), [Count, .. SampleShape]);
        var y = TargetWidth == 1 ? Tensor.FromArray((float[])Targets.Clone(), Count) : Tensor.FromArray((float[])Targets.Clone(), Count, TargetWidth);
        return (x, y);
    }

    private static float[] Flatten(float[,] a)
    {
        var f = new float[a.Length];
        Buffer.BlockCopy(a, 0, f, 0, a.Length * sizeof(float));
        return f;
    }
}
