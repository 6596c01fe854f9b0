using System.Buffers.Binary;
using System.IO.Compression;
using NativeNet.Nn;

namespace NativeNet.Serialization.PyTorch;

/// <summary>
/// Reads the <c>.pt</c>/<c>.pth</c> files <c>torch.save(model.state_dict(), path)</c> writes:
/// <list type="bullet">
/// <item>the zip format (PyTorch ≥ 1.6, e.g. torchvision's downloadable weights): "&lt;name&gt;/data.pkl"
/// holds the pickle, "&lt;name&gt;/data/&lt;key&gt;" the raw little-endian storages;</item>
/// <item>the legacy format (PyTorch 0.4–1.5, and <c>_use_new_zipfile_serialization=False</c>): five
/// pickles back to back — magic number, protocol version 1001, system info, the state dict, the
/// sorted storage keys — then each storage as an int64 element count and its raw elements.</item>
/// </list>
/// Pickles are read by a restricted unpickler that executes nothing and accepts only the globals a
/// state dict needs. Storages shared by several tensors, views with offsets and arbitrary strides,
/// and float32/float16/bfloat16/float64/int64/int32/int16/int8/uint8/bool elements are supported;
/// every tensor comes back contiguous in its own dtype. Anything malformed or not a state dict is an
/// <see cref="InvalidDataException"/> naming what is wrong. The tar format of PyTorch before 0.4 is
/// refused (re-save the file with a current PyTorch).
/// </summary>
public static class PyTorchCheckpoint
{
    /// <summary>The largest file read (storages are held in memory).</summary>
    public const long MaxFileBytes = 8L << 30;

    /// <summary>
    /// Whether <paramref name="path"/> starts like a torch.save file (a zip local header, or the
    /// legacy format's magic number) rather than, for instance, a safetensors file.
    /// </summary>
    public static bool LooksLikeCheckpoint(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        var head = new byte[LegacyMagic.Length];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return (got >= 4 && head.AsSpan(0, 4).SequenceEqual("PK\u0003\u0004"u8)) || (got == head.Length && head.AsSpan().SequenceEqual(LegacyMagic));
    }

