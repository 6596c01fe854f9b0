using System.Buffers.Binary;
using System.Text;

namespace NativeNet.Tests.Reliability;

/// <summary>
/// Deterministic structure-aware mutations of a seed file: bit flips, byte inserts and deletes,
/// truncation, little-endian length fields overwritten with extreme values, absurd header sizes
/// at the format's own length field, and (for text formats) numbers and tokens that stress
/// parsers. One <see cref="Random"/> seed gives the same sequence on every run and machine.
/// </summary>
internal sealed class Mutator(int seed, string format)
{
    private readonly Random _rng = new(seed);

    private static readonly ulong[] Extremes =
        [0, 1, 7, 8, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1UL << 40, long.MaxValue, ulong.MaxValue];

    private static readonly string[] TextTokens =
        ["\"", ",", "\n", "\r", "\r\n", "{", "}", "[", "]", ":", "null", "NaN", "-Infinity", "1e309", "-1", "0", "99999999999",
         "2147483648", "-2147483649", "\\u0000", "\\ud800", "\u00e9", "\uFFFD", "\"Type\"", "\"Config\"", "\"Children\"", "[[[[[[[[["];

    public byte[] Next(byte[] seedBytes, out string description)
    {
        var b = seedBytes;
        switch (_rng.Next(format is "csv" or "architecture" ? 8 : 6))
        {
            case 0:
            {
                b = (byte[])b.Clone();
                int flips = 1 + _rng.Next(4);
                for (int k = 0; k < flips && b.Length > 0; k++) b[_rng.Next(b.Length)] ^= (byte)(1 << _rng.Next(8));
                description = $"{flips} bit flip(s)";
                return b;
            }
            case 1:
            {
                int pos = _rng.Next(b.Length + 1), n = 1 + _rng.Next(8);
                var ins = new byte[n];
                _rng.NextBytes(ins);
                description = $"insert {n} byte(s) at {pos}";
                return [.. b.AsSpan(0, pos), .. ins, .. b.AsSpan(pos)];
            }
            case 2:
            {
                if (b.Length == 0) { description = "empty"; return b; }
                int pos = _rng.Next(b.Length), n = Math.Min(1 + _rng.Next(16), b.Length - pos);
                description = $"delete {n} byte(s) at {pos}";
                return [.. b.AsSpan(0, pos), .. b.AsSpan(pos + n)];
            }
            case 3:
            {
                int len = _rng.Next(b.Length + 1);
                description = $"truncate to {len}";
                return b[..len];
            }
            case 4:
            {
                int width = 1 << _rng.Next(4);
                if (b.Length < width) { description = "too short for a field"; return b; }
                int pos = _rng.Next(b.Length - width + 1);
                ulong v = _rng.Next(3) == 0 ? (ulong)b.Length + (ulong)_rng.Next(-2, 3) : Extremes[_rng.Next(Extremes.Length)];
                b = (byte[])b.Clone();
                WriteLittleEndian(b.AsSpan(pos, width), v);
                description = $"length field: {width} byte(s) at {pos} := {v}";
                return b;
            }
            case 5: return HugeHeader(b, out description);
            case 6:
            {
                string text = Encoding.UTF8.GetString(b);
                string token = TextTokens[_rng.Next(TextTokens.Length)];
                int pos = _rng.Next(text.Length + 1);
                description = $"insert token {token} at char {pos}";
                return Encoding.UTF8.GetBytes(text.Insert(pos, token));
            }
            default:
            {
                // Replace one number with an extreme one (dimensions, sizes, indices).
                string text = Encoding.UTF8.GetString(b);
                var numbers = System.Text.RegularExpressions.Regex.Matches(text, "-?[0-9][0-9.eE+-]*");
                if (numbers.Count == 0) { description = "no number"; return b; }
                var m = numbers[_rng.Next(numbers.Count)];
                string[] values = ["0", "-1", "-2147483648", "2147483647", "65536", "1e12", "1.5", "NaN", "1e400", "00000000000000000001"];
                string v = values[_rng.Next(values.Length)];
                description = $"number '{m.Value}' at char {m.Index} := {v}";
                return Encoding.UTF8.GetBytes(text[..m.Index] + v + text[(m.Index + m.Length)..]);
            }
        }
    }

    // The format's own size field set to something absurd: the reader must refuse it before allocating.
    private byte[] HugeHeader(byte[] seed, out string description)
    {
        var b = (byte[])seed.Clone();
        ulong v = Extremes[_rng.Next(Extremes.Length)];
        switch (format)
        {
            case "safetensors" when b.Length >= 8:
                BinaryPrimitives.WriteUInt64LittleEndian(b, v);
                description = $"safetensors header length := {v}";
                return b;
            case "npy" when b.Length >= 12:
                if (b[6] == 1) BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), (ushort)v);
                else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), (uint)v);
                description = $"npy header length := {v} (truncated to the field)";
                return b;
            case "npz":
            {
                // Local file headers: compressed size at +18, uncompressed at +22; central directory: +20, +24.
                var sig = _rng.Next(2) == 0 ? "PK\u0003\u0004"u8.ToArray() : "PK\u0001\u0002"u8.ToArray();
                int at = b.AsSpan().IndexOf(sig);
                if (at < 0) break;
                int field = at + (sig[2] == 3 ? 18 : 20) + 4 * _rng.Next(2);
                if (field + 4 > b.Length) break;
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(field), (uint)v);
                description = $"zip size field at {field} := {(uint)v}";
                return b;
            }
        }
        // Text formats: a giant line or value instead of a length field.
        int pos = _rng.Next(b.Length + 1);
        description = $"insert 64 KiB run at {pos}";
        return [.. b.AsSpan(0, pos), .. Enumerable.Repeat((byte)'9', 1 << 16), .. b.AsSpan(pos)];
    }

    private static void WriteLittleEndian(Span<byte> dst, ulong v)
    {
        for (int i = 0; i < dst.Length; i++) { dst[i] = (byte)v; v >>= 8; }
    }
}
