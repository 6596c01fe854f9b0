using NativeNet.Vision.Imaging;

namespace NativeNet.Vision.Transforms;

/// <summary>
/// Separable bilinear resampling with PyTorch's conventions: without antialiasing exactly
/// <c>interpolate(mode="bilinear", align_corners=False)</c> (half-pixel centres, edges clamped);
/// with it, the triangle filter widened by the downscale factor as in
/// <c>interpolate(..., antialias=True)</c> and PIL, so shrinking averages instead of aliasing.
/// </summary>
public static class Resampler
{
    /// <summary>Resizes <paramref name="image"/> to <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static FloatImage Resize(FloatImage image, int height, int width, bool antialias)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"The output size must be positive. Received: {height}×{width}");
        if (height == image.Height && width == image.Width) return image;
        var wx = Weights(image.Width, width, antialias);
        var wy = Weights(image.Height, height, antialias);
        int c = image.Channels;
        var tmp = new float[image.Height * width];
        var output = new float[c * height * width];
        for (int ch = 0; ch < c; ch++)
        {
            var src = image.Plane(ch);
            for (int y = 0; y < image.Height; y++)
            {
                var row = src.Slice(y * image.Width, image.Width);
                for (int x = 0; x < width; x++)
                {
                    var (start, w) = wx[x];
                    float acc = 0;
                    for (int k = 0; k < w.Length; k++) acc += w[k] * row[start + k];
                    tmp[y * width + x] = acc;
                }
            }
            var dst = output.AsSpan(ch * height * width, height * width);
            for (int y = 0; y < height; y++)
            {
                var (start, w) = wy[y];
                var outRow = dst.Slice(y * width, width);
                for (int k = 0; k < w.Length; k++)
                {
                    float wk = w[k];
                    var inRow = tmp.AsSpan((start + k) * width, width);
                    for (int x = 0; x < width; x++) outRow[x] += wk * inRow[x];
                }
            }
        }
        return new FloatImage(output, c, height, width);
    }

    // Per output index: first input index and the weights of the inputs from there.
    private static (int Start, float[] W)[] Weights(int inSize, int outSize, bool antialias)
    {
        double scale = (double)inSize / outSize;
        var result = new (int, float[])[outSize];
        if (!antialias)
        {
            for (int i = 0; i < outSize; i++)
            {
                double src = Math.Max((i + 0.5) * scale - 0.5, 0);
                int i0 = Math.Min((int)src, inSize - 1);
                int i1 = Math.Min(i0 + 1, inSize - 1);
                float l1 = (float)(src - i0), l0 = 1 - l1;
                result[i] = i1 == i0 ? (i0, [1f]) : (i0, [l0, l1]);
            }
            return result;
        }
        double support = scale >= 1 ? scale : 1.0;
        double invScale = scale >= 1 ? 1.0 / scale : 1.0;
        for (int i = 0; i < outSize; i++)
        {
            double center = scale * (i + 0.5);
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize);
            var w = new float[Math.Max(xmax - xmin, 1)];
            double total = 0;
            var wd = new double[w.Length];
            for (int j = 0; j < xmax - xmin; j++)
            {
                double x = Math.Abs((j + xmin - center + 0.5) * invScale);
                wd[j] = x < 1 ? 1 - x : 0;
                total += wd[j];
            }
            for (int j = 0; j < w.Length; j++) w[j] = total > 0 ? (float)(wd[j] / total) : 0;
            result[i] = (xmin, w);
        }
        return result;
    }
}
