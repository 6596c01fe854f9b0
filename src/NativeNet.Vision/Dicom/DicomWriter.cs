using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace NativeNet.Vision.Dicom;

/// <summary>What <see cref="DicomWriter"/> writes: one image (or several frames) and the attributes that describe it.</summary>
public sealed class DicomWriteSpec
{
    /// <summary>Image height.</summary>
    public required int Rows { get; init; }
    /// <summary>Image width.</summary>
    public required int Columns { get; init; }
    /// <summary>Stored values, [frame, sample, row, column] (planar); each must fit <see cref="BitsStored"/>.</summary>
    public required long[] Values { get; init; }
    /// <summary>Number of frames.</summary>
    public int Frames { get; init; } = 1;
    /// <summary>1 (monochrome) or 3 (RGB).</summary>
    public int Samples { get; init; } = 1;
    /// <summary>MONOCHROME2 (default), MONOCHROME1 or RGB.</summary>
    public string Photometric { get; init; } = "MONOCHROME2";
    /// <summary>8 or 16.</summary>
    public int BitsAllocated { get; init; } = 16;
    /// <summary>Significant bits (HighBit = BitsStored − 1).</summary>
    public int BitsStored { get; init; } = 16;
    /// <summary>Two's-complement samples.</summary>
    public bool Signed { get; init; }
    /// <summary>Rescale slope and intercept, written when set.</summary>
    public (double Slope, double Intercept)? Rescale { get; init; }
    /// <summary>Window center and width, written when set.</summary>
    public (double Center, double Width)? Window { get; init; }
    /// <summary>Modality (CT, MR, CR, DX, OT, …).</summary>
    public string Modality { get; init; } = "OT";
    /// <summary>Interleaved (0) or planar (1) colour samples in the file.</summary>
    public int PlanarConfiguration { get; init; }
    /// <summary>Encoding: explicit/implicit VR little endian, explicit VR big endian, deflated or RLE Lossless.</summary>
    public TransferSyntax Syntax { get; init; } = TransferSyntax.ExplicitLittle;
    /// <summary>Write the 128-byte preamble, "DICM" and the file meta information (a Part 10 file).</summary>
    public bool Part10 { get; init; } = true;
}

/// <summary>
/// A small DICOM writer for synthetic data sets and tests: a secondary-capture-like image with the
/// image pixel module, rescale and window, in any syntax <see cref="DicomReader"/> reads.
/// Written atomically (a temporary file renamed into place).
/// </summary>
public static class DicomWriter
{
    private const string SecondaryCapture = "1.2.840.10008.5.1.4.1.1.7";

