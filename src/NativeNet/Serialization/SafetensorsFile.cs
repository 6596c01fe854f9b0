using System.Buffers.Binary;
using System.Security.Cryptography;

namespace NativeNet.Serialization;

/// <summary>
/// A validated, read-only safetensors file (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length N, N bytes of UTF-8 JSON, then the data section. Every structural
/// problem is reported as an <see cref="InvalidDataException"/> naming the file, the tensor and
/// the problem; a file that opens has entries whose bytes are in bounds, tile the data section
/// exactly and match their dtype and shape.
/// </summary>
/// <remarks>
/// Files of at least <see cref="MemoryMapThreshold"/> bytes are memory-mapped read-only, so
/// <see cref="SafetensorsEntry.Bytes"/> is a zero-copy view of the page cache; smaller files are
/// read into one array (a mapping costs more than it saves there). Entries are valid until
/// <see cref="Dispose"/>. Concurrent reads are safe.
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    /// <summary>Files at least this large (16 MiB) are memory-mapped by <see cref="Open"/>.</summary>
    public const long MemoryMapThreshold = 16L * 1024 * 1024;

    /// <summary>The largest accepted JSON header (100 MB, the reference implementation's cap).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly List<SafetensorsEntry> _entries;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private int _disposed;

    private SafetensorsFile(SafetensorsStorage storage, string sourceName)
    {
        Storage = storage;
        SourceName = sourceName;
        long length = storage.Length;
        if (length < 8)
            throw SafetensorsHeaderParser.Error(sourceName, null, $"the file holds {length} bytes; at least 8 (the header length) are required");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(storage.Slice(0, 8));
        if (headerLength < 2)
            throw SafetensorsHeaderParser.Error(sourceName, null, $"the header length is {headerLength}; at least 2 ('{{}}') is required");
        if (headerLength > MaxHeaderLength)
            throw SafetensorsHeaderParser.Error(sourceName, null, $"the header length {headerLength} exceeds the {MaxHeaderLength}-byte cap");
        if ((long)headerLength > length - 8)
            throw SafetensorsHeaderParser.Error(sourceName, null,
                $"the header length {headerLength} exceeds the {length - 8} bytes after the length prefix (truncated file?)");
        DataOffset = 8 + (long)headerLength;
        DataLength = length - DataOffset;
        var header = SafetensorsHeaderParser.Parse(storage.Slice(8, (int)headerLength), DataLength, sourceName);
        Metadata = header.Metadata.AsReadOnly();
        _entries = new List<SafetensorsEntry>(header.Entries.Count);
        _byName = new Dictionary<string, SafetensorsEntry>(header.Entries.Count, StringComparer.Ordinal);
        foreach (var raw in header.Entries)
        {
            var entry = new SafetensorsEntry(this, raw.Name, raw.Dtype, raw.Shape, raw.ElementCount, raw.Begin, raw.End, DataOffset + raw.Begin);
            _entries.Add(entry);
            _byName.Add(raw.Name, entry);
        }
        Entries = _entries.AsReadOnly();
    }

    /// <summary>
    /// Opens and validates a file; memory-maps it when it is at least <see cref="MemoryMapThreshold"/>
    /// bytes (or as <paramref name="memoryMap"/> says, when given).
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SafetensorsFile Open(string path, bool? memoryMap = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        long length = new FileInfo(path).Exists
            ? new FileInfo(path).Length
            : throw new FileNotFoundException($"Safetensors file not found: '{path}'", path);
        bool map = (memoryMap ?? length >= MemoryMapThreshold) && length > 0;
        if (!map && length > Array.MaxLength)
            throw new NotSupportedException($"'{path}' ({length} bytes) is too large to read into memory; open it memory-mapped.");
        SafetensorsStorage storage = map ? new MappedStorage(path, length) : new MemoryStorage(File.ReadAllBytes(path));
        try
        {
            return new SafetensorsFile(storage, path);
        }
        catch
        {
            storage.Dispose();
            throw;
        }
    }

    /// <summary>Parses and validates an in-memory file; entries view <paramref name="bytes"/> without copying.</summary>
    /// <param name="bytes">The whole file.</param>
    /// <param name="sourceName">The name used in error messages (default "&lt;memory&gt;").</param>
    /// <exception cref="InvalidDataException">The bytes are not a valid safetensors file.</exception>
    public static SafetensorsFile Parse(ReadOnlyMemory<byte> bytes, string? sourceName = null)
        => new(new MemoryStorage(bytes), sourceName ?? "<memory>");

    /// <summary>The file path, or the name given to <see cref="Parse"/>; used in error messages.</summary>
    public string SourceName { get; }

    /// <summary>The <c>__metadata__</c> string map (empty when the header has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in header order, which is the order the JSON object lists them.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    /// <summary>Byte offset of the data section in the file (8 + header length).</summary>
    public long DataOffset { get; }

    /// <summary>Length in bytes of the data section.</summary>
    public long DataLength { get; }

    /// <summary>Whether the file is memory-mapped (as opposed to held in an array).</summary>
    public bool IsMemoryMapped => Storage is MappedStorage;

    internal SafetensorsStorage Storage { get; }

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name; the message lists a few that exist.</exception>
    public SafetensorsEntry this[string name] => _byName.TryGetValue(name, out var e)
        ? e
        : throw new KeyNotFoundException(
            $"Safetensors file '{SourceName}' has no tensor '{name}'. It holds {_entries.Count}: " +
            string.Join(", ", _entries.Take(8).Select(x => $"'{x.Name}'")) + (_entries.Count > 8 ? ", ..." : ""));

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGet(string name, out SafetensorsEntry entry) => _byName.TryGetValue(name, out entry!);

    /// <summary>Whether a tensor named <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>SHA-256 of the data section (what a NativeNet model file records in its metadata).</summary>
    public byte[] ComputeDataSha256()
    {
        ThrowIfDisposed();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        const int chunk = 1 << 24;
        for (long pos = 0; pos < DataLength; pos += chunk)
            hash.AppendData(Storage.Slice(DataOffset + pos, (int)Math.Min(chunk, DataLength - pos)));
        return hash.GetHashAndReset();
    }

    /// <summary>Releases the mapping; entries must not be used afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Storage.Dispose();
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
