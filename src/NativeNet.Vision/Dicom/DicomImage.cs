using System.Buffers.Binary;

namespace NativeNet.Vision.Dicom;

/// <summary>
/// The pixels of a DICOM image: <see cref="Frames"/> frames of <see cref="Samples"/> planes of
/// <see cref="Rows"/>×<see cref="Columns"/> stored values (planar, whatever the file's planar
/// configuration), after BitsStored/HighBit masking and sign extension, plus what is needed to map
/// them to modality units (rescale slope/intercept, e.g. Hounsfield units for CT) and to [0, 1].
/// </summary>
public sealed class DicomImage
{
    private DicomImage(string path, int frames, int samples, int rows, int columns, string photometric, int bitsAllocated, int bitsStored, bool signed,
        double slope, double intercept, bool hasRescale, double? windowCenter, double? windowWidth, double[] stored)
    {
        Path = path; Frames = frames; Samples = samples; Rows = rows; Columns = columns; Photometric = photometric;
        BitsAllocated = bitsAllocated; BitsStored = bitsStored; Signed = signed; RescaleSlope = slope; RescaleIntercept = intercept;
        HasRescale = hasRescale; WindowCenter = windowCenter; WindowWidth = windowWidth; StoredValues = stored;
    }

    /// <summary>The file.</summary>
    public string Path { get; }
    /// <summary>Number of frames (1 for a single image).</summary>
    public int Frames { get; }
    /// <summary>Samples per pixel: 1 (monochrome) or 3 (RGB, YBR).</summary>
    public int Samples { get; }
    /// <summary>Image height.</summary>
    public int Rows { get; }
    /// <summary>Image width.</summary>
    public int Columns { get; }
    /// <summary>Photometric interpretation (MONOCHROME1, MONOCHROME2, RGB, YBR_FULL; YBR_FULL_422 is expanded to YBR_FULL).</summary>
    public string Photometric { get; }
    /// <summary>Bits per stored sample container (1, 8, 16 or 32).</summary>
    public int BitsAllocated { get; }
    /// <summary>Significant bits per sample.</summary>
    public int BitsStored { get; }
    /// <summary>True for two's-complement samples (Pixel Representation 1).</summary>
    public bool Signed { get; }
    /// <summary>Rescale slope (1 when absent).</summary>
    public double RescaleSlope { get; }
    /// <summary>Rescale intercept (0 when absent).</summary>
    public double RescaleIntercept { get; }
    /// <summary>True when the file gives Rescale Slope and Intercept.</summary>
    public bool HasRescale { get; }
    /// <summary>The file's first Window Center, if any.</summary>
    public double? WindowCenter { get; }
    /// <summary>The file's first Window Width, if any.</summary>
    public double? WindowWidth { get; }
    /// <summary>Stored values, [frame, sample, row, column] row-major (exact integers).</summary>
    public double[] StoredValues { get; }

    /// <summary>Reads and decodes <paramref name="path"/>.</summary>
    public static DicomImage Load(string path) => Decode(DicomReader.Read(path));

