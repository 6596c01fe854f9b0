namespace NativeNet.Augmentation;

/// <summary>Deterministic operations on one multi-channel 1-D signal, row-major [C, T].</summary>
public static class SignalOps
{
    /// <summary>Shifts every channel by <paramref name="shift"/> steps (positive = later in time), filling vacated steps with <paramref name="fill"/>.</summary>
    public static void TimeShift(Span<float> signal, int channels, int length, int shift, float fill = 0f)
    {
        Check(signal, channels, length);
        for (int c = 0; c < channels; c++)
        {
            var s = signal.Slice(c * length, length);
            var copy = s.ToArray();
            for (int t = 0; t < length; t++)
            {
                int from = t - shift;
                s[t] = (uint)from < (uint)length ? copy[from] : fill;
            }
        }
    }

    /// <summary>Multiplies every value by <paramref name="factor"/>.</summary>
    public static void Scale(Span<float> signal, float factor)
    {
        for (int i = 0; i < signal.Length; i++) signal[i] *= factor;
    }

    /// <summary>
    /// Adds baseline wander, a low-frequency sinusoid A·sin(2π·f·t/fs + φ) as breathing or
    /// electrode motion adds to an ECG.
    /// </summary>
    /// <param name="signal">[C, T] signal.</param>
    /// <param name="channels">C.</param>
    /// <param name="length">T.</param>
    /// <param name="amplitude">A.</param>
    /// <param name="frequency">f in Hz.</param>
    /// <param name="sampleRate">fs in Hz.</param>
    /// <param name="phase">φ in radians.</param>
    public static void BaselineWander(Span<float> signal, int channels, int length, float amplitude, double frequency, double sampleRate, double phase)
    {
        Check(signal, channels, length);
        if (!(sampleRate > 0)) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, $"sampleRate must be positive. Received: sampleRate={sampleRate}");
        for (int c = 0; c < channels; c++)
            for (int t = 0; t < length; t++)
                signal[c * length + t] += (float)(amplitude * Math.Sin(2 * Math.PI * frequency * t / sampleRate + phase));
    }

    internal static void Check(ReadOnlySpan<float> signal, int channels, int length)
    {
        if (channels <= 0 || length <= 0) throw new ArgumentException($"channels and length must be positive. Received: channels={channels}, length={length}");
        if (signal.Length != (long)channels * length)
            throw new ArgumentException($"signal.Length must be channels·length = {(long)channels * length}. Received: signal.Length={signal.Length}", nameof(signal));
    }
}
