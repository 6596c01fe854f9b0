namespace NativeNet.Optim;

/// <summary>Base of the learning-rate schedulers: call <see cref="Step"/> once per epoch (OneCycleLR: per batch).</summary>
public abstract class LRScheduler
{
    private protected LRScheduler(Optimizer optimizer)
    {
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        BaseLrs = optimizer.ParamGroups.Select(g => g.InitialLearningRate).ToArray();
    }

    /// <summary>The optimizer whose learning rates are set.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The learning rates at construction.</summary>
    public IReadOnlyList<double> BaseLrs { get; }

    /// <summary>Steps taken so far.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>Advances one step and sets the new learning rates.</summary>
    public void Step()
    {
        LastEpoch++;
        Apply();
    }

    private protected void Apply()
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < groups.Count; i++) groups[i].LearningRate = Compute(BaseLrs[i], LastEpoch);
    }

    private protected abstract double Compute(double baseLr, int epoch);

    /// <summary>The current learning rates.</summary>
    public double[] GetLastLr() => Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
}

/// <summary>lr = base·gamma^⌊epoch/step_size⌋.</summary>
public sealed class StepLR : LRScheduler
{
    private readonly int _stepSize;
    private readonly double _gamma;

    /// <summary>Creates the scheduler.</summary>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize <= 0) throw new ArgumentException($"step_size must be positive. Received: step_size={stepSize}", nameof(stepSize));
        _stepSize = stepSize;
        _gamma = gamma;
    }

    private protected override double Compute(double baseLr, int epoch) => baseLr * Math.Pow(_gamma, epoch / _stepSize);
}

/// <summary>lr = base·gamma^epoch.</summary>
public sealed class ExponentialLR : LRScheduler
{
    private readonly double _gamma;

    /// <summary>Creates the scheduler.</summary>
    public ExponentialLR(Optimizer optimizer, double gamma) : base(optimizer) => _gamma = gamma;

    private protected override double Compute(double baseLr, int epoch) => baseLr * Math.Pow(_gamma, epoch);
}

/// <summary>lr = eta_min + (base − eta_min)·(1 + cos(π·epoch/T_max))/2.</summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int _tMax;
    private readonly double _etaMin;

    /// <summary>Creates the scheduler.</summary>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax <= 0) throw new ArgumentException($"T_max must be positive. Received: T_max={tMax}", nameof(tMax));
        _tMax = tMax;
        _etaMin = etaMin;
    }

    private protected override double Compute(double baseLr, int epoch) => _etaMin + (baseLr - _etaMin) * (1 + Math.Cos(Math.PI * epoch / _tMax)) / 2;
}

/// <summary>
/// The 1cycle policy (cosine annealing, two phases as PyTorch's default): from max_lr/div_factor up to
/// max_lr over pct_start of total_steps, then down to initial/final_div_factor. Step once per batch.
/// Momentum is not cycled.
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    private readonly double _maxLr, _initial, _min;
    private readonly int _totalSteps;
    private readonly double _warmEnd;

    /// <summary>Creates the scheduler and sets the initial learning rate.</summary>
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, double pctStart = 0.3, double divFactor = 25, double finalDivFactor = 1e4) : base(optimizer)
    {
        if (totalSteps <= 0) throw new ArgumentException($"total_steps must be positive. Received: total_steps={totalSteps}", nameof(totalSteps));
        if (!(pctStart >= 0 && pctStart <= 1)) throw new ArgumentException($"pct_start must be in [0, 1]. Received: pct_start={pctStart}", nameof(pctStart));
        _maxLr = maxLr;
        _totalSteps = totalSteps;
        _initial = maxLr / divFactor;
        _min = _initial / finalDivFactor;
        _warmEnd = pctStart * totalSteps - 1;
        Apply();
    }

    private static double Cos(double start, double end, double pct) => end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1);

    private protected override double Compute(double baseLr, int step)
    {
        if (step > _totalSteps)
            throw new InvalidOperationException($"OneCycleLR stepped {step} times, more than total_steps={_totalSteps}.");
        if (step <= _warmEnd) return Cos(_initial, _maxLr, _warmEnd <= 0 ? 1 : step / _warmEnd);
        double end = _totalSteps - 1;
        return Cos(_maxLr, _min, end - _warmEnd <= 0 ? 1 : (step - _warmEnd) / (end - _warmEnd));
    }
}

/// <summary>Cuts the learning rate by factor when a metric stops improving for patience epochs (PyTorch semantics, relative threshold).</summary>
public sealed class ReduceLROnPlateau
{
    private readonly Optimizer _optimizer;
    private double _best;
    private int _bad;
    private int _cooldownLeft;

    /// <summary>Creates the scheduler; mode "min" or "max".</summary>
    public ReduceLROnPlateau(Optimizer optimizer, string mode = "min", double factor = 0.1, int patience = 10, double threshold = 1e-4, int cooldown = 0, double minLr = 0, double eps = 1e-8)
    {
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        if (mode != "min" && mode != "max") throw new ArgumentException($"mode must be 'min' or 'max'. Received: mode='{mode}'", nameof(mode));
        if (!(factor < 1 && factor > 0)) throw new ArgumentException($"factor must be in (0, 1). Received: factor={factor}", nameof(factor));
        if (patience < 0) throw new ArgumentException($"patience must be non-negative. Received: patience={patience}", nameof(patience));
        Mode = mode; Factor = factor; Patience = patience; Threshold = threshold; Cooldown = cooldown; MinLr = minLr; Eps = eps;
        _best = mode == "min" ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>"min" or "max".</summary>
    public string Mode { get; }
    /// <summary>Multiplier on reduction.</summary>
    public double Factor { get; }
    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }
    /// <summary>Relative improvement threshold.</summary>
    public double Threshold { get; }
    /// <summary>Epochs to wait after a reduction.</summary>
    public int Cooldown { get; }
    /// <summary>Lower bound on the learning rate.</summary>
    public double MinLr { get; }
    /// <summary>Smallest change applied.</summary>
    public double Eps { get; }

    private bool Better(double v) => Mode == "min" ? v < _best * (1 - Threshold) : v > _best * (1 + Threshold);

    /// <summary>Records this epoch's metric; returns true when the learning rate was reduced.</summary>
    public bool Step(double metric)
    {
        if (Better(metric)) { _best = metric; _bad = 0; }
        else _bad++;
        if (_cooldownLeft > 0) { _cooldownLeft--; _bad = 0; }
        if (_bad <= Patience) return false;
        bool reduced = false;
        foreach (var g in _optimizer.ParamGroups)
        {
            double next = Math.Max(g.LearningRate * Factor, MinLr);
            if (g.LearningRate - next > Eps) { g.LearningRate = next; reduced = true; }
        }
        _cooldownLeft = Cooldown;
        _bad = 0;
        return reduced;
    }
}
