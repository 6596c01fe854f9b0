using NativeNet.Interop;

namespace NativeNet.Kernels;

internal sealed unsafe partial class NativeKernels
{
    // Conv2dGeometry pads symmetrically; the native descriptor takes four paddings.
    private static nn_conv2d_desc ConvDesc(in Conv2dGeometry g) => new()
    {
        n = g.Batch, c = g.InChannels, h = g.InHeight, w = g.InWidth,
        k = g.OutChannels, r = g.KernelHeight, s = g.KernelWidth,
        stride_h = g.StrideH, stride_w = g.StrideW,
        pad_top = g.PadH, pad_bottom = g.PadH, pad_left = g.PadW, pad_right = g.PadW,
        dilation_h = g.DilationH, dilation_w = g.DilationW, groups = g.Groups,
    };

    // Pool2dGeometry has no dilation (1 for both kinds of pooling).
    private static nn_pool2d_desc PoolDesc(in Pool2dGeometry g) => new()
    {
        n = g.Batch, c = g.Channels, h = g.InHeight, w = g.InWidth,
        kernel_h = g.KernelHeight, kernel_w = g.KernelWidth, stride_h = g.StrideH, stride_w = g.StrideW,
        pad_h = g.PadH, pad_w = g.PadW, dilation_h = 1, dilation_w = 1, count_include_pad = g.CountIncludePad ? 1 : 0,
    };

    /// <inheritdoc />
    public void Conv2dForward(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
                              Precision precision = Precision.Float32)
    {
        KernelAssert.Precision(precision);
        KernelAssert.Valid(g);
        KernelAssert.AtLeast(g.InputSize, input.Length, nameof(input));
        KernelAssert.AtLeast(g.WeightSize, weight.Length, nameof(weight));
        KernelAssert.AtLeast(g.OutputSize, output.Length, nameof(output));
        if (!bias.IsEmpty) KernelAssert.AtLeast(g.OutChannels, bias.Length, nameof(bias));
        if (g.Batch == 0) return;
        var desc = ConvDesc(g);
        fixed (float* px = input)
        fixed (float* pw = weight)
        fixed (float* pb = bias)
        fixed (float* py = output)
            NativeStatus.Check(precision == Precision.BFloat16
                ? NativeMethods.nn_conv2d_forward_bf16(&desc, px, pw, pb, 0, py)
                : NativeMethods.nn_conv2d_forward(&desc, px, pw, pb, 0, py));
    }

    /// <inheritdoc />
    public PackedConv2d? PackConv2d(in Conv2dGeometry g, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                                    Precision precision = Precision.Float32)
    {
        KernelAssert.Precision(precision);
        KernelAssert.Valid(g);
        KernelAssert.AtLeast(g.WeightSize, weight.Length, nameof(weight));
        if (!bias.IsEmpty) KernelAssert.AtLeast(g.OutChannels, bias.Length, nameof(bias));
        var desc = ConvDesc(g with { Batch = Math.Max(1, g.Batch) });
        nint handle;
        fixed (float* pw = weight)
        fixed (float* pb = bias)
            NativeStatus.Check(precision == Precision.BFloat16
                ? NativeMethods.nn_conv2d_pack_bf16(&desc, pw, pb, &handle)
                : NativeMethods.nn_conv2d_pack(&desc, pw, pb, &handle));
        return new PackedConv(handle, g);
    }

    /// <inheritdoc />
    public void Conv2dForwardPacked(in Conv2dGeometry g, ReadOnlySpan<float> input, PackedConv2d packed, Span<float> output,
                                    ReadOnlySpan<float> residual = default, UnaryOp activation = UnaryOp.Identity)
    {
        KernelAssert.Valid(g);
        packed.CheckUsable(typeof(NativeKernels), g);
        KernelAssert.AtLeast(g.InputSize, input.Length, nameof(input));
        KernelAssert.AtLeast(g.OutputSize, output.Length, nameof(output));
        if (!residual.IsEmpty) KernelAssert.AtLeast(g.OutputSize, residual.Length, nameof(residual));
        if (g.Batch == 0) return;
        fixed (float* px = input)
        fixed (float* pr = residual)
        fixed (float* py = output)
            NativeStatus.Check(NativeMethods.nn_conv2d_packed_forward(((PackedConv)packed).Handle, g.Batch, px, pr,
                (nn_unary_op)activation, 0f, py));
        GC.KeepAlive(packed);
    }

    /// <summary>An nn_conv2d_packed handle.</summary>
    private sealed class PackedConv : PackedConv2d
    {
        public PackedConv(nint handle, in Conv2dGeometry g) : base(g) => Handle = handle;

        public nint Handle { get; }

        protected override void Free() => NativeMethods.nn_conv2d_packed_destroy(Handle);
    }

