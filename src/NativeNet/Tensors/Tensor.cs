using System.Text;
using NativeNet.Kernels;

namespace NativeNet;

/// <summary>
/// An n-dimensional array of <see cref="DType.Float32"/> values in row-major, contiguous native
/// memory (64-byte aligned, from <see cref="TensorMemoryPool"/>), with reverse-mode autograd.
/// <para>Shapes are <c>int[]</c>: every dimension and the total element count must fit in an
/// <see cref="int"/>, because <see cref="AsSpan"/> is <see cref="Span{T}"/>-indexed.</para>
/// <para>Views (<see cref="Reshape"/>, <see cref="View"/>, <see cref="Squeeze(int)"/>, <see cref="Unsqueeze"/>,
/// <see cref="Flatten"/>, <see cref="Narrow"/> along dim 0, <see cref="Select"/> along dim 0) share memory
/// with their source; <see cref="Transpose"/>, <see cref="Permute"/> and slicing along other dims copy,
/// so every tensor is contiguous. Writing through a view changes the source.</para>
/// <para>Dispose tensors (directly or through a <see cref="DisposeScope"/>) to return memory to the
/// pool at once; an undisposed tensor's memory is freed by the finalizer once unreachable. Any use
/// after <see cref="Dispose"/> throws <see cref="ObjectDisposedException"/>.</para>
/// </summary>
public sealed unsafe partial class Tensor : IDisposable
{
    private TensorStorage? _storage;
    private readonly long _offset;
    private readonly int[] _shape;
    private readonly int _count;
    private bool _requiresGrad;
    private bool _disposed;
    private int _pins;

    internal Tensor(TensorStorage storage, long offset, int[] shape, int count, bool register = true)
    {
        _storage = storage;
        _offset = offset;
        _shape = shape;
        _count = count;
        if (register) DisposeScope.Register(this);
    }

    /// <summary>The scope this tensor is registered in, if any.</summary>
    internal DisposeScope? Scope { get; set; }

    /// <summary>The autograd node that produced this tensor (null for leaves).</summary>
    internal Node? GradFn { get; set; }

    /// <summary>Which output of <see cref="GradFn"/> this tensor is.</summary>
    internal int OutputIndex { get; set; }

    /// <summary>The element type (always <see cref="DType.Float32"/> today).</summary>
    public DType DType => DType.Float32;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>A copy of the shape.</summary>
    public int[] Shape => (int[])_shape.Clone();

    /// <summary>The total number of elements.</summary>
    public int Count => _count;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public int Size(int dim) => _shape[NormalizeDim(dim, _shape.Length)];

    internal int[] ShapeRef => _shape;

