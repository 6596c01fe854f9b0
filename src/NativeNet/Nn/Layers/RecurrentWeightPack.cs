using NativeNet.Kernels;

namespace NativeNet.Nn;

/// <summary>
/// One recurrent layer-direction's w_ih and w_hh laid out for <see cref="IKernels.RnnInfer"/>, kept
/// across inference calls. Inference runs the same weights through every step of every call, and
/// laying them out costs a pass over G·H·(H + I) floats, so the copy is reused while both weights stay
/// the same tensors, storage <see cref="Tensor.Version"/>s, backend and precision (bf16 packs the weights rounded); a training step writes the
/// weights, which bumps their versions, and the next inference lays them out again. Training
/// (autograd) never asks for it.
/// </summary>
internal sealed class RecurrentWeightPack
{
    private readonly object _lock = new();
    private Tensor? _wIh, _wHh;
    private int _versionIh, _versionHh;
    private Precision _precision;
    private IKernels? _kernels;
    private Memory<float>? _packed;

    /// <summary>The layout of <paramref name="wIh"/> and <paramref name="wHh"/> for <paramref name="kernels"/>, made now if the cached one is stale; null where the backend has none.</summary>
    public Memory<float>? Get(IKernels kernels, in RnnDescriptor d, Tensor wIh, Tensor wHh)
    {
        int versionIh = wIh.Version, versionHh = wHh.Version;
        lock (_lock)
        {
            if (_packed is not null && ReferenceEquals(wIh, _wIh) && ReferenceEquals(wHh, _wHh) && versionIh == _versionIh
                && versionHh == _versionHh && ReferenceEquals(kernels, _kernels) && d.Precision == _precision)
                return _packed;
            var packed = Pack(kernels, d, wIh, wHh);
            _wIh = wIh;
            _wHh = wHh;
            _versionIh = versionIh;
            _versionHh = versionHh;
            _kernels = kernels;
            _precision = d.Precision;
            _packed = packed;
            return packed;
        }
    }

    /// <summary>True while a layout of the present weights is cached (for tests).</summary>
    internal bool IsCached
    {
        get { lock (_lock) return _packed is not null; }
    }

    /// <summary>Drops the cached copy.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _packed = null;
            _wIh = _wHh = null;
            _kernels = null;
        }
    }

    /// <summary>
    /// A fresh layout of <paramref name="wIh"/> and <paramref name="wHh"/>, or null where <paramref name="kernels"/> has no inference path.
    /// It starts on a 64-byte boundary: the step kernels read its rows as whole vectors, and a vector that straddles two
    /// cache lines costs two loads (nn_rnn_infer LSTM, batch 64, 50 steps, input 64, hidden 256, 1 thread, Emerald Rapids:
    /// 15.1 ms with the layout aligned, 16.6-17.9 ms with it 8 or 16 bytes off, as an ordinary array may start).
    /// </summary>
    public static Memory<float>? Pack(IKernels kernels, in RnnDescriptor d, Tensor wIh, Tensor wHh)
    {
        long size = kernels.RnnPackSize(d);
        if (size == 0) return null;
        var packed = AlignedFloats(checked((int)size));
        kernels.RnnPack(d, wIh.Data, wHh.Data, packed.Span);
        GC.KeepAlive(wIh);
        GC.KeepAlive(wHh);
        return packed;
    }

    /// <summary>length floats starting on a 64-byte boundary, in an array on the pinned heap (it never moves, so the offset holds).</summary>
    internal static unsafe Memory<float> AlignedFloats(int length)
    {
        const int alignFloats = 64 / sizeof(float);
        var buffer = GC.AllocateUninitializedArray<float>(checked(length + alignFloats - 1), pinned: true);
        nuint address = (nuint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref buffer[0]);
        int offset = (int)((64 - address % 64) % 64) / sizeof(float);
        return buffer.AsMemory(offset, length);
    }
}
