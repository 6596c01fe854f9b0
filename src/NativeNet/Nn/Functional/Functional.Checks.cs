namespace NativeNet.Nn;

public static partial class Functional
{
    /// <summary>
    /// First check of every op: a disposed operand throws ObjectDisposedException before any shape
    /// check, so use after Dispose is reported as such, not as a misleading shape error.
    /// </summary>
    private static void ThrowIfDisposed(Tensor? a, Tensor? b = null, Tensor? c = null, Tensor? d = null, Tensor? e = null)
    {
        a?.ThrowIfDisposed();
        b?.ThrowIfDisposed();
        c?.ThrowIfDisposed();
        d?.ThrowIfDisposed();
        e?.ThrowIfDisposed();
    }
}
