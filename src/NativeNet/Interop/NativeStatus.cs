using System.Runtime.InteropServices;

namespace NativeNet.Interop;

/// <summary>Turns native status codes into typed exceptions carrying nn_last_error()'s message.</summary>
internal static unsafe class NativeStatus
{
    /// <summary>Throws unless <paramref name="status"/> is NN_OK.</summary>
    public static void Check(nn_status status)
    {
        if (status != nn_status.NN_OK) Throw(status);
    }

    private static void Throw(nn_status status)
    {
        string message = Marshal.PtrToStringUTF8((nint)NativeMethods.nn_last_error()) ?? "";
        if (message.Length == 0) message = $"native call failed with {status}";
        throw status switch
        {
            nn_status.NN_ERR_INVALID_ARGUMENT => new ArgumentException(message),
            nn_status.NN_ERR_OUT_OF_MEMORY => new OutOfMemoryException(message),
            nn_status.NN_ERR_UNSUPPORTED => new NotSupportedException(message),
            _ => new NativeNetException(message) { NativeStatus = (int)status },
        };
    }

    /// <summary>Reads a static NUL-terminated UTF-8 string returned by the library.</summary>
    public static string ReadString(byte* p) => p == null ? "" : Marshal.PtrToStringUTF8((nint)p) ?? "";
}
