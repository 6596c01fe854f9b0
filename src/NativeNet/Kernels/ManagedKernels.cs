using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NativeNet.Kernels;

/// <summary>
/// Pure C# kernels: the fallback when the native library cannot load and the baseline of every
/// native-vs-managed benchmark. Vectorized through System.Numerics.Tensors (which uses
/// Vector512/256 as the CPU allows) and Vector&lt;float&gt; loops.
/// </summary>
internal sealed partial class ManagedKernels : IKernels
{
    /// <summary>The one instance.</summary>
    public static ManagedKernels Instance { get; } = new();

    private ManagedKernels() { }

    private static int _threads = DefaultThreads();

    /// <summary>
    /// The most threads one managed kernel call uses (default: NATIVENET_NUM_THREADS, as the native
    /// pool, else all logical processors), so both backends can be compared at equal thread counts.
    /// Setting a value outside 1..1024 throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    public static int Threads
    {
        get => Volatile.Read(ref _threads);
        set
        {
            if (value < 1 || value > 1024)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Threads must be in [1, 1024]. Received: Threads={value}");
            Volatile.Write(ref _threads, value);
        }
    }

    private static int DefaultThreads()
    {
        string? env = Environment.GetEnvironmentVariable("NATIVENET_NUM_THREADS");
        return int.TryParse(env, out int t) && t >= 1 && t <= 1024 ? t : Environment.ProcessorCount;
    }

    /// <inheritdoc />
    public Backend Backend => Backend.Managed;

    /// <inheritdoc />
    public string Description => $"managed Vector{Vector<float>.Count * 32}";

