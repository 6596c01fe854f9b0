using NativeNet.Interop;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>
/// ONNX LSTM / GRU (one layer, forward or bidirectional) on the native recurrent stack. The weights
/// were reordered at plan time from ONNX's gate order (LSTM i,o,f,c; GRU z,r,h) to the kernel's
/// PyTorch order (i,f,g,o; r,z,n). The kernel writes y as [T, B, D·H]; ONNX wants [T, D, B, H], the
/// same memory when D = 1, reordered from a scratch buffer when bidirectional.
/// </summary>
internal sealed unsafe class RecurrentStep : Step
{
    private readonly nn_rnn_desc _desc;
    private readonly nint[] _params;
    private readonly Operand? _h0, _c0;
    private readonly int _x, _y, _yh, _yc, _workspace, _yScratch;

    public RecurrentStep(string label, nn_rnn_desc desc, nint[] parameters, int x, Operand? h0, Operand? c0, int y, int yh, int yc, int workspace, int yScratch)
        : base(label, [.. new[] { (Operand?)Operand.Slot(x), h0, c0 }.Where(o => o is { IsSlot: true }).Select(o => o!.Value.SlotIndex)],
            [.. new[] { y, yh, yc, workspace, yScratch }.Where(s => s >= 0)])
    {
        _desc = desc; _params = parameters; _x = x; _h0 = h0; _c0 = c0; _y = y; _yh = yh; _yc = yc; _workspace = workspace; _yScratch = yScratch;
    }

    public override void Run(ExecutionPlan plan)
    {
        var d = _desc;
        float* y = _yScratch >= 0 ? plan.F(_yScratch) : plan.F(_y);
        fixed (nint* p = _params)
            Native.Check(NativeMethods.nn_rnn_stack_forward(&d, plan.F(_x), (float**)p,
                _h0 is { } h0 ? h0.Get(plan) : null, _c0 is { } c0 ? c0.Get(plan) : null, null, y,
                _yh >= 0 ? plan.F(_yh) : null, _yc >= 0 ? plan.F(_yc) : null, plan.F(_workspace)));
        if (_yScratch >= 0 && _y >= 0)
        {
            // [T, B, 2, H] -> [T, 2, B, H]
            long t = d.seq_len, b = d.batch, h = d.hidden_size, bytes = h * sizeof(float);
            float* dst = plan.F(_y);
            for (long i = 0; i < t; i++)
                for (long j = 0; j < b; j++)
                    for (long dir = 0; dir < 2; dir++)
                        Buffer.MemoryCopy(y + ((i * b + j) * 2 + dir) * h, dst + ((i * 2 + dir) * b + j) * h, bytes, bytes);
        }
    }
}
