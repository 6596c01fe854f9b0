using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>
/// Convolution as im2col + a GEMM against weights packed once at plan time, for layers whose output
/// planes are small (ResNet's 14×14 and 7×7 stages at batch 1): there the per-call weight
/// transforms of the direct and Winograd kernels cost more than the arithmetic, while the packed
/// GEMM reads the weights as they are. Per image: col [c·r·s, P] (P = oh·ow), Yᵀ [P, k] = colᵀ · Wᵀ
/// with bias and activation in the GEMM epilogue, then Yᵀ transposed into NCHW (adding a fused
/// residual on the way).
/// </summary>
internal sealed unsafe class PackedConvStep(string label, nn_conv2d_desc d, long oh, long ow, nint packedWt, float* bias, Activation act,
    int x, int y, Operand? residual, int col, int yt)
    : Step(label, residual is { IsSlot: true } r ? [x, r.SlotIndex] : [x], [y, col, yt])
{
    private readonly nn_conv2d_desc _d = d;

    public override void Run(ExecutionPlan plan)
    {
        long p = oh * ow, crs = _d.c * _d.r * _d.s, k = _d.k;
        float* px = plan.F(x), py = plan.F(y), pc = plan.F(col), pt = plan.F(yt);
        float* pr = residual is { } r ? r.Get(plan) : null;
        bool fused = pr == null && act.EpilogueCode >= 0;
        for (long img = 0; img < _d.n; img++)
        {
            Im2col(px + img * _d.c * _d.h * _d.w, pc);
            Native.Check(NativeMethods.nn_sgemm_packed(nn_transpose.NN_TRANS, p, k, crs, 1f, pc, p, packedWt, 0f, pt, k,
                bias, bias == null ? nn_bias_mode.NN_BIAS_NONE : nn_bias_mode.NN_BIAS_COL, fused ? (nn_activation)act.EpilogueCode : nn_activation.NN_ACT_NONE));
            float* yi = py + img * k * p;
            float* ri = pr == null ? null : pr + img * k * p;
            for (long ch = 0; ch < k; ch++)
            {
                float* dst = yi + ch * p;
                if (ri == null) for (long q = 0; q < p; q++) dst[q] = pt[q * k + ch];
                else for (long q = 0; q < p; q++) dst[q] = pt[q * k + ch] + ri[ch * p + q];
            }
            if (!fused) act.Apply(yi, yi, k * p);
        }
    }

    private void Im2col(float* xi, float* c)
    {
        var d = _d;
        long p = oh * ow;
        for (long ch = 0; ch < d.c; ch++)
            for (long r = 0; r < d.r; r++)
                for (long s = 0; s < d.s; s++)
                {
                    float* row = c + ((ch * d.r + r) * d.s + s) * p;
                    float* plane = xi + ch * d.h * d.w;
                    for (long i = 0; i < oh; i++)
                    {
                        long ih = i * d.stride_h - d.pad_top + r * d.dilation_h;
                        float* dst = row + i * ow;
                        if (ih < 0 || ih >= d.h)
                        {
                            new Span<float>(dst, (int)ow).Clear();
                            continue;
                        }
                        float* src = plane + ih * d.w;
                        for (long j = 0; j < ow; j++)
                        {
                            long iw = j * d.stride_w - d.pad_left + s * d.dilation_w;
                            dst[j] = iw >= 0 && iw < d.w ? src[iw] : 0f;
                        }
                    }
                }
    }
}
