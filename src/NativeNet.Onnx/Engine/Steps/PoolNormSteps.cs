using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>MaxPool / AveragePool (2-D; 1-D as height 1) on the native kernels.</summary>
internal sealed unsafe class PoolStep(string label, nn_pool2d_desc desc, bool max, int x, int y) : Step(label, [x], [y])
{
    private readonly nn_pool2d_desc _desc = desc;

    public override void Run(ExecutionPlan plan)
    {
        var d = _desc;
        Native.Check(max ? NativeMethods.nn_max_pool2d_forward(&d, plan.F(x), plan.F(y), null)
                         : NativeMethods.nn_avg_pool2d_forward(&d, plan.F(x), plan.F(y)));
    }
}

/// <summary>GlobalAveragePool: adaptive average pooling to 1×1.</summary>
internal sealed unsafe class GlobalPoolStep(string label, long n, long c, long spatial, int x, int y) : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan) =>
        Native.Check(NativeMethods.nn_adaptive_avg_pool2d_forward(n, c, 1, spatial, 1, 1, plan.F(x), plan.F(y)));
}

/// <summary>BatchNormalization left standing (no preceding Conv/Gemm to fold into): inference mode.</summary>
internal sealed unsafe class BatchNormStep(string label, long n, long c, long spatial, float* scale, float* bias, float* mean, float* var, float eps, int x, int y)
    : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan) =>
        Native.Check(NativeMethods.nn_batch_norm_forward_inference(n, c, spatial, plan.F(x), scale, bias, mean, var, eps, plan.F(y)));
}

/// <summary>LayerNormalization over the trailing dimensions.</summary>
internal sealed unsafe class LayerNormStep(string label, long rows, long d, float* gamma, float* beta, float eps, int x, int y)
    : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan) =>
        Native.Check(NativeMethods.nn_layer_norm_forward(rows, d, plan.F(x), gamma, beta, eps, plan.F(y), null, null));
}

/// <summary>Softmax / LogSoftmax of x viewed as [outer, dim, inner].</summary>
internal sealed unsafe class SoftmaxStep(string label, long outer, long dim, long inner, bool log, int x, int y) : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan) =>
        Native.Check(NativeMethods.nn_softmax_forward(outer, dim, inner, plan.F(x), plan.F(y), log ? 1 : 0));
}

/// <summary>ReduceMean / ReduceSum over a set of axes, viewed as runs of [outer, reduced, inner] (one pass per reduced group).</summary>
internal sealed unsafe class ReduceStep(string label, long outer, long reduced, long inner, bool mean, int x, int y) : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan)
    {
        float* px = plan.F(x), py = plan.F(y);
        float scale = mean ? 1f / reduced : 1f;
        if (inner == 1)
        {
            for (long o = 0; o < outer; o++)
                py[o] = System.Numerics.Tensors.TensorPrimitives.Sum(new ReadOnlySpan<float>(px + o * reduced, (int)reduced)) * scale;
            return;
        }
        for (long o = 0; o < outer; o++)
        {
            var dst = new Span<float>(py + o * inner, (int)inner);
            dst.Clear();
            for (long r = 0; r < reduced; r++)
                System.Numerics.Tensors.TensorPrimitives.Add(dst, new ReadOnlySpan<float>(px + (o * reduced + r) * inner, (int)inner), dst);
            if (mean) System.Numerics.Tensors.TensorPrimitives.Multiply(dst, scale, dst);
        }
    }
}
