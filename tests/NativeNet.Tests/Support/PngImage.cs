using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace NativeNet.Tests.Support;

/// <summary>
/// A tiny PNG reader for screenshot checks: 8-bit greyscale, RGB or RGBA, not interlaced (what
/// Chromium writes). Verifies the signature and chunk layout, inflates the IDAT stream with
/// <see cref="ZLibStream"/> and undoes the per-row filters, so tests can look at real pixels.
/// </summary>
internal sealed class PngImage
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    private readonly byte[] _pixels; // unfiltered rows, _channels bytes per pixel
    private readonly int _channels;

    private PngImage(int width, int height, int channels, byte[] pixels)
    {
        Width = width;
        Height = height;
        _channels = channels;
        _pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>The pixel's colour as 0xRRGGBB (alpha ignored).</summary>
    public int Rgb(int x, int y)
    {
        int i = (y * Width + x) * _channels;
        return _channels < 3 ? _pixels[i] * 0x010101 : (_pixels[i] << 16) | (_pixels[i + 1] << 8) | _pixels[i + 2];
    }

    public static PngImage Decode(byte[] png)
    {
        if (png.Length < 8 + 25 || !png.AsSpan(0, 8).SequenceEqual(Signature))
            throw new InvalidDataException($"Not a PNG file: the 8-byte signature is missing (length {png.Length}).");
        int pos = 8, width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        bool sawHeader = false, sawEnd = false;
        while (pos + 8 <= png.Length && !sawEnd)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            if (length < 0 || pos + 12 + length > png.Length)
                throw new InvalidDataException($"PNG chunk '{type}' at byte {pos} runs past the end of the file.");
            var data = png.AsSpan(pos + 8, length);
            switch (type)
            {
                case "IHDR":
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    byte depth = data[8], colorType = data[9], interlace = data[12];
                    channels = colorType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
                    if (depth != 8 || channels == 0 || interlace != 0)
                        throw new NotSupportedException($"PNG bit depth {depth}, colour type {colorType}, interlace {interlace} is not supported.");
                    sawHeader = true;
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
            }
            pos += 12 + length;
        }
        if (!sawHeader || !sawEnd || idat.Length == 0)
            throw new InvalidDataException($"PNG is incomplete: IHDR {sawHeader}, IDAT {idat.Length} bytes, IEND {sawEnd}.");

        int stride = width * channels;
        var raw = new byte[(long)(stride + 1) * height];
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress))
            z.ReadExactly(raw);
        return new PngImage(width, height, channels, Unfilter(raw, stride, height, channels));
    }

    private static byte[] Unfilter(byte[] raw, int stride, int height, int bpp)
    {
        var output = new byte[(long)stride * height];
        for (int y = 0; y < height; y++)
        {
            int filter = raw[y * (stride + 1)];
            var src = raw.AsSpan(y * (stride + 1) + 1, stride);
            var row = output.AsSpan(y * stride, stride);
            var prev = y > 0 ? output.AsSpan((y - 1) * stride, stride) : new byte[stride];
            for (int x = 0; x < stride; x++)
            {
                int a = x >= bpp ? row[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"PNG row {y} has unknown filter type {filter}."),
                };
                row[x] = (byte)(src[x] + predictor);
            }
        }
        return output;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
