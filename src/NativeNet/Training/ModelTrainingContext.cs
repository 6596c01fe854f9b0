using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Training;

/// <summary>The trainer's <see cref="TrainingContext"/>: weights through the model's state dict, the rate through the optimizer.</summary>
internal sealed class ModelTrainingContext(Module model, Optimizer optimizer) : TrainingContext
{
    public override double LearningRate { get => optimizer.LearningRate; set => optimizer.LearningRate = value; }

    public override IReadOnlyDictionary<string, float[]> GetWeights() => ModelWeights.Get(model);

    public override void SetWeights(IReadOnlyDictionary<string, float[]> weights) => ModelWeights.Set(model, weights);

    /// <summary>False on data-parallel ranks other than 0: one process writes, the others hold the same weights.</summary>
    public bool WritesFiles { get; init; } = true;

    public override void SaveWeights(string path)
    {
        if (WritesFiles) ModelWeights.Save(model, path);
    }
}
