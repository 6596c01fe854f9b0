using System.Globalization;
using System.Runtime.InteropServices;
using NativeNet.Distributed.Interop;

namespace NativeNet.Distributed;

/// <summary>
/// The processes of this MPI job (MPI_COMM_WORLD) and the collectives data-parallel training
/// needs: in-place sums, broadcasts, barriers. Every wait is bounded by <see cref="Timeout"/>;
/// past it a <see cref="RankLostException"/> names the ranks that gave no sign of life, instead
/// of MPI's default of waiting forever. Calls are serialized (one at a time, any thread).
/// </summary>
/// <example>
/// <code>
/// // mpirun -np 2 dotnet app.dll
/// var world = ProcessGroup.World;
/// float[] g = [world.Rank + 1f];
/// world.AllReduce(g);        // g = [3] on both ranks
/// </code>
/// </example>
public sealed class ProcessGroup
{
    /// <summary>Environment variables MPI launchers set in the processes they start (Open MPI, PMI-1/2 as MPICH, Intel MPI and Slurm's srun use, PMIx, MVAPICH).</summary>
    public static readonly IReadOnlyList<string> LauncherVariables = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MV2_COMM_WORLD_SIZE"];

    /// <summary>Environment variable with the collective timeout in seconds (default 30).</summary>
    public const string TimeoutVariable = "NATIVENET_DIST_TIMEOUT";

    private static readonly object Gate = new();
    private static ProcessGroup? _world;
    private TimeSpan _timeout;

    private ProcessGroup(int rank, int size, TimeSpan timeout) { Rank = rank; Size = size; _timeout = timeout; }

