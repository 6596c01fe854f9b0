namespace NativeNet.Nn;

/// <summary>How a loss reduces its per-element values.</summary>
public enum Reduction
{
    /// <summary>The mean (the default, as in PyTorch).</summary>
    Mean = 0,
    /// <summary>The sum.</summary>
    Sum = 1,
    /// <summary>No reduction: one value per element / row.</summary>
    None = 2,
}

public static partial class Functional
{
    private static Tensor Reduce(Tensor perElement, Reduction reduction)
    {
        switch (reduction)
        {
            case Reduction.Mean: return perElement.Mean();
            case Reduction.Sum: return perElement.Sum();
            case Reduction.None: return perElement.Clone();
            default: throw new ArgumentOutOfRangeException(nameof(reduction), reduction, $"reduction must be Mean, Sum or None. Received: {(int)reduction}");
        }
    }

    private static void SameShapeLoss(Tensor input, Tensor target, string loss)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfDisposed(input, target);
        if (!Tensor.SameShape(input.ShapeRef, target.ShapeRef))
            throw new ArgumentException($"{loss}: target must have the input's shape. Received: input {Tensor.ShapeString(input.ShapeRef)}, target {Tensor.ShapeString(target.ShapeRef)}", nameof(target));
    }

    /// <summary>Mean squared error.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        SameShapeLoss(input, target, "mse_loss");
        using var d = input.Sub(target);
        using var sq = d.Square();
        return Reduce(sq, reduction);
    }

    /// <summary>Mean absolute error.</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        SameShapeLoss(input, target, "l1_loss");
        using var d = input.Sub(target);
        using var a = d.Abs();
        return Reduce(a, reduction);
    }

    /// <summary>Binary cross-entropy of probabilities (log clamped at −100 as PyTorch does). Optional per-element weight.</summary>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean)
    {
        SameShapeLoss(input, target, "binary_cross_entropy");
        var x = input.Data;
        for (int i = 0; i < x.Length; i++)
            if (!(x[i] >= 0f && x[i] <= 1f))
                throw new ArgumentException($"binary_cross_entropy: every input must be a probability in [0, 1]. Received: input[{i}]={x[i]}", nameof(input));
        // loss = -(t·max(log x, -100) + (1−t)·max(log(1−x), -100)); one fused node.
        var loss = Tensor.Empty(input.ShapeChecked());
        var l = loss.AsSpan();
        var t = target.Data;
        for (int i = 0; i < l.Length; i++)
        {
            float lx = Math.Max(MathF.Log(x[i]), -100f), l1x = Math.Max(MathF.Log(1 - x[i]), -100f);
            l[i] = -(t[i] * lx + (1 - t[i]) * l1x);
        }
        if (weight is not null)
        {
            using var w = loss.Mul(weight);
            w.Data.CopyTo(loss.AsSpan());
        }
        if (Autograd.Needs(input))
        {
            Autograd.Record("BinaryCrossEntropy", loss, new[] { input }, g =>
            {
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                var d = gx.AsSpan(); var xv = input.Data; var tv = target.Data; var gv = g.Data;
                // PyTorch: grad = (x − t) / max((1 − x)·x, eps) with eps = 1e-12
                for (int i = 0; i < d.Length; i++) d[i] = gv[i] * (xv[i] - tv[i]) / Math.Max((1 - xv[i]) * xv[i], 1e-12f);
                if (weight is not null)
                {
                    using var wg = gx.Mul(weight);
                    wg.Data.CopyTo(d);
                }
                return new Tensor?[] { gx };
            });
        }
        try { return Reduce(loss, reduction); }
        finally { loss.Dispose(); }
    }

    /// <summary>Sigmoid + binary cross-entropy in one numerically stable op; posWeight weights the positive term (broadcast over the last dim).</summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor? weight = null, Tensor? posWeight = null, Reduction reduction = Reduction.Mean)
    {
        SameShapeLoss(input, target, "binary_cross_entropy_with_logits");
        int n = input.Count;
        float[]? pw = null;
        if (posWeight is not null)
        {
            using var e = posWeight.Expand(input.ShapeChecked());
            pw = e.ToArray();
        }
        var loss = Tensor.Empty(input.ShapeChecked());
        var l = loss.AsSpan();
        var x = input.Data; var t = target.Data;
        for (int i = 0; i < n; i++)
        {
            // (1−t)·x + (1 + (pw−1)·t)·(log(1+e^−|x|) + max(−x, 0))
            float lw = pw is null ? 1f : 1 + (pw[i] - 1) * t[i];
            float sp = MathF.Log(1 + MathF.Exp(-MathF.Abs(x[i]))) + Math.Max(-x[i], 0f);
            l[i] = (1 - t[i]) * x[i] + lw * sp;
        }
        if (weight is not null)
        {
            using var w = loss.Mul(weight);
            w.Data.CopyTo(loss.AsSpan());
        }
        if (Autograd.Needs(input))
        {
            Autograd.Record("BinaryCrossEntropyWithLogits", loss, new[] { input }, g =>
            {
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                var d = gx.AsSpan(); var xv = input.Data; var tv = target.Data; var gv = g.Data;
                for (int i = 0; i < d.Length; i++)
                {
                    float s = 1f / (1f + MathF.Exp(-xv[i]));
                    // d/dx = (1−t) − lw·(1−s) with lw = 1 + (pw−1)t; equals s − t when pw = 1.
                    float lw = pw is null ? 1f : 1 + (pw[i] - 1) * tv[i];
                    d[i] = gv[i] * ((1 - tv[i]) - lw * (1 - s));
                }
                if (weight is not null)
                {
                    using var wg = gx.Mul(weight);
                    wg.Data.CopyTo(d);
                }
                return new Tensor?[] { gx };
            });
        }
        try { return Reduce(loss, reduction); }
        finally { loss.Dispose(); }
    }

    /// <summary>Class indices from a tensor of integer-valued floats (any shape) — throws naming the first non-integer.</summary>
    internal static int[] ClassIndices(Tensor target)
    {
        var t = target.Data;
        var r = new int[t.Length];
        for (int i = 0; i < t.Length; i++)
        {
            float v = t[i];
            if (v != MathF.Floor(v) || float.IsInfinity(v))
                throw new ArgumentException($"Class-index targets must hold integers. Received: target[{i}]={v}", nameof(target));
            r[i] = (int)v;
        }
        return r;
    }

    /// <summary>
    /// Cross-entropy of logits [N, C] (or [N, C, d…]) with class-index targets [N] ([N, d…]) given as
    /// integer-valued floats. Class weights, label smoothing, ignore index and reduction as PyTorch.
    /// </summary>
    /// A target with the input's shape holds class probabilities instead (PyTorch's rule).
    public static Tensor CrossEntropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, float labelSmoothing = 0f, int ignoreIndex = -100)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        return input.Rank == 2 && Tensor.SameShape(input.ShapeRef, target.ShapeRef)
            ? CrossEntropyProbabilities(input, target, weight, reduction, labelSmoothing)
            : CrossEntropy(input, ClassIndices(target), weight, reduction, labelSmoothing, ignoreIndex);
    }

    /// <summary>
    /// Cross-entropy of logits [N, C] with class-probability targets [N, C] (soft labels, mixup,
    /// distillation): row loss −Σ_c w_c·t_c·log_softmax(x)_c with t smoothed to (1−ε)·t + ε/C; the
    /// mean divides by N (PyTorch's rule for probability targets).
    /// </summary>
    public static Tensor CrossEntropyProbabilities(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, float labelSmoothing = 0f)
    {
        SameShapeLoss(input, target, "cross_entropy");
        ThrowIfDisposed(weight);
        if (input.Rank != 2) throw new ArgumentException($"cross_entropy input must be [N, C]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        int classes = input.ShapeRef[1];
        if (weight is not null && weight.Count != classes) throw new ArgumentException($"cross_entropy: weight must have {classes} elements. Received: shape={Tensor.ShapeString(weight.ShapeRef)}", nameof(weight));
        if (labelSmoothing < 0 || labelSmoothing > 1) throw new ArgumentException($"label_smoothing must be in [0, 1]. Received: label_smoothing={labelSmoothing}", nameof(labelSmoothing));
        using var lsm = input.LogSoftmax(1);
        using var kept = target.Mul(1 - labelSmoothing);
        using var t = kept.Add(labelSmoothing / classes);
        using var tw = weight is null ? t.Detach() : t.Mul(weight);
        using var prod = tw.Mul(lsm);
        using var row = prod.Sum(1);
        using var neg = row.Neg();
        return reduction == Reduction.Mean ? neg.Mean() : Reduce(neg, reduction);
    }

    /// <summary>
    /// Kullback–Leibler divergence with log-probability input and probability target (PyTorch's
    /// kl_div, log_target false): elementwise t·(log t − x), 0 where t = 0. "batchmean" (the
    /// mathematically correct KL) divides the sum by the batch size: pass <paramref name="batchMean"/>.
    /// </summary>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool batchMean = false)
    {
        SameShapeLoss(input, target, "kl_div");
        var tv = target.Data;
        var entropyTerm = new float[tv.Length];
        for (int i = 0; i < tv.Length; i++)
        {
            if (tv[i] < 0 || float.IsNaN(tv[i])) throw new ArgumentException($"kl_div: target must hold probabilities (non-negative). Received: target[{i}]={tv[i]}", nameof(target));
            entropyTerm[i] = tv[i] > 0 ? tv[i] * MathF.Log(tv[i]) : 0f;
        }
        using var tlogt = Tensor.FromArray(entropyTerm, input.ShapeChecked());
        using var tx = target.Mul(input);
        using var elem = tlogt.Sub(tx);
        if (!batchMean) return Reduce(elem, reduction);
        using var sum = elem.Sum();
        return sum.Div(input.Rank == 0 ? 1 : input.ShapeRef[0]);
    }

    /// <summary>Smooth L1 (Huber-like) loss: 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β (β = 0: L1).</summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, float beta = 1f)
    {
        SameShapeLoss(input, target, "smooth_l1_loss");
        if (!(beta >= 0)) throw new ArgumentException($"beta must be non-negative. Received: beta={beta}", nameof(beta));
        if (beta == 0) return L1Loss(input, target, reduction);
        var loss = Tensor.Empty(input.ShapeChecked());
        var l = loss.AsSpan();
        var x = input.Data; var t = target.Data;
        for (int i = 0; i < l.Length; i++)
        {
            float d = MathF.Abs(x[i] - t[i]);
            l[i] = d < beta ? 0.5f * d * d / beta : d - 0.5f * beta;
        }
        if (Autograd.Needs(input))
        {
            Autograd.Record("SmoothL1Loss", loss, new[] { input }, g =>
            {
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                var gd = gx.AsSpan(); var xv = input.Data; var tv = target.Data; var gv = g.Data;
                for (int i = 0; i < gd.Length; i++)
                {
                    float d = xv[i] - tv[i];
                    gd[i] = gv[i] * (MathF.Abs(d) < beta ? d / beta : MathF.Sign(d));
                }
                return new Tensor?[] { gx };
            });
        }
        try { return Reduce(loss, reduction); }
        finally { loss.Dispose(); }
    }

    /// <summary>
    /// Sigmoid focal loss (Lin et al., torchvision.ops.sigmoid_focal_loss) for dense detection and
    /// rare positives: BCE-with-logits · (1 − p_t)^γ, weighted by α for positives and 1 − α for
    /// negatives (α &lt; 0: no weighting).
    /// </summary>
    public static Tensor SigmoidFocalLoss(Tensor input, Tensor target, float alpha = 0.25f, float gamma = 2f, Reduction reduction = Reduction.None)
    {
        SameShapeLoss(input, target, "sigmoid_focal_loss");
        if (!(gamma >= 0)) throw new ArgumentException($"gamma must be non-negative. Received: gamma={gamma}", nameof(gamma));
        using var p = input.Sigmoid();
        using var ce = BinaryCrossEntropyWithLogits(input, target, null, null, Reduction.None);
        using var pt1 = p.Mul(target);
        using var oneMinusP = 1f - p;
        using var oneMinusT = 1f - target;
        using var pt0 = oneMinusP.Mul(oneMinusT);
        using var pt = pt1.Add(pt0);
        using var miss = 1f - pt;
        using var mod = miss.Pow(gamma);
        using var focal = ce.Mul(mod);
        if (alpha < 0) return Reduce(focal, reduction);
        using var at1 = target.Mul(alpha);
        using var at0 = oneMinusT.Mul(1 - alpha);
        using var at = at1.Add(at0);
        using var weighted = focal.Mul(at);
        return Reduce(weighted, reduction);
    }

    /// <summary>Cross-entropy with class-index targets as an int array (one per row of the [N, C] logits).</summary>
    public static Tensor CrossEntropy(Tensor input, int[] target, Tensor? weight = null, Reduction reduction = Reduction.Mean, float labelSmoothing = 0f, int ignoreIndex = -100)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfDisposed(input, weight);
        if (input.Rank > 2)
        {
            // [N, C, d…] → [N·d…, C]
            var perm = new int[input.Rank];
            perm[0] = 0;
            for (int i = 1; i < input.Rank - 1; i++) perm[i] = i + 1;
            perm[^1] = 1;
            using var moved = input.Permute(perm);
            using var flat = moved.Reshape(-1, input.ShapeRef[1]);
            var r = CrossEntropy(flat, target, weight, reduction, labelSmoothing, ignoreIndex);
            if (reduction != Reduction.None) return r;
            var shp = new int[input.Rank - 1];
            shp[0] = input.ShapeRef[0];
            for (int i = 2; i < input.Rank; i++) shp[i - 1] = input.ShapeRef[i];
            using (r) return r.Reshape(shp);
        }
        if (input.Rank != 2) throw new ArgumentException($"cross_entropy input must be [N, C]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        int rows = input.ShapeRef[0], classes = input.ShapeRef[1];
        if (target.Length != rows) throw new ArgumentException($"cross_entropy: expected {rows} targets (one per row). Received: {target.Length}", nameof(target));
        if (weight is not null && weight.Count != classes) throw new ArgumentException($"cross_entropy: weight must have {classes} elements. Received: shape={Tensor.ShapeString(weight.ShapeRef)}", nameof(weight));
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw new ArgumentException($"label_smoothing must be in [0, 1]. Received: label_smoothing={labelSmoothing}", nameof(labelSmoothing));
        CheckClassTargets(target, classes, ignoreIndex, input);
        var rowLoss = new float[rows];
        var rowWeight = new float[rows];
        var grad = Tensor.Empty(new[] { rows, classes }, register: false);
        K.CrossEntropy(rows, classes, input.Data, target, weight is null ? default : weight.Data, labelSmoothing, ignoreIndex, rowLoss, rowWeight, grad.AsSpan());
        Tensor y;
        float scale = 1f;
        if (reduction == Reduction.None) y = Tensor.FromArray(rowLoss, rows);
        else
        {
            double sum = 0, wsum = 0;
            for (int i = 0; i < rows; i++) { sum += rowLoss[i]; wsum += rowWeight[i]; }
            if (reduction == Reduction.Mean) { scale = (float)(1.0 / wsum); sum /= wsum; }
            y = Tensor.Scalar((float)sum);
        }
        if (Autograd.Needs(input))
        {
            var red = reduction;
            var node = Autograd.Record("CrossEntropy", y, new[] { input }, g =>
            {
                var gx = Tensor.Empty(new[] { rows, classes }, register: false);
                var gd = gx.AsSpan(); var src = grad.Data; var gv = g.Data;
                for (int i = 0; i < rows; i++)
                {
                    float f = red == Reduction.None ? gv[i] : gv[0] * scale;
                    K.BinaryScalar(Kernels.BinaryOp.Mul, src.Slice(i * classes, classes), f, gd.Slice(i * classes, classes));
                }
                return new Tensor?[] { gx };
            });
            node.OnRelease = grad.Dispose;
        }
        else grad.Dispose();
        GC.KeepAlive(input);
        return y;
    }

    /// <summary>Negative log-likelihood of log-probabilities [N, C] with class-index targets (integer-valued floats).</summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean, int ignoreIndex = -100)
        => NllLoss(input, ClassIndices(target), weight, reduction, ignoreIndex);

    /// <summary>Negative log-likelihood with int class indices.</summary>
    public static Tensor NllLoss(Tensor input, int[] target, Tensor? weight = null, Reduction reduction = Reduction.Mean, int ignoreIndex = -100)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfDisposed(input, weight);
        if (input.Rank != 2) throw new ArgumentException($"nll_loss input must be [N, C]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        int rows = input.ShapeRef[0], classes = input.ShapeRef[1];
        if (target.Length != rows) throw new ArgumentException($"nll_loss: expected {rows} targets. Received: {target.Length}", nameof(target));
        CheckClassTargets(target, classes, ignoreIndex, input);
        var w = weight?.ToArray();
        var x = input.Data;
        var rowLoss = new float[rows];
        var rowW = new float[rows];
        double sum = 0, wsum = 0;
        for (int i = 0; i < rows; i++)
        {
            int t = target[i];
            if (t == ignoreIndex) continue;
            rowW[i] = w is null ? 1f : w[t];
            rowLoss[i] = -rowW[i] * x[i * classes + t];
            sum += rowLoss[i];
            wsum += rowW[i];
        }
        Tensor y = reduction switch
        {
            Reduction.None => Tensor.FromArray(rowLoss, rows),
            Reduction.Sum => Tensor.Scalar((float)sum),
            _ => Tensor.Scalar((float)(sum / wsum)),
        };
        if (Autograd.Needs(input))
        {
            float scale = reduction == Reduction.Mean ? (float)(1.0 / wsum) : 1f;
            var red = reduction;
            Autograd.Record("NllLoss", y, new[] { input }, g =>
            {
                var gx = Tensor.Zeros(rows, classes);
                var gd = gx.AsSpan(); var gv = g.Data;
                for (int i = 0; i < rows; i++)
                {
                    int t = target[i];
                    if (t == ignoreIndex) continue;
                    gd[i * classes + t] = -rowW[i] * (red == Reduction.None ? gv[i] : gv[0] * scale);
                }
                return new Tensor?[] { gx };
            });
        }
        return y;
    }

    /// <summary>Throws unless the input has a class axis and every target is a class index or <paramref name="ignoreIndex"/>, naming the first bad row.</summary>
    private static void CheckClassTargets(int[] target, int classes, int ignoreIndex, Tensor input)
    {
        if (classes <= 0) throw new ArgumentException($"The input must have at least one class. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        for (int i = 0; i < target.Length; i++)
        {
            int t = target[i];
            if (t != ignoreIndex && (uint)t >= (uint)classes)
                throw new ArgumentException($"Target {t} is out of bounds for {classes} classes (row {i}).", nameof(target));
        }
    }
}
