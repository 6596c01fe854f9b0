using System.Diagnostics;
using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Training;

/// <summary>
/// A module bound to an optimizer, a loss and metrics — Keras's compiled model, made with
/// <see cref="TrainingExtensions.Compile(Module, Optimizer, Loss, string[])"/>. It adds
/// <see cref="Fit(Dataset, int, int, double, Dataset?, bool, IReadOnlyDictionary{int, double}?, IEnumerable{ICallback}?, IProgress{TrainingProgress}?, int, CancellationToken, bool, Precision?)"/>, <see cref="Evaluate"/> and <see cref="Predict"/> and owns nothing: the
/// module stays yours (dispose it yourself), and you can keep calling it directly.
/// </summary>
/// <example>
/// <code>
/// Generator.ManualSeed(42);
/// var model = new Sequential(new Linear(30, 64), new ReLU(), new Dropout(0.2), new Linear(64, 1));
/// var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-3), new BCEWithLogitsLoss(), "accuracy", "auc");
/// var history = compiled.Fit(train, epochs: 100, batchSize: 32, validationData: val,
///     callbacks: [new EarlyStopping("val_auc", patience: 10, restoreBestWeights: true)],
///     progress: new ConsoleProgress(), seed: 42);
/// float[] probabilities = compiled.Predict(test);   // sigmoid applied: P(malignant)
/// </code>
/// The same training by hand is as short:
/// <code>
/// var loader = new DataLoader(train, batchSize: 32, seed: 42);
/// for (int epoch = 0; epoch &lt; 100; epoch++)
///     foreach (var batch in loader.GetEpoch(epoch))
///     {
///         using var scope = Tensor.NewDisposeScope();
///         var loss = lossFn.Forward(model.Forward(Tensor.FromArray(batch.Features, batch.Shape)),
///                                   Tensor.FromArray(batch.Targets, batch.Count, 1));
///         optimizer.ZeroGrad();
///         loss.Backward();
///         optimizer.Step();
///     }
/// </code>
/// </example>
public sealed class CompiledModel
{
    private readonly LossAdapter _adapter;