    /// <summary>
    /// Decodes the pixels of <paramref name="ds"/>. JPEG-family and other compressed syntaxes
    /// throw <see cref="NotSupportedException"/> naming the syntax UID and the file; missing or
    /// inconsistent image attributes, and pixel data shorter than they require, throw
    /// <see cref="InvalidDataException"/> naming the file and the tag.
    /// </summary>
    public static DicomImage Decode(DicomDataset ds)
    {
        ArgumentNullException.ThrowIfNull(ds);
        var ts = ds.TransferSyntax;
        if (!ts.Supported)
            throw new NotSupportedException($"DICOM file '{ds.Path}': transfer syntax {ts.Uid} ({ts.Name}) is not supported; NativeNet reads uncompressed, deflated and RLE Lossless pixel data. Convert the file first (e.g. `dcmdjpeg` or `gdcmconv --raw`).");
        var pixel = ds.Get(DicomTag.PixelData) ?? throw ds.Invalid(DicomTag.PixelData, "the file holds no Pixel Data");
        int rows = ds.GetInt(DicomTag.Rows, "Rows"), columns = ds.GetInt(DicomTag.Columns, "Columns");
        int samples = ds.GetInt(DicomTag.SamplesPerPixel, "Samples per Pixel", 1);
        int bitsAllocated = ds.GetInt(DicomTag.BitsAllocated, "Bits Allocated");
        int bitsStored = ds.GetInt(DicomTag.BitsStored, "Bits Stored", bitsAllocated);
        int highBit = ds.GetInt(DicomTag.HighBit, "High Bit", bitsStored - 1);
        int representation = ds.GetInt(DicomTag.PixelRepresentation, "Pixel Representation", 0);
        int frames = ds.GetInt(DicomTag.NumberOfFrames, "Number of Frames", 1);
        if (frames == 0) frames = 1;
        int planar = samples > 1 ? ds.GetInt(DicomTag.PlanarConfiguration, "Planar Configuration", 0) : 0;
        string photometric = ds.GetText(DicomTag.PhotometricInterpretation) is { Length: > 0 } pi ? pi.ToUpperInvariant() : samples == 1 ? "MONOCHROME2" : "RGB";

        if (rows == 0 || columns == 0) throw ds.Invalid(rows == 0 ? DicomTag.Rows : DicomTag.Columns, $"the image is {rows}×{columns}");
        if (samples is not (1 or 3)) throw ds.Invalid(DicomTag.SamplesPerPixel, $"Samples per Pixel must be 1 or 3. Received: {samples}");
        if (bitsAllocated is not (1 or 8 or 16 or 32)) throw ds.Invalid(DicomTag.BitsAllocated, $"Bits Allocated must be 1, 8, 16 or 32. Received: {bitsAllocated}");
        if (bitsStored < 1 || bitsStored > bitsAllocated) throw ds.Invalid(DicomTag.BitsStored, $"Bits Stored must be in 1..{bitsAllocated}. Received: {bitsStored}");
        if (highBit < bitsStored - 1 || highBit >= bitsAllocated) throw ds.Invalid(DicomTag.HighBit, $"High Bit must be in {bitsStored - 1}..{bitsAllocated - 1}. Received: {highBit}");
        if (representation is not (0 or 1)) throw ds.Invalid(DicomTag.PixelRepresentation, $"Pixel Representation must be 0 or 1. Received: {representation}");
        if (planar is not (0 or 1)) throw ds.Invalid(DicomTag.PlanarConfiguration, $"Planar Configuration must be 0 or 1. Received: {planar}");
        bool monochrome = photometric is "MONOCHROME1" or "MONOCHROME2";
        if (monochrome != (samples == 1) || !(monochrome || photometric is "RGB" or "YBR_FULL" or "YBR_FULL_422"))
            throw ds.Invalid(DicomTag.PhotometricInterpretation, $"Photometric Interpretation {photometric} with {samples} sample(s) per pixel is not supported (MONOCHROME1/2, RGB, YBR_FULL, YBR_FULL_422)");
        if (bitsAllocated == 1 && samples != 1) throw ds.Invalid(DicomTag.BitsAllocated, "1-bit pixels must be monochrome");

        long pixels = (long)rows * columns;
        long total = pixels * samples * frames;
        int bytesPerSample = Math.Max(1, bitsAllocated / 8);
        double[] stored;
        Exception Fail(string what) => ds.Invalid(DicomTag.PixelData, what);
        if (ts.Rle)
        {
            if (pixel.Fragments is null) throw Fail("RLE Lossless pixel data must be encapsulated (undefined length)");
            if (bitsAllocated == 1) throw Fail("RLE Lossless with 1-bit pixels is not supported");
            stored = new double[CheckedTotal(total, pixel.Fragments.Sum(f => (long)f.Length) * 64, Fail)];
            var frameData = RleFrames(pixel.Fragments, frames, Fail);
            for (int f = 0; f < frames; f++)
            {
                var planes = RleDecoder.DecodeFrame(frameData[f].Span, (int)pixels, samples, bytesPerSample, Fail);
                Unpack(planes, false, bytesPerSample, stored.AsSpan((int)(f * pixels * samples), (int)(pixels * samples)));
            }
        }
        else
        {
            if (pixel.Fragments is not null) throw Fail($"pixel data is encapsulated but transfer syntax {ts.Uid} is uncompressed");
            var data = pixel.Value.Span;
            bool subsampled = photometric == "YBR_FULL_422";
            long needBytes = bitsAllocated == 1 ? (total + 7) / 8 : total * bytesPerSample / (subsampled ? 3 : 1) * (subsampled ? 2 : 1);
            if (data.Length < needBytes)
                throw Fail($"{frames} frame(s) of {rows}×{columns}×{samples} at {bitsAllocated} bits need {needBytes} bytes of pixel data; the file has {data.Length}");
            stored = new double[total];
            if (bitsAllocated == 1)
                for (long i = 0; i < total; i++) stored[i] = (data[(int)(i >> 3)] >> (int)(i & 7)) & 1;
            else if (subsampled)
                ExpandYbr422(data, bytesPerSample, ts.BigEndian, stored);
            else
                Unpack(data[..(int)needBytes], ts.BigEndian, bytesPerSample, stored);
            if (samples > 1 && (planar == 0 || subsampled)) Deinterleave(stored, frames, (int)pixels, samples);
        }
        if (photometric == "YBR_FULL_422") photometric = "YBR_FULL";
        if (bitsAllocated > 1) Mask(stored, bitsAllocated, bitsStored, highBit, representation == 1);
        else if (representation == 1) throw ds.Invalid(DicomTag.PixelRepresentation, "1-bit pixels cannot be signed");

        bool hasRescale = ds.Contains(DicomTag.RescaleSlope) && ds.Contains(DicomTag.RescaleIntercept);
        double slope = ds.GetNumber(DicomTag.RescaleSlope, "Rescale Slope") ?? 1;
        double intercept = ds.GetNumber(DicomTag.RescaleIntercept, "Rescale Intercept") ?? 0;
        double? width = ds.GetNumber(DicomTag.WindowWidth, "Window Width");
        if (width is <= 0) width = null;
        return new DicomImage(ds.Path, frames, samples, rows, columns, photometric, bitsAllocated, bitsStored, representation == 1,
            slope, intercept, hasRescale && ds.Get(DicomTag.RescaleSlope)!.Text.Length > 0, ds.GetNumber(DicomTag.WindowCenter, "Window Center"), width, stored);
    }

