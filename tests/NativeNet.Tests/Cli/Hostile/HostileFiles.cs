using System.Buffers.Binary;
using System.Globalization;
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

    /// <summary>Creates a named pipe (Linux/macOS).</summary>
    public static string Fifo(string path)
    {
        Assert.Equal(0, mkfifo(path, Convert.ToUInt32("600", 8)));
        return path;
    }

    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);
}
