namespace NativeNet.Kernels;

/// <summary>Unary element-wise functions (PyTorch semantics; GELU is the exact erf form).</summary>
public enum UnaryOp
{
    /// <summary>y = x.</summary>
    Identity = 0,
    /// <summary>max(x, 0).</summary>
    Relu = 1,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid = 2,
    /// <summary>tanh(x).</summary>
    Tanh = 3,
    /// <summary>x·Φ(x).</summary>
    Gelu = 4,
    /// <summary>x if x &gt; 0 else alpha·x.</summary>
    LeakyRelu = 5,
    /// <summary>x if x &gt; 0 else alpha·(e^x − 1).</summary>
    Elu = 6,
    /// <summary>e^x.</summary>
    Exp = 7,
    /// <summary>ln x.</summary>
    Log = 8,
    /// <summary>−x.</summary>
    Neg = 9,
    /// <summary>|x|.</summary>
    Abs = 10,
    /// <summary>√x.</summary>
    Sqrt = 11,
    /// <summary>x².</summary>
    Square = 12,
    /// <summary>alpha·x.</summary>
    Scale = 13,
}

/// <summary>Binary element-wise functions on equal-length arrays.</summary>
public enum BinaryOp
{
    /// <summary>a + b.</summary>
    Add = 0,
    /// <summary>a − b.</summary>
    Sub = 1,
    /// <summary>a · b.</summary>
    Mul = 2,
    /// <summary>a / b.</summary>
    Div = 3,
    /// <summary>a &gt; b ? a : b.</summary>
    Max = 4,
    /// <summary>a &lt; b ? a : b.</summary>
    Min = 5,
}

/// <summary>
/// The kernel interface every op runs through. Two implementations: <see cref="NativeKernels"/>
/// (the C++ library) and <see cref="ManagedKernels"/> (pure C#), which must agree within the
/// tolerances the tests state. Arguments are spans; lengths are checked before any work.
/// </summary>
public interface IKernels
{
    /// <summary>Which backend this is.</summary>
    Backend Backend { get; }

    /// <summary>A short description, e.g. "native avx512" or "managed Vector512".</summary>
    string Description { get; }

    /// <summary>y[i] = op(x[i]). y may be the same memory as x.</summary>
    void Unary(UnaryOp op, ReadOnlySpan<float> x, Span<float> y, float alpha = 0f);

    /// <summary>dx[i] = dy[i]·op'(x[i]) given the forward input x and output y.</summary>
    void UnaryBackward(UnaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha = 0f);

    /// <summary>y[i] = a[i] op b[i].</summary>
    void Binary(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>y = alpha·x + beta·y; beta = 0 never reads y.</summary>
    void Axpby(float alpha, ReadOnlySpan<float> x, float beta, Span<float> y);

    /// <summary>The sum of x, accumulated in double.</summary>
    double Sum(ReadOnlySpan<float> x);
}

/// <summary>Shared argument checks, so both backends reject the same inputs the same way.</summary>
internal static class KernelChecks
{
    public static void SameLength(int expected, int actual, string name, string reference)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} must have the same length as {reference} ({expected}). Received: {name}.Length={actual}", name);
    }

    public static void Defined(UnaryOp op)
    {
        if (op < UnaryOp.Identity || op > UnaryOp.Scale)
            throw new ArgumentOutOfRangeException(nameof(op), op, $"op is not a UnaryOp. Received: op={(int)op}");
    }

    public static void Defined(BinaryOp op)
    {
        if (op < BinaryOp.Add || op > BinaryOp.Min)
            throw new ArgumentOutOfRangeException(nameof(op), op, $"op is not a BinaryOp. Received: op={(int)op}");
    }
}
