using System.Runtime.InteropServices;
using NativeNet.Kernels;

namespace NativeNet.Nn;

public static partial class Functional
{
    /// <summary>2-D convolution over NCHW input; weight [out, in/groups, kh, kw]; one autograd node.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, (int H, int W)? stride = null, (int H, int W)? padding = null,
                                (int H, int W)? dilation = null, int groups = 1) =>
        Conv2d(input, weight, bias, stride, padding, dilation, groups, null);

    /// <summary>
    /// <see cref="Conv2d(Tensor, Tensor, Tensor?, ValueTuple{int, int}?, ValueTuple{int, int}?, ValueTuple{int, int}?, int)"/>
    /// with the forward on <paramref name="packed"/> when <paramref name="packed"/>(geometry) gives one
    /// (weights and bias the kernels prepared once: the plain call's values up to rounding), and the
    /// plain forward and the data gradient in <paramref name="precision"/> (see <see cref="IKernels.Conv2dForward"/>;
    /// the weight gradient stays float32).
    /// </summary>
    internal static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W)? stride, (int H, int W)? padding,
                                  (int H, int W)? dilation, int groups, Func<Conv2dGeometry, PackedConv2d?>? packed,
                                  Precision precision = Precision.Float32)
    {
        var geo = Conv2dGeometryOf(input, weight, bias, stride, padding, dilation, groups);
        var x = input.ShapeRef;
        var w = weight.ShapeRef;
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        var y = Tensor.Empty(new[] { x[0], w[0], geo.OutHeight, geo.OutWidth });
        if (packed?.Invoke(geo) is { } pk) K.Conv2dForwardPacked(geo, input.Data, pk, y.AsSpan());
        else K.Conv2dForward(geo, input.Data, weight.Data, bias is null ? default : bias.Data, y.AsSpan(), precision);
        var inputs = bias is null ? new[] { input, weight } : new[] { input, weight, bias };
        if (Autograd.Needs(inputs))
        {
            Autograd.Record("Conv2d", y, inputs, g =>
            {
                var k = K;
                Tensor? gx = null, gw = null, gb = null;
                if (input.RequiresGrad)
                {
                    gx = Tensor.Empty(input.ShapeChecked(), register: false);
                    k.Conv2dBackwardData(geo, g.Data, weight.Data, gx.AsSpan(), precision);
                }
                if (weight.RequiresGrad || (bias is not null && bias.RequiresGrad))
                {
                    gw = Tensor.Empty(weight.ShapeChecked(), register: false);
                    if (bias is not null) gb = Tensor.Empty(bias.ShapeChecked(), register: false);
                    k.Conv2dBackwardWeights(geo, input.Data, g.Data, gw.AsSpan(), gb is null ? default : gb.AsSpan());
                }
                return bias is null ? new[] { gx, gw } : new[] { gx, gw, gb };
            });
        }
        if (Autograd.Tracing)
            Autograd.Annotate(y, new ModuleSpec("Conv2d").With("kernel_size", ModuleSpec.Pair((w[2], w[3]))).With("stride", ModuleSpec.Pair(s))
                .With("padding", ModuleSpec.Pair(p)).With("dilation", ModuleSpec.Pair(d)).With("groups", groups));
        GC.KeepAlive(input);
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
        return y;
    }

    /// <summary>The checked geometry of conv2d(input, weight, bias) (the C# check boundary of every 2-D convolution).</summary>
    internal static Conv2dGeometry Conv2dGeometryOf(Tensor input, Tensor weight, Tensor? bias, (int H, int W)? stride, (int H, int W)? padding,
                                                    (int H, int W)? dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        ThrowIfDisposed(input, weight, bias);
        if (input.Rank != 4) throw new ArgumentException($"conv2d input must be 4-D [N, C, H, W]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        if (weight.Rank != 4) throw new ArgumentException($"conv2d weight must be 4-D [out, in/groups, kh, kw]. Received: shape={Tensor.ShapeString(weight.ShapeRef)}", nameof(weight));
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0);
        var d = dilation ?? (1, 1);
        var x = input.ShapeRef;
        var w = weight.ShapeRef;
        if (groups <= 0) throw new ArgumentException($"groups must be positive. Received: groups={groups}", nameof(groups));
        if (x[1] != w[1] * groups)
            throw new ArgumentException($"conv2d expects input with {w[1] * groups} channels (weight {Tensor.ShapeString(w)}, groups={groups}). Received: input shape={Tensor.ShapeString(x)}", nameof(input));
        if (bias is not null && (bias.Rank != 1 || bias.ShapeRef[0] != w[0]))
            throw new ArgumentException($"bias must have shape [{w[0]}]. Received: shape={Tensor.ShapeString(bias.ShapeRef)}", nameof(bias));
        var geo = new Conv2dGeometry(x[0], x[1], x[2], x[3], w[0], w[2], w[3], s.H, s.W, p.H, p.W, d.H, d.W, groups);
        geo.Validate();
        return geo;
    }

    /// <summary>
    /// Inference on packed weights: activation(conv(input) + bias + residual) in one kernel call
    /// (<paramref name="residual"/> may be null). Records no autograd node: for callers that have
    /// made sure nothing needs a gradient.
    /// </summary>
    internal static Tensor Conv2dPackedInference(in Conv2dGeometry geo, Tensor input, PackedConv2d packed, Tensor? residual, UnaryOp activation)
    {
        ThrowIfDisposed(input, residual, null);
        if (residual is not null && (residual.Rank != 4 || residual.Size(0) != geo.Batch || residual.Size(1) != geo.OutChannels
                                     || residual.Size(2) != geo.OutHeight || residual.Size(3) != geo.OutWidth))
            throw new ArgumentException($"residual must have the convolution's output shape [{geo.Batch}, {geo.OutChannels}, {geo.OutHeight}, {geo.OutWidth}]. Received: shape={Tensor.ShapeString(residual.ShapeRef)}", nameof(residual));
        var y = Tensor.Empty(new[] { geo.Batch, geo.OutChannels, geo.OutHeight, geo.OutWidth });
        K.Conv2dForwardPacked(geo, input.Data, packed, y.AsSpan(), residual is null ? default : residual.Data, activation);
        GC.KeepAlive(input);
        GC.KeepAlive(residual);
        return y;
    }

    /// <summary>1-D convolution over [N, C, L] input; weight [out, in/groups, k] (runs as a 2-D convolution of height 1).</summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        ThrowIfDisposed(input, weight, bias);
        if (input.Rank != 3) throw new ArgumentException($"conv1d input must be 3-D [N, C, L]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        if (weight.Rank != 3) throw new ArgumentException($"conv1d weight must be 3-D [out, in/groups, k]. Received: shape={Tensor.ShapeString(weight.ShapeRef)}", nameof(weight));
        using var x4 = input.Unsqueeze(2);
        using var w4 = weight.Unsqueeze(2);
        using var y4 = Conv2d(x4, w4, bias, (1, stride), (0, padding), (1, dilation), groups);
        return y4.Squeeze(2);
    }

    /// <summary>Max pooling over NCHW input (floor mode).</summary>
    public static Tensor MaxPool2d(Tensor input, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null)
    {
        var geo = PoolGeometry(input, kernel, stride ?? kernel, padding ?? (0, 0), true);
        var y = Tensor.Empty(new[] { geo.Batch, geo.Channels, geo.OutHeight, geo.OutWidth });
        // Indices only when a backward pass will read them (inference skips them), kept in pooled
        // native memory (two floats per int64 index) that the graph node releases: a managed
        // long[] per call was megabytes of garbage per training step for a CNN.
        if (!Autograd.Needs(input))
        {
            K.MaxPool2dForward(geo, input.Data, y.AsSpan(), Span<long>.Empty);
            GC.KeepAlive(input);
            return y;
        }
        var arg = Tensor.Empty(new[] { 2 * y.Count }, register: false);
        K.MaxPool2dForward(geo, input.Data, y.AsSpan(), MemoryMarshal.Cast<float, long>(arg.AsSpan()));
        var node = Autograd.Record("MaxPool2d", y, new[] { input }, g =>
        {
            var gx = Tensor.Empty(input.ShapeChecked(), register: false);
            K.MaxPool2dBackward(geo, g.Data, MemoryMarshal.Cast<float, long>(arg.AsSpan()), gx.AsSpan());
            return new Tensor?[] { gx };
        });
        node.OnRelease = arg.Dispose;
        if (Autograd.Tracing) Autograd.Annotate(y, PoolSpec("MaxPool2d", kernel, stride ?? kernel, padding ?? (0, 0)));
        GC.KeepAlive(input);
        return y;
    }

    /// <summary>Average pooling over NCHW input (floor mode; count_include_pad as PyTorch).</summary>
    public static Tensor AvgPool2d(Tensor input, (int H, int W) kernel, (int H, int W)? stride = null, (int H, int W)? padding = null, bool countIncludePad = true)
    {
        var geo = PoolGeometry(input, kernel, stride ?? kernel, padding ?? (0, 0), countIncludePad);
        var y = Tensor.Empty(new[] { geo.Batch, geo.Channels, geo.OutHeight, geo.OutWidth });
        K.AvgPool2dForward(geo, input.Data, y.AsSpan());
        if (Autograd.Needs(input))
        {
            Autograd.Record("AvgPool2d", y, new[] { input }, g =>
            {
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                K.AvgPool2dBackward(geo, g.Data, gx.AsSpan());
                return new Tensor?[] { gx };
            });
            if (Autograd.Tracing) Autograd.Annotate(y, PoolSpec("AvgPool2d", kernel, stride ?? kernel, padding ?? (0, 0)).With("count_include_pad", countIncludePad));
        }
        GC.KeepAlive(input);
        return y;
    }

    /// <summary>Adaptive average pooling of NCHW input to [N, C, outH, outW].</summary>
    public static Tensor AdaptiveAvgPool2d(Tensor input, (int H, int W) outputSize)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed(input);
        if (input.Rank != 4) throw new ArgumentException($"adaptive_avg_pool2d input must be 4-D [N, C, H, W]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        var x = input.ShapeRef;
        int planes = x[0] * x[1], ih = x[2], iw = x[3], oh = outputSize.H, ow = outputSize.W;
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"output_size must be positive. Received: output_size=({oh}, {ow})", nameof(outputSize));
        if (ih <= 0 || iw <= 0)
            throw new ArgumentException($"adaptive_avg_pool2d input must have a non-empty plane. Received: shape={Tensor.ShapeString(x)}", nameof(input));
        var y = Tensor.Empty(new[] { x[0], x[1], oh, ow });
        K.AdaptiveAvgPool2dForward(planes, ih, iw, oh, ow, input.Data, y.AsSpan());
        if (Autograd.Needs(input))
        {
            Autograd.Record("AdaptiveAvgPool2d", y, new[] { input }, g =>
            {
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                K.AdaptiveAvgPool2dBackward(planes, ih, iw, oh, ow, g.Data, gx.AsSpan());
                return new Tensor?[] { gx };
            });
            if (Autograd.Tracing) Autograd.Annotate(y, new ModuleSpec("AdaptiveAvgPool2d").With("output_size", ModuleSpec.Pair(outputSize)));
        }
        GC.KeepAlive(input);
        return y;
    }

    private static Pool2dGeometry PoolGeometry(Tensor input, (int H, int W) k, (int H, int W) s, (int H, int W) p, bool countIncludePad)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed(input);
        if (input.Rank != 4) throw new ArgumentException($"pooling input must be 4-D [N, C, H, W]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        var x = input.ShapeRef;
        var geo = new Pool2dGeometry(x[0], x[1], x[2], x[3], k.H, k.W, s.H, s.W, p.H, p.W, countIncludePad);
        geo.Validate();
        return geo;
    }

    private static ModuleSpec PoolSpec(string type, (int, int) kernel, (int, int) stride, (int, int) padding) =>
        new ModuleSpec(type).With("kernel_size", ModuleSpec.Pair(kernel)).With("stride", ModuleSpec.Pair(stride)).With("padding", ModuleSpec.Pair(padding));
}
