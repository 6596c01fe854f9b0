namespace NativeNet.Training;

/// <summary>
/// What a callback can see and change while training runs: the epoch, the history so far, a
/// stop flag, the optimizer's learning rate, and the model's weights (by PyTorch state-dict name).
/// The trainer supplies the implementation; tests may supply their own.
/// </summary>
public abstract class TrainingContext
{
    /// <summary>The current 1-based epoch.</summary>
    public int Epoch { get; protected internal set; }

    /// <summary>Epochs requested.</summary>
    public int Epochs { get; protected internal set; }

    /// <summary>The logs of the epochs finished so far.</summary>
    public History History { get; protected internal set; } = new();

    /// <summary>Set to true to end training after the current epoch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>The optimizer's learning rate.</summary>
    public abstract double LearningRate { get; set; }

    /// <summary>A copy of every parameter and buffer, keyed by state-dict name.</summary>
    public abstract IReadOnlyDictionary<string, float[]> GetWeights();

    /// <summary>Overwrites parameters and buffers from a copy taken by <see cref="GetWeights"/>.</summary>
    public abstract void SetWeights(IReadOnlyDictionary<string, float[]> weights);

    /// <summary>Writes the model's weights to <paramref name="path"/> atomically (safetensors).</summary>
    public abstract void SaveWeights(string path);
}