    internal CompiledModel(Module model, Optimizer optimizer, Loss loss, IReadOnlyList<Metric> metrics)
    {
        Model = model; Optimizer = optimizer; Loss = loss; Metrics = metrics;
        _adapter = new LossAdapter(loss, model);
        if (_adapter.Warning is { } warning)
        {
            Warnings = [warning];
            WarningWriter.WriteLine($"warning: {warning}");
        }
        var dup = metrics.GroupBy(m => m.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Metric '{dup.Key}' is given twice.", nameof(metrics));
        if (metrics.Any(m => m.Name == "loss" || m.Name == "lr")) throw new ArgumentException("A metric may not be named 'loss' or 'lr'.", nameof(metrics));
    }

    /// <summary>The module trained.</summary>
    public Module Model { get; }

    /// <summary>
    /// What Compile found wrong with the model for its loss (e.g. a final Softmax before
    /// cross-entropy, which expects logits); each is written once to <see cref="WarningWriter"/>.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; } = [];

    /// <summary>Where Compile writes its warnings (standard error by default).</summary>
    public static TextWriter WarningWriter { get; set; } = Console.Error;
    /// <summary>The optimizer (its LearningRate is what ReduceLROnPlateauCallback changes).</summary>
    public Optimizer Optimizer { get; }
    /// <summary>The loss; it also decides what <see cref="Predict"/> returns (softmax for cross-entropy, sigmoid for BCE with logits).</summary>
    public Loss Loss { get; }
    /// <summary>Metrics computed each epoch on training and validation data.</summary>
    public IReadOnlyList<Metric> Metrics { get; }

    /// <summary>
    /// Trains for up to <paramref name="epochs"/> epochs and returns the per-epoch logs.
    /// Each epoch: shuffled mini-batches (seeded: one seed gives bitwise-identical runs on a
    /// fixed thread count), then metrics on the epoch's training outputs, then validation in eval
    /// mode, then callbacks. Cancellation stops after the current batch; the model keeps the
    /// weights of the last completed step, callbacks' OnTrainEnd still run (so EarlyStopping
    /// can restore its best weights), and Fit returns the history so far with
    /// <see cref="History.Cancelled"/> set — it does not throw, so a Stop button needs no try/catch.
    /// </summary>
    /// <param name="data">Training samples.</param>
    /// <param name="epochs">Maximum epochs.</param>
    /// <param name="batchSize">Samples per step.</param>
    /// <param name="validationSplit">Fraction of <paramref name="data"/> held out for validation — the last samples, before shuffling, as Keras does.</param>
    /// <param name="validationData">Explicit validation samples (takes precedence over the split).</param>
    /// <param name="shuffle">Shuffle every epoch.</param>
    /// <param name="classWeights">Loss weight per class label (e.g. {0: 1, 1: 1.7} for a rarer positive class); the batch loss is Σ wᵢ·lᵢ / n.</param>
    /// <param name="callbacks">Callbacks, called in order.</param>
    /// <param name="progress">Receives batch and epoch reports (e.g. <see cref="ConsoleProgress"/>).</param>
    /// <param name="seed">Seeds the shuffles and, through <see cref="Generator.ManualSeed"/>, this thread's default generator (dropout).</param>
    /// <param name="cancellationToken">Stops training early.</param>
    /// <param name="distributed">
    /// Data-parallel training across the processes of an MPI job (NativeNet.Distributed; start
    /// with <c>mpirun -np N</c>): parameters are broadcast from rank 0, each global batch of
    /// N·<paramref name="batchSize"/> samples is split between the ranks, gradients are summed
    /// across ranks during the backward pass, and metrics cover every rank's samples. The result
    /// equals one process with batch N·<paramref name="batchSize"/> up to float summation order.
    /// Only rank 0 reports progress and writes checkpoint files. Pass the same data and seed on every rank.
    /// </param>
    /// <param name="precision">
    /// <see cref="Precision.BFloat16"/>: mixed-precision training as PyTorch's CPU autocast does it —
    /// the matrix products of the layers that support it (<see cref="Module.ToPrecision"/>) take
    /// bfloat16 operands, forward and backward; weights, optimizer state, losses and everything else
    /// stay float32. The model's own precision is restored when Fit returns. Null (the default): the
    /// model's own precision (<see cref="Module.Precision"/>).
    /// </param>
    public History Fit(Dataset data, int epochs, int batchSize = 32, double validationSplit = 0, Dataset? validationData = null,
        bool shuffle = true, IReadOnlyDictionary<int, double>? classWeights = null, IEnumerable<ICallback>? callbacks = null,
        IProgress<TrainingProgress>? progress = null, int seed = 0, CancellationToken cancellationToken = default, bool distributed = false,
        Precision? precision = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (epochs <= 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, $"epochs must be positive. Received: epochs={epochs}");
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be positive. Received: batchSize={batchSize}");
        if (!(validationSplit >= 0 && validationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(validationSplit), validationSplit, $"validationSplit must be in [0, 1). Received: validationSplit={validationSplit}");
        if (classWeights is not null && !_adapter.IsClassification)
            throw new ArgumentException($"classWeights apply to classification losses only. Received: {Loss.GetType().Name}.", nameof(classWeights));

        var train = data;
        var val = validationData;
        if (val is null && validationSplit > 0)
        {
            int nVal = (int)Math.Round(data.Count * validationSplit);
            if (nVal == 0 || nVal == data.Count) throw new ArgumentException($"validationSplit={validationSplit} of {data.Count} samples leaves an empty part.", nameof(validationSplit));
            train = data.Subset(Enumerable.Range(0, data.Count - nVal).ToArray());
            val = data.Subset(Enumerable.Range(data.Count - nVal, nVal).ToArray());
        }
        if (train.Count == 0) throw new ArgumentException("data holds no samples.", nameof(data));

        using var parallel = distributed ? DataParallel.Create(Model) : null;
        if (parallel is { Rank: > 0 }) progress = null;
        var loader = new DataLoader(train, batchSize * (parallel?.WorldSize ?? 1), shuffle, seed);
        return InPrecision(precision, () => FitLoop(loader, epochs, batchSize, val, classWeights, callbacks, progress, seed, parallel, cancellationToken));
    }

    // Runs fit with the model's products in `precision` (null: as the model is), then restores the model's precision.
    private History InPrecision(Precision? precision, Func<History> fit)
    {
        if (precision is null) return fit();
        var saved = Model.Precision;
        Model.ToPrecision(precision.Value);
        try
        {
            return fit();
        }
        finally
        {
            Model.ToPrecision(saved);
        }
    }

    /// <summary>
    /// Trains on the batches of <paramref name="loader"/>: its samples may be decoded from disk and
    /// augmented on its workers (an image folder with a transform), so augmentation runs inside Fit.
    /// Otherwise the same as <see cref="Fit(Dataset, int, int, double, Dataset?, bool, IReadOnlyDictionary{int, double}?, IEnumerable{ICallback}?, IProgress{TrainingProgress}?, int, CancellationToken, bool, Precision?)"/>
    /// in one process; validation uses <paramref name="validationData"/> as it is (no augmentation).
    /// </summary>
    public History Fit(DataLoader loader, int epochs, ISampleSource? validationData = null, IReadOnlyDictionary<int, double>? classWeights = null,
        IEnumerable<ICallback>? callbacks = null, IProgress<TrainingProgress>? progress = null, int seed = 0, CancellationToken cancellationToken = default,
        Precision? precision = null)
    {
        ArgumentNullException.ThrowIfNull(loader);
        if (epochs <= 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, $"epochs must be positive. Received: epochs={epochs}");
        if (loader.Data.Count == 0) throw new ArgumentException("The loader holds no samples.", nameof(loader));
        if (classWeights is not null && !_adapter.IsClassification)
            throw new ArgumentException($"classWeights apply to classification losses only. Received: {Loss.GetType().Name}.", nameof(classWeights));
        return InPrecision(precision, () => FitLoop(loader, epochs, loader.BatchSize, validationData, classWeights, callbacks, progress, seed, null, cancellationToken));
    }

    private History FitLoop(DataLoader loader, int epochs, int batchSize, ISampleSource? val, IReadOnlyDictionary<int, double>? classWeights,
        IEnumerable<ICallback>? callbacks, IProgress<TrainingProgress>? progress, int seed, IDataParallel? parallel, CancellationToken cancellationToken)
    {
        Generator.ManualSeed((ulong)(uint)seed);
        var cbs = callbacks?.ToList() ?? [];
        _stepHooks = cbs.OfType<IStepHook>().ToArray();
        var context = new ModelTrainingContext(Model, Optimizer) { Epochs = epochs, WritesFiles = parallel is not { Rank: > 0 } };
        var history = context.History;
        foreach (var cb in cbs) cb.OnTrainBegin(context);
        try
        {
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                context.Epoch = epoch;
                foreach (var cb in cbs) cb.OnEpochBegin(context);
                var logs = TrainEpoch(loader, epoch, epochs, classWeights, cbs, context, progress, parallel, cancellationToken);
                if (logs is null) { history.Cancelled = true; break; }
                // In-memory rows validate in large batches; file-backed samples (images decoded per batch)
                // at the training batch size, so validation needs no more memory than a training step.
                if (val is not null)
                    foreach (var (k, v) in Evaluate(val, val is Dataset ? Math.Max(batchSize, 256) : batchSize)) logs["val_" + k] = v;
                logs["lr"] = Optimizer.LearningRate;
                foreach (var cb in cbs) cb.OnEpochEnd(context, logs);
                history.Add(logs);
                progress?.Report(new TrainingProgress
                {
                    Kind = ProgressKind.EpochEnd, Epoch = epoch, Epochs = epochs, Batch = loader.BatchCount, Batches = loader.BatchCount,
                    Loss = logs["loss"], Metrics = logs.Where(kv => kv.Key is not "loss" and not "lr").ToDictionary(), Elapsed = _epochWatch.Elapsed,
                });
                if (context.StopTraining) { history.StoppedEarly = true; break; }
                if (cancellationToken.IsCancellationRequested) { history.Cancelled = true; break; }
            }
        }
        finally
        {
            _stepHooks = [];
            Model.Train();
            Optimizer.ZeroGrad();
        }
        foreach (var cb in cbs) cb.OnTrainEnd(context);
        return history;
    }

    private readonly Stopwatch _epochWatch = new();

    // Checked inside each step (between backward and the optimizer step), which callbacks cannot reach.
    private IStepHook[] _stepHooks = [];

    // One epoch of training; null when cancelled before it finished.
    private Dictionary<string, double>? TrainEpoch(DataLoader loader, int epoch, int epochs, IReadOnlyDictionary<int, double>? classWeights,
        List<ICallback> cbs, TrainingContext context, IProgress<TrainingProgress>? progress, IDataParallel? parallel, CancellationToken token)
    {
        Model.Train();
        _epochWatch.Restart();
        double lossSum = 0;
        int seen = 0, batchNo = 0;
        var outputs = new List<float[]>();
        var targets = new List<float[]>();
        var shards = new List<BatchShard>();  // data parallel: which rows of each global batch outputs holds
        IEnumerator<Batch> it;
        try { it = loader.GetEpoch(epoch - 1, token).GetEnumerator(); }
        catch (OperationCanceledException) { return null; }
        using (it)
        {
            while (true)
            {
                if (token.IsCancellationRequested) return null;
                try { if (!it.MoveNext()) break; }
                catch (OperationCanceledException) { return null; }
                var batch = it.Current;
                double loss;
                float[] probabilities;
                if (parallel is null) loss = Step(batch, classWeights, out probabilities);
                else
                {
                    var shard = parallel.Shard(batch.Count);
                    loss = ParallelStep(batch, shard, classWeights, parallel, out probabilities);
                    shards.Add(shard);
                }
                lossSum += loss * batch.Count;
                seen += batch.Count;
                outputs.Add(probabilities);
                targets.Add(batch.Targets);
                batchNo++;
                foreach (var cb in cbs) cb.OnBatchEnd(context, batchNo, loss);
                progress?.Report(new TrainingProgress
                {
                    Kind = ProgressKind.BatchEnd, Epoch = epoch, Epochs = epochs, Batch = batchNo, Batches = loader.BatchCount,
                    Loss = lossSum / seen, Elapsed = _epochWatch.Elapsed,
                });
            }
        }
        var logs = new Dictionary<string, double> { ["loss"] = lossSum / seen };
        var allOutputs = parallel is null ? Concat(outputs) : GatherRows(parallel, outputs, shards, seen);
        AddMetrics(logs, "", allOutputs, Concat(targets), loader.Data.Count, loader.Data.TargetWidth);
        return logs;
    }

    // Data parallel: every rank's output rows of the epoch, in global batch order, on every rank
    // (each rank fills its rows of a zeroed array, then a sum; adding zeros is exact).
    private static float[] GatherRows(IDataParallel parallel, List<float[]> parts, List<BatchShard> shards, int rows)
    {
        // Outputs per row; a rank that got no rows at all learns it from the others.
        int i = shards.FindIndex(sh => sh.Count > 0);
        Span<double> width = [i < 0 ? 0 : parts[i].Length / shards[i].Count, i < 0 ? 0 : 1];
        parallel.SumInPlace(width);
        var all = new float[(long)rows * (int)Math.Round(width[0] / width[1])];
        for (int k = 0, start = 0; k < parts.Count; start += shards[k].GlobalCount, k++)
            parts[k].CopyTo(all, (long)(start + shards[k].Offset) * (all.Length / rows));
        parallel.SumInPlace(all);
        return all;
    }

    // One optimizer step on a batch; returns the batch loss and the batch's probabilities.
    private double Step(Batch batch, IReadOnlyDictionary<int, double>? classWeights, out float[] probabilities)
    {
        using var scope = Tensor.NewDisposeScope();
        var x = Tensor.FromArray(batch.Features, batch.Shape);
        var output = Model.Forward(x);
        var loss = _adapter.Compute(output, batch.Targets, batch.TargetWidth, SampleWeights(batch, classWeights));
        float value = loss.Item();
        foreach (var hook in _stepHooks) hook.OnLoss(value);
        if (!float.IsFinite(value))
        {
            throw new InvalidOperationException($"The loss became {value} at batch {batch.Index}; lower the learning rate or check the inputs for NaN.");
        }
        Optimizer.ZeroGrad();
        loss.Backward();
        foreach (var hook in _stepHooks) hook.OnGradients();
        Optimizer.Step();
        foreach (var hook in _stepHooks) hook.OnStepEnd();
        probabilities = _adapter.ToProbabilities(output);
        return value;
    }

    // One step on this rank's rows of a global batch; returns the global batch's loss (the same on
    // every rank, so a non-finite loss stops every rank alike) and this rank's probabilities.
    private double ParallelStep(Batch batch, BatchShard shard, IReadOnlyDictionary<int, double>? classWeights, IDataParallel parallel, out float[] probabilities)
    {
        using var scope = Tensor.NewDisposeScope();
        Tensor? output = null, loss = null;
        Span<double> lossSum = [0];
        if (shard.Count > 0)
        {
            var rows = batch.Rows(shard.Offset, shard.Count);
            using (BatchShard.Enter(shard))
                output = Model.Forward(Tensor.FromArray(rows.Features, rows.Shape));
            loss = _adapter.Compute(output, rows.Targets, rows.TargetWidth, SampleWeights(rows, classWeights));
            lossSum[0] = loss.Item() * (double)shard.Count;
        }
        parallel.SumInPlace(lossSum);
        double value = lossSum[0] / batch.Count;
        foreach (var hook in _stepHooks) hook.OnLoss(value);
        if (!double.IsFinite(value))
        {
            throw new InvalidOperationException($"The loss became {value} at batch {batch.Index}; lower the learning rate or check the inputs for NaN.");
        }
        Optimizer.ZeroGrad();
        parallel.Backward(loss, (float)shard.Count / batch.Count);
        foreach (var hook in _stepHooks) hook.OnGradients();
        Optimizer.Step();
        foreach (var hook in _stepHooks) hook.OnStepEnd();
        probabilities = output is null ? [] : _adapter.ToProbabilities(output);
        return value;
    }

    private static float[]? SampleWeights(Batch batch, IReadOnlyDictionary<int, double>? classWeights)
    {
        if (classWeights is null) return null;
        var w = new float[batch.Count];
        for (int i = 0; i < w.Length; i++)
            w[i] = classWeights.TryGetValue((int)batch.Targets[i * batch.TargetWidth], out var cw) ? (float)cw : 1f;
        return w;
    }

    /// <summary>Loss and metrics on <paramref name="data"/> in eval mode without gradients ("loss" plus each metric's name).</summary>
    public IReadOnlyDictionary<string, double> Evaluate(ISampleSource data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) throw new ArgumentException("data holds no samples.", nameof(data));
        var (probabilities, targets, lossSum) = Run(data, batchSize, withLoss: true);
        var logs = new Dictionary<string, double> { ["loss"] = lossSum / data.Count };
        AddMetrics(logs, "", probabilities, targets, data.Count, data.TargetWidth);
        return logs;
    }

