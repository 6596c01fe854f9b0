using System.Diagnostics;

namespace NativeNet.Kernels;

/// <summary>Unary element-wise functions (PyTorch semantics; GELU is the exact erf form).</summary>
public enum UnaryOp
{
    /// <summary>y = x.</summary>
    Identity = 0,
    /// <summary>max(x, 0).</summary>
    Relu = 1,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid = 2,
    /// <summary>tanh(x).</summary>
    Tanh = 3,
    /// <summary>x·Φ(x).</summary>
    Gelu = 4,
    /// <summary>x if x &gt; 0 else alpha·x.</summary>
    LeakyRelu = 5,
    /// <summary>x if x &gt; 0 else alpha·(e^x − 1).</summary>
    Elu = 6,
    /// <summary>e^x.</summary>
    Exp = 7,
    /// <summary>ln x.</summary>
    Log = 8,
    /// <summary>−x.</summary>
    Neg = 9,
    /// <summary>|x|.</summary>
    Abs = 10,
    /// <summary>√x.</summary>
    Sqrt = 11,
    /// <summary>x².</summary>
    Square = 12,
    /// <summary>alpha·x.</summary>
    Scale = 13,
    /// <summary>min(max(x, 0), 6).</summary>
    Relu6 = 14,
    /// <summary>x·relu6(x + 3)/6.</summary>
    Hardswish = 15,
    /// <summary>relu6(x + 3)/6.</summary>
    Hardsigmoid = 16,
    /// <summary>x·sigmoid(x) (SiLU, "swish").</summary>
    Silu = 17,
    /// <summary>ln(1 + e^x); x above 20 passes through (PyTorch's threshold).</summary>
    Softplus = 18,
    /// <summary>x·tanh(softplus(x)).</summary>
    Mish = 19,
}

/// <summary>Binary element-wise functions on equal-length arrays.</summary>
public enum BinaryOp
{
    /// <summary>a + b.</summary>
    Add = 0,
    /// <summary>a − b.</summary>
    Sub = 1,
    /// <summary>a · b.</summary>
    Mul = 2,
    /// <summary>a / b.</summary>
    Div = 3,
    /// <summary>a &gt; b ? a : b.</summary>
    Max = 4,
    /// <summary>a &lt; b ? a : b.</summary>
    Min = 5,
}

/// <summary>
/// The kernel interface every op runs through. Two implementations: <see cref="NativeKernels"/>
/// (the C++ library) and <see cref="ManagedKernels"/> (pure C#), which must agree within the
/// tolerances the tests state. Arguments are spans; lengths are checked before any work.
/// </summary>
internal interface IKernels
{
    /// <summary>Which backend this is.</summary>
    Backend Backend { get; }

    /// <summary>A short description, e.g. "native avx512" or "managed Vector512".</summary>
    string Description { get; }

    /// <summary>y[i] = op(x[i]). y may be the same memory as x.</summary>
    void Unary(UnaryOp op, ReadOnlySpan<float> x, Span<float> y, float alpha = 0f);

    /// <summary>dx[i] = dy[i]·op'(x[i]) given the forward input x and output y.</summary>
    void UnaryBackward(UnaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha = 0f);

    /// <summary>y[i] = a[i] op b[i].</summary>
    void Binary(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>y = alpha·x + beta·y; beta = 0 never reads y.</summary>
    void Axpby(float alpha, ReadOnlySpan<float> x, float beta, Span<float> y);

    /// <summary>The sum of x, accumulated in double.</summary>
    double Sum(ReadOnlySpan<float> x);

    /// <summary>y[i] = value (the materialized gradient of a sum or mean). The default is <see cref="Span{T}.Fill"/>.</summary>
    void Fill(Span<float> y, float value) => y.Fill(value);

    /// <summary>y[i] = a[i] op b for a scalar b.</summary>
    void BinaryScalar(BinaryOp op, ReadOnlySpan<float> a, float b, Span<float> y);

    /// <summary>
    /// Row-major C[m×n] = act(alpha·op(A)·op(B) + beta·C + bias). A is m×k (lda ≥ k) or, transposed,
    /// k×m (lda ≥ m); B is k×n (ldb ≥ n) or n×k (ldb ≥ k); ldc ≥ n. beta = 0 never reads C.
    /// bias: m values for <see cref="BiasMode.Row"/>, n for <see cref="BiasMode.Column"/>.
    /// <paramref name="precision"/> <see cref="Precision.BFloat16"/>: both operands rounded to
    /// bfloat16, products and sums in float32 (vdpbf16ps where the CPU has AVX512_BF16).
    /// </summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
              ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
              ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None, GemmActivation activation = GemmActivation.None,
              Precision precision = Precision.Float32);

