using NativeNet.Vision.Imaging;

namespace NativeNet.Vision.Transforms;

/// <summary>
/// torchvision <c>Resize</c>: one size resizes the shorter edge to it keeping the aspect ratio
/// (the longer edge becomes ⌊size·long/short⌋); two sizes give exactly height×width. Bilinear,
/// antialiased by default as torchvision ≥ 0.17 does.
/// </summary>
public sealed class Resize : IImageTransform
{
    /// <summary>Shorter edge to <paramref name="size"/>.</summary>
    public Resize(int size, bool antialias = true) : this(size, -1, antialias) { }

    /// <summary>Exactly <paramref name="height"/>×<paramref name="width"/> (width −1: keep the aspect ratio with the shorter edge = height).</summary>
    public Resize(int height, int width, bool antialias = true)
    {
        if (height <= 0 || width is 0 or < -1) throw new ArgumentOutOfRangeException(nameof(height), $"Resize sizes must be positive. Received: {height}, {width}");
        Height = height; Width = width; Antialias = antialias;
    }

    /// <summary>Target height (or shorter edge).</summary>
    public int Height { get; }
    /// <summary>Target width, or −1 for shorter-edge mode.</summary>
    public int Width { get; }
    /// <summary>Antialias when shrinking.</summary>
    public bool Antialias { get; }

    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        if (Width > 0) return Resampler.Resize(image, Height, Width, Antialias);
        int h = image.Height, w = image.Width;
        if (h <= w) return Resampler.Resize(image, Height, (int)((long)Height * w / h), Antialias);
        return Resampler.Resize(image, (int)((long)Height * h / w), Height, Antialias);
    }
}

/// <summary>Crops and pads: the shared mechanics of the crop transforms.</summary>
public static class Crop
{
    /// <summary>The <paramref name="height"/>×<paramref name="width"/> window at (<paramref name="top"/>, <paramref name="left"/>); outside the image is <paramref name="fill"/>.</summary>
    public static FloatImage Window(FloatImage image, int top, int left, int height, int width, float fill = 0)
    {
        var output = new float[image.Channels * height * width];
        for (int c = 0; c < image.Channels; c++)
        {
            var src = image.Plane(c);
            var dst = output.AsSpan(c * height * width, height * width);
            for (int y = 0; y < height; y++)
            {
                int sy = top + y;
                var row = dst.Slice(y * width, width);
                if (sy < 0 || sy >= image.Height) { row.Fill(fill); continue; }
                for (int x = 0; x < width; x++)
                {
                    int sx = left + x;
                    row[x] = sx >= 0 && sx < image.Width ? src[sy * image.Width + sx] : fill;
                }
            }
        }
        return new FloatImage(output, image.Channels, height, width);
    }
}

/// <summary>torchvision <c>CenterCrop</c>: the centred window (top = round((H − h)/2), half to even as Python), zero-padded when the image is smaller.</summary>
public sealed class CenterCrop(int height, int width) : IImageTransform
{
    /// <summary>A square crop.</summary>
    public CenterCrop(int size) : this(size, size) { }

    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"CenterCrop size must be positive. Received: {height}×{width}");
        if (image.Height == height && image.Width == width) return image;
        int top = image.Height >= height ? (int)Math.Round((image.Height - height) / 2.0) : -((height - image.Height) / 2);
        int left = image.Width >= width ? (int)Math.Round((image.Width - width) / 2.0) : -((width - image.Width) / 2);
        return Crop.Window(image, top, left, height, width);
    }
}

/// <summary>
/// torchvision <c>RandomCrop</c>: pads every side by <c>padding</c> with <c>fill</c>, then takes a
/// uniformly placed <c>height</c>×<c>width</c> window.
/// </summary>
public sealed class RandomCrop(int height, int width, int padding = 0, float fill = 0) : IImageTransform
{
    /// <summary>A square crop.</summary>
    public RandomCrop(int size, int padding = 0) : this(size, size, padding) { }

    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        int h = image.Height + 2 * padding, w = image.Width + 2 * padding;
        if (h < height || w < width) throw new ArgumentException($"RandomCrop {height}×{width} is larger than the padded image {h}×{w}.");
        int top = random.Next(h - height + 1), left = random.Next(w - width + 1);
        return Crop.Window(image, top - padding, left - padding, height, width, fill);
    }
}

