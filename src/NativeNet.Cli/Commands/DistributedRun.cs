using NativeNet.Distributed;

namespace NativeNet.Cli.Commands;

/// <summary>
/// Runs a command as one rank of an MPI job: rank 0 prints and writes, the others run silently;
/// a failure on any rank ends the whole job (MPI_Abort) with the exit code the failure would
/// have had alone, after one line on stderr naming the rank — never a job that hangs on a lost rank.
/// </summary>
internal static class DistributedRun
{
    /// <summary>True when an MPI launcher started this process.</summary>
    public static bool IsLaunchedByMpi => ProcessGroup.IsLaunchedByMpi;

    /// <summary>Whether this process writes output files (rank 0, or not distributed).</summary>
    public static bool WritesFiles => ProcessGroup.World.Rank == 0;

    /// <summary>Runs <paramref name="body"/> with rank 0's <paramref name="stdout"/> or, on other ranks, a null writer.</summary>
    public static int Run(Func<TextWriter, int> body, TextWriter stdout)
    {
        var world = ProcessGroup.World;
        try
        {
            return body(world.Rank == 0 ? stdout : TextWriter.Null);
        }
        catch (Exception e) when (world.Size > 1)
        {
            int code = e is CliInputException ? 2 : 1;
            Console.Error.WriteLine($"nativenet train: rank {world.Rank} of {world.Size}: {e.Message}");
            Console.Error.Flush();
            world.Abort(code);
            throw;  // only if MPI could not abort
        }
    }
}
