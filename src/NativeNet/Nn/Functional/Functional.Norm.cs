using System.Runtime.InteropServices;

namespace NativeNet.Nn;

public static partial class Functional
{
    // A running statistic for the kernel: written (a new Version) only in training. Evaluation reads
    // it, so caches derived from it (a convolution's folded weights) stay valid.
    private static Span<float> RunningStatistic(Tensor? t, bool training) =>
        t is null ? default : training ? t.AsSpan() : MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(t.Data), t.Count);

    /// <summary>
    /// Batch normalization over [N, C] or [N, C, *]. In training, batch statistics are used and the
    /// running statistics (if given) are updated in place with <paramref name="momentum"/> (unbiased
    /// variance); otherwise the running statistics are used.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, float momentum = 0.1f, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed(input, runningMean, runningVar, weight, bias);
        if (input.Rank < 2) throw new ArgumentException($"batch_norm input must be at least 2-D [N, C, *]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        var x = input.ShapeRef;
        int n = x[0], c = x[1], spatial = n * c == 0 ? 0 : input.Count / (n * c);
        if (c <= 0) throw new ArgumentException($"batch_norm input must have at least one channel. Received: shape={Tensor.ShapeString(x)}", nameof(input));
        if (training && (long)n * spatial <= 1)
            throw new ArgumentException($"Expected more than 1 value per channel when training. Received: batch={n}, spatial={spatial} (shape={Tensor.ShapeString(x)})", nameof(input));
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException("batch_norm in evaluation mode needs running_mean and running_var.");
        foreach (var (t, name) in new[] { (runningMean, "running_mean"), (runningVar, "running_var"), (weight, "weight"), (bias, "bias") })
            if (t is not null && t.Count != c)
                throw new ArgumentException($"{name} must have {c} elements (the channel count). Received: shape={Tensor.ShapeString(t.ShapeRef)}");
        var y = Tensor.Empty(input.ShapeChecked());
        var mean = new float[c];
        var invStd = new float[c];
        K.BatchNormForward(n, c, spatial, input.Data, weight is null ? default : weight.Data, bias is null ? default : bias.Data,
                           RunningStatistic(runningMean, training), RunningStatistic(runningVar, training),
                           training, momentum, eps, y.AsSpan(), mean, invStd);
        var list = new List<Tensor>(3) { input };
        if (weight is not null) list.Add(weight);
        if (bias is not null) list.Add(bias);
        var inputs = list.ToArray();
        if (Autograd.Needs(inputs))
        {
            Autograd.Record("BatchNorm", y, inputs, g =>
            {
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                var gw = weight is null ? null : Tensor.Empty(new[] { c }, register: false);
                var gb = bias is null ? null : Tensor.Empty(new[] { c }, register: false);
                K.BatchNormBackward(n, c, spatial, input.Data, g.Data, weight is null ? default : weight.Data, mean, invStd, training,
                                    gx.AsSpan(), gw is null ? default : gw.AsSpan(), gb is null ? default : gb.AsSpan());
                var r = new Tensor?[inputs.Length];
                r[0] = gx;
                int i = 1;
                if (weight is not null) r[i++] = gw;
                if (bias is not null) r[i] = gb;
                return r;
            });
            if (Autograd.Tracing)
                Autograd.Annotate(y, new ModuleSpec("BatchNorm").With("num_features", c).With("eps", eps).With("training", training),
                    new Dictionary<string, Tensor?> { ["weight"] = weight, ["bias"] = bias, ["running_mean"] = runningMean, ["running_var"] = runningVar });
        }
        GC.KeepAlive(input);
        return y;
    }

    /// <summary>
    /// relu(BatchNorm(input) + residual) in training mode (batch statistics; running statistics, if
    /// given, updated as <see cref="BatchNorm"/>), one kernel pass and one autograd node instead of
    /// three: the ReLU's mask comes from the output, so no intermediate tensor is kept. residual null:
    /// relu(BatchNorm(input)). Same values as the three operations one after the other.
    /// </summary>
    public static Tensor BatchNormRelu(Tensor input, Tensor? residual, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, float momentum = 0.1f, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed(input, residual, runningMean, runningVar, weight);
        ThrowIfDisposed(bias);
        if (input.Rank < 2) throw new ArgumentException($"batch_norm input must be at least 2-D [N, C, *]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        var x = input.ShapeRef;
        int n = x[0], c = x[1], spatial = n * c == 0 ? 0 : input.Count / (n * c);
        if (c <= 0 || n <= 0 || spatial <= 0) throw new ArgumentException($"batch_norm input must not be empty. Received: shape={Tensor.ShapeString(x)}", nameof(input));
        if ((long)n * spatial <= 1)
            throw new ArgumentException($"Expected more than 1 value per channel when training. Received: batch={n}, spatial={spatial} (shape={Tensor.ShapeString(x)})", nameof(input));
        if (residual is not null && !residual.ShapeRef.SequenceEqual(x))
            throw new ArgumentException($"residual must have the input's shape {Tensor.ShapeString(x)}. Received: shape={Tensor.ShapeString(residual.ShapeRef)}", nameof(residual));
        if ((runningMean is null) != (runningVar is null))
            throw new ArgumentException("running_mean and running_var must both be given or both be null.");
        foreach (var (t, name) in new[] { (runningMean, "running_mean"), (runningVar, "running_var"), (weight, "weight"), (bias, "bias") })
            if (t is not null && t.Count != c)
                throw new ArgumentException($"{name} must have {c} elements (the channel count). Received: shape={Tensor.ShapeString(t.ShapeRef)}");
        var y = Tensor.Empty(input.ShapeChecked());
        var mean = new float[c];
        var invStd = new float[c];
        K.BatchNormReluForward(n, c, spatial, input.Data, residual is null ? default : residual.Data,
                               weight is null ? default : weight.Data, bias is null ? default : bias.Data,
                               RunningStatistic(runningMean, true), RunningStatistic(runningVar, true), momentum, eps, y.AsSpan(), mean, invStd);
        var list = new List<Tensor>(4) { input };
        if (residual is not null) list.Add(residual);
        if (weight is not null) list.Add(weight);
        if (bias is not null) list.Add(bias);
        var inputs = list.ToArray();
        if (Autograd.Needs(inputs))
        {
            // g2: a second part of y's gradient (y feeds two consumers), added inside the kernel.
            Tensor?[] Backward(Tensor g, Tensor? g2)
            {
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                var gr = residual is null || !residual.RequiresGrad ? null : Tensor.Empty(input.ShapeChecked(), register: false);
                var gw = weight is null ? null : Tensor.Empty(new[] { c }, register: false);
                var gb = bias is null ? null : Tensor.Empty(new[] { c }, register: false);
                K.BatchNormReluBackward(n, c, spatial, input.Data, y.Data, g.Data, g2 is null ? default : g2.Data,
                                        weight is null ? default : weight.Data, mean, invStd,
                                        gx.AsSpan(), gw is null ? default : gw.AsSpan(), gb is null ? default : gb.AsSpan(),
                                        gr is null ? default : gr.AsSpan());
                var r = new Tensor?[inputs.Length];
                int i = 0;
                r[i++] = gx;
                if (residual is not null) r[i++] = gr;
                if (weight is not null) r[i++] = gw;
                if (bias is not null) r[i] = gb;
                return r;
            }
            Autograd.Record("BatchNormRelu", y, inputs, g => Backward(g, null)).BackwardOfSum = Backward;
        }
        GC.KeepAlive(input);
        GC.KeepAlive(residual);
        return y;
    }

    /// <summary>Layer normalization over the last <paramref name="normalizedSize"/> elements of each row (weight/bias of that size, optional).</summary>
    public static Tensor LayerNorm(Tensor input, int normalizedSize, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed(input, weight, bias);
        if (normalizedSize <= 0 || input.Count % normalizedSize != 0)
            throw new ArgumentException($"normalized size {normalizedSize} does not divide the input shape {Tensor.ShapeString(input.ShapeRef)}.", nameof(normalizedSize));
        int rows = input.Count / normalizedSize, cols = normalizedSize;
        foreach (var (t, name) in new[] { (weight, nameof(weight)), (bias, nameof(bias)) })
            if (t is not null && t.Count != cols)
                throw new ArgumentException($"{name} must have {cols} elements (the normalized size). Received: shape={Tensor.ShapeString(t.ShapeRef)}", name);
        var y = Tensor.Empty(input.ShapeChecked());
        var mean = new float[rows];
        var invStd = new float[rows];
        K.LayerNormForward(rows, cols, input.Data, weight is null ? default : weight.Data, bias is null ? default : bias.Data, eps, y.AsSpan(), mean, invStd);
        var list = new List<Tensor>(3) { input };
        if (weight is not null) list.Add(weight);
        if (bias is not null) list.Add(bias);
        var inputs = list.ToArray();
        if (Autograd.Needs(inputs))
        {
            Autograd.Record("LayerNorm", y, inputs, g =>
            {
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                var gw = weight is null ? null : Tensor.Empty(weight.ShapeChecked(), register: false);
                var gb = bias is null ? null : Tensor.Empty(bias.ShapeChecked(), register: false);
                K.LayerNormBackward(rows, cols, input.Data, g.Data, weight is null ? default : weight.Data, mean, invStd,
                                    gx.AsSpan(), gw is null ? default : gw.AsSpan(), gb is null ? default : gb.AsSpan());
                var r = new Tensor?[inputs.Length];
                r[0] = gx;
                int i = 1;
                if (weight is not null) r[i++] = gw;
                if (bias is not null) r[i] = gb;
                return r;
            });
            if (Autograd.Tracing)
                Autograd.Annotate(y, new ModuleSpec("LayerNorm").With("normalized_size", cols).With("eps", eps),
                    new Dictionary<string, Tensor?> { ["weight"] = weight, ["bias"] = bias });
        }
        GC.KeepAlive(input);
        return y;
    }
}
