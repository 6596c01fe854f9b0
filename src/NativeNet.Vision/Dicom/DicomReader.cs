using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace NativeNet.Vision.Dicom;

/// <summary>
/// Reads DICOM files: Part 10 files (128-byte preamble, "DICM", file meta information) and bare
/// data sets without them; implicit and explicit VR little endian, explicit VR big endian and
/// deflated explicit VR little endian. Every length is checked against the bytes that remain
/// before anything is sliced or allocated, nesting is bounded, and a file that is truncated or
/// whose lengths lie is an <see cref="InvalidDataException"/> naming the file and the tag.
/// </summary>
public static class DicomReader
{
    /// <summary>Deepest sequence nesting accepted (real files stay in single digits; a crafted file could recurse without end).</summary>
    public const int MaxNesting = 32;

    private const uint Undefined = 0xFFFFFFFF;

    /// <summary>True when <paramref name="header"/> (the first 132 bytes of a file, or fewer) carries the Part 10 "DICM" marker.</summary>
    public static bool HasPreamble(ReadOnlySpan<byte> header) => header.Length >= 132 && header.Slice(128, 4).SequenceEqual("DICM"u8);

    /// <summary>Reads the file at <paramref name="path"/>.</summary>
    public static DicomDataset Read(string path) => Read(File.ReadAllBytes(path), path);

