using System.Runtime.InteropServices;
using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx.Engine;

/// <summary>
/// Native, 64-byte-aligned copies of the constants steps read (weights, biases, folded tensors),
/// made once per model and shared by every plan; also owns the packed GEMM and convolution weight handles.
/// </summary>
internal sealed unsafe class ConstantPool(bool bf16 = false) : IDisposable
{
    /// <summary>
    /// Products in bf16 (<see cref="NativeNet.Precision.BFloat16"/>): weight operands of GEMMs and
    /// convolutions are rounded to bf16 as they are packed (<c>nn_bf16_pack_b</c>, <c>nn_conv2d_pack_bf16</c>).
    /// </summary>
    public bool Bf16 { get; } = bf16;

    private readonly Dictionary<StaticTensor, nint> _copies = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<(StaticTensor, bool), nint> _bf16Packed = new();
    private readonly Dictionary<(StaticTensor, bool), nint> _packed = new();
    private readonly Dictionary<(StaticTensor, StaticTensor?, string), nint> _packedConvs = new();
    private readonly Dictionary<(StaticTensor, StaticTensor?, string), nint> _blockedConvs = new();
    private readonly Dictionary<(GraphNodeKey, string), StaticTensor> _derived = new();
    private long _bytes;

    /// <summary>A tensor derived once from a node's constants (reordered gates, scaled weights, expanded biases), cached so re-planning for a new batch size does not copy it again.</summary>
    public StaticTensor Derived(Loading.GraphNode node, string tag, Func<StaticTensor> make)
    {
        var key = (new GraphNodeKey(node), tag);
        if (!_derived.TryGetValue(key, out var t)) _derived[key] = t = make();
        return t;
    }