    /// <summary>
    /// Whether gradients are recorded for this tensor. Settable only on leaves (tensors no op produced);
    /// results of ops on tensors that require grad require grad themselves.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn is not null && !value)
                throw new InvalidOperationException("RequiresGrad can only be cleared on a leaf tensor; use Detach() for a non-leaf.");
            _requiresGrad = value;
        }
    }

    internal void MarkRequiresGrad() => _requiresGrad = true;

    /// <summary>True when no recorded op produced this tensor.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward(Tensor?, bool)"/> (null until then). Never registered in a dispose scope.</summary>
    public Tensor? Grad { get; set; }

    // A disposed tensor that a recorded op still needs for its backward keeps its memory (it is
    // pinned by the node) and stays readable inside Backward() only; everywhere else it throws.
    internal float* Pointer
    {
        get
        {
            if (_disposed && !Autograd.InBackward) throw Disposed();
            var s = _storage ?? throw Disposed();
            return s.Pointer + _offset;
        }
    }

    /// <summary>Set when a module disposed this tensor as its parameter or buffer: which one, for the ObjectDisposedException.</summary>
    internal string? DisposedAsPartOf { get; set; }

    /// <summary>Set when a dispose scope disposed this tensor at its end (a reference: the message is built only if it is ever needed).</summary>
    internal DisposeScope? DisposedByScope { get; set; }

    private ObjectDisposedException Disposed() => new(nameof(Tensor),
        DisposedAsPartOf is { } owner ? $"The tensor has been disposed: it was {owner}."
        : DisposedByScope is { } scope ? $"The tensor has been disposed: it was created in {scope.Describe()}, which disposed it when the scope ended. Keep a tensor beyond its scope with MoveToOuterDisposeScope() or DetachFromDisposeScope()."
        : "The tensor has been disposed.");

    internal void ThrowIfDisposed()
    {
        if ((_disposed && !Autograd.InBackward) || _storage is null) throw Disposed();
    }

    /// <summary>Keeps the memory alive for a graph node even if the tensor is disposed meanwhile.</summary>
    internal void Pin() => Interlocked.Increment(ref _pins);

    internal void Unpin()
    {
        int left = Interlocked.Decrement(ref _pins);
        if (!_disposed) return;
        if (left == 0) ReleaseStorage();
        else if (left == 1) GradFn?.ReleaseIfUnreachable();  // only its own node may hold it now
    }

    /// <summary>Pins held by graph nodes (its own node's, and one per later op that recorded it as an input).</summary>
    internal int Pins => Volatile.Read(ref _pins);

    private void ReleaseStorage()
    {
        var s = Interlocked.Exchange(ref _storage, null);
        s?.Release();
    }

    /// <summary>The elements as a span over the native memory (valid while the tensor is alive and not disposed).</summary>
    public Span<float> AsSpan()
    {
        float* p = Pointer;
        _storage!.Version++; // writable access may change the values: caches of them (packed weights) go stale
        return new(p, _count);
    }

    /// <summary>
    /// Changes whenever the memory may have been written (every <see cref="AsSpan"/> on this tensor or
    /// a view sharing its storage). Caches derived from the values compare it to see if they are stale.
    /// </summary>
    internal int Version => _storage?.Version ?? -1;

    internal ReadOnlySpan<float> Data => new(Pointer, _count);

    // ---------------------------------------------------------------- creation

    internal static int CheckShape(ReadOnlySpan<int> shape, string name = "shape")
    {
        long n = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
                throw new ArgumentException($"{name} dimensions must be non-negative. Received: {name}=[{string.Join(", ", shape.ToArray())}]", name);
            n *= shape[i];
            if (n > int.MaxValue)
                throw new ArgumentException($"{name} has more than {int.MaxValue} elements. Received: {name}=[{string.Join(", ", shape.ToArray())}]", name);
        }
        return (int)n;
    }

    /// <summary>A new tensor with undefined contents (from the pool).</summary>
    internal static Tensor Empty(int[] shape, bool register = true)
    {
        int n = CheckShape(shape);
        var storage = new TensorStorage(Math.Max(n, 1));
        return new Tensor(storage, 0, shape, n, register);
    }

    /// <summary>A new uninitialized tensor with the same shape as <paramref name="like"/>.</summary>
    internal static Tensor EmptyLike(Tensor like) => Empty((int[])like._shape.Clone());

    /// <summary>A new tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var t = Empty((int[])shape.Clone());
        t.AsSpan().Clear();
        return t;
    }

    /// <summary>A new tensor of zeros; <paramref name="requiresGrad"/> makes it a leaf that records gradients (<c>Tensor.Zeros([2, 3], requiresGrad: true)</c>).</summary>
    public static Tensor Zeros(int[] shape, bool requiresGrad) => Zeros(shape).AsLeaf(requiresGrad);

    /// <summary>A new tensor of ones.</summary>
    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    /// <summary>A new tensor of ones; <paramref name="requiresGrad"/> makes it a leaf that records gradients.</summary>
    public static Tensor Ones(int[] shape, bool requiresGrad) => Ones(shape).AsLeaf(requiresGrad);

    /// <summary>A new tensor filled with <paramref name="value"/>; <paramref name="requiresGrad"/> makes it a leaf that records gradients.</summary>
    public static Tensor Full(float value, int[] shape, bool requiresGrad) => Full(value, shape).AsLeaf(requiresGrad);

    // The factories' requiresGrad: a fresh tensor is a leaf, so the flag can always be set.
    private Tensor AsLeaf(bool requiresGrad)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>A new tensor filled with <paramref name="value"/>.</summary>
    public static Tensor Full(float value, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var t = Empty((int[])shape.Clone());
        t.AsSpan().Fill(value);
        return t;
    }

    /// <summary>A zero tensor shaped like <paramref name="other"/>.</summary>
    public static Tensor ZerosLike(Tensor other, bool requiresGrad = false) => Zeros(other.ShapeChecked()).AsLeaf(requiresGrad);

    /// <summary>A one-element tensor of rank 0 holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value, bool requiresGrad = false)
    {
        var t = Empty(Array.Empty<int>());
        t.AsSpan()[0] = value;
        return t.AsLeaf(requiresGrad);
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (default: 1-D).</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (shape is null || shape.Length == 0) shape = new[] { data.Length };
        int n = CheckShape(shape);
        if (n != data.Length)
            throw new ArgumentException($"data has {data.Length} elements but shape [{string.Join(", ", shape)}] needs {n}.", nameof(data));
        var t = Empty((int[])shape.Clone());
        data.AsSpan().CopyTo(t.AsSpan());
        return t;
    }

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape; <paramref name="requiresGrad"/> makes it a leaf that records gradients.</summary>
    public static Tensor FromArray(float[] data, int[] shape, bool requiresGrad) => FromArray(data, shape).AsLeaf(requiresGrad);

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> data, params int[] shape)
    {
        int n = CheckShape(shape);
        if (n != data.Length)
            throw new ArgumentException($"data has {data.Length} elements but shape [{string.Join(", ", shape)}] needs {n}.", nameof(data));
        var t = Empty((int[])shape.Clone());
        data.CopyTo(t.AsSpan());
        return t;
    }

    /// <summary>Values 0, 1, …, n−1.</summary>
    public static Tensor Arange(int n, bool requiresGrad = false)
    {
        var t = Empty(new[] { n });
        var s = t.AsSpan();
        for (int i = 0; i < n; i++) s[i] = i;
        return t.AsLeaf(requiresGrad);
    }

    /// <summary>A copy of the elements.</summary>
    public float[] ToArray() => Data.ToArray();

    /// <summary>The value of a one-element tensor.</summary>
    public float Item()
    {
        ThrowIfDisposed();
        if (_count != 1)
            throw new InvalidOperationException($"Item() needs a tensor with one element. Received: shape=[{string.Join(", ", _shape)}]");
        return Pointer[0];
    }

    /// <summary>Element access by full index (slow; for tests and small tensors).</summary>
    [System.Runtime.CompilerServices.IndexerName("Element")]
    public float this[params int[] index]
    {
        get => Pointer[FlatIndex(index)];
        set => Pointer[FlatIndex(index)] = value;
    }

    private int FlatIndex(int[] index)
    {
        if (index.Length != _shape.Length)
            throw new ArgumentException($"index has {index.Length} dimensions but the tensor has {_shape.Length}.", nameof(index));
        int flat = 0;
        for (int i = 0; i < index.Length; i++)
        {
            int v = index[i] < 0 ? index[i] + _shape[i] : index[i];
            if ((uint)v >= (uint)_shape[i])
                throw new IndexOutOfRangeException($"index {index[i]} is out of range for dimension {i} of size {_shape[i]}.");
            flat = flat * _shape[i] + v;
        }
        return flat;
    }

    internal int[] ShapeChecked()
    {
        ThrowIfDisposed();
        return (int[])_shape.Clone();
    }

    /// <summary>Copies <paramref name="source"/>'s elements into this tensor (same element count); not recorded by autograd.</summary>
    public void CopyFrom(Tensor source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source._count != _count)
            throw new ArgumentException($"source has {source._count} elements but this tensor has {_count}. Received: source shape=[{string.Join(", ", source._shape)}], shape=[{string.Join(", ", _shape)}]", nameof(source));
        source.Data.CopyTo(AsSpan());
    }

    /// <summary>Sets every element to zero in place (not recorded).</summary>
    public void Zero_() => AsSpan().Clear();

    /// <summary>Sets every element to <paramref name="value"/> in place (not recorded).</summary>
    public void Fill_(float value) => AsSpan().Fill(value);

    /// <summary>Whether the memory is referenced by this tensor alone (no live view shares it).</summary>
    internal bool OwnsStorageExclusively => _storage is { RefCount: 1 } && _offset == 0 && !_disposed;

    /// <summary>A tensor sharing this one's memory with another shape (same element count).</summary>
    internal Tensor ViewAs(int[] shape, long extraOffset = 0, int? count = null)
    {
        ThrowIfDisposed();
        var s = _storage!;
        s.AddRef();
        return new Tensor(s, _offset + extraOffset, shape, count ?? _count, register: !Autograd.InBackward);
    }

    /// <summary>Returns the memory to the pool (or drops this view's reference). Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Scope?.Remove(this);
        Scope = null;
        if (Volatile.Read(ref _pins) == 0) ReleaseStorage();
        else GradFn?.ReleaseIfUnreachable();
    }

    /// <summary>Moves this tensor to the enclosing dispose scope and returns it.</summary>
    public Tensor MoveToOuterDisposeScope() => Scope is null ? this : Scope.MoveToOuter(this);

    /// <summary>Removes this tensor from its dispose scope; the caller disposes it.</summary>
    public Tensor DetachFromDisposeScope() => Scope is null ? this : Scope.Detach(this);

    /// <summary>Opens a <see cref="DisposeScope"/> on this thread.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Shape and the first elements, e.g. "Tensor[2, 3] [1, 2, 3, 4, 5, 6]".</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("Tensor[").Append(string.Join(", ", _shape)).Append(']');
        if (_disposed) return sb.Append(" (disposed)").ToString();
        sb.Append(" [");
        int n = Math.Min(_count, 16);
        var d = Data;
        for (int i = 0; i < n; i++) sb.Append(i == 0 ? "" : ", ").Append(d[i].ToString("G6", System.Globalization.CultureInfo.InvariantCulture));
        if (_count > n) sb.Append(", …");
        return sb.Append(']').ToString();
    }

    internal static int NormalizeDim(int dim, int rank)
    {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"dim must be in [{-rank}, {rank - 1}]. Received: dim={dim}");
        return d;
    }

    internal static string ShapeString(int[] shape) => "[" + string.Join(", ", shape) + "]";

    internal static IKernels K => KernelProvider.Current;
}
