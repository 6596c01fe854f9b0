namespace NativeNet.Kernels;

public sealed partial class NativeKernels
{
    /// <inheritdoc />
    public void BinaryScalar(BinaryOp op, ReadOnlySpan<float> a, float b, Span<float> y)
    {
        // Multiplication by a scalar is the native scale kernel; the other scalar forms have no
        // native entry point yet. TODO(native): add nn_binary_scalar.
        if (op == BinaryOp.Mul) Unary(UnaryOp.Scale, a, y, b);
        else ManagedKernels.Instance.BinaryScalar(op, a, b, y);
    }

    /// <inheritdoc />
    // TODO(native): switch to nn_sgemm when merged; delegates to the managed implementation until then.
    public void Gemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, ReadOnlySpan<float> bias = default, BiasMode biasMode = BiasMode.None, GemmActivation activation = GemmActivation.None)
        => ManagedKernels.Instance.Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, biasMode, activation);

    /// <inheritdoc />
    // TODO(native): switch to nn_conv2d when merged; delegates to the managed implementation until then.
    public void Conv2dForward(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output)
        => ManagedKernels.Instance.Conv2dForward(in g, input, weight, bias, output);

    /// <inheritdoc />
    // TODO(native): switch to nn_conv2d when merged; delegates to the managed implementation until then.
    public void Conv2dBackwardData(in Conv2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<float> weight, Span<float> gradInput)
        => ManagedKernels.Instance.Conv2dBackwardData(in g, gradOutput, weight, gradInput);

    /// <inheritdoc />
    // TODO(native): switch to nn_conv2d when merged; delegates to the managed implementation until then.
    public void Conv2dBackwardWeights(in Conv2dGeometry g, ReadOnlySpan<float> input, ReadOnlySpan<float> gradOutput, Span<float> gradWeight, Span<float> gradBias)
        => ManagedKernels.Instance.Conv2dBackwardWeights(in g, input, gradOutput, gradWeight, gradBias);

    /// <inheritdoc />
    // TODO(native): switch to nn_pool2d when merged; delegates to the managed implementation until then.
    public void MaxPool2dForward(in Pool2dGeometry g, ReadOnlySpan<float> input, Span<float> output, Span<int> argmax)
        => ManagedKernels.Instance.MaxPool2dForward(in g, input, output, argmax);

    /// <inheritdoc />
    // TODO(native): switch to nn_pool2d when merged; delegates to the managed implementation until then.
    public void MaxPool2dBackward(in Pool2dGeometry g, ReadOnlySpan<float> gradOutput, ReadOnlySpan<int> argmax, Span<float> gradInput)
        => ManagedKernels.Instance.MaxPool2dBackward(in g, gradOutput, argmax, gradInput);

    /// <inheritdoc />
    // TODO(native): switch to nn_pool2d when merged; delegates to the managed implementation until then.
    public void AvgPool2dForward(in Pool2dGeometry g, ReadOnlySpan<float> input, Span<float> output)
        => ManagedKernels.Instance.AvgPool2dForward(in g, input, output);

    /// <inheritdoc />
    // TODO(native): switch to nn_pool2d when merged; delegates to the managed implementation until then.
    public void AvgPool2dBackward(in Pool2dGeometry g, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
        => ManagedKernels.Instance.AvgPool2dBackward(in g, gradOutput, gradInput);

    /// <inheritdoc />
    // TODO(native): switch to nn_pool2d when merged; delegates to the managed implementation until then.
    public void AdaptiveAvgPool2dForward(int planes, int inH, int inW, int outH, int outW, ReadOnlySpan<float> input, Span<float> output)
        => ManagedKernels.Instance.AdaptiveAvgPool2dForward(planes, inH, inW, outH, outW, input, output);

    /// <inheritdoc />
    // TODO(native): switch to nn_pool2d when merged; delegates to the managed implementation until then.
    public void AdaptiveAvgPool2dBackward(int planes, int inH, int inW, int outH, int outW, ReadOnlySpan<float> gradOutput, Span<float> gradInput)
        => ManagedKernels.Instance.AdaptiveAvgPool2dBackward(planes, inH, inW, outH, outW, gradOutput, gradInput);

    /// <inheritdoc />
    // TODO(native): switch to nn_batch_norm when merged; delegates to the managed implementation until then.
    public void BatchNormForward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> runningMean, Span<float> runningVar, bool training, float momentum, float eps, Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
        => ManagedKernels.Instance.BatchNormForward(n, c, spatial, x, weight, bias, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvStd);

    /// <inheritdoc />
    // TODO(native): switch to nn_batch_norm when merged; delegates to the managed implementation until then.
    public void BatchNormBackward(int n, int c, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, bool training, Span<float> dx, Span<float> dWeight, Span<float> dBias)
        => ManagedKernels.Instance.BatchNormBackward(n, c, spatial, x, dy, weight, saveMean, saveInvStd, training, dx, dWeight, dBias);

    /// <inheritdoc />
    // TODO(native): switch to nn_layer_norm when merged; delegates to the managed implementation until then.
    public void LayerNormForward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, float eps, Span<float> y, Span<float> saveMean, Span<float> saveInvStd)
        => ManagedKernels.Instance.LayerNormForward(rows, cols, x, weight, bias, eps, y, saveMean, saveInvStd);

    /// <inheritdoc />
    // TODO(native): switch to nn_layer_norm when merged; delegates to the managed implementation until then.
    public void LayerNormBackward(int rows, int cols, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, Span<float> dx, Span<float> dWeight, Span<float> dBias)
        => ManagedKernels.Instance.LayerNormBackward(rows, cols, x, dy, weight, saveMean, saveInvStd, dx, dWeight, dBias);

    /// <inheritdoc />
    // TODO(native): switch to nn_rnn when merged; delegates to the managed implementation until then.
    public long RnnWorkspaceSize(in RnnDescriptor d)
        => ManagedKernels.Instance.RnnWorkspaceSize(in d);

    /// <inheritdoc />
    // TODO(native): switch to nn_rnn when merged; delegates to the managed implementation until then.
    public void RnnForward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh, ReadOnlySpan<float> bIh, ReadOnlySpan<float> bHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> y, Span<float> hN, Span<float> cN, Span<float> workspace)
        => ManagedKernels.Instance.RnnForward(in d, x, wIh, wHh, bIh, bHh, h0, c0, y, hN, cN, workspace);

    /// <inheritdoc />
    // TODO(native): switch to nn_rnn when merged; delegates to the managed implementation until then.
    public void RnnBackward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, ReadOnlySpan<float> y, Span<float> workspace, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhN, ReadOnlySpan<float> dcN, Span<float> dx, Span<float> dh0, Span<float> dc0, Span<float> dWIh, Span<float> dWHh, Span<float> dbIh, Span<float> dbHh)
        => ManagedKernels.Instance.RnnBackward(in d, x, wIh, wHh, h0, c0, y, workspace, dy, dhN, dcN, dx, dh0, dc0, dWIh, dWHh, dbIh, dbHh);

    /// <inheritdoc />
    // TODO(native): switch to a native kernel when merged; delegates to the managed implementation until then.
    public void Softmax(int outer, int dim, int inner, ReadOnlySpan<float> x, Span<float> y, bool log)
        => ManagedKernels.Instance.Softmax(outer, dim, inner, x, y, log);

    /// <inheritdoc />
    // TODO(native): switch to a native kernel when merged; delegates to the managed implementation until then.
    public void SoftmaxBackward(int outer, int dim, int inner, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool log)
        => ManagedKernels.Instance.SoftmaxBackward(outer, dim, inner, y, dy, dx, log);

    /// <inheritdoc />
    // TODO(native): switch to a native kernel when merged; delegates to the managed implementation until then.
    public void CrossEntropy(int rows, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, ReadOnlySpan<float> classWeights, float labelSmoothing, int ignoreIndex, Span<float> rowLoss, Span<float> rowWeight, Span<float> gradLogits)
        => ManagedKernels.Instance.CrossEntropy(rows, classes, logits, targets, classWeights, labelSmoothing, ignoreIndex, rowLoss, rowWeight, gradLogits);

    /// <inheritdoc />
    // TODO(native): switch to a native kernel when merged; delegates to the managed implementation until then.
    public void SgdStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer, float lr, float momentum, float dampening, float weightDecay, bool nesterov, bool maximize, bool firstStep)
        => ManagedKernels.Instance.SgdStep(param, grad, momentumBuffer, lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep);

    /// <inheritdoc />
    // TODO(native): switch to a native kernel when merged; delegates to the managed implementation until then.
    public void AdamStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg, Span<float> expAvgSq, Span<float> maxExpAvgSq, float lr, float beta1, float beta2, float eps, float weightDecay, bool decoupledWeightDecay, bool amsgrad, bool maximize, long step)
        => ManagedKernels.Instance.AdamStep(param, grad, expAvg, expAvgSq, maxExpAvgSq, lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, amsgrad, maximize, step);

    /// <inheritdoc />
    // TODO(native): switch to a native kernel when merged; delegates to the managed implementation until then.
    public void RmspropStep(Span<float> param, ReadOnlySpan<float> grad, Span<float> squareAvg, Span<float> momentumBuffer, Span<float> gradAvg, float lr, float alpha, float eps, float weightDecay, float momentum, bool centered, bool maximize)
        => ManagedKernels.Instance.RmspropStep(param, grad, squareAvg, momentumBuffer, gradAvg, lr, alpha, eps, weightDecay, momentum, centered, maximize);
}
