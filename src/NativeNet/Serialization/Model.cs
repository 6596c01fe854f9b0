using System.Globalization;
using System.Security.Cryptography;
using NativeNet.Nn;

namespace NativeNet.Serialization;

/// <summary>
/// NativeNet model files: one safetensors file holding the weights under PyTorch state-dict names
/// (so <c>safetensors.torch.load_file</c> + <c>load_state_dict</c> read them) plus, in
/// <c>__metadata__</c>: <c>nativenet.format_version</c>, <c>nativenet.architecture</c> (the module
/// spec as JSON), <c>nativenet.sha256</c> (hex SHA-256 of the data section, verified on load) and
/// any extra string entries the caller adds (the CLI stores <c>nativenet.schema</c>: input
/// columns etc.). Saving is atomic.
/// </summary>
public static class Model
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Metadata key: format version (an integer string).</summary>
    public const string FormatVersionKey = "nativenet.format_version";

    /// <summary>Metadata key: the module spec JSON.</summary>
    public const string ArchitectureKey = "nativenet.architecture";

    /// <summary>Metadata key: hex SHA-256 of the data section.</summary>
    public const string Sha256Key = "nativenet.sha256";

    /// <summary>Metadata key: free-form schema (input column names, classes, ...), written by callers such as the CLI.</summary>
    public const string SchemaKey = "nativenet.schema";

    /// <summary>
    /// Saves the module's architecture (<see cref="Module.ToSpec"/>) and state dict to
    /// <paramref name="path"/> atomically (temporary file, flush, rename).
    /// </summary>
    /// <param name="module">The model; its type and every descendant must describe itself with ToSpec.</param>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="extraMetadata">Additional metadata (e.g. <see cref="SchemaKey"/>); may not override the reserved keys.</param>
    /// <exception cref="ArgumentException">An extra key is reserved.</exception>
    /// <exception cref="NotSupportedException">A module cannot describe its architecture.</exception>
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        string architecture = module.ToSpec().ToJson();
        var tensors = StateDictFile.ToSafetensors(module.StateDict()).ToList();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatVersionKey] = FormatVersion.ToString(CultureInfo.InvariantCulture),
            [ArchitectureKey] = architecture,
            [Sha256Key] = Convert.ToHexStringLower(HashData(tensors)),
        };
        if (extraMetadata is not null)
            foreach (var (k, v) in extraMetadata)
            {
                if (k is FormatVersionKey or ArchitectureKey or Sha256Key)
                    throw new ArgumentException($"Metadata key '{k}' is reserved for the model file itself.", nameof(extraMetadata));
                metadata[k] = v;
            }
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>Loads a model saved by <see cref="Save"/>: rebuilds the module from its spec, loads the weights (strict) and puts it in evaluation mode.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, tampered with (checksum), or not a NativeNet model; the message names the file.</exception>
    public static Module Load(string path) => Load(path, out _);

    /// <summary>As <see cref="Load(string)"/>, also returning the file's metadata (e.g. <see cref="SchemaKey"/>).</summary>
    public static Module Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        using var file = SafetensorsFile.Open(path);
        metadata = Verify(file);
        // The strict load below needs every parameter and buffer in the file, so the module cannot
        // hold more elements than the file; the slack covers bucket rounding and init temporaries.
        long fileElements = file.Entries.Sum(e => e.ElementCount);
        long budget = 4 * fileElements * sizeof(float) + 4 * file.Entries.Count * TensorMemoryPool.BudgetChargePerTensor + (16L << 20);
        var module = BuildArchitecture(metadata[ArchitectureKey], file.SourceName, budget);
        try
        {
            StateDictFile.LoadInto(module, file, strict: true, prefix: "");
        }
        catch
        {
            module.Dispose();
            throw;
        }
        module.Eval();
        return module;
    }

    /// <summary>Reads and verifies (format version, checksum) a model file's metadata without building the module.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var file = SafetensorsFile.Open(path);
        return Verify(file);
    }

    /// <summary>Checks the format version and the SHA-256 of the data section; returns the metadata.</summary>
    internal static IReadOnlyDictionary<string, string> Verify(SafetensorsFile file)
    {
        var md = file.Metadata;
        if (!md.TryGetValue(FormatVersionKey, out var versionText))
            throw new InvalidDataException($"'{file.SourceName}' is a safetensors file but not a NativeNet model file: '{FormatVersionKey}' is missing from its metadata. Load plain state dicts with StateDictFile.");
        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1)
            throw new InvalidDataException($"Model file '{file.SourceName}': '{FormatVersionKey}' must be a positive integer. Received: '{versionText}'");
        if (version > FormatVersion)
            throw new InvalidDataException($"Model file '{file.SourceName}' has format version {version}; this NativeNet reads up to {FormatVersion}. Upgrade NativeNet.");
        if (!md.ContainsKey(ArchitectureKey))
            throw new InvalidDataException($"Model file '{file.SourceName}': '{ArchitectureKey}' is missing from its metadata.");
        if (!md.TryGetValue(Sha256Key, out var expected))
            throw new InvalidDataException($"Model file '{file.SourceName}': '{Sha256Key}' is missing from its metadata.");
        string actual = Convert.ToHexStringLower(file.ComputeDataSha256());
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Model file '{file.SourceName}' is corrupt: the SHA-256 of its tensor data is {actual} but the file records {expected}.");
        return md;
    }

    /// <summary>
    /// Builds the module an architecture JSON describes, with at most <paramref name="maxBytes"/> of
    /// tensors; every problem is an InvalidDataException naming <paramref name="source"/>.
    /// </summary>
    internal static Module BuildArchitecture(string json, string source, long maxBytes)
    {
        ModuleSpec spec;
        try
        {
            spec = ModuleSpec.FromJson(json);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file '{source}': '{ArchitectureKey}' is not a valid module spec: {e.Message}", e);
        }
        try
        {
            using (TensorMemoryPool.LimitAllocations(maxBytes))
                return Module.FromSpec(spec);
        }
        catch (AllocationBudgetExceededException e)
        {
            throw new InvalidDataException($"Model file '{source}': the architecture declares more parameters than the file holds ({e.Message}).", e);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"Model file '{source}': cannot rebuild the architecture: {e.Message}", e);
        }
    }

    internal static byte[] HashData(IEnumerable<SafetensorsTensor> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var t in tensors) hash.AppendData(t.Data.Span);
        return hash.GetHashAndReset();
    }
}
