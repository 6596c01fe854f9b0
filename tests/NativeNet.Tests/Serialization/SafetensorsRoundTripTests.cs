using System.Buffers.Binary;
using System.Text;
using NativeNet.Serialization;

namespace NativeNet.Tests.Serialization;

public class SafetensorsRoundTripTests
{
    private static byte[] Sample() => SafetensorsWriter.Serialize(
    [
        SafetensorsTensor.FromFloat32("layer.weight", [2, 3], [1f, -2f, 3.5f, 0f, float.MaxValue, -0.125f]),
        SafetensorsTensor.FromFloat32("layer.bias", [2], [0.5f, -1.5f], SafetensorsDtype.BF16),
        SafetensorsTensor.FromInt64("bn.num_batches_tracked", [], [42]),
        SafetensorsTensor.FromFloat32("half", [3], [1f, 65504f, -0.000061035156f], SafetensorsDtype.F16),
        SafetensorsTensor.FromFloat32("empty", [0, 4], []),
    ], new Dictionary<string, string> { ["op"] = "linear", ["ünïcode"] = "✓" });

    [Fact]
    public void Written_file_reads_back_in_given_order_with_values_and_metadata()
    {
        using var f = SafetensorsFile.Parse(Sample());
        Assert.Equal(["layer.weight", "layer.bias", "bn.num_batches_tracked", "half", "empty"], f.Entries.Select(e => e.Name));
        Assert.Equal([1f, -2f, 3.5f, 0f, float.MaxValue, -0.125f], f["layer.weight"].ToFloat32());
        Assert.Equal([2L, 3L], f["layer.weight"].Shape);
        Assert.Equal(SafetensorsDtype.BF16, f["layer.bias"].Dtype);
        Assert.Equal([0.5f, -1.5f], f["layer.bias"].ToFloat32());
        Assert.Equal([42L], f["bn.num_batches_tracked"].ToInt64());
        Assert.Empty(f["bn.num_batches_tracked"].Shape);
        Assert.Equal(1, f["bn.num_batches_tracked"].ElementCount);
        Assert.Equal([1f, 65504f, -0.000061035156f], f["half"].ToFloat32());
        Assert.Equal(0, f["empty"].ElementCount);
        Assert.Equal("linear", f.Metadata["op"]);
        Assert.Equal("✓", f.Metadata["ünïcode"]);
        Assert.False(f.TryGet("missing", out _));
        var ex = Assert.Throws<KeyNotFoundException>(() => f["missing"]);
        Assert.Contains("missing", ex.Message);
    }

    [Fact]
    public void Header_is_padded_with_spaces_to_a_multiple_of_8()
    {
        byte[] bytes = Sample();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.StartsWith("{", header);
        Assert.EndsWith("}", header.TrimEnd(' '));
        Assert.True(header.Length - header.TrimEnd(' ').Length < 8);
    }

    [Fact]
    public void Bfloat16_rounds_to_nearest_even_like_pytorch()
    {
        // 1 + 2^-8 is halfway between bf16 1.0 and 1.0078125: ties go to even (1.0).
        // 1 + 3*2^-8 is halfway between 1.0078125 and 1.015625: ties go to even (1.015625).
        float[] values = [1f + 1f / 256, 1f + 3f / 256, 1f + 1.5f / 256, float.NaN, float.PositiveInfinity];
        using var f = SafetensorsFile.Parse(SafetensorsWriter.Serialize([SafetensorsTensor.FromFloat32("x", [5], values, SafetensorsDtype.BF16)]));
        var back = f["x"].ToFloat32();
        Assert.Equal(1f, back[0]);
        Assert.Equal(1.015625f, back[1]);
        Assert.Equal(1.0078125f, back[2]);
        Assert.True(float.IsNaN(back[3]));
        Assert.Equal(float.PositiveInfinity, back[4]);
    }

