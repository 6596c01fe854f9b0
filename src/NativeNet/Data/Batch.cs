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
}
