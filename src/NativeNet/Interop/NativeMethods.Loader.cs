namespace NativeNet.Interop;

internal static unsafe partial class NativeMethods
{
    // Runs before the first import is bound, so the resolver can find runtimes/<rid>/native.
    static NativeMethods() => NativeLibraryLoader.EnsureRegistered();
}
