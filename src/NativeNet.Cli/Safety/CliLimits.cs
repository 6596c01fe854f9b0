using System.Globalization;

namespace NativeNet.Cli.Safety;

/// <summary>
/// The bounds the CLI puts on its input so that a hostile or careless file is refused with a
/// message naming the limit instead of exhausting memory or time. Each can be raised with an
/// environment variable (listed in docs/reliability.md); the parameter bound of `train` is its
/// --max-params option.
/// </summary>
public sealed record CliLimits
{
    /// <summary>Largest CSV file (NATIVENET_MAX_CSV_BYTES, default 1 GiB).</summary>
    public long MaxCsvBytes { get; init; } = 1L << 30;

    /// <summary>Longest CSV record in characters (NATIVENET_MAX_LINE_CHARS, default 4 Mi).</summary>
    public int MaxLineChars { get; init; } = 4 << 20;

    /// <summary>Most distinct values of a text feature column, each one a one-hot column (NATIVENET_MAX_LEVELS, default 1,000).</summary>
    public int MaxLevels { get; init; } = 1_000;

    /// <summary>Most classes of a classification target (NATIVENET_MAX_CLASSES, default 1,000).</summary>
    public int MaxClasses { get; init; } = 1_000;

    /// <summary>Largest model file (NATIVENET_MAX_MODEL_BYTES, default 4 GiB).</summary>
    public long MaxModelBytes { get; init; } = 4L << 30;

    /// <summary>Most modules in a model file's architecture (NATIVENET_MAX_LAYERS, default 10,000).</summary>
    public int MaxLayers { get; init; } = 10_000;

    /// <summary>Largest .npz file (NATIVENET_MAX_NPZ_BYTES, default 2 GiB).</summary>
    public long MaxNpzBytes { get; init; } = 2L << 30;

    /// <summary>Most bytes all entries of an .npz may declare uncompressed (NATIVENET_MAX_NPZ_UNPACKED_BYTES, default 2 GiB).</summary>
    public long MaxNpzUnpackedBytes { get; init; } = 2L << 30;

    /// <summary>Largest declared/compressed ratio of an .npz entry over 1 MiB (NATIVENET_MAX_NPZ_RATIO, default 1,000).</summary>
    public long MaxNpzRatio { get; init; } = 1_000;

    /// <summary>Largest image file (PNG, JPEG, DICOM, …) of an image folder or manifest (NATIVENET_MAX_IMAGE_BYTES, default 256 MiB).</summary>
    public long MaxImageBytes { get; init; } = 256L << 20;

    /// <summary>Default of `train --max-params`: trainable parameters of the network.</summary>
    public const long DefaultMaxParams = 50_000_000;

    /// <summary>The limits in force: defaults, raised or lowered by the environment.</summary>
    public static CliLimits Current => _current ??= FromEnvironment();

    private static CliLimits? _current;

    private static CliLimits FromEnvironment()
    {
        var d = new CliLimits();
        return new CliLimits
        {
            MaxCsvBytes = Env("NATIVENET_MAX_CSV_BYTES", d.MaxCsvBytes),
            MaxLineChars = (int)Math.Min(int.MaxValue / 2, Env("NATIVENET_MAX_LINE_CHARS", d.MaxLineChars)),
            MaxLevels = (int)Math.Min(int.MaxValue, Env("NATIVENET_MAX_LEVELS", d.MaxLevels)),
            MaxClasses = (int)Math.Min(1 << 20, Env("NATIVENET_MAX_CLASSES", d.MaxClasses)),
            MaxModelBytes = Env("NATIVENET_MAX_MODEL_BYTES", d.MaxModelBytes),
            MaxLayers = (int)Math.Min(int.MaxValue, Env("NATIVENET_MAX_LAYERS", d.MaxLayers)),
            MaxNpzBytes = Env("NATIVENET_MAX_NPZ_BYTES", d.MaxNpzBytes),
            MaxNpzUnpackedBytes = Env("NATIVENET_MAX_NPZ_UNPACKED_BYTES", d.MaxNpzUnpackedBytes),
            MaxNpzRatio = Env("NATIVENET_MAX_NPZ_RATIO", d.MaxNpzRatio),
            MaxImageBytes = Env("NATIVENET_MAX_IMAGE_BYTES", d.MaxImageBytes),
        };
    }

    // A malformed or non-positive value is refused loudly: silently falling back would hide a typo.
    private static long Env(string name, long fallback)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return fallback;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v > 0
            ? v
            : throw new CliInputException($"{name} must be a positive integer. Received: {CliText.Quote(text)}");
    }

    /// <summary>"NAME (limit N; raise it with VAR)" for messages.</summary>
    public static string Hint(string what, long limit, string variable) =>
        $"{what} limit is {limit.ToString("N0", CultureInfo.InvariantCulture)}; raise it with {variable}";
}
