using NativeNet.Interop;

namespace NativeNet.Kernels;

/// <summary>The C++ kernels through the generated bindings. Stateless; safe from any thread.</summary>
internal sealed unsafe partial class NativeKernels : IKernels
{
    /// <summary>The one instance. Loading the native library happens on first use.</summary>
    public static NativeKernels Instance { get; } = new();

    private NativeKernels() { }

    /// <inheritdoc />
    public Backend Backend => Backend.Native;

    /// <inheritdoc />
    public string Description => "native " + NativeNetRuntime.IsaName(NativeNetRuntime.Cpu.ChosenIsa);

    /// <inheritdoc />
    public void Unary(UnaryOp op, ReadOnlySpan<float> x, Span<float> y, float alpha = 0f)
    {
        KernelAssert.Defined(op);
        KernelAssert.SameLength(x.Length, y.Length, "y", "x");
        fixed (float* px = x)
        fixed (float* py = y)
            NativeStatus.Check(NativeMethods.nn_unary((nn_unary_op)op, px, py, x.Length, alpha));
    }

    /// <inheritdoc />
    public void UnaryBackward(UnaryOp op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, float alpha = 0f)
    {
        KernelAssert.Defined(op);
        KernelAssert.SameLength(x.Length, y.Length, "y", "x");
        KernelAssert.SameLength(x.Length, dy.Length, "dy", "x");
        KernelAssert.SameLength(x.Length, dx.Length, "dx", "x");
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
            NativeStatus.Check(NativeMethods.nn_unary_backward((nn_unary_op)op, px, py, pdy, pdx, x.Length, alpha));
    }

    /// <inheritdoc />
    public void Binary(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        KernelAssert.Defined(op);
        KernelAssert.SameLength(a.Length, b.Length, "b", "a");
        KernelAssert.SameLength(a.Length, y.Length, "y", "a");
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* py = y)
            NativeStatus.Check(NativeMethods.nn_binary((nn_binary_op)op, pa, pb, py, a.Length));
    }

    /// <inheritdoc />
    public void Axpby(float alpha, ReadOnlySpan<float> x, float beta, Span<float> y)
    {
        KernelAssert.SameLength(x.Length, y.Length, "y", "x");
        fixed (float* px = x)
        fixed (float* py = y)
            NativeStatus.Check(NativeMethods.nn_axpby(x.Length, alpha, px, beta, py));
    }

    /// <inheritdoc />
    public void BinaryScalar(BinaryOp op, ReadOnlySpan<float> a, float b, Span<float> y)
    {
        KernelAssert.Defined(op);
        KernelAssert.SameLength(a.Length, y.Length, "y", "a");
        fixed (float* pa = a)
        fixed (float* py = y)
            NativeStatus.Check(NativeMethods.nn_binary_scalar((nn_binary_op)op, pa, b, py, a.Length));
    }

    /// <inheritdoc />
    public void Fill(Span<float> y, float value)
    {
        // Store-bound: the native pool's warm threads split a large fill (Parallel.For's wake-up
        // costs more than a 12.8 MB fill takes).
        fixed (float* py = y)
            NativeStatus.Check(NativeMethods.nn_fill(py, y.Length, value));
    }

    /// <inheritdoc />
    public double Sum(ReadOnlySpan<float> x)
    {
        double s;
        fixed (float* px = x)
            NativeStatus.Check(NativeMethods.nn_sum(px, x.Length, &s));
        return s;
    }
}