    /// <inheritdoc />
    public void Unary(UnaryOp op, ReadOnlySpan<float> x, Span<float> y, float alpha = 0f)
    {
        KernelAssert.Defined(op);
        KernelAssert.SameLength(x.Length, y.Length, "y", "x");
        if (x.IsEmpty) return;  // TensorPrimitives.Sigmoid rejects empty spans
        switch (op)
        {
            case UnaryOp.Identity: x.CopyTo(y); break;
            case UnaryOp.Relu: Map<Relu>(x, y, alpha); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); break;
            case UnaryOp.Neg: TensorPrimitives.Negate(x, y); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, y); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryOp.Square: TensorPrimitives.Multiply(x, x, y); break;
            case UnaryOp.Scale: TensorPrimitives.Multiply(x, alpha, y); break;
            case UnaryOp.LeakyRelu: Map<LeakyRelu>(x, y, alpha); break;
            case UnaryOp.Elu: Map<Elu>(x, y, alpha); break;
            case UnaryOp.Gelu: Map<Gelu>(x, y, alpha); break;
            case UnaryOp.Relu6: Map<Relu6>(x, y, alpha); break;
            case UnaryOp.Hardswish: Map<Hardswish>(x, y, alpha); break;
            case UnaryOp.Hardsigmoid: Map<Hardsigmoid>(x, y, alpha); break;
            case UnaryOp.Silu: Map<Silu>(x, y, alpha); break;
            case UnaryOp.Softplus: Map<Softplus>(x, y, alpha); break;
            case UnaryOp.Mish: Map<Mish>(x, y, alpha); break;
        }
    }

    /// <inheritdoc />
    public void UnaryBackward(UnaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha = 0f)
    {
        KernelAssert.Defined(op);
        KernelAssert.SameLength(x.Length, y.Length, "y", "x");
        KernelAssert.SameLength(x.Length, dy.Length, "dy", "x");
        KernelAssert.SameLength(x.Length, dx.Length, "dx", "x");
        switch (op)
        {
            case UnaryOp.Identity: dy.CopyTo(dx); return;
            case UnaryOp.Exp: TensorPrimitives.Multiply(dy, y, dx); return;
            case UnaryOp.Scale: TensorPrimitives.Multiply(dy, alpha, dx); return;
            case UnaryOp.Neg: TensorPrimitives.Negate(dy, dx); return;
            case UnaryOp.Log: TensorPrimitives.Divide(dy, x, dx); return;
        }
        switch (op)
        {
            case UnaryOp.Relu: MapBackward<ReluBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Sigmoid: MapBackward<SigmoidBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Tanh: MapBackward<TanhBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Gelu: MapBackward<GeluBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.LeakyRelu: MapBackward<LeakyReluBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Elu: MapBackward<EluBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Abs: MapBackward<AbsBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Sqrt: MapBackward<SqrtBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Relu6: MapBackward<Relu6Backward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Hardswish: MapBackward<HardswishBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Hardsigmoid: MapBackward<HardsigmoidBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Silu: MapBackward<SiluBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Softplus: MapBackward<SoftplusBackward>(x, y, dy, dx, alpha); break;
            case UnaryOp.Mish: MapBackward<MishBackward>(x, y, dy, dx, alpha); break;
            default: MapBackward<SquareBackward>(x, y, dy, dx, alpha); break;
        }
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        KernelAssert.Defined(op);
        KernelAssert.SameLength(a.Length, b.Length, "b", "a");
        KernelAssert.SameLength(a.Length, y.Length, "y", "a");
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Max: MaxMin(a, b, y, max: true, broadcastB: false); break;
            case BinaryOp.Min: MaxMin(a, b, y, max: false, broadcastB: false); break;
        }
    }

    /// <inheritdoc />
    public void Axpby(float alpha, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        KernelAssert.SameLength(x.Length, y.Length, "y", "x");
        if (beta == 0f)
        {
            TensorPrimitives.Multiply(x, alpha, y);
            return;
        }
        int i = 0;
        int w = Vector<float>.Count;
        var va = new Vector<float>(alpha);
        var vb = new Vector<float>(beta);
        for (; i + w <= x.Length; i += w)
            (va * new Vector<float>(x.Slice(i, w)) + vb * new Vector<float>(y.Slice(i, w))).CopyTo(y.Slice(i, w));
        for (; i < x.Length; i++) y[i] = alpha * x[i] + beta * y[i];
    }

    /// <inheritdoc />
    public double Sum(ReadOnlySpan<float> x)
    {
        // nn_sum's one order (native/include/nativenet.h), so both backends give the same bits:
        // 4096-element blocks; element i of a block into double lane i % 32 (a[k] holds lanes
        // 4k..4k+3); the lanes folded by halves; block sums added in order.
        double total = 0;
        Span<double> lane = stackalloc double[32];
        ref float x0 = ref MemoryMarshal.GetReference(x);
        for (int start = 0; start < x.Length; start += 4096)
        {
            int len = Math.Min(4096, x.Length - start);
            Vector256<double> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            int i = 0;
            for (; i + 32 <= len; i += 32)
            {
                nuint at = (nuint)(start + i);
                var (l0, h0) = Vector256.Widen(Vector256.LoadUnsafe(ref x0, at));
                var (l1, h1) = Vector256.Widen(Vector256.LoadUnsafe(ref x0, at + 8));
                var (l2, h2) = Vector256.Widen(Vector256.LoadUnsafe(ref x0, at + 16));
                var (l3, h3) = Vector256.Widen(Vector256.LoadUnsafe(ref x0, at + 24));
                a0 += l0; a1 += h0; a2 += l1; a3 += h1; a4 += l2; a5 += h2; a6 += l3; a7 += h3;
            }
            a0.CopyTo(lane); a1.CopyTo(lane[4..]); a2.CopyTo(lane[8..]); a3.CopyTo(lane[12..]);
            a4.CopyTo(lane[16..]); a5.CopyTo(lane[20..]); a6.CopyTo(lane[24..]); a7.CopyTo(lane[28..]);
            for (; i < len; i++) lane[i & 31] += x[start + i];
            for (int h = 16; h >= 1; h >>= 1)
                for (int j = 0; j < h; j++) lane[j] += lane[j + h];
            total += lane[0];
        }
        return total;
    }

    // y = a > b ? a : b (Max) or a < b ? a : b (Min): a NaN in a yields b, as the native kernel.
    // broadcastB: b holds one value used for every element.
    private static void MaxMin(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y, bool max, bool broadcastB)
    {
        for (int i = 0; i < a.Length; i += ManagedVector.Width)
        {
            var va = ManagedVector.Load(a, i);
            var vb = broadcastB ? new Vector<float>(b[0]) : ManagedVector.Load(b, i);
            var pick = max ? Vector.GreaterThan(va, vb) : Vector.LessThan(va, vb);
            ManagedVector.Store(ManagedVector.Select(pick, va, vb), y, i);
        }
    }

    private static void Map<TFunction>(ReadOnlySpan<float> x, Span<float> y, float alpha) where TFunction : IVectorFunction
    {
        var va = new Vector<float>(alpha);
        for (int i = 0; i < x.Length; i += ManagedVector.Width)
            ManagedVector.Store(TFunction.Apply(ManagedVector.Load(x, i), va), y, i);
    }

    private static void MapBackward<TDerivative>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha)
        where TDerivative : IVectorDerivative
    {
        var va = new Vector<float>(alpha);
        for (int i = 0; i < x.Length; i += ManagedVector.Width)
            ManagedVector.Store(TDerivative.Apply(ManagedVector.Load(x, i), ManagedVector.Load(y, i), ManagedVector.Load(dy, i), va), dx, i);
    }

    // Forward functions f(x, alpha). Comparisons with NaN are false, so NaN propagates as in PyTorch.
    private struct Relu : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) =>
            ManagedVector.Select(Vector.LessThanOrEqual(x, Vector<float>.Zero), Vector<float>.Zero, x);
    }

    private struct LeakyRelu : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, Vector<float>.Zero), x, alpha * x);
    }

    private struct Elu : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, Vector<float>.Zero), x, alpha * (Vector.Exp(Vector.Min(x, Vector<float>.Zero)) - Vector<float>.One));
    }

    private struct Gelu : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) => x * ManagedVector.NormalCdf(x);
    }

    // min(max(x, 0), 6) with NaN kept.
    private static Vector<float> Relu6Of(Vector<float> x)
    {
        var six = new Vector<float>(6f);
        var r = ManagedVector.Select(Vector.GreaterThan(x, Vector<float>.Zero), x, Vector<float>.Zero);
        r = ManagedVector.Select(Vector.GreaterThan(r, six), six, r);
        return ManagedVector.Select(Vector.Equals(x, x), r, x);
    }

    private static Vector<float> SigmoidOf(Vector<float> x) => Vector<float>.One / (Vector<float>.One + Vector.Exp(-x));

    // max(x, 0) + log1p(e^−|x|); log1p(u) = ln(w)·u/(w − 1) with w = 1 + u keeps a tiny u exact.
    private static Vector<float> SoftplusOf(Vector<float> x)
    {
        var u = Vector.Exp(-Vector.Abs(x));
        var w = Vector<float>.One + u;
        var l = ManagedVector.Select(Vector.GreaterThan(w, Vector<float>.One), Vector.Log(w) * u / (w - Vector<float>.One), u);
        var r = Vector.Max(x, Vector<float>.Zero) + l;
        return ManagedVector.Select(Vector.Equals(x, x), r, x);
    }

    // tanh(softplus(x)) = n / (n + 2) with n = e^x·(e^x + 2): no cancellation in either tail.
    private static Vector<float> TanhSoftplusOf(Vector<float> x)
    {
        var u = Vector.Exp(Vector.Min(x, new Vector<float>(20f)));
        var n = u * (u + new Vector<float>(2f));
        return n / (n + new Vector<float>(2f));
    }

    private struct Relu6 : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) => Relu6Of(x);
    }

    private struct Hardswish : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) => x * Relu6Of(x + new Vector<float>(3f)) / new Vector<float>(6f);
    }

    private struct Hardsigmoid : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) => Relu6Of(x + new Vector<float>(3f)) / new Vector<float>(6f);
    }

    private struct Silu : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) => x * SigmoidOf(x);
    }

    private struct Softplus : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, new Vector<float>(20f)), x, SoftplusOf(x));
    }

    private struct Mish : IVectorFunction
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> alpha) => x * TanhSoftplusOf(x);
    }

    // Backward functions dx(x, y, dy, alpha) given the forward input x and output y.
    // relu6 and hardsigmoid pass the gradient strictly inside their linear range, hardswish takes
    // its middle branch on [−3, 3] (PyTorch's choices at the kinks).
    private struct Relu6Backward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, Vector<float>.Zero) & Vector.LessThan(x, new Vector<float>(6f)), dy, Vector<float>.Zero);
    }

    private struct HardswishBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            ManagedVector.Select(Vector.LessThan(x, new Vector<float>(-3f)), Vector<float>.Zero,
                ManagedVector.Select(Vector.GreaterThan(x, new Vector<float>(3f)), dy, dy * (x / new Vector<float>(3f) + new Vector<float>(0.5f))));
    }

    private struct HardsigmoidBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, new Vector<float>(-3f)) & Vector.LessThan(x, new Vector<float>(3f)), dy / new Vector<float>(6f), Vector<float>.Zero);
    }

    private struct SiluBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha)
        {
            var s = SigmoidOf(x);
            return dy * s * (Vector<float>.One + x * (Vector<float>.One - s));
        }
    }

    private struct SoftplusBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, new Vector<float>(20f)), dy, dy * SigmoidOf(x));
    }

    private struct MishBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha)
        {
            var t = TanhSoftplusOf(x);
            return dy * (t + x * SigmoidOf(x) * (Vector<float>.One - t * t));
        }
    }

    private struct ReluBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, Vector<float>.Zero), dy, Vector<float>.Zero);
    }

    private struct SigmoidBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            dy * y * (Vector<float>.One - y);
    }

    private struct TanhBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            dy * (Vector<float>.One - y * y);
    }

    private struct GeluBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            dy * (ManagedVector.NormalCdf(x) + x * ManagedVector.NormalPdf(x));
    }

    private struct LeakyReluBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, Vector<float>.Zero), dy, dy * alpha);
    }

    private struct EluBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, Vector<float>.Zero), dy, dy * (y + alpha));
    }

    private struct AbsBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            ManagedVector.Select(Vector.GreaterThan(x, Vector<float>.Zero), dy,
                ManagedVector.Select(Vector.LessThan(x, Vector<float>.Zero), -dy, Vector<float>.Zero));
    }

    private struct SqrtBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            dy * new Vector<float>(0.5f) / y;
    }

    private struct SquareBackward : IVectorDerivative
    {
        public static Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> dy, Vector<float> alpha) =>
            dy * new Vector<float>(2f) * x;
    }
}
