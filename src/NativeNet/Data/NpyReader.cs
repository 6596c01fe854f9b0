using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace NativeNet.Data;

/// <summary>
/// Reads NumPy <c>.npy</c> files (format versions 1.0, 2.0, 3.0: magic "\x93NUMPY", version,
/// little-endian header length, a Python dict literal with 'descr', 'fortran_order', 'shape',
/// then the raw data) and <c>.npz</c> archives (a zip of .npy files, stored or deflated).
/// Every malformed input raises <see cref="InvalidDataException"/> naming the file (and entry).
/// </summary>
public static partial class NpyReader
{
    private const long MaxBytes = int.MaxValue; // one managed array

    /// <summary>Reads one .npy file.</summary>
    public static NpyArray ReadNpy(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"NPY file not found: {path}", path);
        using var s = File.OpenRead(path);
        return ReadNpy(s, path);
    }

    /// <summary>Reads one .npy array from <paramref name="stream"/>; <paramref name="source"/> names it in errors.</summary>
    public static NpyArray ReadNpy(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> pre = stackalloc byte[8];
        if (ReadFully(stream, pre) < 8 || pre[0] != 0x93 || !pre.Slice(1, 5).SequenceEqual("NUMPY"u8))
            throw new InvalidDataException($"{source}: not a NumPy .npy file (the magic string \\x93NUMPY is missing).");
        byte major = pre[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> l = stackalloc byte[2];
            if (ReadFully(stream, l) < 2) throw new InvalidDataException($"{source}: truncated .npy header.");
            headerLength = l[0] | (l[1] << 8);
        }
        else if (major is 2 or 3)
        {
            Span<byte> l = stackalloc byte[4];
            if (ReadFully(stream, l) < 4) throw new InvalidDataException($"{source}: truncated .npy header.");
            uint len = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(l);
            if (len > 1 << 20) throw new InvalidDataException($"{source}: .npy header length {len} is implausibly large.");
            headerLength = (int)len;
        }
        else throw new InvalidDataException($"{source}: unsupported .npy format version {major}.{pre[7]} (supported: 1.0, 2.0, 3.0).");
        var headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerLength) throw new InvalidDataException($"{source}: truncated .npy header (expected {headerLength} bytes).");
        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (dtype, bigEndian, fortran, shape) = ParseHeader(header, source);

        int item = NpyArray.ItemSize(dtype);
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
            if (count * item > MaxBytes) throw new InvalidDataException($"{source}: array of shape ({string.Join(", ", shape)}) is larger than 2 GiB.");
        }
        long bytes = count * item;
        var data = ReadData(stream, bytes, out int got);
        if (got < bytes) throw new InvalidDataException($"{source}: truncated data: the header promises {bytes} bytes (shape ({string.Join(", ", shape)}), {dtype}) but only {got} follow.");
        if (bigEndian && item > 1)
            for (long i = 0; i < bytes; i += item) Array.Reverse(data, (int)i, item);
        if (fortran && shape.Length > 1) data = FortranToC(data, shape, item);
        return new NpyArray(dtype, shape, data);
    }

    // A header may promise up to 2 GiB; allocate it all only once the stream is known to hold it
    // (seekable: its length says so; otherwise grow as the bytes actually arrive), so a corrupt
    // 100-byte file cannot make the reader allocate gigabytes.
    private static byte[] ReadData(Stream stream, long bytes, out int got)
    {
        const int DirectLimit = 1 << 20;
        if (bytes <= DirectLimit)
        {
            var all = new byte[bytes];
            got = ReadFully(stream, all);
            return all;
        }
        if (stream.CanSeek && stream.Length - stream.Position < bytes)
        {
            got = (int)Math.Max(0, stream.Length - stream.Position);
            return [];
        }
        var data = new byte[DirectLimit];
        got = 0;
        while (true)
        {
            int n = ReadFully(stream, data.AsSpan(got));
            got += n;
            if (got == bytes || got < data.Length) return data;
            Array.Resize(ref data, (int)Math.Min(bytes, 2L * data.Length));
        }
    }

    /// <summary>Reads every array of a .npz archive, keyed by entry name without ".npy".</summary>
    public static IReadOnlyDictionary<string, NpyArray> ReadNpz(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"NPZ file not found: {path}", path);
        using var fs = File.OpenRead(path);
        return ReadNpz(fs, path);
    }

    /// <summary>Reads every array of a .npz archive from <paramref name="stream"/> (left open); <paramref name="path"/> names it in errors.</summary>
    public static IReadOnlyDictionary<string, NpyArray> ReadNpz(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ZipArchive zip;
        // ZipArchive reports a corrupt directory with several exception types (found by the mutation harness).
        try { zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true); }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not a .npz (zip) archive: {e.Message}", e);
        }
        using (zip)
        {
            var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            IReadOnlyCollection<ZipArchiveEntry> entries;
            // The central directory is read lazily, on first access to Entries.
            try { entries = zip.Entries; }
            catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException or ArgumentException)
            {
                throw new InvalidDataException($"{path}: not a .npz (zip) archive: {e.Message}", e);
            }
            foreach (var entry in entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string name = entry.FullName[..^4];
                try
                {
                    using var es = entry.Open();
                    result[name] = ReadNpy(es, $"{path}[{entry.FullName}]");
                }
                catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"{path}[{entry.FullName}]: the entry cannot be decompressed: {e.Message}", e);
                }
                catch (Exception e) when (e is IOException or NotSupportedException or ArgumentException)
                {
                    throw new InvalidDataException($"{path}[{entry.FullName}]: the entry cannot be read: {e.Message}", e);
                }
            }
            if (result.Count == 0) throw new InvalidDataException($"{path}: the archive holds no .npy entry.");
            return result;
        }
    }

    private static (string DType, bool BigEndian, bool Fortran, int[] Shape) ParseHeader(string header, string source)
    {
        var descr = DescrRegex().Match(header);
        var fortran = FortranRegex().Match(header);
        var shape = ShapeRegex().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
            throw new InvalidDataException($"{source}: malformed .npy header (needs 'descr', 'fortran_order' and 'shape'): {header.Trim()}");
        string d = descr.Groups[1].Value;
        if (d.Length < 2) throw new InvalidDataException($"{source}: unsupported dtype '{d}'.");
        char order = d[0];
        string type = order is '<' or '>' or '|' or '=' ? d[1..] : d;
        if (type == "?") type = "b1";
        if (NpyArray.ItemSize(type) == 0)
            throw new InvalidDataException($"{source}: unsupported dtype '{d}' (supported: bool, u1, i1, i2, u2, i4, u4, i8, u8, f2, f4, f8).");
        var dims = new List<int>();
        foreach (var part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part.TrimEnd('L'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int v))
                throw new InvalidDataException($"{source}: bad dimension '{part}' in shape ({shape.Groups[1].Value}).");
            dims.Add(v);
        }
        return (type, order == '>', fortran.Groups[1].Value == "True", dims.ToArray());
    }

    // Reorders column-major bytes to row-major.
    private static byte[] FortranToC(byte[] src, int[] shape, int item)
    {
        var dst = new byte[src.Length];
        int nd = shape.Length;
        var fStride = new long[nd];
        long s = 1;
        for (int k = 0; k < nd; k++) { fStride[k] = s; s *= shape[k]; }
        var idx = new int[nd];
        long count = s;
        for (long c = 0; c < count; c++)
        {
            long f = 0;
            for (int k = 0; k < nd; k++) f += idx[k] * fStride[k];
            Buffer.BlockCopy(src, (int)(f * item), dst, (int)(c * item), item);
            for (int k = nd - 1; k >= 0; k--) { if (++idx[k] < shape[k]) break; idx[k] = 0; }
        }
        return dst;
    }

    private static int ReadFully(Stream s, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = s.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrRegex();
    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();
    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
