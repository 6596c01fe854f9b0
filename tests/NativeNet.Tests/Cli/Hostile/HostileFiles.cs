using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using NativeNet.Serialization;

namespace NativeNet.Tests.Cli.Hostile;

/// <summary>Builds the files hostile-input tests feed the CLI: tiny tables, a trained model, tampered copies, FIFOs.</summary>
internal static partial class HostileFiles
{
    public const string Header = "radius,texture,diagnosis";

    /// <summary>A separable two-class table of <paramref name="rows"/> rows (radius, texture, diagnosis).</summary>
    public static string Table(int rows = 24, string positive = "malignant", string negative = "benign")
    {
        var sb = new StringBuilder(Header).Append('\n');
        for (int i = 0; i < rows; i++)
        {
            bool pos = i % 2 == 1;
            sb.Append(CultureInfo.InvariantCulture, $"{(pos ? 20 : 10) + i % 5 * 0.3},{(pos ? 25 : 15) + i % 3 * 0.5},{(pos ? positive : negative)}\n");
        }
        return sb.ToString();
    }

    /// <summary>Trains a model on <see cref="Table"/> in-process (1 epoch, 2 folds) into a folder of <paramref name="tmp"/>; returns the model path.</summary>
    public static string TrainModel(TempFolder tmp, string name = "model", string? csv = null, params string[] extra)
    {
        string data = tmp.Write($"{name}-train.csv", csv ?? Table());
        string outDir = tmp.File(name);
        var r = CliRun.Run(["train", "--data", data, "--epochs", "1", "--folds", "2", "--model", "mlp:4", "--out", outDir, .. extra]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        return Path.Combine(outDir, "model.safetensors");
    }

    /// <summary>Copies a model file with its metadata changed (the tensor data and its checksum stay valid).</summary>
    public static string Tamper(string model, string dest, Action<JsonObject> editMetadata)
    {
        byte[] bytes = File.ReadAllBytes(model);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, n))!.AsObject();
        editMetadata(header["__metadata__"]!.AsObject());
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var result = new byte[8 + padded + bytes.Length - 8 - n];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)padded);
        json.CopyTo(result, 8);
        result.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        bytes.AsSpan(8 + n).CopyTo(result.AsSpan(8 + padded));
        File.WriteAllBytes(dest, result);
        return dest;
    }

    /// <summary>A tampered copy whose input schema is edited.</summary>
    public static string TamperSchema(string model, string dest, Action<JsonObject> editSchema) => Tamper(model, dest, md =>
    {
        var schema = JsonNode.Parse(md[Model.SchemaKey]!.GetValue<string>())!.AsObject();
        editSchema(schema);
        md[Model.SchemaKey] = schema.ToJsonString();
    });

    /// <summary>A tampered copy whose architecture JSON is replaced.</summary>
    public static string TamperArchitecture(string model, string dest, Func<JsonObject, JsonObject> edit) => Tamper(model, dest, md =>
    {
        var arch = JsonNode.Parse(md[Model.ArchitectureKey]!.GetValue<string>())!.AsObject();
        md[Model.ArchitectureKey] = edit(arch).ToJsonString();
    });

    /// <summary>The metadata entry <paramref name="key"/> of a model file (null if absent).</summary>
    public static string? Metadata(string model, string key)
    {
        byte[] bytes = File.ReadAllBytes(model);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return JsonNode.Parse(bytes.AsSpan(8, n))!["__metadata__"]?[key]?.GetValue<string>();
    }

    /// <summary>A valid image archive: 16 random 8×8 grey images, labels 0/1.</summary>
    public static byte[] ImageArchive(int seed = 1)
    {
        var rng = new Random(seed);
        var pixels = new byte[16 * 64];
        rng.NextBytes(pixels);
        var labels = new byte[16 * 8];
        for (int i = 0; i < 16; i++) labels[i * 8] = (byte)(i % 2);
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            WriteNpy(zip, "images.npy", "|u1", [16, 8, 8], pixels.Length, pixels);
            WriteNpy(zip, "labels.npy", "<i8", [16], labels.Length, labels);
        }
        return ms.ToArray();
    }

    /// <summary>Creates a named pipe (Linux/macOS).</summary>
    public static string Fifo(string path)
    {
        Assert.Equal(0, mkfifo(path, Convert.ToUInt32("600", 8)));
        return path;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    /// <summary>Writes an .npy entry: <paramref name="data"/>, or <paramref name="bytes"/> zero bytes (maximum compression).</summary>
    public static void WriteNpy(ZipArchive zip, string name, string dtype, int[] shape, long bytes, byte[]? data = null)
    {
        using var s = zip.CreateEntry(name, CompressionLevel.SmallestSize).Open();
        string header = $"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({string.Join(", ", shape)}{(shape.Length == 1 ? "," : "")}), }}";
        header = header.PadRight((header.Length + 11) / 64 * 64 + 63 - 10) + "\n";
        s.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, (byte)(header.Length >> 8)]);
        s.Write(Encoding.Latin1.GetBytes(header));
        if (data is not null) { s.Write(data); return; }
        var zeros = new byte[1 << 20];
        for (long left = bytes; left > 0; left -= zeros.Length) s.Write(zeros, 0, (int)Math.Min(left, zeros.Length));
    }
}
