// SYNTHETIC DATA. ECG-like traces drawn by this generator, not recorded from anyone: each beat is
// a P wave, a sharp QRS spike and a broad T wave (Gaussian bumps) plus baseline wander and noise.
// Class 0 ("regular rhythm") has steady beat-to-beat intervals; class 1 ("irregular rhythm",
// atrial-fibrillation-like) has intervals that vary at random, no P waves and small fast f-waves. They only make the
// sample run without a download; a model trained on them says nothing about real ECGs.
namespace EcgLstm;

internal static class SyntheticEcg
{
    public const int Hz = 30;
    public const int Length = 4 * Hz;   // 4 s windows

    /// <summary>n SYNTHETIC signals [n, Length, 1] and labels 0/1 (half each).</summary>
    public static (float[] Signals, float[] Labels) Generate(int n, int seed)
    {
        var rng = new Random(seed);
        var signals = new float[n * Length];
        var labels = new float[n];
        for (int i = 0; i < n; i++)
        {
            bool irregular = i % 2 == 1;
            labels[i] = irregular ? 1 : 0;
            var s = signals.AsSpan(i * Length, Length);
            double rate = 0.75 + 0.3 * rng.NextDouble();                 // mean RR interval, s
            double t = -rng.NextDouble() * rate;
            double wander = rng.NextDouble() * Math.PI * 2;
            while (t < Length / (double)Hz + 1)
            {
                double rr = irregular ? rate * (0.6 + 0.8 * rng.NextDouble()) : rate * (1 + 0.03 * (rng.NextDouble() - 0.5));
                for (int k = 0; k < Length; k++)
                {
                    double x = k / (double)Hz - t;
                    double v = 1.0 * Bump(x, 0, 0.025) - 0.15 * Bump(x, 0.04, 0.02) + 0.3 * Bump(x, 0.25, 0.06);
                    if (!irregular) v += 0.25 * Bump(x, -0.16, 0.035);
                    s[k] += (float)v;
                }
                t += rr;
            }
            for (int k = 0; k < Length; k++)
            {
                s[k] += (float)(0.1 * Math.Sin(2 * Math.PI * 0.3 * k / Hz + wander) + 0.04 * (rng.NextDouble() - 0.5) * 2);
                if (irregular) s[k] += (float)(0.06 * Math.Sin(2 * Math.PI * 6.0 * k / Hz + wander * 3));   // fibrillatory waves
            }
        }
        return (signals, labels);
    }

    private static double Bump(double x, double centre, double width) => Math.Exp(-(x - centre) * (x - centre) / (2 * width * width));
}
