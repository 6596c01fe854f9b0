using NativeNet.Kernels;

namespace NativeNet.Nn;

public static partial class Functional
{
    /// <summary>
    /// One recurrent layer in one direction over time-major input [T, B, I] (or [B, T, I] with
    /// <paramref name="batchFirst"/>), as a single autograd node with three outputs: y [T, B, H]
    /// ([B, T, H] batch-first), h_n [B, H], c_n [B, H] (c_n only for LSTM; null for GRU).
    /// h0/c0 [B, H] may be null (zeros). Biases may be null. The kernel reads and writes the
    /// batch-first layout itself, so no transposed copies are made.
    /// </summary>
    /// <remarks>
    /// Where no gradient is needed (inference, <see cref="Autograd.NoGrad"/>) and the backend has an
    /// inference path, the layer runs <see cref="IKernels.RnnInfer"/>: w_ih and w_hh laid out once for the fused
    /// step kernels, the input projection inside each step and no state kept for backward; the
    /// outputs are the training path's up to rounding.
    /// </remarks>
    public static (Tensor Output, Tensor HN, Tensor? CN) RnnLayer(RnnCell cell, Tensor input, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh,
                                                                   Tensor? h0, Tensor? c0, bool reverse, bool batchFirst = false) =>
        RnnLayer(cell, input, wIh, wHh, bIh, bHh, h0, c0, reverse, batchFirst, Precision.Float32, pack: null);

    /// <summary>
    /// <see cref="RnnLayer(RnnCell, Tensor, Tensor, Tensor, Tensor?, Tensor?, Tensor?, Tensor?, bool, bool)"/> with the
    /// products in <paramref name="precision"/>: <see cref="Precision.BFloat16"/> rounds the operands of every gate
    /// product (x·W_ihᵀ, h·W_hhᵀ, and in backward the products of the gate gradients) to bfloat16 and sums in float32;
    /// gates, cell and hidden state, biases and their gradients stay float32 (PyTorch's CPU autocast). The native
    /// backend only: the managed backend runs float32 whatever the precision.
    /// </summary>
    public static (Tensor Output, Tensor HN, Tensor? CN) RnnLayer(RnnCell cell, Tensor input, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh,
                                                                   Tensor? h0, Tensor? c0, bool reverse, bool batchFirst, Precision precision) =>
        RnnLayer(cell, input, wIh, wHh, bIh, bHh, h0, c0, reverse, batchFirst, precision, pack: null);

