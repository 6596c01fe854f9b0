using NativeNet.Vision.Dicom;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace NativeNet.Vision.Imaging;

/// <summary>How DICOM pixels become floats.</summary>
public enum DicomValues
{
    /// <summary>Stored values scaled to [0, 1] by their bit depth (MONOCHROME1 inverted, YBR converted to RGB).</summary>
    UnitRange,
    /// <summary>Modality units (stored · slope + intercept, e.g. Hounsfield units); follow with a <see cref="Transforms.DicomWindow"/>.</summary>
    Modality,
}

/// <summary>
/// Reads one image file into a float CHW image: PNG, JPEG, BMP, TIFF and GIF (first frame) through
/// SixLabors.ImageSharp, 8- or 16-bit, grey, RGB, RGBA (alpha dropped) or palette, scaled to
/// [0, 1] (16-bit by 65535); DICOM (a .dcm/.dicom name or the DICM marker) through
/// <see cref="DicomImage"/>. A file that cannot be decoded is an <see cref="InvalidDataException"/>
/// naming it and the reason; an unsupported DICOM syntax a <see cref="NotSupportedException"/>.
/// </summary>
public static class ImageFile
{
    /// <summary>File extensions recognised as images (lower case, with the dot).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { ".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".gif", ".dcm", ".dicom" };

    /// <summary>True when <paramref name="path"/> has an image extension.</summary>
    public static bool IsImagePath(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>Loads <paramref name="path"/> with <paramref name="channels"/> channels (1 or 3); a multi-frame DICOM gives its first frame.</summary>
    public static FloatImage Load(string path, int channels, DicomValues dicom = DicomValues.UnitRange)
    {
        byte[] bytes = ReadBytes(path);
        return Decode(bytes, path, channels, dicom);
    }

    /// <summary>Loads <paramref name="path"/> with the channels it has: 1 for grey (and monochrome DICOM), 3 for colour.</summary>
    public static FloatImage LoadAsStored(string path)
    {
        byte[] bytes = ReadBytes(path);
        return IsDicom(bytes, path) ? DicomFrames(bytes, path, DicomValues.UnitRange, firstOnly: true)[0] : DecodeBitmap(bytes, path);
    }

    /// <summary>Decodes an image file already in memory; <paramref name="path"/> names it in errors and picks DICOM by extension.</summary>
    public static FloatImage Decode(byte[] bytes, string path, int channels, DicomValues dicom = DicomValues.UnitRange)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be 1 or 3. Received: channels={channels}");
        if (IsDicom(bytes, path)) return DicomFrames(bytes, path, dicom, firstOnly: true)[0].WithChannels(channels);
        return DecodeBitmap(bytes, path).WithChannels(channels);
    }

    /// <summary>Every frame of a DICOM file as images (a batch), with <paramref name="channels"/> channels.</summary>
    public static IReadOnlyList<FloatImage> LoadDicomFrames(string path, int channels, DicomValues dicom = DicomValues.UnitRange) =>
        DicomFrames(ReadBytes(path), path, dicom, firstOnly: false).Select(f => f.WithChannels(channels)).ToList();

    private static bool IsDicom(byte[] bytes, string path) =>
        Path.GetExtension(path) is var e && (e.Equals(".dcm", StringComparison.OrdinalIgnoreCase) || e.Equals(".dicom", StringComparison.OrdinalIgnoreCase))
        || DicomReader.HasPreamble(bytes);

    private static byte[] ReadBytes(string path)
    {
        try { return File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Image file '{path}': cannot be read ({e.Message})", e);
        }
    }

    private static List<FloatImage> DicomFrames(byte[] bytes, string path, DicomValues mode, bool firstOnly)
    {
        var image = DicomImage.Decode(DicomReader.Read(bytes, path));
        int count = firstOnly ? 1 : image.Frames;
        var frames = new List<FloatImage>(count);
        for (int f = 0; f < count; f++)
            frames.Add(new FloatImage(mode == DicomValues.Modality ? image.FrameModality(f) : image.FrameToUnitRange(f), image.Samples == 1 ? 1 : 3, image.Rows, image.Columns));
        return frames;
    }

    private static FloatImage DecodeBitmap(byte[] bytes, string path)
    {
        if (bytes.Length == 0) throw new InvalidDataException($"Image file '{path}': the file is empty (0 bytes).");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        // ImageSharp fills a JPEG cut short with grey instead of failing; the end-of-image marker tells.
        if (ext is ".jpg" or ".jpeg" && !HasJpegEnd(bytes))
            throw new InvalidDataException($"Image file '{path}': the JPEG data is truncated (no end-of-image marker).");
        try
        {
            using var img = Image.Load<Rgba64>(bytes);
            int h = img.Height, w = img.Width, n = h * w;
            var data = new float[3 * n];
            bool grey = true;
            img.ProcessPixelRows(rows =>
            {
                for (int y = 0; y < h; y++)
                {
                    var row = rows.GetRowSpan(y);
                    for (int x = 0; x < w; x++)
                    {
                        var p = row[x];
                        data[y * w + x] = p.R / 65535f;
                        data[n + y * w + x] = p.G / 65535f;
                        data[2 * n + y * w + x] = p.B / 65535f;
                        grey &= p.R == p.G && p.G == p.B;
                    }
                }
            });
            return grey ? new FloatImage(data[..n], 1, h, w) : new FloatImage(data, 3, h, w);
        }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException or ImageFormatException or NotSupportedException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new InvalidDataException($"Image file '{path}': cannot be decoded ({e.Message.TrimEnd('.')}).", e);
        }
    }

    // FF D9 within the last bytes (writers may pad after it).
    private static bool HasJpegEnd(byte[] b)
    {
        for (int i = b.Length - 2; i >= Math.Max(0, b.Length - 64); i--)
            if (b[i] == 0xFF && b[i + 1] == 0xD9) return true;
        return false;
    }
}
