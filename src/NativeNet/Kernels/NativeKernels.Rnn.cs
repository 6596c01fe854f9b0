using NativeNet.Interop;

namespace NativeNet.Kernels;

internal sealed unsafe partial class NativeKernels
{
    // One layer, one direction: the single-layer primitive of the native API, which reads x and
    // writes y batch-first itself (no transposed copies on the managed side).
    private static nn_rnn_desc RnnDesc(in RnnDescriptor d) => new()
    {
        cell = d.Cell == RnnCell.Lstm ? nn_rnn_cell.NN_RNN_LSTM : nn_rnn_cell.NN_RNN_GRU,
        batch_first = d.BatchFirst ? 1 : 0,
        seq_len = d.SeqLen, batch = d.Batch, input_size = d.InputSize, hidden_size = d.HiddenSize,
        num_layers = 1, bidirectional = 0, reverse = d.Reverse ? 1 : 0,
        precision = d.Precision == Precision.BFloat16 ? nn_rnn_precision.NN_RNN_BF16 : nn_rnn_precision.NN_RNN_FLOAT32,
    };

    private static void RnnChecks(in RnnDescriptor d, int x, int wIh, int wHh, int bIh, int bHh, int h0, int c0, int ws, long wsNeeded)
    {
        long gh = (long)d.Gates * d.HiddenSize, bh = (long)d.Batch * d.HiddenSize;
        KernelAssert.AtLeast((long)d.SeqLen * d.Batch * d.InputSize, x, "x");
        KernelAssert.AtLeast(gh * d.InputSize, wIh, "wIh");
        KernelAssert.AtLeast(gh * d.HiddenSize, wHh, "wHh");
        if (bIh != 0) KernelAssert.AtLeast(gh, bIh, "bIh");
        if (bHh != 0) KernelAssert.AtLeast(gh, bHh, "bHh");
        if (h0 != 0) KernelAssert.AtLeast(bh, h0, "h0");
        if (c0 != 0) KernelAssert.AtLeast(bh, c0, "c0");
        KernelAssert.AtLeast(wsNeeded, ws, "workspace");
    }

    /// <inheritdoc />
    public long RnnWorkspaceSize(in RnnDescriptor d) => Floats(d, &NativeMethods.nn_rnn_workspace_size);

