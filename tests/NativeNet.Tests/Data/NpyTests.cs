using System.IO.Compression;
using System.Text;
using NativeNet.Data;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Data;

public class NpyTests
{
    // Writes an .npy exactly as numpy.save does (version 1.0 or 2.0 header, padded to 64 bytes).
    internal static byte[] Npy(string descr, bool fortran, int[] shape, byte[] data, int version = 1)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int pre = version == 1 ? 10 : 12;
        int total = (pre + dict.Length + 1 + 63) / 64 * 64;
        string header = dict.PadRight(total - pre - 1) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)version, 0]);
        if (version == 1) ms.Write(BitConverter.GetBytes((ushort)header.Length));
        else ms.Write(BitConverter.GetBytes((uint)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header));
        ms.Write(data);
        return ms.ToArray();
    }

    private static NpyArray Read(byte[] bytes) => NpyReader.ReadNpy(new MemoryStream(bytes), "mem.npy");

    [Fact]
    public void ReadsEveryDtypeAndOrder()
    {
        var f4 = Read(Npy("<f4", false, [2, 3], MemoryMarshalBytes([1f, 2, 3, 4, 5, 6])));
        Assert.Equal([2, 3], f4.Shape);
        Assert.Equal([1f, 2, 3, 4, 5, 6], f4.ToFloatArray());
        // Fortran order: the same logical [[1,2,3],[4,5,6]] stored column by column
        var fo = Read(Npy("<f8", true, [2, 3], [.. new double[] { 1, 4, 2, 5, 3, 6 }.SelectMany(BitConverter.GetBytes)]));
        Assert.Equal([1f, 2, 3, 4, 5, 6], fo.ToFloatArray());
        Assert.Equal([0L, 255], Read(Npy("|u1", false, [2], [0, 255])).ToInt64Array());
        Assert.Equal([1f, 0f, 1f], Read(Npy("|b1", false, [3], [1, 0, 1])).ToFloatArray());
        Assert.Equal([-2L, 1L << 40], Read(Npy("<i8", false, [2], [.. new long[] { -2, 1L << 40 }.SelectMany(BitConverter.GetBytes)])).ToInt64Array());
        Assert.Equal([-7L, 9], Read(Npy("<i4", false, [2], [.. new int[] { -7, 9 }.SelectMany(BitConverter.GetBytes)])).ToInt64Array());
        // big-endian int32 and a version 2.0 header
        Assert.Equal([258L], Read(Npy(">i4", false, [1], [0, 0, 1, 2], version: 2)).ToInt64Array());
        Assert.Empty(Read(Npy("<f4", false, [0, 5], [])).ToFloatArray());
    }

    [Fact]
    public void MalformedInputIsAClearError()
    {
        void Bad(byte[] bytes, string fragment)
        {
            var e = Assert.Throws<InvalidDataException>(() => Read(bytes));
            Assert.Contains("mem.npy", e.Message);
            Assert.Contains(fragment, e.Message);
        }
        Bad([1, 2, 3], "magic");
        Bad(Npy("<f4", false, [4], new byte[8]), "truncated data");
        Bad(Npy("<c8", false, [1], new byte[8]), "unsupported dtype '<c8'");
        Bad(Npy("<f4", false, [1], new byte[4], version: 1)[..20], "truncated .npy header");
        var noShape = Npy("<f4", false, [1], new byte[4]);
        Encoding.ASCII.GetBytes("'shap'").CopyTo(noShape, 10 + "{'descr': '<f4', 'fortran_order': False, ".Length);
        Bad(noShape, "malformed .npy header");
        Bad(Npy("<f4", false, [int.MaxValue, 4], []), "larger than 2 GiB");
    }

    [Fact]
    public void NpzLoadsMedMnistAndPlainLayouts()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nn-{Guid.NewGuid():N}.npz");
        try
        {
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            {
                void Add(string name, byte[] bytes) { using var s = zip.CreateEntry(name, CompressionLevel.Optimal).Open(); s.Write(bytes); }
                // two RGB 2x2 images, channels last, like MedMNIST's colour sets
                Add("train_images.npy", Npy("|u1", false, [2, 2, 2, 3], [.. Enumerable.Range(0, 24).Select(i => (byte)i)]));
                Add("train_labels.npy", Npy("<i8", false, [2, 1], [.. new long[] { 3, 1 }.SelectMany(BitConverter.GetBytes)]));
                Add("test_images.npy", Npy("|u1", false, [1, 2, 2], [0, 51, 102, 255]));
                Add("test_labels.npy", Npy("<i8", false, [1, 1], BitConverter.GetBytes(2L)));
            }
            var s = ImageNpz.Load(path);
            Assert.Equal([3, 2, 2], s.Train.SampleShape);
            Assert.Null(s.Validation);
            Assert.Equal([3f, 1f], s.Train.Targets);
            // pixel (y=0,x=1) of channel 2 of image 0 is element 0*12 + (0*2+1)*3 + 2 = 5
            Assert.Equal(5f / 255, s.Train.Features[2 * 4 + 1], 6);
            Assert.Equal([0.0, 0.2, 0.4, 1.0], s.Test!.Features.Select(v => Math.Round(v, 6)));
            Assert.Equal([1, 2, 2], s.Test.SampleShape);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void DigitsArchiveLoads()
    {
        var digits = ImageNpz.Load(TestData.Path("digits_8x8.npz"), scale: 1f / 16);
        Assert.Equal(1797, digits.Train.Count);
        Assert.Equal([1, 8, 8], digits.Train.SampleShape);
        Assert.Equal(Enumerable.Range(0, 10), digits.Train.GetLabels().Distinct().Order());
        Assert.Equal(1f, digits.Train.Features.Max());
        var e = Assert.Throws<InvalidDataException>(() => NpyReader.ReadNpz(TestData.Path("breast_cancer_wisconsin.csv")));
        Assert.Contains("not a .npz", e.Message);
    }

    private static byte[] MemoryMarshalBytes(float[] v) => [.. v.SelectMany(BitConverter.GetBytes)];
}