    /// <summary>
    /// Outputs for every sample, row-major [n, outputs], in eval mode without gradients:
    /// probabilities for classification losses (softmax rows for cross-entropy, sigmoid for
    /// BCE with logits), raw values otherwise. The module's training mode is restored afterwards.
    /// </summary>
    public float[] Predict(ISampleSource data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Run(data, batchSize, withLoss: false).Outputs;
    }

    private (float[] Outputs, float[] Targets, double LossSum) Run(ISampleSource data, int batchSize, bool withLoss)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"batchSize must be positive. Received: batchSize={batchSize}");
        bool wasTraining = Model.Training;
        Model.Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            var parts = new List<float[]>();
            var targets = new List<float[]>();
            double lossSum = 0;
            // In-memory rows are copied on this thread; sources that decode files use the cores.
            var loader = data is Dataset ? new DataLoader(data, batchSize, shuffle: false, prefetch: 0) : new DataLoader(data, batchSize, shuffle: false, workers: Environment.ProcessorCount);
            foreach (var batch in loader.GetEpoch(0))
            {
                using var scope = Tensor.NewDisposeScope();
                var output = Model.Forward(Tensor.FromArray(batch.Features, batch.Shape));
                if (withLoss) lossSum += _adapter.Compute(output, batch.Targets, batch.TargetWidth, null).Item() * (double)batch.Count;
                parts.Add(_adapter.ToProbabilities(output));
                targets.Add(batch.Targets);
            }
            return (Concat(parts), Concat(targets), lossSum);
        }
        finally { Model.Train(wasTraining); }
    }

    private void AddMetrics(Dictionary<string, double> logs, string prefix, float[] outputs, float[] targets, int n, int targetWidth)
    {
        if (Metrics.Count == 0) return;
        int width = outputs.Length / n;
        foreach (var m in Metrics) logs[prefix + m.Name] = m.Compute(outputs, width, targets, targetWidth);
    }

    private static float[] Concat(List<float[]> parts)
    {
        var r = new float[parts.Sum(p => (long)p.Length)];
        long o = 0;
        foreach (var p in parts) { Array.Copy(p, 0, r, o, p.Length); o += p.Length; }
        return r;
    }
}