    /// <inheritdoc />
    public void RnnForward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh, ReadOnlySpan<float> bIh, ReadOnlySpan<float> bHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> y, Span<float> hN, Span<float> cN, Span<float> workspace)
    {
        if (d.Cell != RnnCell.Lstm) { c0 = default; cN = default; }   // c0 / cN belong to LSTM only: the native call must not see them for GRU
        RnnChecks(d, x.Length, wIh.Length, wHh.Length, bIh.Length, bHh.Length, h0.Length, c0.Length, workspace.Length, RnnWorkspaceSize(d));
        RunSequence(d, x, wIh, wHh, bIh, bHh, h0, c0, y, hN, cN, workspace, &NativeMethods.nn_rnn_forward);
    }

    /// <inheritdoc />
    public long RnnPackSize(in RnnDescriptor d) => Floats(d, &NativeMethods.nn_rnn_pack_size);

    /// <inheritdoc />
    public void RnnPack(in RnnDescriptor d, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh, Span<float> packed)
    {
        KernelAssert.AtLeast((long)d.Gates * d.HiddenSize * d.InputSize, wIh.Length, nameof(wIh));
        KernelAssert.AtLeast((long)d.Gates * d.HiddenSize * d.HiddenSize, wHh.Length, nameof(wHh));
        KernelAssert.AtLeast(RnnPackSize(d), packed.Length, nameof(packed));
        var desc = RnnDesc(d);
        fixed (float* pi = wIh)
        fixed (float* ph = wHh)
        fixed (float* pp = packed)
            NativeStatus.Check(NativeMethods.nn_rnn_pack(&desc, pi, ph, pp));
    }

    /// <inheritdoc />
    public long RnnInferWorkspaceSize(in RnnDescriptor d) => Floats(d, &NativeMethods.nn_rnn_infer_workspace_size);

    /// <inheritdoc />
    public void RnnInfer(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> packed, ReadOnlySpan<float> bIh, ReadOnlySpan<float> bHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> y, Span<float> hN, Span<float> cN, Span<float> workspace)
    {
        if (d.Cell != RnnCell.Lstm) { c0 = default; cN = default; }
        KernelAssert.AtLeast(RnnPackSize(d), packed.Length, nameof(packed));
        // The packed weights stand in for w_ih and w_hh; their size was checked against the layout above.
        RnnChecks(d, x.Length, d.Gates * d.HiddenSize * d.InputSize, d.Gates * d.HiddenSize * d.HiddenSize, bIh.Length, bHh.Length, h0.Length, c0.Length, workspace.Length, RnnInferWorkspaceSize(d));
        RunSequence(d, x, packed, packed, bIh, bHh, h0, c0, y, hN, cN, workspace, &Infer);
    }

    // nn_rnn_infer in nn_rnn_forward's shape (RunSequence): the packed weights arrive as both w_ih and w_hh.
    private static nn_status Infer(nn_rnn_desc* d, float* x, float* packed, float* packedAgain, float* bIh, float* bHh, float* h0, float* c0,
                                   long* lengths, float* y, float* hN, float* cN, float* workspace) =>
        NativeMethods.nn_rnn_infer(d, x, packed, bIh, bHh, h0, c0, lengths, y, hN, cN, workspace);

    // A size query of the recurrent C ABI (floats for a descriptor).
    private static long Floats(in RnnDescriptor d, delegate*<nn_rnn_desc*, long*, nn_status> query)
    {
        KernelAssert.Valid(d);
        var desc = RnnDesc(d);
        long floats;
        NativeStatus.Check(query(&desc, &floats));
        return floats;
    }

    // nn_rnn_forward and nn_rnn_infer (through Infer) take the same arguments; the outputs are checked here.
    private static void RunSequence(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh, ReadOnlySpan<float> bIh, ReadOnlySpan<float> bHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> y, Span<float> hN, Span<float> cN, Span<float> workspace,
        delegate*<nn_rnn_desc*, float*, float*, float*, float*, float*, float*, float*, long*, float*, float*, float*, float*, nn_status> run)
    {
        long bh = (long)d.Batch * d.HiddenSize;
        KernelAssert.AtLeast((long)d.SeqLen * bh, y.Length, nameof(y));
        KernelAssert.AtLeast(bh, hN.Length, nameof(hN));
        if (!cN.IsEmpty) KernelAssert.AtLeast(bh, cN.Length, nameof(cN));
        var desc = RnnDesc(d);
        fixed (float* px = x)
        fixed (float* pwi = wIh)
        fixed (float* pwh = wHh)
        fixed (float* pbi = bIh)
        fixed (float* pbh = bHh)
        fixed (float* ph0 = h0)
        fixed (float* pc0 = c0)
        fixed (float* py = y)
        fixed (float* phn = hN)
        fixed (float* pcn = cN)
        fixed (float* pws = workspace)
            NativeStatus.Check(run(&desc, px, pwi, pwh, pbi, pbh, ph0, pc0, null, py, phn, pcn, pws));
    }

    /// <inheritdoc />
    public void RnnBackward(in RnnDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> wIh, ReadOnlySpan<float> wHh, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, ReadOnlySpan<float> y, Span<float> workspace, ReadOnlySpan<float> dy, ReadOnlySpan<float> dhN, ReadOnlySpan<float> dcN, Span<float> dx, Span<float> dh0, Span<float> dc0, Span<float> dWIh, Span<float> dWHh, Span<float> dbIh, Span<float> dbHh)
    {
        bool lstm = d.Cell == RnnCell.Lstm;
        if (!lstm) { c0 = default; dcN = default; dc0 = default; }
        RnnChecks(d, x.Length, wIh.Length, wHh.Length, 0, 0, h0.Length, c0.Length, workspace.Length, RnnWorkspaceSize(d));
        long bh = (long)d.Batch * d.HiddenSize, gh = (long)d.Gates * d.HiddenSize;
        // y is not needed: the native workspace already holds every hidden state.
        KernelAssert.AtLeast((long)d.SeqLen * bh, y.Length, nameof(y));
        if (!dy.IsEmpty) KernelAssert.AtLeast((long)d.SeqLen * bh, dy.Length, nameof(dy));
        if (!dhN.IsEmpty) KernelAssert.AtLeast(bh, dhN.Length, nameof(dhN));
        if (!dcN.IsEmpty) KernelAssert.AtLeast(bh, dcN.Length, nameof(dcN));
        KernelAssert.AtLeast((long)d.SeqLen * d.Batch * d.InputSize, dx.Length, nameof(dx));
        if (!dh0.IsEmpty) KernelAssert.AtLeast(bh, dh0.Length, nameof(dh0));
        if (!dc0.IsEmpty) KernelAssert.AtLeast(bh, dc0.Length, nameof(dc0));
        KernelAssert.AtLeast(gh * d.InputSize, dWIh.Length, nameof(dWIh));
        KernelAssert.AtLeast(gh * d.HiddenSize, dWHh.Length, nameof(dWHh));
        if (!dbIh.IsEmpty) KernelAssert.AtLeast(gh, dbIh.Length, nameof(dbIh));
        if (!dbHh.IsEmpty) KernelAssert.AtLeast(gh, dbHh.Length, nameof(dbHh));
        var desc = RnnDesc(d);
        fixed (float* px = x)
        fixed (float* pwi = wIh)
        fixed (float* pwh = wHh)
        fixed (float* ph0 = h0)
        fixed (float* pc0 = c0)
        fixed (float* pws = workspace)
        fixed (float* pdy = dy)
        fixed (float* pdhn = dhN)
        fixed (float* pdcn = dcN)
        fixed (float* pdx = dx)
        fixed (float* pdh0 = dh0)
        fixed (float* pdc0 = dc0)
        fixed (float* pdwi = dWIh)
        fixed (float* pdwh = dWHh)
        fixed (float* pdbi = dbIh)
        fixed (float* pdbh = dbHh)
            NativeStatus.Check(NativeMethods.nn_rnn_backward(&desc, px, pwi, pwh, ph0, pc0, null, pws, pdy, pdhn, pdcn, pdx, pdh0, pdc0, pdwi, pdwh, pdbi, pdbh));
    }
}
