using System.Numerics;
using System.Numerics.Tensors;

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
            case UnaryOp.Relu: TensorPrimitives.Max(x, 0f, y); FixNaN(x, y); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); break;
            case UnaryOp.Neg: TensorPrimitives.Negate(x, y); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, y); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryOp.Square: TensorPrimitives.Multiply(x, x, y); break;
            case UnaryOp.Scale: TensorPrimitives.Multiply(x, alpha, y); break;
            case UnaryOp.LeakyRelu: LeakyRelu(x, y, alpha); break;
            case UnaryOp.Elu:
                for (int i = 0; i < x.Length; i++) { float v = x[i]; y[i] = v > 0 ? v : alpha * ExpM1(v); }
                break;
            case UnaryOp.Gelu:
                for (int i = 0; i < x.Length; i++) y[i] = Gelu(x[i]);
                break;
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
            case UnaryOp.Tanh:
                // dx = dy * (1 - y^2) = dy - dy*y*y
                for (int i = 0; i < x.Length; i++) dx[i] = dy[i] * (1f - y[i] * y[i]);
                return;
        }
        for (int i = 0; i < x.Length; i++) dx[i] = dy[i] * Derivative(op, x[i], y[i], alpha);
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
            case BinaryOp.Max: for (int i = 0; i < a.Length; i++) y[i] = a[i] > b[i] ? a[i] : b[i]; break;
            case BinaryOp.Min: for (int i = 0; i < a.Length; i++) y[i] = a[i] < b[i] ? a[i] : b[i]; break;
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
        // Same blocking as the native nn_sum: 4096-element blocks, 8 accumulators, blocks in order.
        double total = 0;
        Span<double> acc = stackalloc double[8];
        for (int start = 0; start < x.Length; start += 4096)
        {
            var block = x.Slice(start, Math.Min(4096, x.Length - start));
            acc.Clear();
            int i = 0;
            for (; i + 8 <= block.Length; i += 8)
                for (int j = 0; j < 8; j++) acc[j] += block[i + j];
            for (; i < block.Length; i++) acc[i & 7] += block[i];
            total += ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
        }
        return total;
    }

    private static void FixNaN(ReadOnlySpan<float> x, Span<float> y)
    {
        // PyTorch's relu propagates NaN; Max(x, 0) may not.
        for (int i = 0; i < x.Length; i++) if (float.IsNaN(x[i])) y[i] = x[i];
    }

    private static void LeakyRelu(ReadOnlySpan<float> x, Span<float> y, float alpha)
    {
        for (int i = 0; i < x.Length; i++) { float v = x[i]; y[i] = v > 0 ? v : alpha * v; }
    }

    private static float ExpM1(float v) => (float)(Math.Exp(v) - 1.0);

    private static float Gelu(float v) => (float)(0.5 * v * Erfc(-v * 0.70710678118654752));

    private static float NormalPdf(float v) => (float)(0.39894228040143268 * Math.Exp(-0.5 * v * v));

    // erfc with fractional error < 1.2e-7 (Chebyshev fit, Numerical Recipes §6.2), in double.
    private static double Erfc(double z)
    {
        double az = Math.Abs(z);
        double t = 1.0 / (1.0 + 0.5 * az);
        double r = t * Math.Exp(-az * az - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
                   t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return z >= 0 ? r : 2.0 - r;
    }

    private static float Derivative(UnaryOp op, float x, float y, float alpha) => op switch
    {
        UnaryOp.Relu => x > 0 ? 1f : 0f,
        UnaryOp.Sigmoid => y * (1f - y),
        UnaryOp.Gelu => (float)(0.5 * Erfc(-x * 0.70710678118654752)) + x * NormalPdf(x),
        UnaryOp.LeakyRelu => x > 0 ? 1f : alpha,
        UnaryOp.Elu => x > 0 ? 1f : y + alpha,
        UnaryOp.Log => 1f / x,
        UnaryOp.Neg => -1f,
        UnaryOp.Abs => x > 0 ? 1f : x < 0 ? -1f : 0f,
        UnaryOp.Sqrt => 0.5f / y,
        UnaryOp.Square => 2f * x,
        _ => 1f,
    };
}