    /// <summary>
    /// Packs op(B) (k×n; B is k×n, or n×k when <paramref name="transB"/>) once for repeated
    /// <see cref="GemmPacked"/> calls with the same right-hand operand, e.g. a layer's weights at
    /// inference. The packed copy does not follow later writes to B. With
    /// <see cref="Precision.BFloat16"/> it is rounded to bfloat16 (half the memory on the native
    /// path) and every product with it is a bf16 product.
    /// </summary>
    PackedMatrix PackB(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, Precision precision = Precision.Float32);

    /// <summary><see cref="Gemm"/> with op(B) taken from <paramref name="packedB"/> (made by this backend's <see cref="PackB"/>; k and n must match it), in the packed matrix's precision. Bitwise equal to the unpacked call.</summary>
    void GemmPacked(bool transA, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, PackedMatrix packedB,
                    float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None,
                    GemmActivation activation = GemmActivation.None);

    /// <summary>
    /// output = conv2d(input, weight) + bias (bias may be empty). <paramref name="precision"/>
    /// <see cref="Precision.BFloat16"/>: on the native backend, geometries on the Winograd algorithm
    /// (3×3, stride 1) take bfloat16 products of the transformed operands, summed in float32 (as
    /// <see cref="PackConv2d"/>); every other geometry, and the managed backend, compute in float32.
    /// </summary>
    void Conv2dForward(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output,
                       Precision precision = Precision.Float32);

    /// <summary>
    /// The weights and bias (bias may be empty) of a convolution with geometry <paramref name="g"/>
    /// prepared once for <see cref="Conv2dForwardPacked"/>, or null where this backend has no packed
    /// form (then <see cref="Conv2dForward"/> is the way). <paramref name="precision"/>
    /// <see cref="Precision.BFloat16"/>: where the geometry takes the Winograd algorithm (3×3, stride 1)
    /// the native backend rounds its transformed weights and inputs to bfloat16 and sums the products
    /// in float32 (vdpbf16ps on CPUs with AVX512_BF16); other geometries keep float32 products.
    /// </summary>
    PackedConv2d? PackConv2d(in Conv2dGeometry g, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                             Precision precision = Precision.Float32) => null;

    /// <summary>
    /// <see cref="Conv2dForward"/> on weights <see cref="PackConv2d"/> prepared (same geometry, any batch): the same values up to rounding
    /// (bit for bit where the packing chose the plain call's algorithm). The epilogue adds <paramref name="residual"/>
    /// (the output's shape; may be empty) and applies <paramref name="activation"/> in the same pass:
    /// output = activation(conv(input) + bias + residual).
    /// </summary>
    void Conv2dForwardPacked(in Conv2dGeometry g, ReadOnlySpan<float> input, PackedConv2d packed, Span<float> output,
                             ReadOnlySpan<float> residual = default, UnaryOp activation = UnaryOp.Identity) =>
        throw new NotSupportedException($"{GetType().Name} has no packed convolution (PackConv2d returns null)");

    /// <summary>gradInput (overwritten) from gradOutput and weight; <paramref name="precision"/> as for <see cref="Conv2dForward"/> (stride 1 geometries run as a flipped-weights forward).</summary>
    void Conv2dBackwardData(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput,
                            Precision precision = Precision.Float32);

    /// <summary>gradWeight and gradBias (overwritten; gradBias may be empty) from input and gradOutput.</summary>
    void Conv2dBackwardWeights(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeight, Span<float> gradBias);

    /// <summary>Max pooling; argmax receives, per output, the flat index ih·W + iw of the winner within its input plane (int64 as PyTorch), or is empty when no backward pass will need it (inference).</summary>
    void MaxPool2dForward(in Pool2dGeometry g, ReadOnlySpan<float> input, Span<float> output, Span<long> argmax);

    /// <summary>gradInput (overwritten) routes each output gradient to its argmax.</summary>
    void MaxPool2dBackward(in Pool2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<long> argmax, Span<float> gradInput);