    private static long CheckedTotal(long total, long limit, Func<string, Exception> fail) =>
        total <= limit && total <= Array.MaxLength ? total : throw fail($"the header claims {total} samples, more than the compressed data can hold");

    // One frame per fragment when there are as many fragments as frames; a single frame may span several fragments.
    private static List<ReadOnlyMemory<byte>> RleFrames(IReadOnlyList<ReadOnlyMemory<byte>> items, int frames, Func<string, Exception> fail)
    {
        var fragments = items.Skip(1).ToList();   // item 0 is the basic offset table
        if (frames == 1 && fragments.Count >= 1)
            return [fragments.Count == 1 ? fragments[0] : fragments.SelectMany(f => f.ToArray()).ToArray()];
        if (fragments.Count != frames) throw fail($"{frames} frames but {fragments.Count} RLE fragments");
        return fragments;
    }

    private static void Unpack(ReadOnlySpan<byte> data, bool bigEndian, int bytesPerSample, Span<double> dest)
    {
        switch (bytesPerSample)
        {
            case 1:
                for (int i = 0; i < dest.Length; i++) dest[i] = data[i];
                break;
            case 2:
                for (int i = 0; i < dest.Length; i++)
                    dest[i] = bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(data[(2 * i)..]) : BinaryPrimitives.ReadUInt16LittleEndian(data[(2 * i)..]);
                break;
            default:
                for (int i = 0; i < dest.Length; i++)
                    dest[i] = bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data[(4 * i)..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[(4 * i)..]);
                break;
        }
    }

    // Y1 Y2 Cb Cr → (Y1 Cb Cr)(Y2 Cb Cr), interleaved like a planar-configuration-0 image.
    private static void ExpandYbr422(ReadOnlySpan<byte> data, int bytesPerSample, bool bigEndian, double[] dest)
    {
        var packed = new double[dest.Length / 3 * 2];
        Unpack(data[..(packed.Length * bytesPerSample)], bigEndian, bytesPerSample, packed);
        for (int p = 0, o = 0; p + 3 < packed.Length && o + 5 < dest.Length; p += 4, o += 6)
        {
            dest[o] = packed[p]; dest[o + 1] = packed[p + 2]; dest[o + 2] = packed[p + 3];
            dest[o + 3] = packed[p + 1]; dest[o + 4] = packed[p + 2]; dest[o + 5] = packed[p + 3];
        }
    }

