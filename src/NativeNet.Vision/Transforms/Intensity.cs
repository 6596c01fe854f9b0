using NativeNet.Vision.Imaging;

namespace NativeNet.Vision.Transforms;

/// <summary>
/// torchvision <c>ColorJitter</c> (brightness and contrast): factors uniform in [max(0, 1 − b), 1 + b]
/// and [max(0, 1 − c), 1 + c], applied in random order; brightness scales, contrast blends with
/// the mean grey level; results clamped to [0, 1].
/// </summary>
public sealed class ColorJitter(double brightness = 0, double contrast = 0) : IImageTransform
{
    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        float b = Factor(brightness, random), c = Factor(contrast, random);
        bool brightnessFirst = random.Next(2) == 0;
        if (brightnessFirst) Brightness(image, b);
        Contrast(image, c);
        if (!brightnessFirst) Brightness(image, b);
        return image;
    }

    private static float Factor(double amount, Random random) =>
        amount <= 0 ? 1f : (float)(Math.Max(0, 1 - amount) + random.NextDouble() * (1 + amount - Math.Max(0, 1 - amount)));

    /// <summary>x·factor, clamped.</summary>
    public static void Brightness(FloatImage image, float factor)
    {
        if (factor == 1) return;
        var d = image.Data;
        for (int i = 0; i < d.Length; i++) d[i] = Math.Clamp(d[i] * factor, 0, 1);
    }

    /// <summary>factor·x + (1 − factor)·mean(grey), clamped.</summary>
    public static void Contrast(FloatImage image, float factor)
    {
        if (factor == 1) return;
        var grey = image.Channels == 3 ? image.WithChannels(1).Data : image.Data.AsSpan(0, image.PlaneSize).ToArray();
        double sum = 0;
        foreach (var v in grey) sum += v;
        float mean = (float)(sum / grey.Length);
        var d = image.Data;
        for (int i = 0; i < d.Length; i++) d[i] = Math.Clamp(factor * d[i] + (1 - factor) * mean, 0, 1);
    }
}

/// <summary>
/// torchvision <c>GaussianBlur</c>: σ uniform in [σmin, σmax], a normalized kernel of odd size
/// sampled at integer offsets, applied separably with reflect padding.
/// </summary>
public sealed class GaussianBlur : IImageTransform
{
    /// <summary>Creates the blur.</summary>
    public GaussianBlur(int kernelSize, double sigmaMin = 0.1, double sigmaMax = 2.0)
    {
        if (kernelSize <= 0 || kernelSize % 2 == 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, $"kernelSize must be a positive odd number. Received: kernelSize={kernelSize}");
        if (!(sigmaMin > 0 && sigmaMax >= sigmaMin)) throw new ArgumentOutOfRangeException(nameof(sigmaMin), $"sigma must satisfy 0 < min <= max. Received: ({sigmaMin}, {sigmaMax})");
        KernelSize = kernelSize; SigmaMin = sigmaMin; SigmaMax = sigmaMax;
    }

    /// <summary>Kernel size (odd).</summary>
    public int KernelSize { get; }
    /// <summary>Smallest σ.</summary>
    public double SigmaMin { get; }
    /// <summary>Largest σ.</summary>
    public double SigmaMax { get; }

    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random) => Blur(image, KernelSize, SigmaMin + random.NextDouble() * (SigmaMax - SigmaMin));

    /// <summary>Blurs with a fixed σ.</summary>
    public static FloatImage Blur(FloatImage image, int kernelSize, double sigma)
    {
        var k = new float[kernelSize];
        double sum = 0;
        int r = kernelSize / 2;
        for (int i = 0; i < kernelSize; i++) { double x = (i - r) / sigma; sum += k[i] = (float)Math.Exp(-0.5 * x * x); }
        for (int i = 0; i < kernelSize; i++) k[i] = (float)(k[i] / sum);
        int h = image.Height, w = image.Width;
        var tmp = new float[h * w];
        var output = new float[image.Data.Length];
        for (int c = 0; c < image.Channels; c++)
        {
            var src = image.Plane(c);
            var dst = output.AsSpan(c * h * w, h * w);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float acc = 0;
                    for (int i = 0; i < kernelSize; i++) acc += k[i] * src[y * w + Reflect(x + i - r, w)];
                    tmp[y * w + x] = acc;
                }
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float acc = 0;
                    for (int i = 0; i < kernelSize; i++) acc += k[i] * tmp[Reflect(y + i - r, h) * w + x];
                    dst[y * w + x] = acc;
                }
        }
        return new FloatImage(output, image.Channels, h, w);
    }

    // Mirror without repeating the edge (numpy/torch "reflect"), folded until inside for kernels wider than the image.
    private static int Reflect(int i, int n)
    {
        if (n == 1) return 0;
        while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
        return i;
    }
}