    /// <summary>Average pooling (PyTorch divisor rules for count_include_pad).</summary>
    void AvgPool2dForward(in Pool2dGeometry g, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>gradInput (overwritten) of average pooling.</summary>
    void AvgPool2dBackward(in Pool2dGeometry g, ReadOnlySpan<float> gradOutput, Span<float> gradInput);

    /// <summary>Adaptive average pooling of [planes, inH, inW] to [planes, outH, outW] (PyTorch bin edges).</summary>
    void AdaptiveAvgPool2dForward(int planes, int inH, int inW, int outH, int outW, ReadOnlySpan<float> input, Span<float> output);

    /// <summary>gradInput (overwritten) of adaptive average pooling.</summary>
    void AdaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW, ReadOnlySpan<float> gradOutput, Span<float> gradInput);

    /// <summary>
    /// Batch normalization of x [n, c, spatial]. Training: batch statistics, saved as mean and 1/√(var+eps),
    /// running stats updated with momentum (unbiased variance). Inference: running stats. weight/bias may be empty (affine off).
    /// </summary>
    void BatchNormForward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                          Span<float> runningMean, Span<float> runningVar, bool training, float momentum, float eps,
                          Span<float> y, Span<float> saveMean, Span<float> saveInvStd);

    /// <summary>Gradients of batch normalization (dWeight/dBias may be empty; overwritten).</summary>
    void BatchNormBackward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight,
                           ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, bool training,
                           Span<float> dx, Span<float> dWeight, Span<float> dBias);

    /// <summary>
    /// Training-mode batch normalization fused with the ReLU after it: y = relu(bn(x) + residual)
    /// (residual empty: y = relu(bn(x))), with the bits of BatchNormForward, Binary(Add) and Unary(Relu)
    /// run one after the other. Statistics saved and updated as BatchNormForward in training.
    /// </summary>
    void BatchNormReluForward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> residual, ReadOnlySpan<float> weight,
                              ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, float momentum, float eps,
                              Span<float> y, Span<float> saveMean, Span<float> saveInvStd);

    /// <summary>
    /// Gradients of <see cref="BatchNormReluForward"/> from its output y: the ReLU's gradient
    /// dy·(y &gt; 0) is written to dResidual (when not empty) and fed to the batch-norm backward.
    /// Same bits as UnaryBackward(Relu) then BatchNormBackward. dWeight/dBias may be empty.
    /// dy2 not empty: y's gradient is dy + dy2 (two consumers' parts), added as they are read, with
    /// the bits of Binary(Add, dy, dy2) into one buffer first; dx must then not overlap dy or dy2.
    /// </summary>
    void BatchNormReluBackward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, ReadOnlySpan<float> dy2,
                               ReadOnlySpan<float> weight, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd,
                               Span<float> dx, Span<float> dWeight, Span<float> dBias, Span<float> dResidual);

    /// <summary>Layer normalization over the last <paramref name="cols"/> elements of each row (weight/bias may be empty).</summary>
    void LayerNormForward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps,
                          Span<float> y, Span<float> saveMean, Span<float> saveInvStd);

    /// <summary>Gradients of layer normalization (dWeight/dBias may be empty; overwritten).</summary>
    void LayerNormBackward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight,
                           ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, Span<float> dx, Span<float> dWeight, Span<float> dBias);

    /// <summary>Floats of workspace one <see cref="RnnForward"/> needs (kept untouched for <see cref="RnnBackward"/>).</summary>
    long RnnWorkspaceSize(in RnnDescriptor d);

    /// <summary>
    /// One recurrent layer, one direction, time-major x [T, B, I]; w_ih [G·H, I], w_hh [G·H, H], biases [G·H]
    /// (empty = none); h0/c0 [B, H] (empty = zeros; c0/cN LSTM only). Writes y [T, B, H], hN, cN and the workspace.
    /// </summary>
    void RnnForward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh,
                    ReadOnlySpan<float> bIh, ReadOnlySpan<float> bHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
                    Span<float> y, Span<float> hN, Span<float> cN, Span<float> workspace);

    /// <summary>
    /// Floats of the weights w_hh and w_ih laid out by <see cref="RnnPack"/> for <see cref="RnnInfer"/>
    /// (depends on the cell, hidden and input sizes only), or 0 where this backend has no inference path
    /// (then <see cref="RnnForward"/> is the way).
    /// </summary>
    long RnnPackSize(in RnnDescriptor d) => 0;

    /// <summary>Writes w_ih [G·H, I] and w_hh [G·H, H] in <see cref="RnnInfer"/>'s layout to packed (<see cref="RnnPackSize"/> floats). A copy: later writes to the weights are not seen.</summary>
    void RnnPack(in RnnDescriptor d, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh, Span<float> packed) =>
        throw new NotSupportedException($"{GetType().Name} has no recurrent inference path (RnnPackSize returns 0)");

    /// <summary>Floats of workspace one <see cref="RnnInfer"/> needs (nothing is kept for a backward pass).</summary>
    long RnnInferWorkspaceSize(in RnnDescriptor d) =>
        throw new NotSupportedException($"{GetType().Name} has no recurrent inference path (RnnPackSize returns 0)");

    /// <summary>
    /// <see cref="RnnForward"/> for inference, from w_ih and w_hh as <see cref="RnnPack"/> laid them out: the
    /// same y, hN and cN up to rounding (the input projection is summed in another order), without
    /// per-call packing of the weights, the [T·B, G·H] input-projection matrix or the state kept for backward.
    /// </summary>
    void RnnInfer(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> packed,
                  ReadOnlySpan<float> bIh, ReadOnlySpan<float> bHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0,
                  Span<float> y, Span<float> hN, Span<float> cN, Span<float> workspace) =>
        throw new NotSupportedException($"{GetType().Name} has no recurrent inference path (RnnPackSize returns 0)");

    /// <summary>
    /// Backward through time of the <see cref="RnnForward"/> call that filled workspace. dy/dhN/dcN may be empty (zeros).
    /// Every gradient is overwritten; dh0/dc0/dbIh/dbHh may be empty (not wanted).
    /// </summary>
    void RnnBackward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh,
                     ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, ReadOnlySpan<float> y, Span<float> workspace,
                     ReadOnlySpan<float> dy, ReadOnlySpan<float> dhN, ReadOnlySpan<float> dcN,
                     Span<float> dx, Span<float> dh0, Span<float> dc0, Span<float> dWIh, Span<float> dWHh, Span<float> dbIh, Span<float> dbHh);

    /// <summary>Softmax (or log-softmax) of x viewed as [outer, dim, inner] along the middle axis.</summary>
    void Softmax(int outer, int dim, int inner, ReadOnlySpan<float> x, Span<float> y, bool log);

    /// <summary>dx from the softmax (or log-softmax) output y and dy.</summary>
    void SoftmaxBackward(int outer, int dim, int inner, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool log);

    /// <summary>
    /// Cross-entropy of logits [rows, classes] with class-index targets: per row the loss
    /// −w_t((1−ε)·lsm_t) − (ε/C)·Σ_c w_c·lsm_c, its weight w_t, and the gradient of that row loss w.r.t. the logits.
    /// classWeights may be empty (all 1). Rows whose target equals ignoreIndex get loss, weight and gradient 0.
    /// </summary>
    void CrossEntropy(int rows, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<float> classWeights,
                      float labelSmoothing, int ignoreIndex, Span<float> rowLoss, Span<float> rowWeight, Span<float> gradLogits);

    /// <summary>One PyTorch SGD step (momentum buffer initialised to the gradient on the first step).</summary>
    void SgdStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, float lr, float momentum, float dampening,
                 float weightDecay, bool nesterov, bool maximize, bool firstStep);

    /// <summary>One PyTorch Adam / AdamW step (decoupledWeightDecay = AdamW); step counts from 1. maxExpAvgSq used only with amsgrad.</summary>
    void AdamStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq, Span<float> maxExpAvgSq,
                  float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool amsgrad, bool maximize, long step);

    /// <summary>
    /// <see cref="AdamStep"/> on several tensors in one call, each with its own step count: the same
    /// results as one AdamStep per tensor (the native backend runs them in one parallel region).
    /// The tensors must not overlap.
    /// </summary>
    void AdamSteps(ReadOnlySpan<AdamTensor> tensors, float lr, float beta1, float beta2, float eps, float weightDecay,
                   bool decoupledWeightDecay, bool amsgrad, bool maximize);

    /// <summary>One PyTorch RMSprop step (momentumBuffer used when momentum &gt; 0, gradAvg when centered).</summary>
    void RmspropStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> squareAvg, Span<float> momentumBuffer, Span<float> gradAvg,
                     float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize);
}