    // Interleaved (RGBRGB…) frames → planar (RR…GG…BB…) in place, frame by frame.
    private static void Deinterleave(double[] values, int frames, int pixels, int samples)
    {
        var tmp = new double[pixels * samples];
        for (int f = 0; f < frames; f++)
        {
            var frame = values.AsSpan(f * pixels * samples, pixels * samples);
            for (int p = 0; p < pixels; p++)
                for (int s = 0; s < samples; s++) tmp[s * pixels + p] = frame[p * samples + s];
            tmp.CopyTo(frame);
        }
    }

    // Keeps bits (HighBit−BitsStored+1)..HighBit and sign-extends them for signed data.
    private static void Mask(double[] values, int bitsAllocated, int bitsStored, int highBit, bool signed)
    {
        int shift = highBit + 1 - bitsStored;
        ulong mask = bitsStored == 64 ? ulong.MaxValue : (1UL << bitsStored) - 1;
        long signBit = 1L << (bitsStored - 1);
        for (int i = 0; i < values.Length; i++)
        {
            ulong raw = (ulong)values[i];
            long v = (long)((raw >> shift) & mask);
            if (signed && (v & signBit) != 0) v -= 1L << bitsStored;
            values[i] = v;
        }
    }

    /// <summary>Modality values of the whole image (stored · slope + intercept), [frame, sample, row, column].</summary>
    public double[] ModalityValues()
    {
        var r = new double[StoredValues.Length];
        for (int i = 0; i < r.Length; i++) r[i] = StoredValues[i] * RescaleSlope + RescaleIntercept;
        return r;
    }

    /// <summary>
    /// Frame <paramref name="frame"/> as float CHW in [0, 1]: monochrome scaled by the stored range
    /// (signed data shifted up by half), MONOCHROME1 inverted so bright means dense everywhere,
    /// YBR_FULL converted to RGB.
    /// </summary>
    public float[] FrameToUnitRange(int frame)
    {
        CheckFrame(frame);
        int n = Samples * Rows * Columns;
        var src = StoredValues.AsSpan(frame * n, n);
        var r = new float[n];
        double max = Math.Pow(2, BitsStored) - 1, offset = Signed ? Math.Pow(2, BitsStored - 1) : 0;
        if (Photometric == "YBR_FULL")
        {
            int plane = Rows * Columns;
            double half = (max + 1) / 2;
            for (int p = 0; p < plane; p++)
            {
                double y = src[p], cb = src[plane + p] - half, cr = src[2 * plane + p] - half;
                r[p] = Unit(y + 1.402 * cr, max);
                r[plane + p] = Unit(y - 0.344136 * cb - 0.714136 * cr, max);
                r[2 * plane + p] = Unit(y + 1.772 * cb, max);
            }
            return r;
        }
        bool invert = Photometric == "MONOCHROME1";
        for (int i = 0; i < n; i++)
        {
            float v = Unit(src[i] + offset, max);
            r[i] = invert ? 1 - v : v;
        }
        return r;
    }

    /// <summary>Frame <paramref name="frame"/> in modality units (e.g. HU), float CHW; windowing (<see cref="Transforms.DicomWindow"/>) maps it to [0, 1].</summary>
    public float[] FrameModality(int frame)
    {
        CheckFrame(frame);
        int n = Samples * Rows * Columns;
        var r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float)(StoredValues[frame * n + i] * RescaleSlope + RescaleIntercept);
        return r;
    }

    private void CheckFrame(int frame)
    {
        if ((uint)frame >= (uint)Frames) throw new ArgumentOutOfRangeException(nameof(frame), frame, $"frame must be in 0..{Frames - 1}. Received: frame={frame}");
    }

    private static float Unit(double v, double max) => (float)Math.Clamp(v / max, 0, 1);
}