    /// <summary>True when an MPI launcher (mpirun, mpiexec, srun) started this process.</summary>
    public static bool IsLaunchedByMpi => LauncherVariables.Any(v => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(v)));

    /// <summary>The job's processes, joined at first use (MPI_Init) with the timeout from <see cref="TimeoutVariable"/>.</summary>
    public static ProcessGroup World
    {
        get
        {
            lock (Gate) return _world ??= Join(DefaultTimeout());
        }
    }

    /// <summary>This process's rank, 0 … <see cref="Size"/>-1.</summary>
    public int Rank { get; }

    /// <summary>Number of processes.</summary>
    public int Size { get; }

    /// <summary>How long one collective may wait for the other ranks (default 30 s, <see cref="TimeoutVariable"/>).</summary>
    public TimeSpan Timeout
    {
        get => _timeout;
        set
        {
            int ms = Milliseconds(value);
            lock (Gate) DistStatus.Check(DistMethods.nn_dist_set_timeout(ms));
            _timeout = value;
        }
    }

    /// <summary>Sums <paramref name="values"/> across ranks in place.</summary>
    public unsafe void AllReduce(Span<float> values)
    {
        lock (Gate)
            fixed (float* p = values) DistStatus.Check(DistMethods.nn_dist_allreduce(p, values.Length, nn_dist_dtype.NN_DIST_FLOAT32));
    }

    /// <summary>Sums <paramref name="values"/> across ranks in place.</summary>
    public unsafe void AllReduce(Span<double> values)
    {
        lock (Gate)
            fixed (double* p = values) DistStatus.Check(DistMethods.nn_dist_allreduce(p, values.Length, nn_dist_dtype.NN_DIST_FLOAT64));
    }

    /// <summary>Starts summing <paramref name="count"/> values of <paramref name="buffer"/> across ranks; the buffer is pinned until <see cref="PendingAllReduce.Wait"/>.</summary>
    public unsafe PendingAllReduce StartAllReduce(float[] buffer, int count)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (count < 0 || count > buffer.Length) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be in [0, {buffer.Length}]. Received: count={count}");
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            return Start((float*)pin.AddrOfPinnedObject(), count, () => pin.Free());
        }
        catch
        {
            pin.Free();
            throw;
        }
    }

    /// <summary>
    /// Starts summing the elements of <paramref name="tensor"/> across ranks, in its own memory (no
    /// copy); the memory stays alive until <see cref="PendingAllReduce.Wait"/> even if the tensor is
    /// disposed meanwhile, but must not be read or written before then.
    /// </summary>
    public unsafe PendingAllReduce StartAllReduce(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var hold = tensor.ViewAs([tensor.Count]);
        try
        {
            return Start(hold.Pointer, hold.Count, hold.Dispose);
        }
        catch
        {
            hold.Dispose();
            throw;
        }
    }

    private unsafe PendingAllReduce Start(float* values, int count, Action release)
    {
        long request;
        lock (Gate) DistStatus.Check(DistMethods.nn_dist_allreduce_start(values, count, nn_dist_dtype.NN_DIST_FLOAT32, &request));
        return new PendingAllReduce(request, release);
    }

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="values"/> to every rank.</summary>
    public unsafe void Broadcast(Span<float> values, int root = 0)
    {
        lock (Gate)
            fixed (float* p = values) DistStatus.Check(DistMethods.nn_dist_broadcast(p, values.Length, nn_dist_dtype.NN_DIST_FLOAT32, root));
    }

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier()
    {
        lock (Gate) DistStatus.Check(DistMethods.nn_dist_barrier());
    }

    /// <summary>Ends the whole job: every rank exits with <paramref name="exitCode"/>. Use it after a <see cref="RankLostException"/> or any error one rank cannot share.</summary>
    public void Abort(int exitCode)
    {
        lock (Gate) DistStatus.Check(DistMethods.nn_dist_abort(exitCode));
    }

    /// <summary>A non-blocking sum in flight.</summary>
    public sealed class PendingAllReduce
    {
        private readonly long _request;
        private Action? _release;   // unpins the buffer; null once waited for

        internal PendingAllReduce(long request, Action release) { _request = request; _release = release; }

        /// <summary>Drives communication; true once the sum is complete. Never blocks.</summary>
        public unsafe bool Test()
        {
            if (_release is null) return true;
            int done;
            lock (Gate) DistStatus.Check(DistMethods.nn_dist_test(_request, &done));
            return done != 0;
        }

        /// <summary>Waits for the sum (bounded by the timeout) and releases the buffer.</summary>
        public void Wait()
        {
            if (_release is null) return;
            try
            {
                lock (Gate) DistStatus.Check(DistMethods.nn_dist_wait(_request));
            }
            finally
            {
                _release();
                _release = null;
            }
        }
    }

    private static ProcessGroup Join(TimeSpan timeout)
    {
        int ms = Milliseconds(timeout);
        int rank, size;
        unsafe
        {
            DistStatus.Check(DistMethods.nn_dist_init(ms));
            DistStatus.Check(DistMethods.nn_dist_rank(&rank));
            DistStatus.Check(DistMethods.nn_dist_size(&size));
        }
        // A clean exit leaves MPI cleanly; failures end the job with Abort instead.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            lock (Gate) DistMethods.nn_dist_finalize();
        };
        return new ProcessGroup(rank, size, timeout);
    }

    private static TimeSpan DefaultTimeout()
    {
        string? text = Environment.GetEnvironmentVariable(TimeoutVariable);
        if (string.IsNullOrEmpty(text)) return TimeSpan.FromSeconds(30);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0 && s <= 86400)
            return TimeSpan.FromSeconds(s);
        throw new ArgumentException($"{TimeoutVariable} must be seconds in (0, 86400]. Received: '{text}'");
    }

    private static int Milliseconds(TimeSpan t) => t > TimeSpan.Zero && t.TotalMilliseconds <= int.MaxValue
        ? Math.Max(1, (int)t.TotalMilliseconds)
        : throw new ArgumentOutOfRangeException(nameof(t), t, $"The timeout must be positive and below {int.MaxValue} ms. Received: {t}");
}
