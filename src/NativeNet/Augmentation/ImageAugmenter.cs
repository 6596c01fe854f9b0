using NativeNet.Data;

namespace NativeNet.Augmentation;

/// <summary>
/// A seeded random image augmentation for CHW samples, applied in a fixed order: flips, rotation,
/// padded random crop, brightness/contrast, Gaussian noise. Each step is off unless configured.
/// Plug <see cref="Apply"/> into <see cref="DataLoader"/> as its <see cref="SampleTransform"/>.
/// </summary>
/// <example><code>
/// var aug = new ImageAugmenter(1, 28, 28) { HorizontalFlip = 0.5, MaxRotationDegrees = 10, CropPadding = 2 };
/// var loader = new DataLoader(train, 64, seed: 1, transform: aug.Apply);
/// </code></example>
public sealed class ImageAugmenter
{
    /// <summary>Augments images of the given shape.</summary>
    public ImageAugmenter(int channels, int height, int width)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"channels, height and width must be positive. Received: channels={channels}, height={height}, width={width}");
        Channels = channels; Height = height; Width = width;
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }
    /// <summary>Height.</summary>
    public int Height { get; }
    /// <summary>Width.</summary>
    public int Width { get; }
    /// <summary>Probability of a left-right flip.</summary>
    public double HorizontalFlip { get; init; }
    /// <summary>Probability of a top-bottom flip.</summary>
    public double VerticalFlip { get; init; }
    /// <summary>Rotation angle drawn uniformly from ±this many degrees (0: none).</summary>
    public double MaxRotationDegrees { get; init; }
    /// <summary>Random crop after padding by this many pixels (0: none).</summary>
    public int CropPadding { get; init; }
    /// <summary>Brightness shift drawn uniformly from ±this (0: none).</summary>
    public float MaxBrightness { get; init; }
    /// <summary>Contrast factor drawn uniformly from 1 ± this (0: none).</summary>
    public float MaxContrast { get; init; }
    /// <summary>Standard deviation of added Gaussian noise (0: none).</summary>
    public float NoiseStd { get; init; }
    /// <summary>Value for pixels that come from outside the image.</summary>
    public float Fill { get; init; }

    /// <summary>Augments one sample in place, drawing randomness from <paramref name="random"/> only.</summary>
    public void Apply(Span<float> image, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ImageOps.Check(image, Channels, Height, Width);
        if (HorizontalFlip > 0 && random.NextDouble() < HorizontalFlip) ImageOps.FlipHorizontal(image, Channels, Height, Width);
        if (VerticalFlip > 0 && random.NextDouble() < VerticalFlip) ImageOps.FlipVertical(image, Channels, Height, Width);
        if (MaxRotationDegrees > 0) ImageOps.Rotate(image, Channels, Height, Width, (random.NextDouble() * 2 - 1) * MaxRotationDegrees, Fill);
        if (CropPadding > 0) ImageOps.PadCrop(image, Channels, Height, Width, CropPadding, random.Next(2 * CropPadding + 1), random.Next(2 * CropPadding + 1), Fill);
        if (MaxBrightness > 0 || MaxContrast > 0)
        {
            float b = MaxBrightness > 0 ? (float)((random.NextDouble() * 2 - 1) * MaxBrightness) : 0f;
            float c = MaxContrast > 0 ? 1f + (float)((random.NextDouble() * 2 - 1) * MaxContrast) : 1f;
            ImageOps.BrightnessContrast(image, Channels, Height, Width, b, c);
        }
        if (NoiseStd > 0) ImageOps.GaussianNoise(image, NoiseStd, random);
    }
}
