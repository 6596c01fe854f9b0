using System.Buffers.Binary;
using System.Text;
using NativeNet.Serialization;

namespace NativeNet.Tests.Serialization;

public class SafetensorsMalformedTests
{
    internal static byte[] Build(string header, int dataBytes, ulong? declaredLength = null)
        => Build(Encoding.UTF8.GetBytes(header), dataBytes, declaredLength);

    internal static byte[] Build(byte[] header, int dataBytes, ulong? declaredLength = null)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }

    private static string Fails(byte[] bytes)
    {
        var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Parse(bytes, "bad.safetensors"));
        Assert.Contains("'bad.safetensors'", ex.Message);
        return ex.Message;
    }

    private const string W = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    [Fact]
    public void Minimal_valid_files_parse()
    {
        using (var f = SafetensorsFile.Parse(Build("{}", 0))) Assert.Empty(f.Entries);
        using (var f = SafetensorsFile.Parse(Build("{" + W + "}   ", 8))) Assert.Single(f.Entries);
        // Unknown fields inside an entry are tolerated, as the reference implementation does.
        using (var f = SafetensorsFile.Parse(Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":[{}]}}", 8))) Assert.Single(f.Entries);
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 8, "duplicate header key 'w'")]
    [InlineData("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", 0, "duplicate __metadata__ key 'a'")]
    [InlineData("{\"__metadata__\":{\"a\":1}}", 0, "must be a string")]
    [InlineData("{\"__metadata__\":[]}", 0, "__metadata__ must be a JSON object")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "duplicate field 'dtype'")]
    [InlineData("{\"w\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype 'F31'")]
    [InlineData("{\"w\":{\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype 'f32'")]
    [InlineData("{\"w\":{\"dtype\":\"9\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype '9'")]
    [InlineData("{\"w\":{\"dtype\":7,\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'dtype' must be a string")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "negative dimension")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, "only integers")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8, "only integers")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, "'shape' must be a JSON array")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", 8, "exactly 2 integers")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "0 <= begin <= end")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", 8, "fit in 64 bits")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "missing 'data_offsets'")]
    [InlineData("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "missing 'dtype'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8, "missing 'shape'")]
    [InlineData("{\"w\":[]}", 8, "must be a JSON object")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, "more elements than a 64-bit count")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 12, "4 bytes are unaccounted")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "beyond the 4-byte data section")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "leave a gap")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlap tensor 'a'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "not valid JSON")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}} x", 8, "not valid JSON")]
    [InlineData("{\"w\":{/*c*/\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "not valid JSON")]
    [InlineData(" {}", 0, "must start with '{'")]
    [InlineData("[]", 0, "must start with '{'")]
    [InlineData("{\"\\ud800\":{}}", 0, "malformed JSON string")]
    public void Malformed_headers_throw_InvalidDataException_naming_the_problem(string header, int dataBytes, string problem)
    {
        string message = Fails(Build(header, dataBytes));
        Assert.Contains(problem, message);
    }

    [Fact]
    public void Tensor_problems_name_the_tensor()
    {
        Assert.Contains("tensor 'layer.weight'", Fails(Build("{\"layer.weight\":{\"dtype\":\"XX\",\"shape\":[],\"data_offsets\":[0,0]}}", 0)));
    }

    [Fact]
    public void Length_prefix_problems()
    {
        Assert.Contains("at least 8", Fails(new byte[5]));
        Assert.Contains("at least 2", Fails(Build("{", 0, declaredLength: 1)));
        Assert.Contains("exceeds the 100000000-byte cap", Fails(Build("{}", 0, declaredLength: 100_000_001)));
        Assert.Contains("exceeds the 100000000-byte cap", Fails(Build("{}", 0, declaredLength: ulong.MaxValue)));
        Assert.Contains("truncated", Fails(Build("{}", 0, declaredLength: 3)));
        Assert.Contains("truncated", Fails(Build("{}", 0, declaredLength: 10_000)));
    }

    [Fact]
    public void Invalid_utf8_is_rejected()
    {
        byte[] header = Encoding.UTF8.GetBytes("{\"__metadata__\":{\"a\":\"xx\"}}");
        header[22] = 0xC3; // lead byte followed by an ASCII byte: not UTF-8
        Assert.Contains("not valid UTF-8", Fails(Build(header, 0)));
    }

    [Fact]
    public void Open_names_the_path_and_rejects_missing_files()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nn-bad-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 6));
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
            Assert.Contains(path, ex.Message);
            Assert.Contains("tensor 'w'", ex.Message);
            Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path, memoryMap: true));
        }
        finally { File.Delete(path); }
        Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(path));
    }
}
