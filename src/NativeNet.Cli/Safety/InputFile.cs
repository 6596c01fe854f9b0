using System.Globalization;

namespace NativeNet.Cli.Safety;

/// <summary>
/// The one gate every file the CLI reads passes: it must exist, be a regular file after links are
/// resolved (never a FIFO that blocks or a device that never ends), be readable, and be no larger
/// than the limit of its kind. Errors are <see cref="CliInputException"/>s naming the argument and path.
/// </summary>
public static class InputFile
{
    /// <summary>
    /// Checks <paramref name="path"/>, given as <paramref name="what"/> ("--data", "Model file", …),
    /// against <paramref name="maxBytes"/> (raised with the environment variable <paramref name="limitVariable"/>);
    /// returns its size in bytes.
    /// </summary>
    public static long Check(string? path, string what, long maxBytes, string limitVariable)
    {
        if (string.IsNullOrEmpty(path)) throw new CliInputException($"{what}: the path is empty.");
        FileKind kind;
        try { kind = FileKind.Of(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException($"{what} '{path}' cannot be read: {e.Message}");
        }
        switch (kind.Type)
        {
            case FileType.Missing: throw new CliInputException($"{what} not found: {path}");
            case FileType.Regular: break;
            case FileType.Directory: throw new CliInputException($"{what} '{path}' is a directory, not a file.");
            default: throw new CliInputException($"{what} '{path}' is {FileKind.Describe(kind.Type)}; only regular files are read.");
        }
        if (kind.Size > maxBytes)
            throw new CliInputException($"{what} '{path}' holds {kind.Size.ToString("N0", CultureInfo.InvariantCulture)} bytes; {CliLimits.Hint("the file size", maxBytes, limitVariable)}.");
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliInputException($"{what} '{path}' cannot be read: permission denied.");
        }
        catch (IOException e)
        {
            throw new CliInputException($"{what} '{path}' cannot be read: {e.Message}");
        }
        return kind.Size;
    }

    /// <summary>Checks a CSV file (<see cref="CliLimits.MaxCsvBytes"/>).</summary>
    public static long Csv(string path, string what = "Data file") => Check(path, what, CliLimits.Current.MaxCsvBytes, "NATIVENET_MAX_CSV_BYTES");

    /// <summary>Checks a model file (<see cref="CliLimits.MaxModelBytes"/>).</summary>
    public static long Model(string path) => Check(path, "Model file", CliLimits.Current.MaxModelBytes, "NATIVENET_MAX_MODEL_BYTES");

    /// <summary>Checks an image file (<see cref="CliLimits.MaxImageBytes"/>).</summary>
    public static long Image(string path) => Check(path, "Image file", CliLimits.Current.MaxImageBytes, "NATIVENET_MAX_IMAGE_BYTES");

    /// <summary>Checks an ONNX model (<see cref="CliLimits.MaxModelBytes"/>).</summary>
    public static long Onnx(string path) => Check(path, "--model", CliLimits.Current.MaxModelBytes, "NATIVENET_MAX_MODEL_BYTES");

    /// <summary>Checks a NumPy .npy array (<see cref="CliLimits.MaxNpzBytes"/>: the bound of an unpacked array).</summary>
    public static long Npy(string path, string what) => Check(path, what, CliLimits.Current.MaxNpzUnpackedBytes, "NATIVENET_MAX_NPZ_UNPACKED_BYTES");

    /// <summary>Checks an .npz archive (<see cref="CliLimits.MaxNpzBytes"/>).</summary>
    public static long Npz(string path) => Check(path, "Data file", CliLimits.Current.MaxNpzBytes, "NATIVENET_MAX_NPZ_BYTES");
}