    [Fact]
    public void Every_dtype_converts_to_float32()
    {
        var cases = new (SafetensorsDtype Dtype, byte[] Bytes, float[] Expected)[]
        {
            (SafetensorsDtype.BOOL, [0, 1, 1], [0, 1, 1]),
            (SafetensorsDtype.U8, [0, 200, 255], [0, 200, 255]),
            (SafetensorsDtype.I8, [0, 0x80, 0xFF], [0, -128, -1]),
            (SafetensorsDtype.U16, [0xFF, 0xFF], [65535]),
            (SafetensorsDtype.I16, [0x00, 0x80], [-32768]),
            (SafetensorsDtype.U32, [0x01, 0, 0, 0], [1]),
            (SafetensorsDtype.I32, [0xFE, 0xFF, 0xFF, 0xFF], [-2]),
            (SafetensorsDtype.U64, [0x10, 0, 0, 0, 0, 0, 0, 0], [16]),
            (SafetensorsDtype.I64, [0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [-3]),
            (SafetensorsDtype.F64, BitConverter.GetBytes(0.25), [0.25f]),
            (SafetensorsDtype.F16, [0x00, 0x3C, 0x00, 0xC0], [1f, -2f]),
            (SafetensorsDtype.BF16, [0x80, 0x3F], [1f]),
            // E4M3FN: 0x38 = 1.0, 0x7E = 448 (max), 0x01 = 2^-9 (smallest subnormal).
            (SafetensorsDtype.F8_E4M3, [0x38, 0x7E, 0x01, 0xB8], [1f, 448f, 1f / 512, -1f]),
            // E5M2: 0x3C = 1.0, 0x7B = 57344 (max), 0x7C = +inf.
            (SafetensorsDtype.F8_E5M2, [0x3C, 0x7B, 0x7C], [1f, 57344f, float.PositiveInfinity]),
        };
        foreach (var (dtype, bytes, expected) in cases)
        {
            using var f = SafetensorsFile.Parse(SafetensorsWriter.Serialize([new SafetensorsTensor("t", dtype, [expected.Length], bytes)]));
            Assert.Equal(expected, f["t"].ToFloat32());
        }
        using var nan = SafetensorsFile.Parse(SafetensorsWriter.Serialize([new SafetensorsTensor("t", SafetensorsDtype.F8_E4M3, [1], new byte[] { 0x7F })]));
        Assert.True(float.IsNaN(nan["t"].ToFloat32()[0]));
    }

    [Fact]
    public void ToInt64_rejects_floats_and_overflowing_u64()
    {
        using var f = SafetensorsFile.Parse(SafetensorsWriter.Serialize(
        [
            SafetensorsTensor.FromFloat32("f", [1], [1f]),
            new SafetensorsTensor("u", SafetensorsDtype.U64, [1], BitConverter.GetBytes(ulong.MaxValue)),
        ]));
        Assert.Contains("F32", Assert.Throws<InvalidOperationException>(() => f["f"].ToInt64()).Message);
        Assert.Throws<OverflowException>(() => f["u"].ToInt64());
    }

    [Fact]
    public void Writer_rejects_bad_tensors_with_named_arguments()
    {
        Assert.Contains("needs 8 bytes", Assert.Throws<ArgumentException>(() => new SafetensorsTensor("a", SafetensorsDtype.F32, [2], new byte[4])).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => new SafetensorsTensor("a", SafetensorsDtype.F32, [-1], Array.Empty<byte>())).Message);
        Assert.Contains("'a' twice", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Serialize(
            [SafetensorsTensor.FromFloat32("a", [1], [1f]), SafetensorsTensor.FromFloat32("a", [1], [2f])])).Message);
        Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromFloat32("__metadata__", [1], [1f]));
    }

    [Fact]
    public void File_write_is_atomic_and_large_files_are_memory_mapped()
    {
        string dir = Directory.CreateTempSubdirectory("nn-st-").FullName;
        try
        {
            string path = Path.Combine(dir, "w.safetensors");
            var big = new float[(SafetensorsFile.MemoryMapThreshold / 4) + 3];
            for (int i = 0; i < big.Length; i++) big[i] = i * 0.5f;
            SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("big", [big.Length], big)]);
            using (var f = SafetensorsFile.Open(path))
            {
                Assert.True(f.IsMemoryMapped);
                Assert.Equal(big, f["big"].ToFloat32());
            }
            SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("small", [1], [7f])]);
            using (var f = SafetensorsFile.Open(path))
            {
                Assert.False(f.IsMemoryMapped);
                Assert.Equal([7f], f["small"].ToFloat32());
            }
            Assert.Equal(["w.safetensors"], Directory.GetFiles(dir).Select(Path.GetFileName));
            var disposed = SafetensorsFile.Open(path);
            var entry = disposed["small"];
            disposed.Dispose();
            Assert.Throws<ObjectDisposedException>(() => entry.ToFloat32());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Reads_every_pytorch_parity_fixture()
    {
        string dir = Environment.GetEnvironmentVariable("NATIVENET_PARITY_DIR") is { Length: > 0 } d ? d
            : Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/parity"));
        if (!Directory.Exists(dir)) dir = "/work/shared/parity";
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.safetensors") : [];
        if (files.Length == 0)
        {
            Console.WriteLine($"SKIPPED Reads_every_pytorch_parity_fixture: no fixtures under '{dir}'.");
            return;
        }
        foreach (var path in files)
        {
            using var f = SafetensorsFile.Open(path);
            Assert.True(f.Metadata.ContainsKey("op"), path);
            foreach (var e in f.Entries)
                Assert.Equal(e.ElementCount, e.ToFloat32().LongLength);
        }
    }
}