    /// <summary>Reads a DICOM file already in memory; <paramref name="path"/> names it in errors.</summary>
    public static DicomDataset Read(byte[] bytes, string path)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        int start = HasPreamble(bytes) ? 132 : 0;
        var meta = new Dictionary<DicomTag, DicomElement>();
        var cursor = new Cursor(bytes, start, bytes.Length, false, true, path);
        // File meta information: group 0002, always explicit VR little endian (also found without a preamble).
        while (cursor.Remaining >= 8 && BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(cursor.Position)) == 0x0002)
            ReadElement(ref cursor, meta, 0);
        if (start == 132 && meta.Count == 0) throw Invalid(path, DicomTag.TransferSyntaxUid, "the file has the DICM marker but no file meta information");

        TransferSyntax syntax = meta.TryGetValue(DicomTag.TransferSyntaxUid, out var ts) && ts.Text.Length > 0
            ? TransferSyntax.FromUid(ts.Text.Trim())
            : Infer(bytes, cursor.Position, path);

        byte[] body = bytes;
        int bodyStart = cursor.Position, bodyEnd = bytes.Length;
        if (syntax.Deflated)
        {
            body = Inflate(bytes, bodyStart, path);
            bodyStart = 0; bodyEnd = body.Length;
        }
        var elements = new Dictionary<DicomTag, DicomElement>(meta);
        var c = new Cursor(body, bodyStart, bodyEnd, syntax.BigEndian, syntax.ExplicitVr, path);
        while (c.Remaining > 0)
        {
            if (c.Remaining < 8) throw Invalid(path, c.LastTag, $"{c.Remaining} stray byte(s) at offset {c.Position} after the last element");
            ReadElement(ref c, elements, 0);
        }
        return new DicomDataset(path, syntax, elements);
    }

    internal static InvalidDataException Invalid(string path, DicomTag tag, string what) =>
        new($"Invalid DICOM file '{path}': {what} (tag {tag}).");

    // Files without meta information: decide byte order from the first group number (data sets
    // start with a low group such as 0008) and explicit VR from whether two letters follow the tag.
    private static TransferSyntax Infer(byte[] b, int p, string path)
    {
        if (b.Length - p < 8) throw Invalid(path, new DicomTag(0, 0), $"the file is {b.Length} bytes: too short for a DICOM data set");
        ushort le = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p)), be = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(p));
        bool bigEndian = be < le && be != 0 && be <= 0x00FF;
        bool explicitVr = IsVr(b[p + 4], b[p + 5]);
        if (!bigEndian && le > 0x7FE0) throw Invalid(path, new DicomTag(le, 0), "the data does not start like a DICOM data set (no DICM marker, no plausible first tag)");
        return bigEndian ? TransferSyntax.ExplicitBig : explicitVr ? TransferSyntax.ExplicitLittle : TransferSyntax.ImplicitLittle;
    }

    private static bool IsVr(byte a, byte b) => a is >= (byte)'A' and <= (byte)'Z' && b is >= (byte)'A' and <= (byte)'Z' && Vrs.Contains(Encoding.ASCII.GetString([a, b]));

    private static readonly HashSet<string> Vrs =
        ["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"];

    // VRs whose explicit form has two reserved bytes and a 32-bit length.
    private static bool LongForm(string vr) => vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "UC" or "UN" or "UR" or "UT" or "SV" or "UV";

    // Inflated size is bounded by deflate's best ratio (~1032:1) times the compressed bytes: a
    // small file cannot make us allocate gigabytes.
    private static byte[] Inflate(byte[] bytes, int start, string path)
    {
        long limit = Math.Min((long)(bytes.Length - start) * 1032 + 1024, Array.MaxLength);
        try
        {
            using var input = new DeflateStream(new MemoryStream(bytes, start, bytes.Length - start), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = input.Read(buffer)) > 0)
            {
                if (output.Length + n > limit) throw Invalid(path, DicomTag.TransferSyntaxUid, "the deflated data set inflates beyond what its size allows");
                output.Write(buffer, 0, n);
            }
            return output.ToArray();
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("Invalid DICOM", StringComparison.Ordinal))
        {
            throw Invalid(path, DicomTag.TransferSyntaxUid, $"the deflated data set is corrupt ({e.Message})");
        }
    }

    // Reads one element at the cursor; top-level ones (depth 0) go into `into`, nested ones are skipped.
    private static void ReadElement(ref Cursor c, Dictionary<DicomTag, DicomElement>? into, int depth)
    {
        var tag = c.ReadTag();
        string vr;
        uint length;
        if (tag.Group == 0xFFFE)
        {
            vr = "";
            length = c.ReadUInt32();
        }
        else if (c.ExplicitVr)
        {
            var v = c.Take(2, tag);
            vr = Encoding.ASCII.GetString(v);
            if (!IsVr(v[0], v[1])) throw Invalid(c.Path, tag, $"unknown value representation '{Printable(v)}' at offset {c.Position - 2}");
            if (LongForm(vr)) { c.Take(2, tag); length = c.ReadUInt32(); }
            else length = c.ReadUInt16();
        }
        else
        {
            vr = ImplicitVr(tag);
            length = c.ReadUInt32();
        }

        if (length == Undefined)
        {
            if (tag == DicomTag.PixelData && depth == 0)
            {
                var fragments = ReadFragments(ref c, tag);
                into?.TryAdd(tag, new DicomElement(tag, vr, ReadOnlyMemory<byte>.Empty, c.BigEndian, fragments));
                return;
            }
            if (vr is not ("SQ" or "UN" or "") && c.ExplicitVr)
                throw Invalid(c.Path, tag, $"undefined length on a {vr} element");
            // A sequence of undefined length; UN ones are encoded implicit VR little endian (PS3.5 6.2.2).
            SkipSequence(ref c, tag, depth + 1, vr == "UN" && c.ExplicitVr);
            return;
        }
        if (length > c.Remaining) throw Invalid(c.Path, tag, $"value length {length} exceeds the {c.Remaining} bytes left at offset {c.Position}");
        var value = c.Slice((int)length);
        if (tag.Group == 0xFFFE) return;      // a stray item or delimiter at this level carries nothing we keep
        if (into is not null && depth == 0) into[tag] = new DicomElement(tag, vr, value, c.BigEndian);
    }

    private static void SkipSequence(ref Cursor c, DicomTag owner, int depth, bool implicitInside)
    {
        if (depth > MaxNesting) throw Invalid(c.Path, owner, $"sequences nested deeper than {MaxNesting}");
        var inner = implicitInside ? c.With(bigEndian: false, explicitVr: false) : c;
        while (true)
        {
            var tag = inner.ReadTag();
            uint length = inner.ReadUInt32();
            if (tag == DicomTag.SequenceDelimiter) break;
            if (tag != DicomTag.Item) throw Invalid(c.Path, owner, $"expected an item (FFFE,E000) inside the sequence, found {tag} at offset {inner.Position - 8}");
            if (length != Undefined)
            {
                if (length > inner.Remaining) throw Invalid(c.Path, owner, $"item length {length} exceeds the {inner.Remaining} bytes left");
                inner.Slice((int)length);
                continue;
            }
            while (true)
            {
                if (inner.Remaining < 8) throw Invalid(c.Path, owner, "the file ends inside a sequence item");
                var peek = inner.PeekTag();
                if (peek == DicomTag.ItemDelimiter) { inner.ReadTag(); inner.ReadUInt32(); break; }
                ReadElement(ref inner, null, depth);
            }
        }
        c.Position = inner.Position;
    }

    // Encapsulated pixel data: items (basic offset table, then fragments) up to the sequence delimiter.
    private static List<ReadOnlyMemory<byte>> ReadFragments(ref Cursor c, DicomTag owner)
    {
        var items = new List<ReadOnlyMemory<byte>>();
        while (true)
        {
            var tag = c.ReadTag();
            uint length = c.ReadUInt32();
            if (tag == DicomTag.SequenceDelimiter) return items;
            if (tag != DicomTag.Item) throw Invalid(c.Path, owner, $"expected a pixel data item (FFFE,E000), found {tag} at offset {c.Position - 8}");
            if (length == Undefined || length > c.Remaining) throw Invalid(c.Path, owner, $"pixel data item length {length} exceeds the {c.Remaining} bytes left");
            items.Add(c.Slice((int)length));
        }
    }

    // Implicit VR files carry no VR: the dictionary entries of the attributes this reader interprets.
    private static string ImplicitVr(DicomTag tag) => tag.Group != 0x0028 ? (tag == DicomTag.PixelData ? "OW" : tag == DicomTag.Modality ? "CS" : "UN") : tag.Element switch
    {
        0x0002 or 0x0006 or 0x0010 or 0x0011 or 0x0100 or 0x0101 or 0x0102 or 0x0103 => "US",
        0x0008 => "IS",
        0x0004 => "CS",
        0x1050 or 0x1051 or 0x1052 or 0x1053 => "DS",
        _ => "UN",
    };

    private static string Printable(ReadOnlySpan<byte> b)
    {
        var sb = new StringBuilder();
        foreach (var x in b) sb.Append(x is >= 32 and < 127 ? (char)x : '?');
        return sb.ToString();
    }

    // A position in a byte buffer with the data set's byte order and VR style; every read is bounds-checked.
    private struct Cursor(byte[] bytes, int position, int end, bool bigEndian, bool explicitVr, string path)
    {
        public int Position = position;
        public readonly bool BigEndian = bigEndian;
        public readonly bool ExplicitVr = explicitVr;
        public readonly string Path = path;
        public DicomTag LastTag;

        public readonly int Remaining => end - Position;

        public readonly Cursor With(bool bigEndian, bool explicitVr) => new(bytes, Position, end, bigEndian, explicitVr, Path) { LastTag = LastTag };

        public ReadOnlySpan<byte> Take(int n, DicomTag tag)
        {
            if (n > Remaining) throw Invalid(Path, tag, $"the file ends at offset {end} inside the element (needs {n} more byte(s) at offset {Position})");
            var s = bytes.AsSpan(Position, n);
            Position += n;
            return s;
        }

        public ReadOnlyMemory<byte> Slice(int n)
        {
            var m = new ReadOnlyMemory<byte>(bytes, Position, n);
            Position += n;
            return m;
        }

        public readonly DicomTag PeekTag()
        {
            var s = bytes.AsSpan(Position, 4);
            return BigEndian
                ? new DicomTag(BinaryPrimitives.ReadUInt16BigEndian(s), BinaryPrimitives.ReadUInt16BigEndian(s[2..]))
                : new DicomTag(BinaryPrimitives.ReadUInt16LittleEndian(s), BinaryPrimitives.ReadUInt16LittleEndian(s[2..]));
        }

        public DicomTag ReadTag()
        {
            if (Remaining < 4) throw Invalid(Path, LastTag, $"the file ends at offset {end} inside the element after it");
            var t = PeekTag();
            Position += 4;
            LastTag = t;
            return t;
        }

        public ushort ReadUInt16()
        {
            var s = Take(2, LastTag);
            return BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
        }

        public uint ReadUInt32()
        {
            var s = Take(4, LastTag);
            return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
        }
    }
}
