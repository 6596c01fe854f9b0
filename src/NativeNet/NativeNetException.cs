namespace NativeNet;

/// <summary>
/// A failure inside NativeNet's native core that is not the caller's fault (an internal error,
/// an unsupported operation). Argument problems surface as <see cref="ArgumentException"/>.
/// </summary>
public class NativeNetException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NativeNetException(string message) : base(message) { }

    /// <summary>Creates the exception with an inner cause.</summary>
    public NativeNetException(string message, Exception inner) : base(message, inner) { }

    /// <summary>The native status code, when the error came from the C ABI.</summary>
    public int NativeStatus { get; init; }
}
