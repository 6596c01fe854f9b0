namespace NativeNet.Data;

/// <summary>
/// Samples a <see cref="DataLoader"/> can serve without holding them all in memory: an in-memory
/// <see cref="Dataset"/>, or a folder of image files decoded on demand. Implementations must be
/// safe to call from several loader workers at once.
/// </summary>
public interface ISampleSource
{
    /// <summary>Number of samples.</summary>
    int Count { get; }
    /// <summary>Shape of one sample (every sample has it).</summary>
    IReadOnlyList<int> SampleShape { get; }
    /// <summary>Targets per sample.</summary>
    int TargetWidth { get; }
    /// <summary>
    /// Writes sample <paramref name="index"/> into <paramref name="features"/> (prod(SampleShape)
    /// floats) and its targets into <paramref name="targets"/>. Random choices (augmentation) draw
    /// only from <paramref name="random"/>, which the loader seeds per sample and epoch.
    /// </summary>
    void Read(int index, Span<float> features, Span<float> targets, Random random);
}
