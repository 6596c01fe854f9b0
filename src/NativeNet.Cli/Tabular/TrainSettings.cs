namespace NativeNet.Cli.Tabular;

/// <summary>Everything `nativenet train` was asked to do.</summary>
public sealed record TrainSettings
{
    /// <summary>The CSV file.</summary>
    public required string DataPath { get; init; }
    /// <summary>Target column.</summary>
    public required string Target { get; init; }
    /// <summary>True for classification, false for regression.</summary>
    public required bool Classification { get; init; }
    /// <summary>The network.</summary>
    public required NetworkSpec Network { get; init; }
    /// <summary>Epochs per fit.</summary>
    public int Epochs { get; init; } = 60;
    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Adam L2 weight decay (the breast-cancer recipe's 0.03).</summary>
    public double WeightDecay { get; init; } = 0.03;
    /// <summary>Cross-validation folds.</summary>
    public int Folds { get; init; } = 5;
    /// <summary>Seed of splits, initialization, shuffles, dropout and bootstrap.</summary>
    public int Seed { get; init; } = 42;
    /// <summary>Bootstrap resamples for the 95% intervals.</summary>
    public int BootstrapResamples { get; init; } = 1000;
    /// <summary>Data-parallel training across the processes of an MPI job; <see cref="BatchSize"/> is per process.</summary>
    public bool Distributed { get; init; }
    /// <summary>Precision of the network's matrix products in training and evaluation (--precision); the saved weights are float32 either way.</summary>
    public Precision Precision { get; init; } = Precision.Float32;
    /// <summary>Output folder.</summary>
    public required string OutDir { get; init; }
    /// <summary>Most trainable parameters the network may have (--max-params).</summary>
    public long MaxParams { get; init; } = Safety.CliLimits.DefaultMaxParams;
    /// <summary>Identifies this run in the model file's metadata and in the report, so a model and report can be matched.</summary>
    public string RunId { get; init; } = Guid.NewGuid().ToString("N");
}
