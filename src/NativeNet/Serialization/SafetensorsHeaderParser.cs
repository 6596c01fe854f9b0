using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace NativeNet.Serialization;

/// <summary>
/// Parses and validates a safetensors JSON header with <see cref="Utf8JsonReader"/> directly, so
/// duplicate keys (which JsonDocument would silently accept) and wrongly typed fields are caught,
/// and header order is kept.
/// </summary>
internal static class SafetensorsHeaderParser
{
    internal readonly record struct RawEntry(string Name, SafetensorsDtype Dtype, long[] Shape, long ElementCount, long Begin, long End);

    internal sealed record Header(Dictionary<string, string> Metadata, List<RawEntry> Entries);

    public static Header Parse(ReadOnlySpan<byte> json, long dataLength, string source)
    {
        if (!Utf8.IsValid(json))
            throw Error(source, null, "the header is not valid UTF-8");
        if (json[0] != (byte)'{')
            throw Error(source, null, $"the header must start with '{{'; it starts with byte 0x{json[0]:X2}");
        string? current = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 });
            reader.Read();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<RawEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (true)
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.EndObject) break;
                string key = reader.GetString()!;
                current = key;
                if (!seen.Add(key))
                    throw Error(source, key == "__metadata__" ? null : key, $"duplicate header key '{key}'");
                reader.Read();
                if (key == "__metadata__")
                {
                    current = null;
                    ReadMetadata(ref reader, metadata, source);
                }
                else
                {
                    entries.Add(ReadEntry(ref reader, key, source));
                }
                current = null;
            }
            // The reader rejects anything but whitespace after the root object.
            while (reader.Read()) { }
            ValidateLayout(entries, dataLength, source);
            return new Header(metadata, entries);
        }
        catch (JsonException e)
        {
            throw Error(source, current, $"the header is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.GetString on a malformed escape (a lone surrogate) lands here.
            throw Error(source, current, $"the header holds a malformed JSON string ({e.Message})", e);
        }
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string source)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Error(source, null, $"__metadata__ must be a JSON object of strings; found {reader.TokenType}");
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Error(source, null, $"__metadata__ value of '{key}' must be a string; found {reader.TokenType}");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw Error(source, null, $"duplicate __metadata__ key '{key}'");
        }
    }

    private static RawEntry ReadEntry(ref Utf8JsonReader reader, string name, string source)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Error(source, name, $"the entry must be a JSON object; found {reader.TokenType}");
        SafetensorsDtype? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (dtype is not null) throw Error(source, name, "duplicate field 'dtype'");
                    if (reader.TokenType != JsonTokenType.String)
                        throw Error(source, name, $"'dtype' must be a string; found {reader.TokenType}");
                    string text = reader.GetString()!;
                    if (!SafetensorsDtypes.TryParse(text, out var parsed))
                        throw Error(source, name, $"unknown dtype '{text}'");
                    dtype = parsed;
                    break;
                case "shape":
                    if (shape is not null) throw Error(source, name, "duplicate field 'shape'");
                    shape = ReadIntegerArray(ref reader, name, "shape", source);
                    foreach (long d in shape)
                        if (d < 0) throw Error(source, name, $"shape [{string.Join(", ", shape)}] has a negative dimension");
                    break;
                case "data_offsets":
                    if (offsets is not null) throw Error(source, name, "duplicate field 'data_offsets'");
                    offsets = ReadIntegerArray(ref reader, name, "data_offsets", source);
                    if (offsets.Length != 2)
                        throw Error(source, name, $"'data_offsets' must hold exactly 2 integers; found {offsets.Length}");
                    if (offsets[0] < 0 || offsets[1] < offsets[0])
                        throw Error(source, name, $"data_offsets [{offsets[0]}, {offsets[1]}] must satisfy 0 <= begin <= end");
                    break;
                default:
                    reader.Skip(); // unknown fields are tolerated, as the reference implementation does
                    break;
            }
        }
        if (dtype is null) throw Error(source, name, "missing 'dtype'");
        if (shape is null) throw Error(source, name, "missing 'shape'");
        if (offsets is null) throw Error(source, name, "missing 'data_offsets'");

        long count = 1, bytes;
        try
        {
            foreach (long d in shape) count = checked(count * d);
            bytes = checked(count * dtype.Value.ElementSize());
        }
        catch (OverflowException)
        {
            throw Error(source, name, $"shape [{string.Join(", ", shape)}] has more elements than a 64-bit count holds");
        }
        if (offsets[1] - offsets[0] != bytes)
            throw Error(source, name,
                $"data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]} bytes but {dtype} [{string.Join(", ", shape)}] needs {bytes}");
        return new RawEntry(name, dtype.Value, shape, count, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegerArray(ref Utf8JsonReader reader, string name, string field, string source)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Error(source, name, $"'{field}' must be a JSON array of integers; found {reader.TokenType}");
        var values = new List<long>();
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray) return [.. values];
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v))
                throw Error(source, name, $"'{field}' must hold only integers that fit in 64 bits; found {Describe(ref reader)}");
            values.Add(v);
        }
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType == JsonTokenType.Number
        ? Encoding.UTF8.GetString(reader.ValueSpan)
        : reader.TokenType.ToString();

    /// <summary>Offsets must tile the data section exactly: from 0, contiguous, no overlap, no slack.</summary>
    private static void ValidateLayout(List<RawEntry> entries, long dataLength, string source)
    {
        foreach (var e in entries)
            if (e.End > dataLength)
                throw Error(source, e.Name,
                    $"data_offsets [{e.Begin}, {e.End}] lie beyond the {dataLength}-byte data section (truncated file?)");
        var order = entries.ToArray();
        Array.Sort(order, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        string? previous = null;
        foreach (var e in order)
        {
            if (e.Begin != expected)
                throw Error(source, e.Name, e.Begin > expected
                    ? $"data_offsets [{e.Begin}, {e.End}] leave a gap: the previous tensor{(previous is null ? "s end" : $" '{previous}' ends")} at {expected}"
                    : $"data_offsets [{e.Begin}, {e.End}] overlap tensor '{previous}', which ends at {expected}");
            expected = e.End;
            previous = e.Name;
        }
        if (expected != dataLength)
            throw Error(source, null,
                $"the data section holds {dataLength} bytes but the tensors cover {expected}; {dataLength - expected} bytes are unaccounted for");
    }

    internal static InvalidDataException Error(string source, string? tensor, string problem, Exception? inner = null)
    {
        string where = tensor is null ? "" : $" tensor '{tensor}':";
        return new InvalidDataException($"Invalid safetensors file '{source}':{where} {problem}.", inner);
    }
}