/// <summary>
/// torchvision <c>RandomResizedCrop</c>: up to ten tries at a window of area scale·A and aspect
/// ratio drawn log-uniformly, falling back to the central crop with the ratio clamped; the window
/// is then resized (bilinear, antialiased) to height×width.
/// </summary>
public sealed class RandomResizedCrop(int height, int width, double minScale = 0.08, double maxScale = 1.0, double minRatio = 3.0 / 4, double maxRatio = 4.0 / 3) : IImageTransform
{
    /// <summary>A square output.</summary>
    public RandomResizedCrop(int size) : this(size, size) { }

    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        var (top, left, h, w) = Params(image.Height, image.Width, random);
        return Resampler.Resize(Crop.Window(image, top, left, h, w), height, width, antialias: true);
    }

    /// <summary>The crop window (top, left, height, width) for an image of <paramref name="imageHeight"/>×<paramref name="imageWidth"/>.</summary>
    public (int Top, int Left, int Height, int Width) Params(int imageHeight, int imageWidth, Random random)
    {
        double area = (double)imageHeight * imageWidth;
        double logLo = Math.Log(minRatio), logHi = Math.Log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (minScale + random.NextDouble() * (maxScale - minScale));
            double ratio = Math.Exp(logLo + random.NextDouble() * (logHi - logLo));
            int w = (int)Math.Round(Math.Sqrt(target * ratio)), h = (int)Math.Round(Math.Sqrt(target / ratio));
            if (w > 0 && w <= imageWidth && h > 0 && h <= imageHeight)
                return (random.Next(imageHeight - h + 1), random.Next(imageWidth - w + 1), h, w);
        }
        double inRatio = (double)imageWidth / imageHeight;
        int cw = imageWidth, ch = imageHeight;
        if (inRatio < minRatio) ch = (int)Math.Round(cw / minRatio);
        else if (inRatio > maxRatio) cw = (int)Math.Round(ch * maxRatio);
        return ((imageHeight - ch) / 2, (imageWidth - cw) / 2, ch, cw);
    }
}

/// <summary>torchvision <c>RandomHorizontalFlip</c>: mirrors left-right with probability <c>p</c>.</summary>
public sealed class RandomHorizontalFlip(double p = 0.5) : IImageTransform
{
    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        if (random.NextDouble() >= p) return image;
        for (int r = 0; r < image.Channels * image.Height; r++) image.Data.AsSpan(r * image.Width, image.Width).Reverse();
        return image;
    }
}

/// <summary>torchvision <c>RandomVerticalFlip</c>: mirrors top-bottom with probability <c>p</c>.</summary>
public sealed class RandomVerticalFlip(double p = 0.5) : IImageTransform
{
    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        if (random.NextDouble() >= p) return image;
        int w = image.Width;
        for (int c = 0; c < image.Channels; c++)
        {
            var plane = image.Plane(c);
            for (int y = 0; y < image.Height / 2; y++)
            {
                Span<float> a = plane.Slice(y * w, w), b = plane.Slice((image.Height - 1 - y) * w, w);
                for (int x = 0; x < w; x++) (a[x], b[x]) = (b[x], a[x]);
            }
        }
        return image;
    }
}

/// <summary>
/// torchvision <c>RandomRotation</c>: an angle uniform in [−degrees, degrees], counter-clockwise as
/// displayed, about the image centre, same size, nearest-neighbour sampling (torchvision's
/// default; bilinear on request), <c>fill</c> outside.
/// </summary>
public sealed class RandomRotation(double degrees, bool bilinear = false, float fill = 0) : IImageTransform
{
    /// <inheritdoc />
    public FloatImage Apply(FloatImage image, Random random)
    {
        double angle = (random.NextDouble() * 2 - 1) * degrees;
        return Rotate(image, angle, bilinear, fill);
    }

    /// <summary>Rotates by <paramref name="angle"/> degrees.</summary>
    public static FloatImage Rotate(FloatImage image, double angle, bool bilinear, float fill)
    {
        int h = image.Height, w = image.Width;
        double a = angle * Math.PI / 180, cos = Math.Cos(a), sin = Math.Sin(a);
        double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
        var output = new float[image.Data.Length];
        for (int c = 0; c < image.Channels; c++)
        {
            var src = image.Plane(c);
            var dst = output.AsSpan(c * h * w, h * w);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    // Inverse mapping: where in the source does this output pixel come from?
                    double dx = x - cx, dy = y - cy;
                    double sx = cos * dx - sin * dy + cx, sy = sin * dx + cos * dy + cy;
                    dst[y * w + x] = bilinear ? Bilinear(src, h, w, sx, sy, fill) : Nearest(src, h, w, sx, sy, fill);
                }
        }
        return new FloatImage(output, image.Channels, h, w);
    }

    private static float Nearest(ReadOnlySpan<float> src, int h, int w, double sx, double sy, float fill)
    {
        int x = (int)Math.Round(sx), y = (int)Math.Round(sy);
        return x >= 0 && x < w && y >= 0 && y < h ? src[y * w + x] : fill;
    }

    private static float Bilinear(ReadOnlySpan<float> src, int h, int w, double sx, double sy, float fill)
    {
        int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
        double fx = sx - x0, fy = sy - y0;
        return (float)((1 - fy) * ((1 - fx) * At(src, h, w, x0, y0, fill) + fx * At(src, h, w, x0 + 1, y0, fill))
                     + fy * ((1 - fx) * At(src, h, w, x0, y0 + 1, fill) + fx * At(src, h, w, x0 + 1, y0 + 1, fill)));
    }

    private static float At(ReadOnlySpan<float> src, int h, int w, int x, int y, float fill) => x >= 0 && x < w && y >= 0 && y < h ? src[y * w + x] : fill;
}