    private readonly record struct GraphNodeKey(Loading.GraphNode Node)
    {
        public bool Equals(GraphNodeKey other) => ReferenceEquals(Node, other.Node);
        public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Node);
    }

    /// <summary>The float values of <paramref name="t"/> in native memory.</summary>
    public float* Get(StaticTensor t)
    {
        if (_copies.TryGetValue(t, out var p)) return (float*)p;
        var f = t.AsFloats();
        long bytes = Math.Max(f.LongLength * sizeof(float), 64);
        var mem = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        f.AsSpan().CopyTo(new Span<float>(mem, f.Length));
        _copies[t] = (nint)mem;
        _bytes += bytes;
        return mem;
    }

    /// <summary>The GEMM right operand op(B) of a constant weight, packed once for the chosen ISA.</summary>
    public nint Packed(StaticTensor weight, bool transposed, long k, long n)
    {
        if (_packed.TryGetValue((weight, transposed), out var h)) return h;
        float* b = Get(weight);
        nint handle;
        Native.Check(Interop.NativeMethods.nn_sgemm_pack_b(transposed ? Interop.nn_transpose.NN_TRANS : Interop.nn_transpose.NN_NO_TRANS,
            k, n, b, transposed ? k : n, &handle));
        _packed[(weight, transposed)] = handle;
        return handle;
    }

    /// <summary>
    /// The GEMM right operand op(B) of a constant weight, packed once: rounded to bf16 for
    /// <c>nn_bf16_gemm_packed</c> when <see cref="Bf16"/>, else as float32 for <c>nn_sgemm_packed</c>.
    /// </summary>
    public PackedWeight Weight(StaticTensor weight, bool transposed, long k, long n)
    {
        if (!Bf16) return new PackedWeight(Packed(weight, transposed, k, n), false);
        if (_bf16Packed.TryGetValue((weight, transposed), out var h)) return new PackedWeight(h, true);
        float* b = Get(weight);
        nint handle;
        Native.Check(Interop.NativeMethods.nn_bf16_pack_b(transposed ? Interop.nn_transpose.NN_TRANS : Interop.nn_transpose.NN_NO_TRANS,
            k, n, b, transposed ? k : n, &handle));
        _bf16Packed[(weight, transposed)] = handle;
        return new PackedWeight(handle, true);
    }

    /// <summary>
    /// A Conv's weights and bias packed once for the algorithm the native library picks for its
    /// geometry and batch (<c>nn_conv2d_pack</c>: a batch of one small plane takes another algorithm
    /// than a large batch), shared by every plan with the same geometry and batch.
    /// </summary>
    public nint PackedConv(StaticTensor weight, StaticTensor? bias, Interop.nn_conv2d_desc desc)
    {
        var key = (weight, bias, $"{desc.n}x" + Geometry(desc));
        if (_packedConvs.TryGetValue(key, out var h)) return h;
        nint handle;
        Native.Check(Bf16 ? Interop.NativeMethods.nn_conv2d_pack_bf16(&desc, Get(weight), bias == null ? null : Get(bias), &handle)
                          : Interop.NativeMethods.nn_conv2d_pack(&desc, Get(weight), bias == null ? null : Get(bias), &handle));
        _packedConvs[key] = handle;
        return handle;
    }

    /// <summary>
    /// A Conv's weights and bias packed once for the NCHW16c blocked kernels (<c>nn_conv2d_nchwc_pack</c>;
    /// the caller has checked <c>nn_conv2d_nchwc_supported</c>), shared by every plan and batch.
    /// </summary>
    public nint BlockedConv(StaticTensor weight, StaticTensor? bias, Interop.nn_conv2d_desc desc)
    {
        var key = (weight, bias, Geometry(desc));
        if (_blockedConvs.TryGetValue(key, out var h)) return h;
        nint handle;
        Native.Check(Interop.NativeMethods.nn_conv2d_nchwc_pack(&desc, Get(weight), bias == null ? null : Get(bias), &handle));
        _blockedConvs[key] = handle;
        return handle;
    }

    private static string Geometry(Interop.nn_conv2d_desc d) =>
        $"{d.c}x{d.h}x{d.w}>{d.k} {d.r}x{d.s} /{d.stride_h},{d.stride_w} " +
        $"p{d.pad_top},{d.pad_bottom},{d.pad_left},{d.pad_right} d{d.dilation_h},{d.dilation_w} g{d.groups}";

    public long Bytes => _bytes;

    public void Dispose()
    {
        foreach (var p in _copies.Values) NativeMemory.AlignedFree((void*)p);
        foreach (var h in _packed.Values) Interop.NativeMethods.nn_packed_matrix_destroy(h);
        foreach (var h in _bf16Packed.Values) Interop.NativeMethods.nn_bf16_matrix_destroy(h);
        foreach (var h in _packedConvs.Values) Interop.NativeMethods.nn_conv2d_packed_destroy(h);
        foreach (var h in _blockedConvs.Values) Interop.NativeMethods.nn_conv2d_nchwc_destroy(h);
        _copies.Clear();
        _packed.Clear();
        _bf16Packed.Clear();
        _packedConvs.Clear();
        _blockedConvs.Clear();
        _derived.Clear();
    }
}

/// <summary>A packed GEMM weight: an <c>nn_packed_matrix</c>, or an <c>nn_bf16_matrix</c> when <paramref name="Bf16"/>.</summary>
internal readonly record struct PackedWeight(nint Handle, bool Bf16);

/// <summary>A step input: an arena slot or a constant's native copy.</summary>
internal readonly unsafe struct Operand
{
    private readonly int _slot;
    private readonly nint _constant;

    private Operand(int slot, nint constant)
    {
        _slot = slot;
        _constant = constant;
    }

    public static Operand Slot(int slot) => new(slot, 0);

    public static Operand Constant(float* p) => new(-1, (nint)p);

    public bool IsSlot => _slot >= 0;

    public int SlotIndex => _slot;

    public float* Get(ExecutionPlan plan) => _slot >= 0 ? plan.F(_slot) : (float*)_constant;
}

/// <summary>Status → exception for the engine's native calls.</summary>
internal static class Native
{
    public static void Check(Interop.nn_status status) => Interop.NativeStatus.Check(status);
}
