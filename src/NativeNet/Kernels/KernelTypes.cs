namespace NativeNet.Kernels;

/// <summary>Bias added by <see cref="IKernels.Gemm"/> after alpha/beta (matches nn_bias_mode).</summary>
public enum BiasMode
{
    /// <summary>No bias.</summary>
    None = 0,
    /// <summary>One value per row of C (m values).</summary>
    Row = 1,
    /// <summary>One value per column of C (n values).</summary>
    Column = 2,
}

/// <summary>Activation applied last by <see cref="IKernels.Gemm"/> (matches nn_unary_op IDENTITY..GELU).</summary>
public enum GemmActivation
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>max(x, 0).</summary>
    Relu = 1,
    /// <summary>Logistic sigmoid.</summary>
    Sigmoid = 2,
    /// <summary>tanh.</summary>
    Tanh = 3,
    /// <summary>GELU (erf form).</summary>
    Gelu = 4,
}

/// <summary>Geometry of a 2-D convolution over NCHW tensors; weight is [OutChannels, InChannels/Groups, KernelHeight, KernelWidth].</summary>
public readonly record struct Conv2dGeometry(
    int Batch, int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int StrideH = 1, int StrideW = 1, int PadH = 0, int PadW = 0,
    int DilationH = 1, int DilationW = 1, int Groups = 1)
{
    /// <summary>Output height (0 when the dilated kernel does not fit the padded input).</summary>
    public int OutHeight => Pool2dGeometry.OutSize(InHeight + 2 * PadH - DilationH * (KernelHeight - 1) - 1, StrideH);

    /// <summary>Output width (0 when the dilated kernel does not fit the padded input).</summary>
    public int OutWidth => Pool2dGeometry.OutSize(InWidth + 2 * PadW - DilationW * (KernelWidth - 1) - 1, StrideW);

    /// <summary>Elements of the input tensor.</summary>
    public long InputSize => (long)Batch * InChannels * InHeight * InWidth;

    /// <summary>Elements of the output tensor.</summary>
    public long OutputSize => (long)Batch * OutChannels * OutHeight * OutWidth;

    /// <summary>Elements of the weight tensor.</summary>
    public long WeightSize => (long)OutChannels * (InChannels / Math.Max(Groups, 1)) * KernelHeight * KernelWidth;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        Positive(Batch, "batch", allowZero: true); Positive(InChannels, "in_channels"); Positive(OutChannels, "out_channels");
        Positive(KernelHeight, "kernel_height"); Positive(KernelWidth, "kernel_width");
        Positive(StrideH, "stride_h"); Positive(StrideW, "stride_w"); Positive(DilationH, "dilation_h"); Positive(DilationW, "dilation_w");
        Positive(Groups, "groups");
        if (PadH < 0 || PadW < 0) throw new ArgumentException($"padding must be non-negative. Received: padding=({PadH}, {PadW})");
        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"in_channels and out_channels must be divisible by groups. Received: in_channels={InChannels}, out_channels={OutChannels}, groups={Groups}");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"The input ({InHeight}x{InWidth}) is too small for kernel {KernelHeight}x{KernelWidth} with padding ({PadH}, {PadW}) and dilation ({DilationH}, {DilationW}): the output would be {OutHeight}x{OutWidth}.");
    }

    private static void Positive(int v, string name, bool allowZero = false)
    {
        if (v < 0 || (!allowZero && v == 0)) throw new ArgumentException($"{name} must be positive. Received: {name}={v}");
    }
}

/// <summary>Geometry of a 2-D pooling window over NCHW tensors (PyTorch floor mode).</summary>
public readonly record struct Pool2dGeometry(
    int Batch, int Channels, int InHeight, int InWidth, int KernelHeight, int KernelWidth,
    int StrideH, int StrideW, int PadH = 0, int PadW = 0, bool CountIncludePad = true)
{
    /// <summary>Output height (0 when the window does not fit the padded input).</summary>
    public int OutHeight => OutSize(InHeight + 2 * PadH - KernelHeight, StrideH);

    /// <summary>Output width (0 when the window does not fit the padded input).</summary>
    public int OutWidth => OutSize(InWidth + 2 * PadW - KernelWidth, StrideW);

    /// <summary>
    /// floor(span / stride) + 1 windows, where span is the padded input minus the window's extent:
    /// a negative span (the window does not fit) gives 0, where C#'s truncating division would give 1
    /// for a span above −stride.
    /// </summary>
    internal static int OutSize(int span, int stride) => span < 0 ? 0 : span / stride + 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (KernelHeight <= 0 || KernelWidth <= 0) throw new ArgumentException($"kernel_size must be positive. Received: kernel_size=({KernelHeight}, {KernelWidth})");
        if (StrideH <= 0 || StrideW <= 0) throw new ArgumentException($"stride must be positive. Received: stride=({StrideH}, {StrideW})");
        if (PadH < 0 || PadW < 0 || PadH * 2 > KernelHeight || PadW * 2 > KernelWidth)
            throw new ArgumentException($"padding must be non-negative and at most half the kernel size. Received: padding=({PadH}, {PadW}), kernel_size=({KernelHeight}, {KernelWidth})");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"The input ({InHeight}x{InWidth}) is too small for pooling window {KernelHeight}x{KernelWidth}: the output would be {OutHeight}x{OutWidth}.");
    }
}

/// <summary>Recurrent cell type (gate orders as PyTorch: LSTM i,f,g,o; GRU r,z,n).</summary>
public enum RnnCell
{
    /// <summary>Long short-term memory, 4 gates.</summary>
    Lstm = 0,
    /// <summary>Gated recurrent unit, 3 gates.</summary>
    Gru = 1,
}

/// <summary>
/// One recurrent layer in one direction over x [SeqLen, Batch, InputSize] (time-major), or
/// [Batch, SeqLen, InputSize] with <c>BatchFirst</c>; y, dy and dx follow the same layout.
/// <c>Precision</c>: <see cref="Precision.BFloat16"/> takes every gate product (forward and backward)
/// on bf16-rounded operands with float32 sums; the cell, state and biases stay float32.
/// </summary>
public readonly record struct RnnDescriptor(RnnCell Cell, int SeqLen, int Batch, int InputSize, int HiddenSize, bool Reverse = false, bool BatchFirst = false,
                                            Precision Precision = Precision.Float32)
{
    /// <summary>Gates per cell: 4 for LSTM, 3 for GRU.</summary>
    public int Gates => Cell == RnnCell.Lstm ? 4 : 3;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (SeqLen <= 0) throw new ArgumentException($"seq_len must be positive. Received: seq_len={SeqLen}");
        if (Batch <= 0) throw new ArgumentException($"batch must be positive. Received: batch={Batch}");
        if (InputSize <= 0) throw new ArgumentException($"input_size must be positive. Received: input_size={InputSize}");
        if (HiddenSize <= 0) throw new ArgumentException($"hidden_size must be positive. Received: hidden_size={HiddenSize}");
        if (Precision is not (Precision.Float32 or Precision.BFloat16))
            throw new ArgumentException($"precision must be Float32 or BFloat16. Received: precision={(int)Precision}");
    }
}

/// <summary>
/// One parameter of <see cref="IKernels.AdamSteps"/>: its value, gradient and moment buffers (all
/// of the same element count; MaxExpAvgSq only with amsgrad) and its step number (from 1).
/// </summary>
internal readonly record struct AdamTensor(Tensor Param, Tensor Grad, Tensor ExpAvg, Tensor ExpAvgSq, Tensor? MaxExpAvgSq, long Step);
