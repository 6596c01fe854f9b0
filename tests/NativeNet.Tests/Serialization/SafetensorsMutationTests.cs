using System.Buffers.Binary;
using System.Text;
using NativeNet.Serialization;

namespace NativeNet.Tests.Serialization;

/// <summary>
/// Seeded fuzzing of valid files: byte flips, truncations, extensions and header edits must each
/// either parse (and then read every tensor without error) or throw InvalidDataException. Any
/// other exception type, a crash or a hang fails the test.
/// </summary>
public class SafetensorsMutationTests
{
    private static readonly string[] Tokens =
        ["{", "}", "[", "]", ",", ":", "\"", "0", "-1", "9999999999999999999", "1e3", "\"F32\"", "\"BF16\"", "\"I64\"", "\"XX\"",
         "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "null", "true", "\\u0000", "\\ud800", " ", "\u00e9", "2.5"];

    [Fact]
    public void Ten_thousand_mutations_parse_or_throw_InvalidDataException()
    {
        var seeds = new[]
        {
            SafetensorsWriter.Serialize(
            [
                SafetensorsTensor.FromFloat32("a.weight", [3, 2], [1, 2, 3, 4, 5, 6]),
                SafetensorsTensor.FromFloat32("a.bias", [3], [7, 8, 9], SafetensorsDtype.BF16),
                SafetensorsTensor.FromInt64("n", [], [5]),
                new SafetensorsTensor("q", SafetensorsDtype.F8_E5M2, [4], new byte[] { 1, 2, 3, 0x7F }),
            ], new Dictionary<string, string> { ["k"] = "v", ["nativenet.architecture"] = "{\"type\":\"Linear\"}" }),
            SafetensorsWriter.Serialize([SafetensorsTensor.FromFloat32("x", [0], [])]),
        };
        var rng = new Random(20261123);
        int parsed = 0, rejected = 0;
        const int iterations = 12_000;
        for (int i = 0; i < iterations; i++)
        {
            byte[] seed = seeds[rng.Next(seeds.Length)];
            byte[] mutated = Mutate(seed, rng, out string description);
            try
            {
                using var f = SafetensorsFile.Parse(mutated, "fuzz");
                foreach (var e in f.Entries)
                {
                    Assert.Equal(e.ByteLength, e.Bytes.Length);
                    Assert.Equal(e.ElementCount, e.ToFloat32().LongLength);
                }
                parsed++;
            }
            catch (InvalidDataException e)
            {
                Assert.StartsWith("Invalid safetensors file 'fuzz':", e.Message);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"Mutation {i} ({description}) threw {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.Equal(iterations, parsed + rejected);
        Assert.True(rejected > iterations / 4, $"only {rejected} rejected: the mutations are too mild");
        Assert.True(parsed > 0, "no mutation parsed: the mutations never touch harmless bytes");
    }

    private static byte[] Mutate(byte[] seed, Random rng, out string description)
    {
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(seed);
        switch (rng.Next(6))
        {
            case 0:
            {
                var b = (byte[])seed.Clone();
                int flips = 1 + rng.Next(4);
                for (int k = 0; k < flips; k++) b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                description = $"{flips} bit flips";
                return b;
            }
            case 1:
            {
                var b = (byte[])seed.Clone();
                int pos = 8 + rng.Next(headerLength);
                b[pos] = (byte)rng.Next(256);
                description = $"header byte {pos} replaced";
                return b;
            }
            case 2:
            {
                int len = rng.Next(seed.Length);
                description = $"truncated to {len}";
                return seed[..len];
            }
            case 3:
            {
                var b = (byte[])seed.Clone();
                ulong value = rng.Next(4) switch
                {
                    0 => (ulong)(headerLength + rng.Next(-16, 17)),
                    1 => (ulong)rng.NextInt64(),
                    2 => ulong.MaxValue - (ulong)rng.Next(16),
                    _ => (ulong)rng.Next(3),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(b, value);
                description = $"length prefix {value}";
                return b;
            }
            case 4:
            {
                // Replace a run of header text with a JSON-ish token, keeping the length prefix honest.
                string header = Encoding.UTF8.GetString(seed, 8, headerLength);
                int start = rng.Next(header.Length);
                int remove = Math.Min(rng.Next(6), header.Length - start);
                string token = Tokens[rng.Next(Tokens.Length)];
                string edited = header.Remove(start, remove).Insert(start, token);
                byte[] h = Encoding.UTF8.GetBytes(edited);
                var b = new byte[8 + h.Length + (seed.Length - 8 - headerLength)];
                BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)h.Length);
                h.CopyTo(b, 8);
                seed.AsSpan(8 + headerLength).CopyTo(b.AsSpan(8 + h.Length));
                description = $"header edit at {start}: -{remove} +'{token}'";
                return b;
            }
            default:
            {
                int extra = rng.Next(1, 9);
                var b = new byte[seed.Length + extra];
                seed.CopyTo(b, 0);
                description = $"{extra} bytes appended";
                return b;
            }
        }
    }
}
