// SYNTHETIC DATA. These images are drawn by this generator, not photographed: a round orange
// fundus on black, a bright optic disc, dark vessels arching from it, and — for class 1
// ("referable retinopathy") — small dark-red dots (microaneurysm-like) and pale yellow spots
// (exudate-like). They only make the sample run without a download; a model trained on them
// says nothing about real retinas.
namespace RetinopathyCnn;

internal static class SyntheticFundus
{
    public const int Size = 112;

    /// <summary>n SYNTHETIC images [n, 3, 112, 112] in [0, 1] and labels 0/1 (half each).</summary>
    public static (float[] Images, float[] Labels) Generate(int n, int seed)
    {
        var rng = new Random(seed);
        int s = Size, plane = s * s;
        var images = new float[(long)n * 3 * plane];
        var labels = new float[n];
        for (int i = 0; i < n; i++)
        {
            int label = i % 2;
            labels[i] = label;
            var img = images.AsSpan(i * 3 * plane, 3 * plane);
            double cx = s / 2.0 + rng.Next(-4, 5), cy = s / 2.0 + rng.Next(-4, 5), r = s * 0.46;
            double brightness = 0.8 + 0.3 * rng.NextDouble();
            double discX = cx + (rng.Next(2) == 0 ? -1 : 1) * r * 0.45, discY = cy + rng.Next(-6, 7);
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                {
                    double d = Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) / r;
                    if (d > 1) continue;
                    double shade = brightness * (1 - 0.45 * d * d);           // vignetting toward the rim
                    double disc = Math.Exp(-((x - discX) * (x - discX) + (y - discY) * (y - discY)) / 40.0);
                    Set(img, x, y, 0.85 * shade + 0.3 * disc, 0.42 * shade + 0.45 * disc, 0.18 * shade + 0.3 * disc);
                }
            // Vessels: four arcs leaving the optic disc.
            for (int v = 0; v < 4; v++)
            {
                double angle = rng.NextDouble() * Math.PI * 2, curve = (rng.NextDouble() - 0.5) * 0.04;
                double x = discX, y = discY;
                for (int step = 0; step < 70; step++)
                {
                    angle += curve;
                    x += Math.Cos(angle); y += Math.Sin(angle);
                    Dot(img, x, y, 1.2, 0.45, 0.12, 0.08, cx, cy, r);
                }
            }
            if (label == 1)
            {
                int dots = 10 + rng.Next(8), spots = 4 + rng.Next(5);
                for (int k = 0; k < dots; k++) { var (x, y) = Inside(rng, cx, cy, r * 0.8); Dot(img, x, y, 1.8, 0.35, 0.05, 0.05, cx, cy, r); }
                for (int k = 0; k < spots; k++) { var (x, y) = Inside(rng, cx, cy, r * 0.8); Dot(img, x, y, 2.6, 0.98, 0.9, 0.45, cx, cy, r); }
            }
            for (int k = 0; k < img.Length; k++) img[k] = Math.Clamp(img[k] + (float)((rng.NextDouble() - 0.5) * 0.06), 0f, 1f);
        }
        return (images, labels);
    }

    private static (double X, double Y) Inside(Random rng, double cx, double cy, double r)
    {
        double a = rng.NextDouble() * Math.PI * 2, d = Math.Sqrt(rng.NextDouble()) * r;
        return (cx + d * Math.Cos(a), cy + d * Math.Sin(a));
    }

    private static void Dot(Span<float> img, double px, double py, double radius, double red, double green, double blue, double cx, double cy, double r)
    {
        for (int y = (int)(py - radius - 1); y <= (int)(py + radius + 1); y++)
            for (int x = (int)(px - radius - 1); x <= (int)(px + radius + 1); x++)
            {
                if (x < 0 || y < 0 || x >= Size || y >= Size) continue;
                if ((x - px) * (x - px) + (y - py) * (y - py) > radius * radius) continue;
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r) continue;
                Set(img, x, y, red, green, blue);
            }
    }

    private static void Set(Span<float> img, int x, int y, double red, double green, double blue)
    {
        int plane = Size * Size, o = y * Size + x;
        img[o] = (float)red; img[plane + o] = (float)green; img[2 * plane + o] = (float)blue;
    }
}
