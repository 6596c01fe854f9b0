namespace NativeNet.Augmentation;

/// <summary>
/// Deterministic image operations on one CHW float image (row-major [C, H, W]), the building
/// blocks of <see cref="ImageAugmenter"/>. All work in place or into a caller buffer.
/// </summary>
public static class ImageOps
{
    /// <summary>Mirrors left-right.</summary>
    public static void FlipHorizontal(Span<float> image, int channels, int height, int width)
    {
        Check(image, channels, height, width);
        for (int r = 0; r < channels * height; r++) image.Slice(r * width, width).Reverse();
    }

    /// <summary>Mirrors top-bottom.</summary>
    public static void FlipVertical(Span<float> image, int channels, int height, int width)
    {
        Check(image, channels, height, width);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height / 2; y++)
            {
                var a = image.Slice((c * height + y) * width, width);
                var b = image.Slice((c * height + height - 1 - y) * width, width);
                for (int x = 0; x < width; x++) (a[x], b[x]) = (b[x], a[x]);
            }
    }

    /// <summary>
    /// Rotates by <paramref name="degrees"/> (counter-clockwise as displayed, y down) about the
    /// image centre with bilinear sampling; pixels from outside the image are <paramref name="fill"/>.
    /// </summary>
    public static void Rotate(Span<float> image, int channels, int height, int width, double degrees, float fill = 0f)
    {
        Check(image, channels, height, width);
        var src = image.ToArray();
        double a = degrees * Math.PI / 180, cos = Math.Cos(a), sin = Math.Sin(a);
        double cy = (height - 1) / 2.0, cx = (width - 1) / 2.0;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                // Inverse mapping: where in the source does this output pixel come from?
                double dx = x - cx, dy = y - cy;
                double sx = cos * dx - sin * dy + cx;
                double sy = sin * dx + cos * dy + cy;
                for (int c = 0; c < channels; c++)
                    image[(c * height + y) * width + x] = Bilinear(src, c, height, width, sx, sy, fill);
            }
    }

    /// <summary>
    /// Pads by <paramref name="padding"/> pixels of <paramref name="fill"/> on every side and cuts
    /// the original size back out at offset (<paramref name="offsetY"/>, <paramref name="offsetX"/>)
    /// in 0..2·padding: a shift of the content by (padding − offset).
    /// </summary>
    public static void PadCrop(Span<float> image, int channels, int height, int width, int padding, int offsetY, int offsetX, float fill = 0f)
    {
        Check(image, channels, height, width);
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), padding, $"padding must be >= 0. Received: padding={padding}");
        if ((uint)offsetY > (uint)(2 * padding) || (uint)offsetX > (uint)(2 * padding))
            throw new ArgumentOutOfRangeException(nameof(offsetY), $"offsets must be in 0..{2 * padding}. Received: offsetY={offsetY}, offsetX={offsetX}");
        var src = image.ToArray();
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int sy = y + offsetY - padding, sx = x + offsetX - padding;
                    image[(c * height + y) * width + x] = (uint)sy < (uint)height && (uint)sx < (uint)width ? src[(c * height + sy) * width + sx] : fill;
                }
    }

    /// <summary>
    /// x ← (x − mean)·contrast + mean + brightness, per channel (mean of that channel), so
    /// contrast scales the spread around the mean and brightness shifts it.
    /// </summary>
    public static void BrightnessContrast(Span<float> image, int channels, int height, int width, float brightness, float contrast)
    {
        Check(image, channels, height, width);
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            var p = image.Slice(c * plane, plane);
            double mean = 0;
            foreach (var v in p) mean += v;
            float m = (float)(mean / plane);
            for (int i = 0; i < plane; i++) p[i] = (p[i] - m) * contrast + m + brightness;
        }
    }

    /// <summary>Adds independent N(0, σ²) noise to every value.</summary>
    public static void GaussianNoise(Span<float> data, float sigma, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        for (int i = 0; i < data.Length; i++) data[i] += (float)(sigma * NextGaussian(random));
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    public static double NextGaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static float Bilinear(float[] src, int c, int h, int w, double sx, double sy, float fill)
    {
        int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
        double fx = sx - x0, fy = sy - y0;
        float P(int yy, int xx) => (uint)yy < (uint)h && (uint)xx < (uint)w ? src[(c * h + yy) * w + xx] : fill;
        return (float)((1 - fy) * ((1 - fx) * P(y0, x0) + fx * P(y0, x0 + 1)) + fy * ((1 - fx) * P(y0 + 1, x0) + fx * P(y0 + 1, x0 + 1)));
    }

    internal static void Check(ReadOnlySpan<float> image, int channels, int height, int width)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"channels, height and width must be positive. Received: channels={channels}, height={height}, width={width}");
        if (image.Length != (long)channels * height * width)
            throw new ArgumentException($"image.Length must be channels·height·width = {(long)channels * height * width}. Received: image.Length={image.Length}", nameof(image));
    }
}
