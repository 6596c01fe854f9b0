namespace NativeNet.Data;

/// <summary>One mini-batch: features [Count, ..SampleShape] and targets [Count, TargetWidth], copied out of the data set.</summary>
public sealed class Batch
{
    internal Batch(int index, int[] indices, float[] features, int[] shape, float[] targets, int targetWidth)
    {
        Index = index; Indices = indices; Features = features; Shape = shape; Targets = targets; TargetWidth = targetWidth;
    }

    /// <summary>0-based position of the batch in its epoch.</summary>
    public int Index { get; }
    /// <summary>Samples in the batch.</summary>
    public int Count => Indices.Length;
    /// <summary>Data-set indices of the samples, in batch order.</summary>
    public int[] Indices { get; }
    /// <summary>Row-major features.</summary>
    public float[] Features { get; }
    /// <summary>Shape of <see cref="Features"/>: [Count, ..SampleShape].</summary>
    public int[] Shape { get; }
    /// <summary>Row-major targets.</summary>
    public float[] Targets { get; }
    /// <summary>Targets per sample.</summary>
    public int TargetWidth { get; }

    /// <summary>Samples [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>) as a batch of their own (copied).</summary>
    public Batch Rows(int offset, int count)
    {
        if (offset < 0 || count < 0 || offset + count > Count)
            throw new ArgumentOutOfRangeException(nameof(count), $"Rows [{offset}, {offset}+{count}) must lie inside the batch of {Count}.");
        int size = Count == 0 ? 0 : Features.Length / Count;
        return new Batch(Index, Indices.AsSpan(offset, count).ToArray(), Features.AsSpan(offset * size, count * size).ToArray(),
            [count, .. Shape.AsSpan(1)], Targets.AsSpan(offset * TargetWidth, count * TargetWidth).ToArray(), TargetWidth);
    }
}
