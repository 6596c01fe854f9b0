using NativeNet.Data;
using NativeNet.Vision.Imaging;

namespace NativeNet.Vision.Transforms;

/// <summary>
/// One step of an image pipeline with torchvision's name and meaning. Random transforms draw only
/// from the <see cref="Random"/> they are given (the loader seeds it per sample and epoch), so a
/// seed fixes every augmentation whatever the number of workers.
/// </summary>
public interface IImageTransform
{
    /// <summary>Returns the transformed image (may be <paramref name="image"/> itself, changed in place).</summary>
    FloatImage Apply(FloatImage image, Random random);
}

/// <summary>Applies transforms in order (torchvision's <c>Compose</c>).</summary>
public sealed class Compose(params IImageTransform[] transforms) : IImageTransform
{
    /// <summary>The steps.</summary>
    public IReadOnlyList<IImageTransform> Transforms { get; } = transforms ?? throw new ArgumentNullException(nameof(transforms));

    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        foreach (var t in Transforms) image = t.Apply(image, random);
        return image;
    }

    /// <summary>
    /// This pipeline as a <see cref="DataLoader"/> per-sample transform over an in-memory data set of
    /// [<paramref name="channels"/>, <paramref name="height"/>, <paramref name="width"/>] images; the
    /// pipeline must give back that shape (augmentations that keep the size: flips, rotation, jitter, …).
    /// </summary>
    public SampleTransform AsSampleTransform(int channels, int height, int width) => (sample, random) =>
    {
        var result = Apply(new FloatImage(sample.ToArray(), channels, height, width), random);
        if (result.Channels != channels || result.Height != height || result.Width != width)
            throw new InvalidOperationException($"The transform changed the sample shape from [{channels}, {height}, {width}] to [{result.Channels}, {result.Height}, {result.Width}].");
        result.Data.CopyTo(sample);
    };
}
