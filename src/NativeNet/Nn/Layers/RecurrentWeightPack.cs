using NativeNet.Kernels;

namespace NativeNet.Nn;

/// <summary>
/// One recurrent layer-direction's w_hh laid out for <see cref="IKernels.RnnInfer"/>, kept across
/// inference calls. Inference runs the same weight through every step of every call, and laying it
/// out costs a pass over G·H·H floats, so the copy is reused while the weight stays the same tensor,
/// storage <see cref="Tensor.Version"/> and backend; a training step writes the weight, which bumps
/// the version, and the next inference lays it out again. Training (autograd) never asks for it.
/// </summary>
internal sealed class RecurrentWeightPack
{
    private readonly object _lock = new();
    private Tensor? _weight;
    private int _version;
    private IKernels? _kernels;
    private float[]? _packed;

    /// <summary>The layout of <paramref name="wHh"/> for <paramref name="kernels"/>, made now if the cached one is stale; null where the backend has none.</summary>
    public float[]? Get(IKernels kernels, in RnnDescriptor d, Tensor wHh)
    {
        int version = wHh.Version;
        lock (_lock)
        {
            if (_packed is not null && ReferenceEquals(wHh, _weight) && version == _version && ReferenceEquals(kernels, _kernels))
                return _packed;
            var packed = Pack(kernels, d, wHh);
            _weight = wHh;
            _version = version;
            _kernels = kernels;
            _packed = packed;
            return packed;
        }
    }

    /// <summary>True while a layout of the present weight is cached (for tests).</summary>
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
            _weight = null;
            _kernels = null;
        }
    }

    /// <summary>A fresh layout of <paramref name="wHh"/>, or null where <paramref name="kernels"/> has no inference path.</summary>
    public static float[]? Pack(IKernels kernels, in RnnDescriptor d, Tensor wHh)
    {
        long size = kernels.RnnPackSize(d);
        if (size == 0) return null;
        var packed = GC.AllocateUninitializedArray<float>(checked((int)size));
        kernels.RnnPack(d, wHh.Data, packed);
        GC.KeepAlive(wHh);
        return packed;
    }
}