    /// <summary>The tensors of the state dict in <paramref name="path"/>, in the file's order, with their stored dtypes.</summary>
    public static IReadOnlyList<SafetensorsTensor> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"PyTorch checkpoint not found: {path}", path);
        using var stream = File.OpenRead(path);
        return Read(stream, Path.GetFileName(path));
    }

    /// <summary>As <see cref="Read(string)"/> from a seekable stream; <paramref name="sourceName"/> names it in errors.</summary>
    public static IReadOnlyList<SafetensorsTensor> Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        InvalidDataException Bad(string m) => new($"Invalid PyTorch checkpoint '{sourceName}': {m}");
        if (stream.CanSeek && stream.Length > MaxFileBytes) throw Bad($"the file is larger than {MaxFileBytes} bytes");
        var head = new byte[LegacyMagic.Length];
        int got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        if (got == head.Length && head.AsSpan().SequenceEqual(LegacyMagic)) return ReadLegacy(stream, sourceName, Bad);
        if (got < 4 || head[0] != (byte)'P' || head[1] != (byte)'K')
            throw Bad(got >= 2 && head[0] == 0x80
                ? "a pickle that does not start with torch.save's magic number (not a state dict file torch.save wrote)"
                : "neither a zip archive (torch.save since PyTorch 1.6) nor the legacy torch.save format");
        try
        {
            return ReadZip(stream, sourceName, Bad);
        }
        catch (Exception e) when ((e is InvalidDataException or IOException or NotSupportedException) && !IsOurs(e))
        {
            // ZipArchive reports a damaged directory or entry lazily and in its own words.
            throw Bad("corrupt zip archive: " + e.Message);
        }
    }

    private static bool IsOurs(Exception e) => e.Message.StartsWith("Invalid PyTorch checkpoint", StringComparison.Ordinal);

    private static List<SafetensorsTensor> ReadZip(Stream stream, string sourceName, Func<string, InvalidDataException> Bad)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var pickles = zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                             && e.FullName.Count(c => c == '/') == 1).ToList();
        if (pickles.Count != 1) throw Bad($"expected one '<name>/data.pkl' entry. Found {pickles.Count}");
        string prefix = pickles[0].FullName[..^"data.pkl".Length];
        var root = RestrictedUnpickler.Load(ReadEntry(pickles[0], Bad), sourceName);
        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        return Tensors(root, (name, storage) =>
        {
            if (!storages.TryGetValue(storage.Key, out var bytes))
            {
                var entry = zip.GetEntry(prefix + "data/" + storage.Key) ?? throw Bad($"'{name}': storage entry 'data/{storage.Key}' is missing");
                storages[storage.Key] = bytes = ReadEntry(entry, Bad);
            }
            return bytes;
        }, Bad);
    }

    /// <summary>The legacy format begins with the pickled magic number 0x1950a86a20f9469cfc6c (protocol 2: PROTO 2, LONG1 of 10 bytes, STOP).</summary>
    private static readonly byte[] LegacyMagic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
    private const long LegacyProtocolVersion = 1001;

    private static List<SafetensorsTensor> ReadLegacy(Stream stream, string sourceName, Func<string, InvalidDataException> Bad)
    {
        if (stream.Length > int.MaxValue) throw Bad("a legacy-format file larger than 2 GiB is not read; re-save it with a current PyTorch");
        var data = new byte[stream.Length];
        stream.ReadExactly(data);
        int pos = LegacyMagic.Length;
        if (RestrictedUnpickler.Load(data, ref pos, sourceName) is not LegacyProtocolVersion and var version)
            throw Bad($"legacy protocol version {version}, expected {LegacyProtocolVersion}");
        if (RestrictedUnpickler.Load(data, ref pos, sourceName) is not PickleDict info) throw Bad("the legacy system-info record is not a dict");
        if (!info.Items.Any(kv => kv.Key is "little_endian" && kv.Value is true))
            throw Bad("the file was written on a big-endian machine (system info little_endian is not True); re-save it on a little-endian one");
        var root = RestrictedUnpickler.Load(data, ref pos, sourceName);
        if (RestrictedUnpickler.Load(data, ref pos, sourceName) is not List<object?> keys) throw Bad("the legacy storage-key record is not a list");

        // The storages follow in the order of the key list: an int64 element count, then the elements.
        var elementSizes = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, value) in (root as PickleDict)?.Items ?? [])
            if (value is TensorRef t) elementSizes.TryAdd(t.Storage.Key, t.Storage.Dtype.ElementSize());
        var storages = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var k in keys)
        {
            string key = k as string ?? throw Bad("a legacy storage key is not a string");
            if (!elementSizes.TryGetValue(key, out int es)) throw Bad($"legacy storage '{key}' is not used by any tensor");
            if (storages.ContainsKey(key)) throw Bad($"legacy storage '{key}' is listed twice");
            if (data.Length - pos < 8) throw Bad($"legacy storage '{key}' is missing (the file ends at byte {data.Length})");
            long count = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(pos, 8));
            pos += 8;
            if (count < 0 || count > (data.Length - pos) / es)
                throw Bad($"legacy storage '{key}' declares {count} elements of {es} bytes; {data.Length - pos} bytes remain in the file");
            storages[key] = data.AsSpan(pos, (int)(count * es)).ToArray();
            pos += (int)(count * es);
        }
        if (pos != data.Length) throw Bad($"{data.Length - pos} bytes follow the last storage");
        return Tensors(root, (name, storage) => storages.TryGetValue(storage.Key, out var bytes)
            ? bytes
            : throw Bad($"'{name}': storage '{storage.Key}' is not in the file's storage list"), Bad);
    }

    // The state dict's tensors, each gathered from its storage's bytes.
    private static List<SafetensorsTensor> Tensors(object? root, Func<string, StorageRef, byte[]> storageBytes, Func<string, InvalidDataException> Bad)
    {
        if (root is not PickleDict dict) throw Bad("the pickled object is not a state dict (a mapping of names to tensors)");
        var result = new List<SafetensorsTensor>(dict.Items.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in dict.Items)
        {
            string name = k as string ?? throw Bad("a state-dict key is not a string");
            if (!seen.Add(name)) throw Bad($"key '{name}' appears twice");
            if (v is not TensorRef t) throw Bad($"'{name}' is not a tensor");
            result.Add(Materialize(name, t, storageBytes(name, t.Storage), Bad));
        }
        return result;
    }

    /// <summary>The state dict as float32 tensors (integer buffers such as num_batches_tracked converted), ready for <see cref="Module.LoadStateDict"/>; the caller disposes them.</summary>
    public static OrderedDictionary<string, Tensor> LoadStateDict(string path)
    {
        var d = new OrderedDictionary<string, Tensor>();
        foreach (var t in Read(path))
        {
            var values = new float[t.Data.Length / t.Dtype.ElementSize()];
            ElementConversion.ToFloat32(t.Dtype, t.Data.Span, values);
            var tensor = Tensor.FromArray(values, t.Shape.Select(s => checked((int)s)).ToArray());
            d.Add(t.Name, tensor.DetachFromDisposeScope());
        }
        return d;
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, Func<string, InvalidDataException> bad)
    {
        if (entry.Length > int.MaxValue) throw bad($"entry '{entry.FullName}' is larger than 2 GiB");
        var buffer = new byte[entry.Length];
        try
        {
            using var s = entry.Open();
            int n = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (n != buffer.Length || s.ReadByte() != -1) throw bad($"entry '{entry.FullName}' does not hold the {entry.Length} bytes its header states");
        }
        catch (Exception e) when ((e is InvalidDataException or IOException or NotSupportedException) && !IsOurs(e))
        {
            throw bad($"entry '{entry.FullName}' cannot be read: {e.Message}");
        }
        return buffer;
    }

    // Copies the view's elements into a contiguous buffer after checking that every one lies in the storage.
    private static SafetensorsTensor Materialize(string name, TensorRef t, byte[] storage, Func<string, InvalidDataException> bad)
    {
        int es = t.Storage.Dtype.ElementSize();
        long available = storage.Length / es;
        if (t.Storage.ElementCount > available)
            throw bad($"'{name}': storage '{t.Storage.Key}' holds {available} elements, the pickle says {t.Storage.ElementCount}");
        long count = 1, last = t.Offset;
        try
        {
            for (int d = 0; d < t.Size.Length; d++)
            {
                count = checked(count * t.Size[d]);
                if (t.Size[d] > 0) last = checked(last + (t.Size[d] - 1) * t.Stride[d]);
            }
        }
        catch (OverflowException) { throw bad($"'{name}': size [{string.Join(", ", t.Size)}] / stride [{string.Join(", ", t.Stride)}] overflow"); }
        if (count > 0 && last >= t.Storage.ElementCount)
            throw bad($"'{name}': the view (offset {t.Offset}, size [{string.Join(", ", t.Size)}], stride [{string.Join(", ", t.Stride)}]) reaches element {last} of a {t.Storage.ElementCount}-element storage");
        if (count * es > int.MaxValue) throw bad($"'{name}' is larger than 2 GiB");
        var dst = new byte[count * es];
        if (count > 0) Gather(storage, es, t, dst);
        return new SafetensorsTensor(name, t.Storage.Dtype, t.Size, dst);
    }

    private static void Gather(byte[] src, int es, TensorRef t, byte[] dst)
    {
        int rank = t.Size.Length;
        // Contiguous row-major strides: one block copy.
        long expect = 1;
        bool contiguous = true;
        for (int d = rank - 1; d >= 0; d--)
        {
            if (t.Size[d] != 1 && t.Stride[d] != expect) contiguous = false;
            expect *= t.Size[d];
        }
        if (contiguous)
        {
            Buffer.BlockCopy(src, checked((int)(t.Offset * es)), dst, 0, dst.Length);
            return;
        }
        var index = new long[rank];
        long at = t.Offset;
        for (int o = 0; o < dst.Length; o += es)
        {
            Buffer.BlockCopy(src, (int)(at * es), dst, o, es);
            for (int d = rank - 1; d >= 0; d--)
            {
                at += t.Stride[d];
                if (++index[d] < t.Size[d]) break;
                at -= t.Stride[d] * t.Size[d];
                index[d] = 0;
            }
        }
    }
}
