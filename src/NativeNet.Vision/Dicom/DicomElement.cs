using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace NativeNet.Vision.Dicom;

/// <summary>
/// One top-level element of a data set: its tag, VR ("UN" when implicit), its value bytes in the
/// file's byte order, and, for encapsulated pixel data, the fragments of the item list.
/// </summary>
public sealed class DicomElement
{
    internal DicomElement(DicomTag tag, string vr, ReadOnlyMemory<byte> value, bool bigEndian, IReadOnlyList<ReadOnlyMemory<byte>>? fragments = null)
    {
        Tag = tag; Vr = vr; Value = value; BigEndian = bigEndian; Fragments = fragments;
    }

    /// <summary>The tag.</summary>
    public DicomTag Tag { get; }
    /// <summary>Value representation: two letters (implicit syntaxes: the dictionary VR of the image attributes, else "UN").</summary>
    public string Vr { get; }
    /// <summary>The value bytes (empty for encapsulated pixel data).</summary>
    public ReadOnlyMemory<byte> Value { get; }
    /// <summary>True when numbers in <see cref="Value"/> are big endian.</summary>
    public bool BigEndian { get; }
    /// <summary>Items of encapsulated (compressed) pixel data, the basic offset table first; null otherwise.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>>? Fragments { get; }

    /// <summary>The value as text, trailing spaces and NULs removed (ASCII; DICOM's default repertoire).</summary>
    public string Text => Encoding.Latin1.GetString(Value.Span).TrimEnd(' ', '\0');

    /// <summary>The first unsigned integer of a US/UL value (width from the VR, or from the length when implicit).</summary>
    internal bool TryGetUnsigned(out uint value)
    {
        var s = Value.Span;
        int width = Vr is "UL" or "SL" ? 4 : Vr is "US" or "SS" ? 2 : s.Length == 4 ? 4 : 2;
        if (s.Length < width) { value = 0; return false; }
        value = width == 4
            ? (BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s))
            : (BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s));
        return true;
    }

    /// <summary>The first value of a DS/IS string (backslash-separated), parsed invariantly; false when empty or not a number.</summary>
    internal bool TryGetNumber(out double value)
    {
        string first = Text.Split('\\')[0].Trim();
        return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}
