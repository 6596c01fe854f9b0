using System.IO.Compression;

namespace NativeNet.Cli.Safety;

/// <summary>
/// Looks at an .npz archive's directory before anything is decompressed: the sizes its entries
/// declare must stay under <see cref="CliLimits.MaxNpzUnpackedBytes"/> in all, and no large entry
/// may expand more than <see cref="CliLimits.MaxNpzRatio"/> times its compressed size (a zip bomb).
/// </summary>
public static class NpzCheck
{
    /// <summary>Entries below this size are exempt from the ratio check (headers and small arrays compress well).</summary>
    private const long RatioExempt = 1 << 20;

    /// <summary>The .npy entry names of <paramref name="path"/> (without ".npy"), after the file and size checks.</summary>
    public static IReadOnlyList<string> Entries(string path)
    {
        InputFile.Npz(path);
        var limits = CliLimits.Current;
        try
        {
            using var stream = File.OpenRead(path);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            long total = 0;
            var names = new List<string>();
            foreach (var entry in zip.Entries)
            {
                long declared = entry.Length, packed = Math.Max(1, entry.CompressedLength);
                if (declared > RatioExempt && declared / packed > limits.MaxNpzRatio)
                    throw new CliInputException($"{path}[{entry.FullName}]: declares {declared:N0} bytes from {packed:N0} compressed (ratio {declared / packed:N0}); {CliLimits.Hint("the compression ratio", limits.MaxNpzRatio, "NATIVENET_MAX_NPZ_RATIO")}.");
                total += declared;
                if (total > limits.MaxNpzUnpackedBytes)
                    throw new CliInputException($"{path}: the entries declare more than {limits.MaxNpzUnpackedBytes:N0} bytes uncompressed; {CliLimits.Hint("the unpacked size", limits.MaxNpzUnpackedBytes, "NATIVENET_MAX_NPZ_UNPACKED_BYTES")}.");
                if (entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) names.Add(entry.FullName[..^4]);
            }
            if (names.Count == 0) throw new CliInputException($"{path}: the archive holds no .npy entry.");
            return names;
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new CliInputException($"{path}: not a readable .npz archive: {e.Message}");
        }
    }
}
