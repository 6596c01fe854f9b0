using NativeNet.Nn;

namespace NativeNet.Training;

/// <summary>Where a <see cref="NanWatchdog"/> found a non-finite value.</summary>
public enum NonFiniteKind
{
    /// <summary>The batch loss.</summary>
    Loss,
    /// <summary>A parameter's gradient after backward (the optimizer step was not taken).</summary>
    Gradient,
    /// <summary>A parameter's value after the optimizer step (the step was undone).</summary>
    Parameter,
}

/// <summary>
/// Stops training at the first NaN or ±Inf in the loss, a gradient or a parameter, naming the
/// step, layer and parameter, and leaves the model (and <see cref="CheckpointPath"/>, when given)
/// holding the weights of the last good step. Pass it to <c>CompiledModel.Fit</c> among the
/// callbacks (its <see cref="IStepHook"/> calls run the checks); in a hand-written loop call <see cref="Reset"/> once, then <see cref="CheckLoss"/>,
/// <see cref="CheckGradients"/> (after backward) and <see cref="CheckParameters"/> (after the
/// optimizer step) every step.
/// </summary>
/// <remarks>
/// Why the step-by-step snapshot: a NaN that only shows after the optimizer step (an overflow in
/// the update) has already destroyed the weights; the watchdog copies every parameter into
/// buffers it allocated once, so restoring costs no allocation and the snapshot is one step old at most.
/// </remarks>
public sealed class NanWatchdog : Callback, IStepHook
{
    private readonly Module _model;
    private (string Name, Tensor Value)[] _params = [];
    private float[][] _snapshot = [];
    private int _epoch, _batch;

    /// <summary>Watches <paramref name="model"/>; saves the last good weights to <paramref name="checkpointPath"/> (safetensors) after every epoch and when it trips.</summary>
    public NanWatchdog(Module model, string? checkpointPath = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (checkpointPath is not null) ArgumentException.ThrowIfNullOrEmpty(checkpointPath);
        _model = model;
        CheckpointPath = checkpointPath;
    }

    /// <summary>Where the last good weights are written, or null.</summary>
    public string? CheckpointPath { get; }

    /// <summary>Optimizer steps that passed every check since <see cref="Reset"/>.</summary>
    public long Step { get; private set; }

    /// <summary>Takes the first snapshot of the weights; call before the first step of a hand-written loop.</summary>
    public void Reset()
    {
        _params = _model.NamedParameters().ToArray();
        _snapshot = new float[_params.Length][];
        for (int i = 0; i < _params.Length; i++) _snapshot[i] = new float[_params[i].Value.Count];
        TakeSnapshot();
        Step = 0;
        _epoch = 1;
        _batch = 0;
    }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) => Reset();

    /// <inheritdoc />
    public override void OnEpochBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _epoch = context.Epoch;
        _batch = 0;
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, IReadOnlyDictionary<string, double> logs)
    {
        if (CheckpointPath is not null) ModelWeights.Save(_model, CheckpointPath);
    }

    void IStepHook.OnLoss(double loss) => CheckLoss(loss);
    void IStepHook.OnGradients() => CheckGradients();
    void IStepHook.OnStepEnd() => CheckParameters();

    /// <summary>Throws <see cref="TrainingDivergedException"/> when <paramref name="loss"/> is not finite.</summary>
    public void CheckLoss(double loss)
    {
        if (double.IsFinite(loss)) return;
        Trip(NonFiniteKind.Loss, null, loss,
            "the parameters are still finite, so the forward pass made it: rerun the batch inside Autograd.DetectAnomaly() to name the op, and check the inputs for NaN");
    }

    /// <summary>After backward, before the optimizer step: throws when a gradient holds NaN/Inf (the weights are untouched).</summary>
    public void CheckGradients()
    {
        foreach (var (name, p) in _params)
        {
            var g = p.Grad;
            if (g is null || g.IsDisposed) continue;
            int bad = FirstNonFinite(g.AsSpan());
            if (bad >= 0)
                Trip(NonFiniteKind.Gradient, name, g.AsSpan()[bad], $"gradient element {bad} of shape {Tensor.ShapeString(p.ShapeRef)}; the step was not taken");
        }
    }

    /// <summary>After the optimizer step: throws (after restoring the last good weights) when a parameter holds NaN/Inf; otherwise records this step as good.</summary>
    public void CheckParameters()
    {
        for (int i = 0; i < _params.Length; i++)
        {
            var (name, p) = _params[i];
            int bad = FirstNonFinite(p.AsSpan());
            if (bad >= 0)
                Trip(NonFiniteKind.Parameter, name, p.AsSpan()[bad], $"element {bad} of shape {Tensor.ShapeString(p.ShapeRef)} after the optimizer step; the step was undone");
        }
        TakeSnapshot();
        Step++;
        _batch++;
    }

    private void TakeSnapshot()
    {
        for (int i = 0; i < _params.Length; i++) _params[i].Value.AsSpan().CopyTo(_snapshot[i]);
    }

    private void Trip(NonFiniteKind source, string? parameterName, double value, string detail)
    {
        for (int i = 0; i < _params.Length; i++) _snapshot[i].AsSpan().CopyTo(_params[i].Value.AsSpan());
        if (CheckpointPath is not null) ModelWeights.Save(_model, CheckpointPath);
        throw new TrainingDivergedException(Step + 1, _epoch, _batch + 1, source, parameterName, value, Step, CheckpointPath, detail);
    }

    private static int FirstNonFinite(ReadOnlySpan<float> d)
    {
        for (int i = 0; i < d.Length; i++)
            if (!float.IsFinite(d[i])) return i;
        return -1;
    }
}

