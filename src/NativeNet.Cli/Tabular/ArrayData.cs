using System.Globalization;
using NativeNet.Data;

namespace NativeNet.Cli.Tabular;

/// <summary>A labelled data set as `train`/`evaluate` see it, from a CSV table or an .npz archive.</summary>
/// <param name="Input">One of <see cref="InputKinds"/>.</param>
/// <param name="Dataset">Samples and targets (class indices for classification).</param>
/// <param name="Classes">Class labels (index = label), null for regression.</param>
/// <param name="FeatureNames">Column names (tables) or element names ("x[i]") for arrays.</param>
public sealed record LabelledData(string Input, Dataset Dataset, IReadOnlyList<string>? Classes, IReadOnlyList<string> FeatureNames);

/// <summary>
/// Loads .npz archives for the cnn/lstm models: images in the MedMNIST layout (train_/val_/test_
/// images and labels, pooled into one set: the CLI cross-validates) or a plain images/labels pair,
/// and signals ('signals' [N, T] or [N, T, F], 'labels' [N]). Labels are class indices 0…K−1.
/// </summary>
public static class ArrayData
{
    /// <summary>True when <paramref name="path"/> names an .npz archive.</summary>
    public static bool IsNpz(string path) => path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase);

    /// <summary>Which kind of .npz <paramref name="path"/> is: images or signals; exit-2 error otherwise.</summary>
    public static string Kind(string path)
    {
        var names = Entries(path);
        if (names.Contains("train_images") || names.Contains("images")) return InputKinds.Images;
        if (names.Contains("signals")) return InputKinds.Signals;
        throw new CliInputException($"{path}: not an image or signal archive. Expected 'train_images'/'train_labels' (MedMNIST layout), 'images'/'labels', or 'signals'/'labels'. Entries: {string.Join(", ", names)}.");
    }

    /// <summary>
    /// Loads <paramref name="path"/>; <paramref name="classes"/> (from a model's schema) fixes the
    /// class count, otherwise it is the largest label + 1. <paramref name="raw"/> keeps pixel values
    /// as stored (the trainer standardizes them per channel); false divides 8-bit images by 255, as
    /// models written before the scaling was recorded expect.
    /// </summary>
    public static LabelledData Load(string path, IReadOnlyList<string>? classes = null, bool raw = true)
    {
        string kind = Kind(path);
        Dataset data = kind == InputKinds.Images ? Images(path, raw ? 1f : null) : Signals(path);
        if (data.Count == 0) throw new CliInputException($"{path}: the archive holds no samples.");
        int k = classes?.Count ?? 0;
        for (int i = 0; i < data.Count; i++)
        {
            float t = data.Targets[i];
            if (!(t >= 0 && t == MathF.Floor(t)) || (classes is not null && t >= k))
                throw new CliInputException($"{path}: label {t.ToString(CultureInfo.InvariantCulture)} of sample {i} is not a class index" +
                    (classes is null ? " (integers 0, 1, 2, …)." : $" of the model's {k} classes (0…{k - 1})."));
            if (classes is null) k = Math.Max(k, (int)t + 1);
        }
        if (k < 2) throw new CliInputException($"{path}: every label is 0; classification needs at least two classes.");
        var names = classes ?? Enumerable.Range(0, k).Select(c => c.ToString(CultureInfo.InvariantCulture)).ToList();
        var features = Enumerable.Range(0, data.SampleSize).Select(i => $"x[{i}]").ToList();
        return new LabelledData(kind, data, names, features);
    }

    // The zip directory only (file kind, declared sizes, compression ratios); nothing is decompressed.
    private static IReadOnlyList<string> Entries(string path) => Safety.NpzCheck.Entries(path);

    // Every part of the archive in one set (train, then val, then test).
    private static Dataset Images(string path, float? scale)
    {
        ImageSplits parts;
        try { parts = ImageNpz.Load(path, scale); }
        catch (NotSupportedException e) { throw new CliInputException($"{path}: {e.Message}"); }
        var all = new[] { parts.Train, parts.Validation, parts.Test }.Where(d => d is not null).Select(d => d!).ToList();
        var shape = all[0].SampleShape.ToArray();
        foreach (var d in all)
            if (!d.SampleShape.SequenceEqual(shape))
                throw new CliInputException($"{path}: the parts hold images of different shapes ([{string.Join(", ", shape)}] and [{string.Join(", ", d.SampleShape)}]).");
        return new Dataset(all.SelectMany(d => d.Features).ToArray(), shape, all.SelectMany(d => d.Targets).ToArray());
    }

    private static Dataset Signals(string path)
    {
        var arrays = NpyReader.ReadNpz(path);
        var signals = arrays["signals"];
        if (!arrays.TryGetValue("labels", out var labels))
            throw new CliInputException($"{path}: 'signals' has no matching 'labels' entry.");
        if (signals.Shape.Count is not (2 or 3) || signals.Shape.Any(d => d <= 0))
            throw new CliInputException($"{path}: 'signals' must be [N, T] or [N, T, F]. Received: shape ({string.Join(", ", signals.Shape)}).");
        int n = signals.Shape[0];
        if (labels.Length != n || labels.Shape.Count > 2)
            throw new CliInputException($"{path}: 'labels' must hold one label per signal ({n}). Received: shape ({string.Join(", ", labels.Shape)}).");
        int[] sample = [signals.Shape[1], signals.Shape.Count == 3 ? signals.Shape[2] : 1];
        var x = signals.ToFloatArray();
        for (long i = 0; i < x.Length; i++)
            if (!float.IsFinite(x[i])) throw new CliInputException($"{path}: 'signals' holds {x[i]} at sample {i / ((long)sample[0] * sample[1])}; values must be finite.");
        return new Dataset(x, sample, labels.ToFloatArray());
    }
}
