using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>
/// ONNX LSTM / GRU (one layer, forward or bidirectional) on the native inference path
/// (<c>nn_rnn_infer</c>), one call per direction. The weights were reordered at plan time from
/// ONNX's gate order (LSTM i,o,f,c; GRU z,r,h) to the kernel's PyTorch order (i,f,g,o; r,z,n),
/// and each direction's weights W and R were laid out once by <c>nn_rnn_pack</c>, so a call
/// never packs them. The kernel writes one direction's y as [T, B, H]; ONNX wants [T, D, B, H], the
/// same memory when D = 1, interleaved from a scratch buffer when bidirectional.
/// </summary>
internal sealed unsafe class RecurrentStep : Step
{
    /// <summary>One direction's weights in native memory: W and R packed by <c>nn_rnn_pack</c>, and the two biases (0 = none).</summary>
    public readonly record struct Direction(nint Packed, nint BiasW, nint BiasR);

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
            desc.reverse = d;
            var w = _dirs[d];
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