/// <summary>
/// The preconditions of every <see cref="IKernels"/> call, as debug-build assertions (compiled out
/// of Release builds, arguments included). The backends do not check arguments: the C# boundary
/// (<see cref="Nn.Functional"/>, <see cref="Tensor"/>, the modules and optimizers) has already
/// checked them against the tensors' shapes and throws the user-facing exception; the native
/// library checks again because its C ABI is public. See docs/core.md, "Who checks what".
/// </summary>
internal static class KernelAssert
{
    [Conditional("DEBUG")]
    public static void Gemm(bool ta, bool tb, int m, int n, int k, int aLen, int lda, int bLen, int ldb, int cLen, int ldc, int biasLen, BiasMode biasMode, GemmActivation activation)
    {
        Debug.Assert(m >= 0 && n >= 0 && k >= 0, $"gemm sizes m={m}, n={n}, k={k}");
        long aCols = ta ? m : k, aRows = ta ? k : m;
        long bCols = tb ? k : n, bRows = tb ? n : k;
        Debug.Assert(lda >= Math.Max(1, aCols) && ldb >= Math.Max(1, bCols) && ldc >= Math.Max(1, n), $"gemm lda={lda}, ldb={ldb}, ldc={ldc}");
        Debug.Assert(biasMode is >= BiasMode.None and <= BiasMode.Column, $"biasMode={(int)biasMode}");
        Debug.Assert(activation is >= GemmActivation.None and <= GemmActivation.Gelu, $"activation={(int)activation}");
        if (m == 0 || n == 0) return;
        Debug.Assert(k == 0 || aLen >= (aRows - 1) * lda + aCols, $"a.Length={aLen} for {aRows}x{aCols}, lda={lda}");
        Debug.Assert(k == 0 || bLen >= (bRows - 1) * ldb + bCols, $"b.Length={bLen} for {bRows}x{bCols}, ldb={ldb}");
        Debug.Assert(cLen >= (long)(m - 1) * ldc + n, $"c.Length={cLen} for {m}x{n}, ldc={ldc}");
        Debug.Assert(biasMode != BiasMode.Row || biasLen >= m, $"bias.Length={biasLen}, m={m}");
        Debug.Assert(biasMode != BiasMode.Column || biasLen >= n, $"bias.Length={biasLen}, n={n}");
    }

