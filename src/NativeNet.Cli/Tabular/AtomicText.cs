namespace NativeNet.Cli.Tabular;

/// <summary>Writes a text file atomically: temporary file in the same folder, flush to disk, rename.</summary>
public static class AtomicText
{
    /// <summary>Writes what <paramref name="write"/> produces to <paramref name="path"/>; on failure nothing is left behind.</summary>
    public static void Write(string path, Action<TextWriter> write)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) throw new CliInputException($"Cannot write '{path}': folder '{folder}' does not exist.");
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream))
            {
                write(writer);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}