/// <summary>Thrown by <see cref="NanWatchdog"/>: training produced NaN or ±Inf; the model holds the last good weights.</summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(long step, int epoch, int batch, NonFiniteKind source, string? parameterName, double value,
        long lastGoodStep, string? checkpointPath, string detail)
        : base(Format(step, epoch, batch, source, parameterName, value, lastGoodStep, checkpointPath, detail))
    {
        Step = step; Epoch = epoch; Batch = batch; Kind = source; ParameterName = parameterName; Value = value;
        LastGoodStep = lastGoodStep; CheckpointPath = checkpointPath;
        if (parameterName is not null) (Layer, Parameter) = Split(parameterName);
    }

    /// <summary>The 1-based optimizer step that failed.</summary>
    public long Step { get; }
    /// <summary>The 1-based epoch.</summary>
    public int Epoch { get; }
    /// <summary>The 1-based batch within the epoch.</summary>
    public int Batch { get; }
    /// <summary>What was non-finite.</summary>
    public NonFiniteKind Kind { get; }
    /// <summary>The dotted parameter name ("encoder.0.weight"), or null for the loss.</summary>
    public string? ParameterName { get; }
    /// <summary>The layer's dotted path ("encoder.0"; "" for the root module), or null for the loss.</summary>
    public string? Layer { get; }
    /// <summary>The parameter's own name ("weight"), or null for the loss.</summary>
    public string? Parameter { get; }
    /// <summary>The first non-finite value found.</summary>
    public double Value { get; }
    /// <summary>The last step whose weights the model (and checkpoint) now hold (0: the weights before training).</summary>
    public long LastGoodStep { get; }
    /// <summary>The checkpoint file holding those weights, or null.</summary>
    public string? CheckpointPath { get; }

    private static (string Layer, string Parameter) Split(string name)
    {
        int dot = name.LastIndexOf('.');
        return (dot < 0 ? "" : name[..dot], name[(dot + 1)..]);
    }

    private static string Format(long step, int epoch, int batch, NonFiniteKind source, string? name, double value, long lastGood, string? path, string detail)
    {
        string what = source switch
        {
            NonFiniteKind.Loss => "the loss",
            NonFiniteKind.Gradient => $"the gradient of parameter '{name}'",
            _ => $"parameter '{name}'",
        };
        string where = "";
        if (name is not null)
        {
            var (layer, parameter) = Split(name);
            where = $" (layer '{layer}', parameter '{parameter}')";
        }
        string kept = path is null ? "the model holds" : $"the model and '{path}' hold";
        return $"Training diverged at step {step} (epoch {epoch}, batch {batch}): {what} became {value}{where}: {detail}. {kept} the weights of step {lastGood}.";
    }
}
