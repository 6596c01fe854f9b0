using NativeNet.Distributed.Interop;

namespace NativeNet.Distributed;

/// <summary>A failure of the MPI communication module: bad arguments, an MPI error, or a lost rank.</summary>
public class DistributedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// A collective did not complete within the timeout; <see cref="Exception.Message"/> names the
/// ranks that gave no sign of life. MPI cannot cancel the collective: end the job
/// (<see cref="ProcessGroup.Abort"/>, which the CLI does), as every other rank will too.
/// </summary>
public sealed class RankLostException(string message) : DistributedException(message);

internal static class DistStatus
{
    internal static unsafe void Check(nn_dist_status status)
    {
        if (status == nn_dist_status.NN_DIST_OK) return;
        string message = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)DistMethods.nn_dist_last_error()) ?? status.ToString();
        throw status switch
        {
            nn_dist_status.NN_DIST_ERR_PEER_LOST => new RankLostException(message),
            nn_dist_status.NN_DIST_ERR_INVALID_ARGUMENT => new ArgumentException(message),
            nn_dist_status.NN_DIST_ERR_OUT_OF_MEMORY => new OutOfMemoryException(message),
            _ => new DistributedException(message),
        };
    }
}
