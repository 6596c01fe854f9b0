using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace NativeNet.Serialization;

/// <summary>
/// Writes safetensors files. Tensors are written in the order given (header and data alike), so
/// output is deterministic and a PyTorch state dict keeps its order; the header is padded with
/// spaces to a multiple of 8 bytes so that the data section is 8-byte aligned. File writes are
/// atomic: a temporary file in the same folder, flushed to disk, then renamed over the target —
/// a crash leaves the previous file intact.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">Duplicate or reserved names.</exception>
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        byte[] header = BuildHeader(list, metadata);
        AtomicFile.Write(path, stream => WriteBody(stream, header, list));
    }

    /// <summary>Writes the file to a stream (not atomic; the caller owns the stream).</summary>
    public static void Write(Stream stream, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        WriteBody(stream, BuildHeader(list, metadata), list);
    }

    /// <summary>The whole file as a byte array.</summary>
    public static byte[] Serialize(IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var ms = new MemoryStream();
        Write(ms, tensors, metadata);
        return ms.ToArray();
    }

    private static void WriteBody(Stream stream, byte[] header, List<SafetensorsTensor> tensors)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var t in tensors) stream.Write(t.Data.Span);
    }

    private static byte[] BuildHeader(List<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            if (!names.Add(t.Name))
                throw new ArgumentException($"Tensor names must be unique. Received: '{t.Name}' twice", nameof(tensors));
        }
        using var ms = new MemoryStream();
        using (var json = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(k, nameof(metadata));
                    if (v is null) throw new ArgumentException($"Metadata value of '{k}' is null; values must be strings.", nameof(metadata));
                    json.WriteString(k, v);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.Dtype.HeaderName());
                json.WriteStartArray("shape");
                foreach (long d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset = checked(offset + t.Data.Length);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int length = (int)ms.Length;
        int padded = (length + 7) & ~7;
        for (int i = length; i < padded; i++) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }
}