    /// <summary><see cref="RnnLayer(RnnCell, Tensor, Tensor, Tensor, Tensor?, Tensor?, Tensor?, Tensor?, bool, bool)"/> with the module's cache of the weights' inference layout (null: laid out per call).</summary>
    internal static (Tensor Output, Tensor HN, Tensor? CN) RnnLayer(RnnCell cell, Tensor input, Tensor wIh, Tensor wHh, Tensor? bIh, Tensor? bHh,
                                                                     Tensor? h0, Tensor? c0, bool reverse, bool batchFirst, Precision precision,
                                                                     RecurrentWeightPack? pack)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(wIh);
        ArgumentNullException.ThrowIfNull(wHh);
        if (input.Rank != 3) throw new ArgumentException($"recurrent input must be 3-D {(batchFirst ? "[B, T, I]" : "[T, B, I]")}. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        int T = input.ShapeRef[batchFirst ? 1 : 0], B = input.ShapeRef[batchFirst ? 0 : 1], I = input.ShapeRef[2];
        int gates = cell == RnnCell.Lstm ? 4 : 3;
        if (wIh.Rank != 2 || wIh.ShapeRef[1] != I || wIh.ShapeRef[0] % gates != 0)
            throw new ArgumentException($"weight_ih must be [{gates}·hidden, {I}]. Received: shape={Tensor.ShapeString(wIh.ShapeRef)}", nameof(wIh));
        int H = wIh.ShapeRef[0] / gates;
        if (wHh.Rank != 2 || wHh.ShapeRef[0] != gates * H || wHh.ShapeRef[1] != H)
            throw new ArgumentException($"weight_hh must be [{gates * H}, {H}]. Received: shape={Tensor.ShapeString(wHh.ShapeRef)}", nameof(wHh));
        if (h0 is not null && h0.Count != B * H) throw new ArgumentException($"h0 must have shape [{B}, {H}]. Received: shape={Tensor.ShapeString(h0.ShapeRef)}", nameof(h0));
        if (c0 is not null && c0.Count != B * H) throw new ArgumentException($"c0 must have shape [{B}, {H}]. Received: shape={Tensor.ShapeString(c0.ShapeRef)}", nameof(c0));
        foreach (var (b, name) in new[] { (bIh, "bias_ih"), (bHh, "bias_hh") })
            if (b is not null && b.Count != gates * H)
                throw new ArgumentException($"{name} must have shape [{gates * H}]. Received: shape={Tensor.ShapeString(b.ShapeRef)}", name == "bias_ih" ? nameof(bIh) : nameof(bHh));
        bool lstm = cell == RnnCell.Lstm;
        var desc = new RnnDescriptor(cell, T, B, I, H, reverse, batchFirst, precision);
        desc.Validate();
        var k = K;
        var y = Tensor.Empty(batchFirst ? new[] { B, T, H } : new[] { T, B, H });
        var hN = Tensor.Empty(new[] { B, H });
        var cN = lstm ? Tensor.Empty(new[] { B, H }) : null;
        // Inputs: x, w_ih, w_hh, b_ih?, b_hh?, h0?, c0? in a fixed order; absent ones are skipped.
        var list = new List<Tensor>(7) { input, wIh, wHh };
        int iBih = -1, iBhh = -1, iH0 = -1, iC0 = -1;
        if (bIh is not null) { iBih = list.Count; list.Add(bIh); }
        if (bHh is not null) { iBhh = list.Count; list.Add(bHh); }
        if (h0 is not null) { iH0 = list.Count; list.Add(h0); }
        if (lstm && c0 is not null) { iC0 = list.Count; list.Add(c0); }
        var inputs = list.ToArray();
        bool needsGrad = Autograd.Needs(inputs);
        var packed = needsGrad ? null : pack is not null ? pack.Get(k, desc, wIh, wHh) : RecurrentWeightPack.Pack(k, desc, wIh, wHh);
        if (packed is not null)
        {
            using var iws = Tensor.Empty(new[] { checked((int)k.RnnInferWorkspaceSize(desc)) }, register: false);
            k.RnnInfer(desc, input.Data, packed.Value.Span, bIh is null ? default : bIh.Data, bHh is null ? default : bHh.Data,
                       h0 is null ? default : h0.Data, lstm && c0 is not null ? c0.Data : default, y.AsSpan(), hN.AsSpan(), cN is null ? default : cN.AsSpan(), iws.AsSpan());
            GC.KeepAlive(input);
            return (y, hN, cN);
        }
        long wsSize = k.RnnWorkspaceSize(desc);
        var ws = Tensor.Empty(new[] { checked((int)wsSize) }, register: false);
        k.RnnForward(desc, input.Data, wIh.Data, wHh.Data, bIh is null ? default : bIh.Data, bHh is null ? default : bHh.Data,
                     h0 is null ? default : h0.Data, lstm && c0 is not null ? c0.Data : default, y.AsSpan(), hN.AsSpan(), cN is null ? default : cN.AsSpan(), ws.AsSpan());
        if (needsGrad)
        {
            var outputs = lstm ? new[] { y, hN, cN! } : new[] { y, hN };
            var node = Autograd.RecordMulti(lstm ? "LSTM" : "GRU", outputs, inputs, gs =>
            {
                var kk = K;
                var gx = Tensor.Empty(input.ShapeChecked(), register: false);
                var gwIh = Tensor.Empty(wIh.ShapeChecked(), register: false);
                var gwHh = Tensor.Empty(wHh.ShapeChecked(), register: false);
                var gbIh = bIh is null ? null : Tensor.Empty(bIh.ShapeChecked(), register: false);
                var gbHh = bHh is null ? null : Tensor.Empty(bHh.ShapeChecked(), register: false);
                var gh0 = h0 is null ? null : Tensor.Empty(h0.ShapeChecked(), register: false);
                var gc0 = iC0 < 0 ? null : Tensor.Empty(c0!.ShapeChecked(), register: false);
                kk.RnnBackward(desc, input.Data, wIh.Data, wHh.Data, h0 is null ? default : h0.Data, iC0 < 0 ? default : c0!.Data, y.Data, ws.AsSpan(),
                               gs[0] is null ? default : gs[0]!.Data, gs[1] is null ? default : gs[1]!.Data, lstm && gs[2] is not null ? gs[2]!.Data : default,
                               gx.AsSpan(), gh0 is null ? default : gh0.AsSpan(), gc0 is null ? default : gc0.AsSpan(), gwIh.AsSpan(), gwHh.AsSpan(),
                               gbIh is null ? default : gbIh.AsSpan(), gbHh is null ? default : gbHh.AsSpan());
                var r = new Tensor?[inputs.Length];
                r[0] = gx; r[1] = gwIh; r[2] = gwHh;
                if (iBih >= 0) r[iBih] = gbIh;
                if (iBhh >= 0) r[iBhh] = gbHh;
                if (iH0 >= 0) r[iH0] = gh0;
                if (iC0 >= 0) r[iC0] = gc0;
                return r;
            });
            node.OnRelease = ws.Dispose;
            if (Autograd.Tracing)
                node.Attributes = new OpAttributes(new ModuleSpec(lstm ? "LSTM" : "GRU").With("hidden_size", H).With("reverse", reverse).With("batch_first", batchFirst),
                    new Dictionary<string, Tensor?> { ["weight_ih"] = wIh, ["weight_hh"] = wHh, ["bias_ih"] = bIh, ["bias_hh"] = bHh, ["h0"] = h0, ["c0"] = lstm ? c0 : null });
        }
        else ws.Dispose();
        GC.KeepAlive(input);
        GC.KeepAlive(wIh);
        GC.KeepAlive(wHh);
        return (y, hN, cN);
    }
}
