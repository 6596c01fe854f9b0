using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace NativeNet.Kernels;

/// <summary>
/// Pure C# kernels: the fallback when the native library cannot load and the baseline of every
/// native-vs-managed benchmark. Vectorized through System.Numerics.Tensors (which uses
/// Vector512/256 as the CPU allows) and Vector&lt;float&gt; loops.
/// </summary>
public sealed partial class ManagedKernels : IKernels
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
        KernelChecks.Defined(op);
        KernelChecks.SameLength(x.Length, y.Length, "y", "x");
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
        }
    }

    /// <inheritdoc />
    public void UnaryBackward(UnaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha = 0f)
    {
        KernelChecks.Defined(op);
        KernelChecks.SameLength(x.Length, y.Length, "y", "x");
        KernelChecks.SameLength(x.Length, dy.Length, "dy", "x");
        KernelChecks.SameLength(x.Length, dx.Length, "dx", "x");
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
            default: MapBackward<SquareBackward>(x, y, dy, dx, alpha); break;
        }
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        KernelChecks.Defined(op);
        KernelChecks.SameLength(a.Length, b.Length, "b", "a");
        KernelChecks.SameLength(a.Length, y.Length, "y", "a");
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
        KernelChecks.SameLength(x.Length, y.Length, "y", "x");
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
        // Same blocking as the native nn_sum: 4096-element blocks, 8 double accumulators (lane j takes
        // elements i with i % 8 == j), blocks in order; the two Vector256<double> halves are exactly
        // those 8 accumulators, so the result is bit-identical to the scalar definition.
        double total = 0;
        Span<double> acc = stackalloc double[8];
        for (int start = 0; start < x.Length; start += 4096)
        {
            var block = x.Slice(start, Math.Min(4096, x.Length - start));
            var lo = Vector256<double>.Zero;
            var hi = Vector256<double>.Zero;
            int i = 0;
            for (; i + 8 <= block.Length; i += 8)
            {
                var (l, h) = Vector256.Widen(Vector256.Create(block.Slice(i, 8)));
                lo += l;
                hi += h;
            }
            lo.CopyTo(acc);
            hi.CopyTo(acc[4..]);
            for (; i < block.Length; i++) acc[i & 7] += block[i];
            total += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
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

    // Backward functions dx(x, y, dy, alpha) given the forward input x and output y.
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
