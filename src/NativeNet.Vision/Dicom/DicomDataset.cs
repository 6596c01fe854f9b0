namespace NativeNet.Vision.Dicom;

/// <summary>
/// The top-level elements of a DICOM file (nested sequences are walked and skipped) and how the
/// file was encoded. Made by <see cref="DicomReader"/>; <see cref="DicomImage.Decode"/> turns it into pixels.
/// </summary>
public sealed class DicomDataset
{
    private readonly Dictionary<DicomTag, DicomElement> _elements;

    internal DicomDataset(string path, TransferSyntax syntax, Dictionary<DicomTag, DicomElement> elements)
    {
        Path = path; TransferSyntax = syntax; _elements = elements;
    }

    /// <summary>The file the data set came from (named in every error).</summary>
    public string Path { get; }
    /// <summary>The transfer syntax (from the file meta information, or inferred for files without it).</summary>
    public TransferSyntax TransferSyntax { get; }
    /// <summary>The top-level elements, in tag order.</summary>
    public IEnumerable<DicomElement> Elements => _elements.Values.OrderBy(e => e.Tag);

    /// <summary>True when the data set holds <paramref name="tag"/>.</summary>
    public bool Contains(DicomTag tag) => _elements.ContainsKey(tag);

    /// <summary>The element <paramref name="tag"/>, or null.</summary>
    public DicomElement? Get(DicomTag tag) => _elements.GetValueOrDefault(tag);

    /// <summary>An unsigned integer element; <paramref name="fallback"/> when absent or empty; InvalidDataException when malformed.</summary>
    public int GetInt(DicomTag tag, string name, int? fallback = null)
    {
        var e = Get(tag);
        if (e is null || e.Value.Length == 0)
            return fallback ?? throw Invalid(tag, $"{name} is missing");
        if (e.Vr is "IS" or "DS")
        {
            if (!e.TryGetNumber(out double d) || d != Math.Floor(d) || d < 0 || d > int.MaxValue) throw Invalid(tag, $"{name} is not a whole number: '{e.Text}'");
            return (int)d;
        }
        if (!e.TryGetUnsigned(out uint v) || v > int.MaxValue) throw Invalid(tag, $"{name} has an unreadable value ({e.Value.Length} bytes)");
        return (int)v;
    }

    /// <summary>The first number of a DS/IS element, or null when absent or empty; InvalidDataException when not a number.</summary>
    public double? GetNumber(DicomTag tag, string name)
    {
        var e = Get(tag);
        if (e is null || e.Text.Length == 0) return null;
        return e.TryGetNumber(out double v) ? v : throw Invalid(tag, $"{name} is not a number: '{e.Text}'");
    }

    /// <summary>A text element (trimmed), or null when absent.</summary>
    public string? GetText(DicomTag tag) => Get(tag)?.Text.Trim();

    internal InvalidDataException Invalid(DicomTag tag, string what) => DicomReader.Invalid(Path, tag, what);
}
