using System.Collections.Concurrent;
using NativeNet.Data;
using NativeNet.Vision.Imaging;
using NativeNet.Vision.Transforms;

namespace NativeNet.Vision.Datasets;

/// <summary>
/// Image files with targets, decoded on demand: only the paths live in memory, so a folder of
/// 20,000 large images trains in bounded memory (decoding happens on the <see cref="DataLoader"/>'s
/// workers). Each sample is loaded with <see cref="Channels"/> channels, passed through
/// <see cref="Transform"/> (seeded per sample and epoch by the loader) and must come out
/// [Channels, Height, Width].
/// </summary>
public sealed class ImageDataset : ISampleSource
{
    private readonly string[] _paths;
    private readonly float[] _targets;

    /// <summary>Creates the data set.</summary>
    /// <param name="paths">Image files.</param>
    /// <param name="targets">paths.Count · targetWidth targets (class indices for classification).</param>
    /// <param name="targetWidth">Targets per image.</param>
    /// <param name="classes">Class names by index, or null.</param>
    /// <param name="channels">1 or 3.</param>
    /// <param name="height">Height every sample has after <paramref name="transform"/>.</param>
    /// <param name="width">Width every sample has after <paramref name="transform"/>.</param>
    /// <param name="transform">Preprocessing and augmentation (e.g. Resize, flips, Normalize); null keeps the decoded image.</param>
    /// <param name="dicom">How DICOM pixels become floats.</param>
    public ImageDataset(IReadOnlyList<string> paths, float[] targets, int targetWidth, IReadOnlyList<string>? classes, int channels, int height, int width,
        IImageTransform? transform = null, DicomValues dicom = DicomValues.UnitRange)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(targets);
        if (targetWidth <= 0 || targets.LongLength != (long)paths.Count * targetWidth)
            throw new ArgumentException($"targets must hold paths·targetWidth = {(long)paths.Count * targetWidth} values. Received: {targets.LongLength}", nameof(targets));
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be 1 or 3. Received: channels={channels}");
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"height and width must be positive. Received: {height}×{width}");
        _paths = paths.ToArray(); _targets = targets; TargetWidth = targetWidth; Classes = classes;
        Channels = channels; Height = height; Width = width; Transform = transform; Dicom = dicom;
    }

    /// <inheritdoc />
    public int Count => _paths.Length;
    /// <inheritdoc />
    public IReadOnlyList<int> SampleShape => [Channels, Height, Width];
    /// <inheritdoc />
    public int TargetWidth { get; }
    /// <summary>Class names by index, or null.</summary>
    public IReadOnlyList<string>? Classes { get; }
    /// <summary>Channels loaded.</summary>
    public int Channels { get; }
    /// <summary>Sample height.</summary>
    public int Height { get; }
    /// <summary>Sample width.</summary>
    public int Width { get; }
    /// <summary>The per-sample pipeline.</summary>
    public IImageTransform? Transform { get; }
    /// <summary>How DICOM pixels become floats.</summary>
    public DicomValues Dicom { get; }
    /// <summary>The files, in sample order.</summary>
    public IReadOnlyList<string> Paths => _paths;
    /// <summary>All targets, [Count, TargetWidth].</summary>
    public ReadOnlySpan<float> Targets => _targets;

    /// <summary>The decoded, transformed sample <paramref name="index"/>.</summary>
    public FloatImage Load(int index, Random random)
    {
        string path = _paths[index];
        var image = ImageFile.Load(path, Channels, Dicom);
        if (Transform is not null) image = Transform.Apply(image, random);
        if (image.Channels != Channels || image.Height != Height || image.Width != Width)
            throw new InvalidDataException($"Image file '{path}': is [{image.Channels}, {image.Height}, {image.Width}] after preprocessing; every sample must be [{Channels}, {Height}, {Width}] (set an image size to resize).");
        return image;
    }

    /// <inheritdoc />
    public void Read(int index, Span<float> features, Span<float> targets, Random random)
    {
        Load(index, random).Data.CopyTo(features);
        _targets.AsSpan(index * TargetWidth, TargetWidth).CopyTo(targets);
    }

    /// <summary>The same files and targets at <paramref name="indices"/>, in that order.</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        var t = new float[(long)indices.Count * TargetWidth];
        for (int k = 0; k < indices.Count; k++) _targets.AsSpan(indices[k] * TargetWidth, TargetWidth).CopyTo(t.AsSpan(k * TargetWidth));
        return new ImageDataset(indices.Select(i => _paths[i]).ToList(), t, TargetWidth, Classes, Channels, Height, Width, Transform, Dicom);
    }

    /// <summary>The same files with another pipeline and sample size (e.g. without augmentation for validation).</summary>
    public ImageDataset WithTransform(IImageTransform? transform, int? height = null, int? width = null) =>
        new(_paths, _targets, TargetWidth, Classes, Channels, height ?? Height, width ?? Width, transform, Dicom);

    /// <summary>The class index of each sample (one target per sample).</summary>
    public int[] Labels()
    {
        if (TargetWidth != 1) throw new InvalidOperationException($"Class labels need one target per sample. Received: TargetWidth={TargetWidth}.");
        return _targets.Select(t => (int)t).ToArray();
    }

    /// <summary>
    /// Decodes every file once (on <paramref name="workers"/> threads) through the pipeline with a
    /// fixed seed and returns those that fail, with the reason, in sample order: a truncated JPEG, an
    /// empty PNG, a text file named .dcm, an unsupported transfer syntax, an image of another size.
    /// </summary>
    public IReadOnlyList<(int Index, string Path, string Reason)> FindBad(int workers, CancellationToken cancellationToken = default)
    {
        var bad = new ConcurrentBag<(int, string, string)>();
        Parallel.For(0, Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = cancellationToken }, i =>
        {
            try { Load(i, new Random(i)); }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                bad.Add((i, _paths[i], e.Message));
            }
        });
        return bad.OrderBy(b => b.Item1).ToList();
    }
}