    /// <summary>Writes <paramref name="spec"/> to <paramref name="path"/>.</summary>
    public static void Write(string path, DicomWriteSpec spec)
    {
        var bytes = Serialize(spec);
        string tmp = path + ".tmp" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The file's bytes.</summary>
    public static byte[] Serialize(DicomWriteSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        long expected = (long)spec.Frames * spec.Samples * spec.Rows * spec.Columns;
        if (spec.Values.LongLength != expected) throw new ArgumentException($"Values must hold frames·samples·rows·columns = {expected} values. Received: {spec.Values.LongLength}", nameof(spec));
        if (spec.BitsAllocated is not (8 or 16)) throw new ArgumentException($"BitsAllocated must be 8 or 16. Received: {spec.BitsAllocated}", nameof(spec));
        var ts = spec.Syntax;
        string uid = "2.25." + ((ulong)Random.Shared.NextInt64()).ToString(CultureInfo.InvariantCulture);

        var body = new Writer(ts.BigEndian, ts.ExplicitVr);
        body.Text(new(0x0008, 0x0016), "UI", SecondaryCapture);
        body.Text(new(0x0008, 0x0018), "UI", uid);
        body.Text(DicomTag.Modality, "CS", spec.Modality);
        body.UShort(DicomTag.SamplesPerPixel, spec.Samples);
        body.Text(DicomTag.PhotometricInterpretation, "CS", spec.Photometric);
        int planar = ts.Rle ? 1 : spec.PlanarConfiguration;
        if (spec.Samples > 1) body.UShort(DicomTag.PlanarConfiguration, planar);
        if (spec.Frames > 1) body.Text(DicomTag.NumberOfFrames, "IS", spec.Frames.ToString(CultureInfo.InvariantCulture));
        body.UShort(DicomTag.Rows, spec.Rows);
        body.UShort(DicomTag.Columns, spec.Columns);
        body.UShort(DicomTag.BitsAllocated, spec.BitsAllocated);
        body.UShort(DicomTag.BitsStored, spec.BitsStored);
        body.UShort(DicomTag.HighBit, spec.BitsStored - 1);
        body.UShort(DicomTag.PixelRepresentation, spec.Signed ? 1 : 0);
        if (spec.Window is { } w)
        {
            body.Text(DicomTag.WindowCenter, "DS", Ds(w.Center));
            body.Text(DicomTag.WindowWidth, "DS", Ds(w.Width));
        }
        if (spec.Rescale is { } r)
        {
            body.Text(DicomTag.RescaleIntercept, "DS", Ds(r.Intercept));
            body.Text(DicomTag.RescaleSlope, "DS", Ds(r.Slope));
        }
        int bytesPerSample = spec.BitsAllocated / 8;
        int pixels = spec.Rows * spec.Columns, frameValues = pixels * spec.Samples;
        if (ts.Rle)
        {
            var items = new List<byte[]> { Array.Empty<byte>() };   // empty basic offset table
            for (int f = 0; f < spec.Frames; f++) items.Add(RleFrame(spec.Values.AsSpan(f * frameValues, frameValues), pixels, spec.Samples, bytesPerSample));
            body.Encapsulated(DicomTag.PixelData, items);
        }
        else
        {
            var raw = new byte[expected * bytesPerSample];
            for (int f = 0; f < spec.Frames; f++)
                for (int s = 0; s < spec.Samples; s++)
                    for (int p = 0; p < pixels; p++)
                    {
                        long v = spec.Values[(long)f * frameValues + s * pixels + p];
                        long o = (long)f * frameValues + (planar == 1 ? s * pixels + p : p * spec.Samples + s);
                        if (bytesPerSample == 1) raw[o] = (byte)v;
                        else if (ts.BigEndian) BinaryPrimitives.WriteUInt16BigEndian(raw.AsSpan((int)(o * 2)), (ushort)v);
                        else BinaryPrimitives.WriteUInt16LittleEndian(raw.AsSpan((int)(o * 2)), (ushort)v);
                    }
            body.Bytes(DicomTag.PixelData, bytesPerSample == 1 ? "OB" : "OW", raw);
        }

        var file = new MemoryStream();
        if (spec.Part10)
        {
            file.Write(new byte[128]);
            file.Write("DICM"u8);
            var meta = new Writer(false, true);
            meta.Bytes(new(0x0002, 0x0001), "OB", [0, 1]);
            meta.Text(new(0x0002, 0x0002), "UI", SecondaryCapture);
            meta.Text(new(0x0002, 0x0003), "UI", uid);
            meta.Text(DicomTag.TransferSyntaxUid, "UI", ts.Uid);
            meta.Text(new(0x0002, 0x0012), "UI", "2.25.1");
            var group = new Writer(false, true);
            group.UInt(new(0x0002, 0x0000), (uint)meta.Length);
            file.Write(group.ToArray());
            file.Write(meta.ToArray());
        }
        if (ts.Deflated)
        {
            using var z = new DeflateStream(file, CompressionLevel.Optimal, leaveOpen: true);
            z.Write(body.ToArray());
        }
        else file.Write(body.ToArray());
        return file.ToArray();
    }

    private static string Ds(double v) => v.ToString("G10", CultureInfo.InvariantCulture);

    private static byte[] RleFrame(ReadOnlySpan<long> values, int pixels, int samples, int bytesPerSample)
    {
        int segments = samples * bytesPerSample;
        var header = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)segments);
        var data = new List<byte>();
        var plane = new byte[pixels];
        for (int s = 0; s < samples; s++)
            for (int b = 0; b < bytesPerSample; b++)
            {
                int shift = 8 * (bytesPerSample - 1 - b);   // most significant byte first
                for (int p = 0; p < pixels; p++) plane[p] = (byte)(values[s * pixels + p] >> shift);
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4 + 4 * (s * bytesPerSample + b)), (uint)(64 + data.Count));
                RleDecoder.EncodeSegment(plane, data);
                if (data.Count % 2 == 1) data.Add(0);
            }
        return [.. header, .. data];
    }

    // Element encoder for one byte order / VR style.
    private sealed class Writer(bool bigEndian, bool explicitVr)
    {
        private readonly MemoryStream _s = new();
        public long Length => _s.Length;
        public byte[] ToArray() => _s.ToArray();

        public void Text(DicomTag tag, string vr, string value)
        {
            var b = Encoding.ASCII.GetBytes(value);
            if (b.Length % 2 == 1) b = [.. b, vr == "UI" ? (byte)0 : (byte)' '];
            Bytes(tag, vr, b);
        }

        public void UShort(DicomTag tag, int value)
        {
            var b = new byte[2];
            if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)value); else BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)value);
            Bytes(tag, "US", b);
        }

        public void UInt(DicomTag tag, uint value)
        {
            var b = new byte[4];
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value); else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
            Bytes(tag, "UL", b);
        }

        public void Bytes(DicomTag tag, string vr, byte[] value)
        {
            Header(tag, vr, (uint)value.Length);
            _s.Write(value);
        }

        public void Encapsulated(DicomTag tag, List<byte[]> items)
        {
            Header(tag, "OB", 0xFFFFFFFF);
            foreach (var item in items) { Tag(DicomTag.Item); U32((uint)item.Length); _s.Write(item); }
            Tag(DicomTag.SequenceDelimiter); U32(0);
        }

        private void Header(DicomTag tag, string vr, uint length)
        {
            Tag(tag);
            if (!explicitVr) { U32(length); return; }
            _s.Write(Encoding.ASCII.GetBytes(vr));
            if (vr is "OB" or "OW" or "SQ" or "UN" or "UT") { _s.Write(new byte[2]); U32(length); }
            else U16((ushort)length);
        }

        private void Tag(DicomTag t) { U16(t.Group); U16(t.Element); }

        private void U16(ushort v)
        {
            Span<byte> b = stackalloc byte[2];
            if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v);
            _s.Write(b);
        }

        private void U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            _s.Write(b);
        }
    }
}
