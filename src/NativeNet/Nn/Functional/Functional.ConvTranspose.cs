using NativeNet.Kernels;

namespace NativeNet.Nn;

public static partial class Functional
{
    /// <summary>
    /// Transposed 2-D convolution (PyTorch's conv_transpose2d) over NCHW input; weight [in, out/groups, kh, kw].
    /// Output size (H − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1. It is the
    /// adjoint of a convolution whose input is this op's output, so it runs on the convolution
    /// kernels with the roles exchanged: forward = that convolution's data gradient, input gradient
    /// = its forward, weight gradient = its weight gradient with input and output exchanged.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, (int H, int W)? stride = null, (int H, int W)? padding = null,
                                         (int H, int W)? outputPadding = null, int groups = 1, (int H, int W)? dilation = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        ThrowIfDisposed(input, weight, bias);
        if (input.Rank != 4) throw new ArgumentException($"conv_transpose2d input must be 4-D [N, C, H, W]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        if (weight.Rank != 4) throw new ArgumentException($"conv_transpose2d weight must be 4-D [in, out/groups, kh, kw]. Received: shape={Tensor.ShapeString(weight.ShapeRef)}", nameof(weight));
        var s = stride ?? (1, 1);
        var p = padding ?? (0, 0);
        var op = outputPadding ?? (0, 0);
        var d = dilation ?? (1, 1);
        var x = input.ShapeRef;
        var w = weight.ShapeRef;
        if (groups <= 0) throw new ArgumentException($"groups must be positive. Received: groups={groups}", nameof(groups));
        if (x[1] != w[0]) throw new ArgumentException($"conv_transpose2d expects input with {w[0]} channels (weight {Tensor.ShapeString(w)}). Received: input shape={Tensor.ShapeString(x)}", nameof(input));
        if (w[0] % groups != 0) throw new ArgumentException($"in_channels must be divisible by groups. Received: in_channels={w[0]}, groups={groups}", nameof(groups));
        if (s.H <= 0 || s.W <= 0) throw new ArgumentException($"stride must be positive. Received: stride=({s.H}, {s.W})", nameof(stride));
        if (op.H < 0 || op.W < 0 || op.H >= s.H || op.W >= s.W)
            throw new ArgumentException($"output_padding must be non-negative and smaller than stride. Received: output_padding=({op.H}, {op.W}), stride=({s.H}, {s.W})", nameof(outputPadding));
        int outC = w[1] * groups;
        if (bias is not null && (bias.Rank != 1 || bias.ShapeRef[0] != outC))
            throw new ArgumentException($"bias must have shape [{outC}]. Received: shape={Tensor.ShapeString(bias.ShapeRef)}", nameof(bias));
        int oh = (x[2] - 1) * s.H - 2 * p.H + d.H * (w[2] - 1) + op.H + 1;
        int ow = (x[3] - 1) * s.W - 2 * p.W + d.W * (w[3] - 1) + op.W + 1;
        if (oh <= 0 || ow <= 0) throw new ArgumentException($"conv_transpose2d output would be empty ({oh}x{ow}). Received: input {Tensor.ShapeString(x)}, weight {Tensor.ShapeString(w)}, padding=({p.H}, {p.W})", nameof(padding));
        // The adjoint convolution: its input is this op's output [N, outC, oh, ow], its output this op's input.
        var geo = new Conv2dGeometry(x[0], outC, oh, ow, w[0], w[2], w[3], s.H, s.W, p.H, p.W, d.H, d.W, groups);
        geo.Validate();
        var y = Tensor.Empty(new[] { x[0], outC, oh, ow });
        K.Conv2dBackwardData(geo, input.Data, weight.Data, y.AsSpan());
        if (Autograd.Needs(input, weight))
        {
            Autograd.Record("ConvTranspose2d", y, new[] { input, weight }, g =>
            {
                Tensor? gx = null, gw = null;
                if (input.RequiresGrad)
                {
                    gx = Tensor.Empty(input.ShapeChecked(), register: false);
                    K.Conv2dForward(geo, g.Data, weight.Data, default, gx.AsSpan());
                }
                if (weight.RequiresGrad)
                {
                    gw = Tensor.Empty(weight.ShapeChecked(), register: false);
                    K.Conv2dBackwardWeights(geo, g.Data, input.Data, gw.AsSpan(), default);
                }
                return new[] { gx, gw };
            });
        }
        GC.KeepAlive(input);
        GC.KeepAlive(weight);
        if (bias is null) return y;
        using (y)
        using (var b = bias.View(1, outC, 1, 1))
            return y.Add(b);
    }

    /// <summary>Max pooling over [N, C, L] (floor mode), as a 2-D pooling of height 1.</summary>
    public static Tensor MaxPool1d(Tensor input, int kernelSize, int? stride = null, int padding = 0)
    {
        using var x4 = Rank3To4(input, "max_pool1d");
        using var y4 = MaxPool2d(x4, (1, kernelSize), (1, stride ?? kernelSize), (0, padding));
        return y4.Squeeze(2);
    }

    /// <summary>Average pooling over [N, C, L] (floor mode, count_include_pad as PyTorch), as a 2-D pooling of height 1.</summary>
    public static Tensor AvgPool1d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool countIncludePad = true)
    {
        using var x4 = Rank3To4(input, "avg_pool1d");
        using var y4 = AvgPool2d(x4, (1, kernelSize), (1, stride ?? kernelSize), (0, padding), countIncludePad);
        return y4.Squeeze(2);
    }

    private static Tensor Rank3To4(Tensor input, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed(input);
        if (input.Rank != 3) throw new ArgumentException($"{op} input must be 3-D [N, C, L]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        return input.Unsqueeze(2);
    }
}
