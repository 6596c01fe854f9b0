using System.Runtime.InteropServices;

namespace NativeNet.Serialization;

/// <summary>
/// Writes a file so that readers see either the old contents or the complete new contents, never
/// a torn file: write a temporary file in the same folder, flush it to disk, rename it over the
/// target (rename is atomic within one file system), then flush the folder entry on Unix.
/// Temporary files are named ".&lt;file&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp"; ones left by a process that
/// was killed mid-save (its pid no longer running) are removed after the next successful save.
/// </summary>
internal static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)
            ?? throw new ArgumentException($"'{path}' has no parent folder.", nameof(path));
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot write '{path}': folder '{folder}' does not exist.");
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        FlushFolder(folder);
        RemoveStaleTemporaries(folder, Path.GetFileName(full));
    }

    private static void RemoveStaleTemporaries(string folder, string fileName)
    {
        string[] candidates;
        try { candidates = Directory.GetFiles(folder, $".{fileName}.*.tmp", new EnumerationOptions { AttributesToSkip = 0 }); }
        catch (IOException) { return; }
        catch (UnauthorizedAccessException) { return; }
        foreach (var candidate in candidates)
        {
            // ".<file>.<pid>.<guid>.tmp": the pid is the second-to-last dotted part before "tmp".
            var parts = Path.GetFileName(candidate).Split('.');
            if (parts.Length < 4 || !int.TryParse(parts[^3], out int pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            TryDelete(candidate);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static void TryDelete(string temp)
    {
        try { File.Delete(temp); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Makes the rename itself durable across power loss (POSIX needs an fsync of the folder).</summary>
    private static void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Posix.Open(folder, 0 /* O_RDONLY */);
        if (fd < 0) return; // best effort: the data is already complete and renamed
        Posix.fsync(fd);
        Posix.close(fd);
    }

    // Blittable signatures only: the assembly disables runtime marshalling (Interop/AssemblyInterop.cs).
    private static unsafe class Posix
    {
        public static int Open(string path, int flags)
        {
            byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            fixed (byte* p = utf8) return open(p, flags);
        }

        [DllImport("libc")]
        private static extern int open(byte* path, int flags);

        [DllImport("libc")]
        public static extern int fsync(int fd);

        [DllImport("libc")]
        public static extern int close(int fd);
    }
}
