using System.Globalization;
using NativeNet.Data;
using NativeNet.Tests.Support;
using NativeNet.Vision.Datasets;
using NativeNet.Vision.Dicom;
using NativeNet.Vision.Imaging;
using NativeNet.Vision.Transforms;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.PixelFormats;

namespace NativeNet.Tests.Vision;

/// <summary>Image decoding, the DICOM writer/reader round trip and refusals, transforms against torchvision, ImageFolder order, loader determinism.</summary>
public sealed class VisionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nn-vision").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Syntaxes => new()
    {
        TransferSyntax.ExplicitLittle.Uid, TransferSyntax.ImplicitLittle.Uid, TransferSyntax.ExplicitBig.Uid,
        TransferSyntax.DeflatedExplicitLittle.Uid, TransferSyntax.RleLossless.Uid,
    };

    [Theory]
    [MemberData(nameof(Syntaxes))]
    public void Dicom_writer_and_reader_round_trip_every_syntax(string uid)
    {
        var rng = new Random(uid.Length);
        var ts = TransferSyntax.FromUid(uid);
        foreach (var (samples, bits, signed, frames, part10) in new[] { (1, 16, true, 1, true), (1, 16, false, 3, false), (3, 8, false, 2, true), (1, 8, false, 1, true) })
        {
            int rows = 7, cols = 5, stored = bits == 16 ? 12 : 8;
            long lo = signed ? -(1L << (stored - 1)) : 0, hi = signed ? (1L << (stored - 1)) - 1 : (1L << stored) - 1;
            var values = Enumerable.Range(0, frames * samples * rows * cols).Select(_ => rng.NextInt64(lo, hi + 1)).ToArray();
            var spec = new DicomWriteSpec
            {
                Rows = rows, Columns = cols, Values = values, Frames = frames, Samples = samples, Photometric = samples == 3 ? "RGB" : "MONOCHROME2",
                BitsAllocated = bits, BitsStored = stored, Signed = signed, Rescale = (2.5, -1024), Window = (40, 400), Syntax = ts,
                Part10 = part10 || ts.Deflated || ts.Rle, PlanarConfiguration = frames % 2,
            };
            string path = Path.Combine(_dir, $"rt_{samples}_{bits}_{frames}.dcm");
            DicomWriter.Write(path, spec);
            var image = DicomImage.Load(path);
            Assert.Equal((frames, samples, rows, cols), (image.Frames, image.Samples, image.Rows, image.Columns));
            Assert.Equal(values.Select(v => (double)v), image.StoredValues);
            Assert.Equal(values.Select(v => v * 2.5 - 1024), image.ModalityValues());
            Assert.Equal((40.0, 400.0), (image.WindowCenter!.Value, image.WindowWidth!.Value));
        }
    }

    [Fact]
    public void Dicom_refusals_name_the_file_and_the_tag_or_syntax()
    {
        var spec = new DicomWriteSpec { Rows = 16, Columns = 16, Values = new long[256] };
        var bytes = DicomWriter.Serialize(spec);
        for (int cut = 0; cut < bytes.Length; cut += 37)
        {
            var e = Assert.Throws<InvalidDataException>(() => DicomImage.Decode(DicomReader.Read(bytes[..cut], "cut.dcm")));
            Assert.Contains("'cut.dcm'", e.Message);
            Assert.Contains("(tag (", e.Message);
        }
        var jpeg = DicomWriter.Serialize(new DicomWriteSpec { Rows = 2, Columns = 2, Values = new long[4], Syntax = TransferSyntax.FromUid("1.2.840.10008.1.2.4.50") });
        var ns = Assert.Throws<NotSupportedException>(() => DicomImage.Decode(DicomReader.Read(jpeg, "jpeg.dcm")));
        Assert.Contains("1.2.840.10008.1.2.4.50", ns.Message);
        Assert.Contains("jpeg.dcm", ns.Message);
        string text = Path.Combine(_dir, "notes.dcm");
        File.WriteAllText(text, "Patient notes: not an image at all, just some text in a file named .dcm\n");
        var t = Assert.Throws<InvalidDataException>(() => ImageFile.Load(text, 1));
        Assert.Contains(text, t.Message);
    }

    [Fact]
    public void Image_files_decode_to_unit_range_chw_for_every_format_and_depth()
    {
        var rgb = new Image<Rgb24>(6, 4);
        var grey16 = new Image<L16>(6, 4);
        var rgba = new Image<Rgba32>(6, 4);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++)
            {
                rgb[x, y] = new Rgb24((byte)(40 * x), (byte)(60 * y), (byte)(x * y * 10));
                grey16[x, y] = new L16((ushort)(x * 10000 + y * 300));
                rgba[x, y] = new Rgba32((byte)(40 * x), (byte)(60 * y), (byte)(x * y * 10), (byte)(x * 40));
            }
        void Check(string name, Image image, IImageEncoderLike encoder, bool exact)
        {
            string path = Path.Combine(_dir, name);
            encoder.Save(image, path);
            var decoded = ImageFile.Load(path, 3);
            Assert.Equal([3, 4, 6], decoded.Shape);
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 6; x++)
                {
                    float r = decoded.Data[y * 6 + x], g = decoded.Data[24 + y * 6 + x], b = decoded.Data[48 + y * 6 + x];
                    float er = 40 * x / 255f, eg = 60 * y / 255f, eb = x * y * 10 / 255f;
                    float tol = exact ? 1e-6f : 0.08f;
                    Assert.True(Math.Abs(r - er) <= tol && Math.Abs(g - eg) <= tol && Math.Abs(b - eb) <= tol, $"{name} ({x},{y}): {r},{g},{b} vs {er},{eg},{eb}");
                }
        }
        Check("a.png", rgb, new Enc(new PngEncoder()), true);
        Check("a.bmp", rgb, new Enc(new BmpEncoder()), true);
        Check("a.tiff", rgb, new Enc(new TiffEncoder()), true);
        Check("rgba.png", rgba, new Enc(new PngEncoder()), true);      // alpha dropped
        Check("a.jpg", rgb, new Enc(new JpegEncoder { Quality = 100 }), false);

        string p16 = Path.Combine(_dir, "g16.png");
        grey16.Save(p16, new PngEncoder { BitDepth = PngBitDepth.Bit16, ColorType = PngColorType.Grayscale });
        var g = ImageFile.Load(p16, 1);
        Assert.Equal([1, 4, 6], g.Shape);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++) Assert.Equal((x * 10000 + y * 300) / 65535f, g.Data[y * 6 + x]);
        var g3 = ImageFile.Load(p16, 3);
        Assert.Equal(g.Data, g3.Data.AsSpan(48, 24).ToArray());

        // Palette: a GIF of four flat colours; grey conversion is 0.299 R + 0.587 G + 0.114 B.
        var pal = new Image<Rgb24>(4, 1);
        pal[0, 0] = new Rgb24(255, 0, 0); pal[1, 0] = new Rgb24(0, 255, 0); pal[2, 0] = new Rgb24(0, 0, 255); pal[3, 0] = new Rgb24(128, 128, 128);
        string gif = Path.Combine(_dir, "p.gif");
        pal.Save(gif, new GifEncoder());
        var grey = ImageFile.Load(gif, 1);
        float[] expectedGrey = [0.2989f, 0.587f, 0.114f, 128 / 255f];
        for (int i = 0; i < 4; i++) Assert.True(Math.Abs(grey.Data[i] - expectedGrey[i]) < 0.01f, $"palette pixel {i}: {grey.Data[i]} vs {expectedGrey[i]}");
    }

    [Fact]
    public void Broken_image_files_are_InvalidDataException_naming_the_file()
    {
        var img = new Image<Rgb24>(32, 32);
        string jpg = Path.Combine(_dir, "full.jpg");
        img.Save(jpg, new JpegEncoder());
        var bytes = File.ReadAllBytes(jpg);
        string cut = Path.Combine(_dir, "cut.jpg");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        Assert.Contains("cut.jpg", Assert.Throws<InvalidDataException>(() => ImageFile.Load(cut, 3)).Message);
        string empty = Path.Combine(_dir, "empty.png");
        File.WriteAllBytes(empty, []);
        Assert.Contains("empty.png", Assert.Throws<InvalidDataException>(() => ImageFile.Load(empty, 3)).Message);
        string text = Path.Combine(_dir, "text.png");
        File.WriteAllText(text, "hello");
        Assert.Contains("text.png", Assert.Throws<InvalidDataException>(() => ImageFile.Load(text, 3)).Message);
    }

    [PythonFact("torch", "torchvision")]
    public void Resize_blur_jitter_and_crop_match_torchvision()
    {
        int c = 3, h = 23, w = 19;
        var rng = new Random(5);
        var data = Enumerable.Range(0, c * h * w).Select(_ => (float)rng.NextDouble()).ToArray();
        string src = Path.Combine(_dir, "x.f32");
        File.WriteAllBytes(src, data.SelectMany(BitConverter.GetBytes).ToArray());
        var r = Python.Run(TimeSpan.FromSeconds(120), Path.Combine(AppContext.BaseDirectory, "Vision", "Python", "torchvision_ops.py"), "transforms", src, "3", "23", "19", _dir);
        Assert.True(r.ExitCode == 0, r.StdErr);
        FloatImage X() => new((float[])data.Clone(), c, h, w);
        var ours = new Dictionary<string, FloatImage>
        {
            ["down_aa"] = Resampler.Resize(X(), 7, 11, antialias: true),
            ["down_noaa"] = Resampler.Resize(X(), 7, 11, antialias: false),
            ["up_noaa"] = Resampler.Resize(X(), 41, 37, antialias: false),
            ["up_aa"] = Resampler.Resize(X(), 41, 37, antialias: true),
            ["blur_5_0.8"] = GaussianBlur.Blur(X(), 5, 0.8),
            ["contrast_1.7"] = Apply(X(), i => ColorJitter.Contrast(i, 1.7f)),
            ["brightness_0.6"] = Apply(X(), i => ColorJitter.Brightness(i, 0.6f)),
            ["center_crop_9x6"] = new CenterCrop(9, 6).Apply(X(), rng),
            ["center_crop_30x40"] = new CenterCrop(30, 40).Apply(X(), rng),
        };
        foreach (var line in r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            var expected = File.ReadAllBytes(Path.Combine(_dir, f[0] + ".f32"));
            var e = new float[expected.Length / 4];
            Buffer.BlockCopy(expected, 0, e, 0, expected.Length);
            var o = ours[f[0]];
            Assert.Equal([int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture)], o.Shape);
            for (int i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(e[i] - o.Data[i]) <= 2e-6f, $"{f[0]}[{i}]: torchvision {e[i]}, NativeNet {o.Data[i]}");
        }
        Assert.Equal(ours.Count, r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static FloatImage Apply(FloatImage image, Action<FloatImage> op) { op(image); return image; }

    [PythonFact("torchvision")]
    public void ImageFolder_orders_classes_and_files_like_torchvision()
    {
        string root = Path.Combine(_dir, "folder");
        string[] files = ["b/z.png", "b/a.PNG", "b/x/1.png", "b/x-1/2.jpg", "b/x0/3.png", "A/k.dcm", "A/sub/j.bmp", "a/_.tif", "a/notes.txt", "a/B.jpeg", "b/x/y/4.gif"];
        foreach (var f in files)
        {
            string p = Path.Combine(root, f);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, "x");
        }
        var (classes, ours) = ImageFolder.Scan(root);
        var r = Python.Run(TimeSpan.FromSeconds(120), Path.Combine(AppContext.BaseDirectory, "Vision", "Python", "torchvision_ops.py"), "folder", root);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var theirs = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).Select(p => (p[1], int.Parse(p[0], CultureInfo.InvariantCulture))).ToList();
        // torchvision's IMG_EXTENSIONS lack DICOM and GIF: compare the others in order.
        Assert.Equal(theirs, ours.Where(o => !o.Path.EndsWith(".dcm", StringComparison.Ordinal) && !o.Path.EndsWith(".gif", StringComparison.Ordinal)).ToList());
        Assert.Equal(ours.Count - 2, theirs.Count);
        Assert.Equal(["A", "a", "b"], classes);
    }

    [Fact]
    public void Loader_batches_and_augmentation_are_the_same_for_any_worker_count()
    {
        string root = Path.Combine(_dir, "aug");
        var rng = new Random(3);
        for (int i = 0; i < 23; i++)
        {
            string cls = Path.Combine(root, i % 2 == 0 ? "normal" : "pneumonia");
            Directory.CreateDirectory(cls);
            var img = new Image<L8>(20, 16);
            for (int y = 0; y < 16; y++) for (int x = 0; x < 20; x++) img[x, y] = new L8((byte)rng.Next(256));
            if (i % 3 == 0) img.Save(Path.Combine(cls, $"{i}.png"), new PngEncoder());
            else DicomWriter.Write(Path.Combine(cls, $"{i}.dcm"), new DicomWriteSpec { Rows = 16, Columns = 20, Values = Enumerable.Range(0, 320).Select(_ => rng.NextInt64(4096)).ToArray(), BitsStored = 12 });
        }
        var augment = new Compose(new Resize(12, 12), new RandomResizedCrop(10), new RandomHorizontalFlip(), new RandomRotation(10), new ColorJitter(0.2, 0.2), new GaussianBlur(3), new Normalize([0.5f], [0.25f]));
        var data = ImageFolder.Load(root, 1, 10, 10, augment);
        List<float[]> Epochs(int workers, int prefetch)
        {
            var loader = new DataLoader(data, batchSize: 4, seed: 9, prefetch: prefetch, workers: workers);
            return Enumerable.Range(0, 2).SelectMany(e => loader.GetEpoch(e)).Select(b => b.Features.Concat(b.Targets).ToArray()).ToList();
        }
        var one = Epochs(1, 0);
        var many = Epochs(3, 2);
        Assert.Equal(one.Count, many.Count);
        for (int i = 0; i < one.Count; i++) Assert.Equal(one[i], many[i]);
        Assert.NotEqual(one[0], one[6]);                                     // epoch 2 differs (order and augmentation)
        Assert.Equal(["normal", "pneumonia"], data.Classes);
    }

    // ImageSharp's Save(path, encoder) for any pixel type.
    private interface IImageEncoderLike { void Save(Image image, string path); }

    private sealed class Enc(SixLabors.ImageSharp.Formats.IImageEncoder encoder) : IImageEncoderLike
    {
        public void Save(Image image, string path) => image.Save(path, encoder);
    }
}
