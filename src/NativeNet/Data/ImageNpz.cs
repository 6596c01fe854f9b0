namespace NativeNet.Data;

/// <summary>The parts of an image archive; <see cref="Validation"/> and <see cref="Test"/> may be absent.</summary>
/// <param name="Train">Training images [N, C, H, W] and labels.</param>
/// <param name="Validation">Validation part, or null.</param>
/// <param name="Test">Test part, or null.</param>
public sealed record ImageSplits(Dataset Train, Dataset? Validation, Dataset? Test);

/// <summary>
/// Loads labelled image sets stored as .npz: the MedMNIST layout (<c>train_images</c>,
/// <c>train_labels</c>, <c>val_*</c>, <c>test_*</c>) or a plain <c>images</c>/<c>labels</c> pair
/// (returned as <see cref="ImageSplits.Train"/>). Images [N, H, W] become [N, 1, H, W]; images
/// [N, H, W, C] (channels last, the NumPy convention) become CHW; [N, C, H, W] is recognised when C ≤ 4 &lt; W. Pixel values are multiplied by
/// <c>scale</c> (default 1/255 for 8-bit images).
/// </summary>
public static class ImageNpz
{
    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <param name="path">The .npz file.</param>
    /// <param name="scale">Factor applied to pixel values; null means 1/255 for u1 images and 1 otherwise.</param>
    public static ImageSplits Load(string path, float? scale = null)
    {
        var arrays = NpyReader.ReadNpz(path);
        if (arrays.ContainsKey("train_images"))
            return new ImageSplits(Part(arrays, path, "train_", scale)!, Part(arrays, path, "val_", scale), Part(arrays, path, "test_", scale));
        if (arrays.ContainsKey("images"))
            return new ImageSplits(Part(arrays, path, "", scale)!, null, null);
        throw new InvalidDataException($"{path}: no image arrays found (expected 'train_images'/'train_labels' (MedMNIST) or 'images'/'labels'). Entries: {string.Join(", ", arrays.Keys)}.");
    }

    private static Dataset? Part(IReadOnlyDictionary<string, NpyArray> arrays, string path, string prefix, float? scale)
    {
        if (!arrays.TryGetValue(prefix + "images", out var images)) return null;
        if (!arrays.TryGetValue(prefix + "labels", out var labels))
            throw new InvalidDataException($"{path}: '{prefix}images' has no matching '{prefix}labels' entry.");
        int n = images.Shape.Count > 0 ? images.Shape[0] : 0;
        int[] sampleShape;
        bool channelsLast = false;
        switch (images.Shape.Count)
        {
            case 3: sampleShape = [1, images.Shape[1], images.Shape[2]]; break;
            // NumPy/MedMNIST store channels last; read [N, C, H, W] only when dim 1 is small and the last is not.
            case 4 when !(images.Shape[1] <= 4 && images.Shape[3] > 4): sampleShape = [images.Shape[3], images.Shape[1], images.Shape[2]]; channelsLast = true; break;
            case 4: sampleShape = [images.Shape[1], images.Shape[2], images.Shape[3]]; break;
            default: throw new InvalidDataException($"{path}: '{prefix}images' must be [N, H, W] or [N, H, W, C]. Received: shape ({string.Join(", ", images.Shape)}).");
        }
        int labelCount = labels.Shape.Count == 0 ? 1 : labels.Shape[0];
        if (labelCount != n || labels.Length != n)
            throw new InvalidDataException($"{path}: '{prefix}labels' must hold one label per image ({n}). Received: shape ({string.Join(", ", labels.Shape)}).");
        float factor = scale ?? (images.DType == "u1" ? 1f / 255f : 1f);
        var pixels = images.ToFloatArray();
        float[] features;
        if (channelsLast)
        {
            int c = sampleShape[0], h = sampleShape[1], w = sampleShape[2];
            features = new float[pixels.Length];
            for (int i = 0; i < n; i++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        for (int k = 0; k < c; k++)
                            features[(((long)i * c + k) * h + y) * w + x] = pixels[(((long)i * h + y) * w + x) * c + k] * factor;
        }
        else
        {
            features = pixels;
            for (long i = 0; i < features.Length; i++) features[i] *= factor;
        }
        var y64 = labels.ToInt64Array();
        var targets = new float[n];
        for (int i = 0; i < n; i++) targets[i] = y64[i];
        return new Dataset(features, sampleShape, targets);
    }
}