    /// <inheritdoc />
    public void Conv2dBackwardData(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput,
                                   Precision precision = Precision.Float32)
    {
        KernelAssert.Precision(precision);
        KernelAssert.Valid(g);
        KernelAssert.AtLeast(g.OutputSize, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast(g.WeightSize, weight.Length, nameof(weight));
        KernelAssert.AtLeast(g.InputSize, gradInput.Length, nameof(gradInput));
        if (g.Batch == 0) return;
        var desc = ConvDesc(g);
        fixed (float* pdy = gradOutput)
        fixed (float* pw = weight)
        fixed (float* pdx = gradInput)
            NativeStatus.Check(precision == Precision.BFloat16
                ? NativeMethods.nn_conv2d_backward_data_bf16(&desc, pdy, pw, pdx)
                : NativeMethods.nn_conv2d_backward_data(&desc, pdy, pw, pdx));
    }

    /// <inheritdoc />
    public void Conv2dBackwardWeights(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeight, Span<float> gradBias)
    {
        KernelAssert.Valid(g);
        KernelAssert.AtLeast(g.InputSize, input.Length, nameof(input));
        KernelAssert.AtLeast(g.OutputSize, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast(g.WeightSize, gradWeight.Length, nameof(gradWeight));
        if (!gradBias.IsEmpty) KernelAssert.AtLeast(g.OutChannels, gradBias.Length, nameof(gradBias));
        if (g.Batch == 0)
        {
            // An empty batch contributes nothing; the contract is "overwritten".
            gradWeight[..checked((int)g.WeightSize)].Clear();
            if (!gradBias.IsEmpty) gradBias[..g.OutChannels].Clear();
            return;
        }
        var desc = ConvDesc(g);
        fixed (float* px = input)
        fixed (float* pdy = gradOutput)
        fixed (float* pdw = gradWeight)
        fixed (float* pdb = gradBias)
            NativeStatus.Check(NativeMethods.nn_conv2d_backward_weights(&desc, px, pdy, pdw, pdb));
    }

    /// <inheritdoc />
    public void MaxPool2dForward(in Pool2dGeometry g, ReadOnlySpan<float> input, Span<float> output, Span<long> argmax)
    {
        KernelAssert.Valid(g);
        long planes = (long)g.Batch * g.Channels, outs = planes * g.OutHeight * g.OutWidth;
        KernelAssert.AtLeast(planes * g.InHeight * g.InWidth, input.Length, nameof(input));
        KernelAssert.AtLeast(outs, output.Length, nameof(output));
        if (!argmax.IsEmpty) KernelAssert.AtLeast(outs, argmax.Length, nameof(argmax));  // empty: no indices (null)
        if (planes == 0) return;
        var desc = PoolDesc(g);
        fixed (float* px = input)
        fixed (float* py = output)
        fixed (long* pi = argmax)
            NativeStatus.Check(NativeMethods.nn_max_pool2d_forward(&desc, px, py, pi));
    }

    /// <inheritdoc />
    public void MaxPool2dBackward(in Pool2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<long> argmax, Span<float> gradInput)
    {
        KernelAssert.Valid(g);
        long planes = (long)g.Batch * g.Channels, outs = planes * g.OutHeight * g.OutWidth;
        KernelAssert.AtLeast(outs, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast(outs, argmax.Length, nameof(argmax));
        KernelAssert.AtLeast(planes * g.InHeight * g.InWidth, gradInput.Length, nameof(gradInput));
        if (planes == 0) return;
        var desc = PoolDesc(g);
        fixed (float* pdy = gradOutput)
        fixed (long* pi = argmax)
        fixed (float* pdx = gradInput)
            NativeStatus.Check(NativeMethods.nn_max_pool2d_backward(&desc, pdy, pi, pdx));
    }

    /// <inheritdoc />
    public void AvgPool2dForward(in Pool2dGeometry g, ReadOnlySpan<float> input, Span<float> output)
    {
        KernelAssert.Valid(g);
        long planes = (long)g.Batch * g.Channels;
        KernelAssert.AtLeast(planes * g.InHeight * g.InWidth, input.Length, nameof(input));
        KernelAssert.AtLeast(planes * g.OutHeight * g.OutWidth, output.Length, nameof(output));
        if (planes == 0) return;
        var desc = PoolDesc(g);
        fixed (float* px = input)
        fixed (float* py = output)
            NativeStatus.Check(NativeMethods.nn_avg_pool2d_forward(&desc, px, py));
    }

    /// <inheritdoc />
    public void AvgPool2dBackward(in Pool2dGeometry g, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
    {
        KernelAssert.Valid(g);
        long planes = (long)g.Batch * g.Channels;
        KernelAssert.AtLeast(planes * g.OutHeight * g.OutWidth, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast(planes * g.InHeight * g.InWidth, gradInput.Length, nameof(gradInput));
        if (planes == 0) return;
        var desc = PoolDesc(g);
        fixed (float* pdy = gradOutput)
        fixed (float* pdx = gradInput)
            NativeStatus.Check(NativeMethods.nn_avg_pool2d_backward(&desc, pdy, pdx));
    }

    /// <inheritdoc />
    public void AdaptiveAvgPool2dForward(int planes, int inH, int inW, int outH, int outW, ReadOnlySpan<float> input, Span<float> output)
    {
        KernelAssert.Adaptive(planes, inH, inW, outH, outW);
        KernelAssert.AtLeast((long)planes * inH * inW, input.Length, nameof(input));
        KernelAssert.AtLeast((long)planes * outH * outW, output.Length, nameof(output));
        if (planes == 0) return;
        fixed (float* px = input)
        fixed (float* py = output)
            NativeStatus.Check(NativeMethods.nn_adaptive_avg_pool2d_forward(planes, 1, inH, inW, outH, outW, px, py));
    }

    /// <inheritdoc />
    public void AdaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
    {
        KernelAssert.Adaptive(planes, inH, inW, outH, outW);
        KernelAssert.AtLeast((long)planes * outH * outW, gradOutput.Length, nameof(gradOutput));
        KernelAssert.AtLeast((long)planes * inH * inW, gradInput.Length, nameof(gradInput));
        if (planes == 0) return;
        fixed (float* pdy = gradOutput)
        fixed (float* pdx = gradInput)
            NativeStatus.Check(NativeMethods.nn_adaptive_avg_pool2d_backward(planes, 1, inH, inW, outH, outW, pdy, pdx));
    }
}
