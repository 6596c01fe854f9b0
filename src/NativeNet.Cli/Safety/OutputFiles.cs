using System.Runtime.InteropServices;

namespace NativeNet.Cli.Safety;

/// <summary>
/// How the CLI writes: only regular files are created or replaced (never through a link, over a
/// directory, FIFO or device, or over one of the command's own inputs), and a set of files — the
/// model and report of `train` — is replaced together or not at all. Every file is written and
/// flushed to a temporary beside its target first; a set of several then gets a commit record
/// (".nativenet-commit.&lt;pid&gt;.&lt;guid&gt;", renamed into place whole) naming each temporary and its
/// target, before the renames. A kill before the record leaves the old set; a kill after it leaves a
/// record that the next writer or reader of the folder (<see cref="CompletePending"/>) carries out,
/// so the new set is completed and a mix of old and new is never what a command finds. Temporaries
/// of killed runs (".&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp") that no record names are removed by the next write.
/// </summary>
public static class OutputFiles
{
    /// <summary>One file to write: its target and a writer that produces the complete file at the given temporary path.</summary>
    public sealed record Output(string Target, Action<string> WriteTemporary);

    /// <summary>Refuses <paramref name="path"/> (given as <paramref name="option"/>) unless it is absent or a regular file in an existing folder.</summary>
    public static void CheckTarget(string? path, string option)
    {
        if (string.IsNullOrEmpty(path)) throw new CliInputException($"{option}: the path is empty.");
        var kind = Look(path, option, followLinks: false);
        if (kind.Type is not (FileType.Missing or FileType.Regular))
            throw new CliInputException($"{option} '{path}' is {FileKind.Describe(kind.Type)}; only a regular file is written or replaced.");
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var parent = Look(folder, option, followLinks: true);
        if (parent.Type != FileType.Directory)
            throw new CliInputException($"{option} '{path}': folder '{folder}' {(parent.Type == FileType.Missing ? "does not exist" : "is not a folder")}.");
    }

    /// <summary>Refuses a folder argument that exists but is not a folder (a file, a device, …).</summary>
    public static void CheckFolder(string path, string option)
    {
        if (string.IsNullOrEmpty(path)) throw new CliInputException($"{option}: the path is empty.");
        var kind = Look(path, option, followLinks: true);
        if (kind.Type is not (FileType.Missing or FileType.Directory))
            throw new CliInputException($"{option} '{path}' is {FileKind.Describe(kind.Type)}, not a folder.");
    }

    /// <summary>Refuses an output that is the same file as one of the inputs (same path, or the same file through a link).</summary>
    public static void CheckNotInput(string output, string outputOption, params (string? Path, string Option)[] inputs)
    {
        var outKind = Look(output, outputOption, followLinks: true);
        foreach (var (path, option) in inputs)
        {
            if (string.IsNullOrEmpty(path)) continue;
            bool same = string.Equals(Path.GetFullPath(path), Path.GetFullPath(output), StringComparison.Ordinal);
            if (!same && outKind.Identity is not null && outKind.Type == FileType.Regular)
            {
                var inKind = Look(path, option, followLinks: true);
                same = inKind.Identity == outKind.Identity;
            }
            if (same) throw new CliInputException($"{outputOption} '{output}' is the same file as {option} '{path}'; refusing to overwrite an input.");
        }
    }

    /// <summary>Writes every output to a temporary, then renames them all over their targets (several: under a commit record).</summary>
    public static void WriteTogether(IReadOnlyList<Output> outputs)
    {
        var folders = outputs.Select(o => Path.GetDirectoryName(Path.GetFullPath(o.Target))!).Distinct(StringComparer.Ordinal).ToList();
        if (outputs.Count > 1 && folders.Count != 1) throw new ArgumentException("Files replaced together must share one folder.", nameof(outputs));
        foreach (var folder in folders) CompletePending(folder);
        foreach (var o in outputs) CheckTarget(o.Target, o.Target);
        var temps = outputs.Select(o => TemporaryFor(o.Target)).ToArray();
        string? record = null;
        try
        {
            for (int i = 0; i < outputs.Count; i++) outputs[i].WriteTemporary(temps[i]);
            // Checked again just before the renames: something may have appeared at a target meanwhile.
            foreach (var o in outputs) CheckTarget(o.Target, o.Target);
            if (outputs.Count > 1) record = WriteCommitRecord(folders[0], outputs.Select((o, i) => (temps[i], o.Target)).ToList(), Environment.ProcessId);
            for (int i = 0; i < outputs.Count; i++) File.Move(temps[i], Path.GetFullPath(outputs[i].Target), overwrite: true);
        }
        catch
        {
            // A failed rename after the record: the record is dropped with the temporaries, so the set stays as it was
            // except for targets already replaced (a full disk cannot fail a rename; a vanished folder leaves nothing to mix).
            foreach (var t in temps) TryDelete(t);
            if (record is not null) TryDelete(record);
            throw;
        }
        foreach (var folder in folders) FlushFolder(folder);
        if (record is not null) { TryDelete(record); FlushFolder(folders[0]); }
        foreach (var o in outputs) RemoveStaleTemporaries(o.Target);
    }