/// <summary>torchvision <c>Normalize</c>: (x − mean[c]) / std[c] per channel.</summary>
public sealed class Normalize : IImageTransform
{
    /// <summary>ImageNet mean (RGB), the usual preset for pretrained backbones.</summary>
    public static readonly IReadOnlyList<float> ImageNetMean = [0.485f, 0.456f, 0.406f];
    /// <summary>ImageNet standard deviation (RGB).</summary>
    public static readonly IReadOnlyList<float> ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>Normalize with ImageNet statistics (3 channels).</summary>
    public static Normalize ImageNet() => new(ImageNetMean, ImageNetStd);

    /// <summary>Creates the transform; one value per channel.</summary>
    public Normalize(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count) throw new ArgumentException($"mean and std need one value per channel. Received: {mean.Count} and {std.Count}");
        if (std.Any(s => !(s > 0))) throw new ArgumentException($"std values must be positive. Received: [{string.Join(", ", std)}]", nameof(std));
        Mean = mean.ToArray(); Std = std.ToArray();
    }

    /// <summary>Per-channel means.</summary>
    public IReadOnlyList<float> Mean { get; }
    /// <summary>Per-channel standard deviations.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        if (image.Channels != Mean.Count) throw new ArgumentException($"Normalize has {Mean.Count} channel value(s); the image has {image.Channels} channel(s).");
        for (int c = 0; c < image.Channels; c++)
        {
            var p = image.Plane(c);
            float m = Mean[c], s = Std[c];
            for (int i = 0; i < p.Length; i++) p[i] = (p[i] - m) / s;
        }
        return image;
    }
}

/// <summary>torchvision <c>Grayscale</c>: luma 0.2989 R + 0.587 G + 0.114 B, repeated to <c>outputChannels</c> (1 or 3).</summary>
public sealed class Grayscale(int outputChannels = 1) : IImageTransform
{
    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random) => image.WithChannels(1).WithChannels(outputChannels);
}

/// <summary>
/// DICOM VOI windowing (PS3.3 C.11.2.1.2, linear): modality values (e.g. Hounsfield units) within
/// center ± width/2 map linearly to [0, 1], below to 0, above to 1. A lung window is (−600, 1500),
/// a soft-tissue window (40, 400).
/// </summary>
public sealed class DicomWindow : IImageTransform
{
    /// <summary>Creates the window.</summary>
    public DicomWindow(double center, double width)
    {
        if (!double.IsFinite(center) || !(width >= 1)) throw new ArgumentOutOfRangeException(nameof(width), $"A window needs a finite center and width >= 1. Received: center={center}, width={width}");
        Center = center; Width = width;
    }

    /// <summary>Window center.</summary>
    public double Center { get; }
    /// <summary>Window width.</summary>
    public double Width { get; }

    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        double lo = Center - 0.5 - (Width - 1) / 2, hi = Center - 0.5 + (Width - 1) / 2;
        var d = image.Data;
        for (int i = 0; i < d.Length; i++)
        {
            double x = d[i];
            d[i] = x <= lo ? 0f : x > hi ? 1f : (float)((x - (Center - 0.5)) / (Width - 1) + 0.5);
        }
        return image;
    }
}
