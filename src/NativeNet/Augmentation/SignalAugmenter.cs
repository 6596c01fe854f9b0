using NativeNet.Data;

namespace NativeNet.Augmentation;

/// <summary>
/// A seeded random augmentation for [C, T] signals (e.g. ECG leads), in a fixed order: time
/// shift, amplitude scaling, baseline wander, Gaussian noise. Each step is off unless configured.
/// Plug <see cref="Apply"/> into <see cref="DataLoader"/> as its <see cref="SampleTransform"/>.
/// </summary>
public sealed class SignalAugmenter
{
    /// <summary>Augments signals of <paramref name="channels"/> × <paramref name="length"/> sampled at <paramref name="sampleRate"/> Hz.</summary>
    public SignalAugmenter(int channels, int length, double sampleRate = 1.0)
    {
        if (channels <= 0 || length <= 0) throw new ArgumentException($"channels and length must be positive. Received: channels={channels}, length={length}");
        if (!(sampleRate > 0)) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"sampleRate must be positive. Received: sampleRate={sampleRate}");
        Channels = channels; Length = length; SampleRate = sampleRate;
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }
    /// <summary>Time steps.</summary>
    public int Length { get; }
    /// <summary>Samples per second.</summary>
    public double SampleRate { get; }
    /// <summary>Shift drawn uniformly from −this..+this steps (0: none).</summary>
    public int MaxShift { get; init; }
    /// <summary>Amplitude factor drawn uniformly from 1 ± this (0: none).</summary>
    public float MaxScale { get; init; }
    /// <summary>Standard deviation of added Gaussian noise (0: none).</summary>
    public float NoiseStd { get; init; }
    /// <summary>Peak amplitude of baseline wander drawn uniformly from 0..this (0: none).</summary>
    public float MaxWanderAmplitude { get; init; }
    /// <summary>Wander frequency range in Hz (typical respiration: 0.05–0.5 Hz).</summary>
    public (double Min, double Max) WanderFrequency { get; init; } = (0.05, 0.5);

    /// <summary>Augments one sample in place, drawing randomness from <paramref name="random"/> only.</summary>
    public void Apply(Span<float> signal, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        SignalOps.Check(signal, Channels, Length);
        if (MaxShift > 0) SignalOps.TimeShift(signal, Channels, Length, random.Next(-MaxShift, MaxShift + 1));
        if (MaxScale > 0) SignalOps.Scale(signal, 1f + (float)((random.NextDouble() * 2 - 1) * MaxScale));
        if (MaxWanderAmplitude > 0)
        {
            double f = WanderFrequency.Min + random.NextDouble() * (WanderFrequency.Max - WanderFrequency.Min);
            SignalOps.BaselineWander(signal, Channels, Length, (float)(random.NextDouble() * MaxWanderAmplitude), f, SampleRate, random.NextDouble() * 2 * Math.PI);
        }
        if (NoiseStd > 0) ImageOps.GaussianNoise(signal, NoiseStd, random);
    }
}