    /// <summary>b holds op(B) (k×n) with leading dimension ldb.</summary>
    [Conditional("DEBUG")]
    public static void Operand(bool transB, int k, int n, int bLen, int ldb)
    {
        long cols = transB ? k : n, rows = transB ? n : k;
        Debug.Assert(k >= 0 && n >= 0 && ldb >= Math.Max(1, cols), $"k={k}, n={n}, ldb={ldb}");
        Debug.Assert(k == 0 || n == 0 || bLen >= (rows - 1) * ldb + cols, $"b.Length={bLen} for {rows}x{cols}, ldb={ldb}");
    }

    [Conditional("DEBUG")]
    public static void Precision(Precision precision) =>
        Debug.Assert(precision is NativeNet.Precision.Float32 or NativeNet.Precision.BFloat16, $"precision={(int)precision}");

    [Conditional("DEBUG")]
    public static void AtLeast(long needed, int actual, string name) =>
        Debug.Assert(actual >= needed, $"{name}.Length={actual}, needs {needed}");

    [Conditional("DEBUG")]
    public static void SameLength(int expected, int actual, string name, string reference) =>
        Debug.Assert(actual == expected, $"{name}.Length={actual}, {reference}.Length={expected}");

    [Conditional("DEBUG")]
    public static void Defined(UnaryOp op) => Debug.Assert(op is >= UnaryOp.Identity and <= UnaryOp.Mish, $"op={(int)op}");

    [Conditional("DEBUG")]
    public static void Defined(BinaryOp op) => Debug.Assert(op is >= BinaryOp.Add and <= BinaryOp.Min, $"op={(int)op}");

    /// <summary>The geometry passed <see cref="Conv2dGeometry.Validate"/>.</summary>
    [Conditional("DEBUG")]
    public static void Valid(in Conv2dGeometry g) => g.Validate();

    /// <summary>The geometry passed <see cref="Pool2dGeometry.Validate"/>.</summary>
    [Conditional("DEBUG")]
    public static void Valid(in Pool2dGeometry g) => g.Validate();

    /// <summary>The descriptor passed <see cref="RnnDescriptor.Validate"/>.</summary>
    [Conditional("DEBUG")]
    public static void Valid(in RnnDescriptor d) => d.Validate();

    /// <summary>Adaptive pooling of [planes, inH, inW] to [planes, outH, outW]: every size positive (planes may be 0).</summary>
    [Conditional("DEBUG")]
    public static void Adaptive(int planes, int inH, int inW, int outH, int outW) =>
        Debug.Assert(planes >= 0 && inH > 0 && inW > 0 && outH > 0 && outW > 0, $"planes={planes}, input={inH}x{inW}, output={outH}x{outW}");

    /// <summary>A precondition the boundary guarantees (sizes, steps, targets).</summary>
    [Conditional("DEBUG")]
    public static void That(bool condition, string what) => Debug.Assert(condition, what);
}
