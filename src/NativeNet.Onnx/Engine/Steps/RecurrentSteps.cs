using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>
/// ONNX LSTM / GRU (one layer, forward, reverse or bidirectional) on the native inference path
/// (<c>nn_rnn_infer</c>), one call per direction. The weights were reordered at plan time from
/// ONNX's gate order (LSTM i,o,f,c; GRU z,r,h) to the kernel's PyTorch order (i,f,g,o; r,z,n),
/// and each direction's weights W and R were laid out once by <c>nn_rnn_pack</c>, so a call
/// never packs them. The kernel writes one direction's y as [T, B, H]; ONNX wants [T, D, B, H], the
/// same memory when D = 1, interleaved from a scratch buffer when bidirectional.
/// </summary>
internal sealed unsafe class RecurrentStep : Step
{
    /// <summary>One direction (Reverse: from the last time step) and its weights in native memory: W and R packed by <c>nn_rnn_pack</c>, and the two biases (0 = none).</summary>
    public readonly record struct Direction(bool Reverse, nint Packed, nint BiasW, nint BiasR);

    private readonly nn_rnn_desc _desc;
    private readonly Direction[] _dirs;
    private readonly Operand? _h0, _c0;
    private readonly int _x, _y, _yh, _yc, _workspace, _yScratch;

    public RecurrentStep(string label, nn_rnn_desc desc, Direction[] dirs, int x, Operand? h0, Operand? c0, int y, int yh, int yc, int workspace, int yScratch)
        : base(label, [.. new[] { (Operand?)Operand.Slot(x), h0, c0 }.Where(o => o is { IsSlot: true }).Select(o => o!.Value.SlotIndex)],
            [.. new[] { y, yh, yc, workspace, yScratch }.Where(s => s >= 0)])
    {
        _desc = desc; _dirs = dirs; _x = x; _h0 = h0; _c0 = c0; _y = y; _yh = yh; _yc = yc; _workspace = workspace; _yScratch = yScratch;
    }

    public override void Run(ExecutionPlan plan)
    {
        long t = _desc.seq_len, b = _desc.batch, h = _desc.hidden_size, state = b * h;
        float* h0 = _h0 is { } h0o ? h0o.Get(plan) : null, c0 = _c0 is { } c0o ? c0o.Get(plan) : null;
        float* yh = _yh >= 0 ? plan.F(_yh) : null, yc = _yc >= 0 ? plan.F(_yc) : null;
        for (int d = 0; d < _dirs.Length; d++)
        {
            var desc = _desc;
            var w = _dirs[d];
            desc.reverse = w.Reverse ? 1 : 0;
            float* y = _yScratch >= 0 ? plan.F(_yScratch) : plan.F(_y);
            Native.Check(NativeMethods.nn_rnn_infer(&desc, plan.F(_x), (float*)w.Packed, (float*)w.BiasW, (float*)w.BiasR,
                h0 == null ? null : h0 + d * state, c0 == null ? null : c0 + d * state, null, y,
                yh == null ? null : yh + d * state, yc == null ? null : yc + d * state, plan.F(_workspace)));
            if (_yScratch >= 0)
            {
                // direction d's [T, B, H] -> rows [t, d] of [T, 2, B, H]
                long bytes = state * sizeof(float);
                float* dst = plan.F(_y);
                for (long i = 0; i < t; i++)
                    Buffer.MemoryCopy(y + i * state, dst + (i * 2 + d) * state, bytes, bytes);
            }
        }
    }
}

/// <summary>
/// ONNX RNN (Elman): H_t = f(X_t·Wᵀ + H_{t−1}·Rᵀ + Wb + Rb) with f Tanh or Relu per direction, one
/// layer, forward, reverse or bidirectional. Per direction, all time steps' input projections run as
/// one GEMM (both biases in its epilogue) into a [T, B, H] scratch; then each step copies its rows
/// into Y[t, d] and adds H_{t−1}·Rᵀ there with f in the epilogue (beta = 1). W and R are packed once at
/// load. The previous state is read where the last step wrote it, so Y_h is the last step's rows.
/// </summary>
internal sealed unsafe class ElmanRnnStep : Step
{
    /// <summary>One direction: W and R packed for the GEMM (op(B) = Wᵀ, Rᵀ), the summed bias (0 = none), and f as a GEMM epilogue code.</summary>
    public readonly record struct Direction(nint PackedW, nint PackedR, nint Bias, nn_unary_op Activation, bool Reverse);

    private readonly long _steps, _batch, _input, _hidden;
    private readonly Direction[] _dirs;
    private readonly Operand? _h0;
    private readonly int _x, _y, _yh, _projection;

    public ElmanRnnStep(string label, long steps, long batch, long input, long hidden, Direction[] dirs, int x, Operand? h0, int y, int yh, int projection)
        : base(label, [.. new[] { (Operand?)Operand.Slot(x), h0 }.Where(o => o is { IsSlot: true }).Select(o => o!.Value.SlotIndex)],
            [.. new[] { y, yh, projection }.Where(s => s >= 0)])
    {
        _steps = steps; _batch = batch; _input = input; _hidden = hidden; _dirs = dirs; _x = x; _h0 = h0; _y = y; _yh = yh; _projection = projection;
    }

    public override void Run(ExecutionPlan plan)
    {
        long state = _batch * _hidden, rows = _steps * _batch, bytes = state * sizeof(float);
        int dirs = _dirs.Length;
        float* h0 = _h0 is { } h0o ? h0o.Get(plan) : null, y = plan.F(_y), p = plan.F(_projection);
        for (int d = 0; d < dirs; d++)
        {
            var w = _dirs[d];
            Native.Check(NativeMethods.nn_sgemm_packed(nn_transpose.NN_NO_TRANS, rows, _hidden, _input, 1f, plan.F(_x), _input, w.PackedW, 0f,
                p, _hidden, (float*)w.Bias, w.Bias == 0 ? nn_bias_mode.NN_BIAS_NONE : nn_bias_mode.NN_BIAS_COL, nn_unary_op.NN_UNARY_IDENTITY));
            float* previous = h0 == null ? null : h0 + d * state;
            for (long i = 0; i < _steps; i++)
            {
                long t = w.Reverse ? _steps - 1 - i : i;
                float* yt = y + (t * dirs + d) * state;
                Buffer.MemoryCopy(p + t * state, yt, bytes, bytes);
                if (previous != null)
                    Native.Check(NativeMethods.nn_sgemm_packed(nn_transpose.NN_NO_TRANS, _batch, _hidden, _hidden, 1f, previous, _hidden, w.PackedR, 1f,
                        yt, _hidden, null, nn_bias_mode.NN_BIAS_NONE, w.Activation));
                else // a zero initial state: H_1 = f(X_1·Wᵀ + biases)
                    Native.Check(NativeMethods.nn_sgemm_ex(nn_transpose.NN_NO_TRANS, nn_transpose.NN_NO_TRANS, _batch, _hidden, 0, 1f, null, 1, null, _hidden, 1f,
                        yt, _hidden, null, nn_bias_mode.NN_BIAS_NONE, w.Activation));
                previous = yt;
            }
            if (_yh >= 0) Buffer.MemoryCopy(previous, plan.F(_yh) + d * state, bytes, bytes);
        }
    }
}