    /// <summary>
    /// Carries out the commit records in <paramref name="folder"/> left by writers that were killed
    /// between their record and their last rename: each named temporary still present replaces its
    /// target, then the record goes. Best effort (a folder this process cannot write is left as it
    /// is); records of running processes and malformed records (removed) are never followed.
    /// </summary>
    public static void CompletePending(string folder)
    {
        string[] records;
        try { records = Directory.GetFiles(folder, $"{CommitPrefix}*", new EnumerationOptions { AttributesToSkip = 0 }); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException) { return; }
        foreach (var record in records)
        {
            var parts = Path.GetFileName(record)[CommitPrefix.Length..].Split('.');
            if (parts.Length is not (2 or 3) || !int.TryParse(parts[0], out int pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            if (parts.Length == 3)
            {
                // A record killed while it was written (".tmp"): the renames never began, there is nothing to carry out.
                if (parts[2] == "tmp" && FileKind.Of(record, followLinks: false).Type == FileType.Regular) TryDelete(record);
                continue;
            }
            if (FileKind.Of(record, followLinks: false) is not { Type: FileType.Regular, Size: <= MaxCommitRecordBytes }) continue;
            try
            {
                foreach (var (temp, target) in ReadCommitRecord(record))
                {
                    string tempPath = Path.Combine(folder, temp), targetPath = Path.Combine(folder, target);
                    if (FileKind.Of(tempPath, followLinks: false).Type != FileType.Regular) continue; // renamed before the kill
                    if (FileKind.Of(targetPath, followLinks: false).Type is not (FileType.Missing or FileType.Regular)) continue;
                    File.Move(tempPath, targetPath, overwrite: true);
                }
                FlushFolder(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            TryDelete(record);
        }
    }

    private const string CommitPrefix = ".nativenet-commit.";
    private const int MaxCommitRecordBytes = 1 << 16;

    // One line per file, "<temporary>\t<target>", both plain names in the record's folder; written whole, then renamed into place.
    // The writer's process id is part of the name: a record is carried out only once its writer is gone.
    internal static string WriteCommitRecord(string folder, IReadOnlyList<(string Temp, string Target)> files, int writerPid)
    {
        string record = Path.Combine(folder, $"{CommitPrefix}{writerPid}.{Guid.NewGuid():N}");
        string temp = record + ".tmp";
        try
        {
            CreateFlushed(temp, s => s.Write(System.Text.Encoding.UTF8.GetBytes(
                string.Concat(files.Select(f => $"{Path.GetFileName(f.Temp)}\t{Path.GetFileName(Path.GetFullPath(f.Target))}\n")))));
            File.Move(temp, record);
        }
        catch { TryDelete(temp); throw; }
        FlushFolder(folder);
        return record;
    }

    // The record's pairs; a record naming anything but a temporary of ours beside its target is malformed and yields none.
    private static List<(string Temp, string Target)> ReadCommitRecord(string record)
    {
        var pairs = new List<(string, string)>();
        foreach (var line in File.ReadAllText(record).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            bool plain = f.Length == 2 && f.All(n => n.Length > 0 && n.IndexOfAny(['/', '\\', '\0']) < 0 && n is not ("." or ".."));
            if (!plain || !f[0].StartsWith($".{f[1]}.", StringComparison.Ordinal) || !f[0].EndsWith(".tmp", StringComparison.Ordinal)) return [];
            pairs.Add((f[0], f[1]));
        }
        return pairs;
    }

    /// <summary>A text file written together with nothing else: <see cref="WriteTogether"/> of one.</summary>
    public static void WriteText(string path, Action<TextWriter> write) => WriteTogether([new Output(path, temp => CreateFlushed(temp, stream =>
    {
        using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
        write(writer);
    }))]);

    /// <summary>An output whose content is <paramref name="bytes"/>.</summary>
    public static Output Bytes(string path, byte[] bytes) => new(path, temp => CreateFlushed(temp, s => s.Write(bytes)));

    /// <summary>Creates <paramref name="temp"/> (never opening an existing path or link), writes it and flushes it to disk.</summary>
    public static void CreateFlushed(string temp, Action<Stream> write)
    {
        using var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        write(stream);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The temporary beside <paramref name="target"/>: ".&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp".</summary>
    public static string TemporaryFor(string target)
    {
        string full = Path.GetFullPath(target);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    /// <summary>
    /// Removes temporaries of <paramref name="target"/> left by processes that no longer run (a kill
    /// mid-write), including those of writers nested inside ours ("..&lt;name&gt;.&lt;pid&gt;.…").
    /// </summary>
    public static void RemoveStaleTemporaries(string target)
    {
        string full = Path.GetFullPath(target);
        string folder = Path.GetDirectoryName(full)!, name = Path.GetFileName(full);
        string[] candidates;
        try { candidates = Directory.GetFiles(folder, $".*{name}.*.tmp", new EnumerationOptions { AttributesToSkip = 0 }); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        foreach (var candidate in candidates)
        {
            string file = Path.GetFileName(candidate);
            if (!file.StartsWith($".{name}.", StringComparison.Ordinal) && !file.StartsWith($"..{name}.", StringComparison.Ordinal)) continue;
            var parts = file[(file.IndexOf(name, StringComparison.Ordinal) + name.Length + 1)..].Split('.');
            // <pid>.<guid>.tmp[...]: the first part is the writer's process id.
            if (parts.Length < 3 || !int.TryParse(parts[0], out int pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            if (FileKind.Of(candidate, followLinks: false).Type == FileType.Regular) TryDelete(candidate);
        }
    }

    private static FileKind Look(string path, string option, bool followLinks)
    {
        try { return FileKind.Of(path, followLinks); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"{option} '{path}': {e.Message}");
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    // POSIX makes a rename durable only once the folder itself is flushed.
    private static unsafe void FlushFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        byte[] name = System.Text.Encoding.UTF8.GetBytes(folder + "\0");
        int fd;
        fixed (byte* p = name) fd = open(p, 0);
        if (fd < 0) return; // best effort: the files are complete and renamed
        fsync(fd);
        close(fd);
    }

    [DllImport("libc")] private static extern unsafe int open(byte* path, int flags);
    [DllImport("libc")] private static extern int fsync(int fd);
    [DllImport("libc")] private static extern int close(int fd);
}
