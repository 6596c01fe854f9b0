using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using NativeNet.Data;
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

    /// <summary>Metadata key: the input preprocessing (a <see cref="StandardScaler"/>'s state as JSON) the model expects, written by <see cref="Save"/>'s <c>preprocessing</c>.</summary>
    public const string PreprocessingKey = "nativenet.preprocessing";

    /// <summary>
    /// Saves the module's architecture and state dict to <paramref name="path"/> atomically
    /// (temporary file, flush, rename). Built-in modules and containers describe themselves
    /// (<see cref="Module.ToSpec"/>). A user's Module subclass that does not override ToSpec is
    /// recorded by its type name and constructor arguments, read from the fields or properties
    /// named like the parameters of its public constructor; load it with <see cref="Load{T}(string)"/>.
    /// </summary>
    /// <param name="module">The model.</param>
    /// <param name="path">The target file; its folder must exist.</param>
    /// <param name="extraMetadata">Additional metadata (e.g. <see cref="SchemaKey"/>); may not override the reserved keys.</param>
    /// <param name="preprocessing">The scaler fitted on the training inputs, stored so that the model's users apply the same one (<see cref="ReadPreprocessing"/>).</param>
    /// <exception cref="ArgumentException">An extra key is reserved.</exception>
    /// <exception cref="NotSupportedException">A module cannot describe its architecture, or a user module's constructor arguments cannot be read back; the message names the parameter.</exception>
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? extraMetadata = null, StandardScaler? preprocessing = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var spec = ConstructorRecord.Applies(module) ? ConstructorRecord.Capture(module) : module.ToSpec();
        string architecture = spec.ToJson();
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
                if (k is FormatVersionKey or ArchitectureKey or Sha256Key or PreprocessingKey)
                    throw new ArgumentException($"Metadata key '{k}' is reserved for the model file itself.", nameof(extraMetadata));
                metadata[k] = v;
            }
        if (preprocessing is not null)
            metadata[PreprocessingKey] = JsonSerializer.Serialize(preprocessing.ToDictionary());
        SafetensorsWriter.Write(path, tensors, metadata);
    }

    /// <summary>Loads a model saved by <see cref="Save"/>: rebuilds the module from its spec, loads the weights (strict) and puts it in evaluation mode.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, tampered with (checksum), not a NativeNet model, or holds a user module type (load it with <see cref="Load{T}(string)"/>); the message names the file.</exception>
    public static Module Load(string path) => Load(path, out _);

    /// <summary>As <see cref="Load(string)"/>, also returning the file's metadata (e.g. <see cref="SchemaKey"/>).</summary>
    public static Module Load(string path, out IReadOnlyDictionary<string, string> metadata) =>
        LoadWith(path, out metadata, (spec, source) => BuildArchitecture(spec, source));

    /// <summary>
    /// Loads a model of type <typeparamref name="T"/>: a user module saved by its constructor
    /// arguments (the file's type name must be <typeparamref name="T"/>'s) or any built-in
    /// architecture that is a <typeparamref name="T"/>. Weights load strictly; the model is in evaluation mode.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed or tampered with, holds another type, or its weights do not fit (the message names the parameter and both shapes).</exception>
    public static T Load<T>(string path) where T : Module => Load<T>(path, out _);

    /// <summary>As <see cref="Load{T}(string)"/>, also returning the file's metadata.</summary>
    public static T Load<T>(string path, out IReadOnlyDictionary<string, string> metadata) where T : Module =>
        (T)LoadWith(path, out metadata, (spec, source) =>
        {
            if (spec.Type == ConstructorRecord.SpecType) return ConstructorRecord.Construct<T>(spec, source);
            var module = BuildArchitecture(spec, source);
            if (module is T) return module;
            module.Dispose();
            throw new InvalidDataException($"Model file '{source}' holds a {spec.Type}, not a {typeof(T).Name}.");
        });

    /// <summary>
    /// Loads the weights of a model file into the module <paramref name="factory"/> builds (for a
    /// type built some other way, or from another assembly); the file's checksum is verified and the
    /// state dict must fit exactly. The module is in evaluation mode.
    /// </summary>
    public static T Load<T>(string path, Func<T> factory) where T : Module
    {
        ArgumentNullException.ThrowIfNull(factory);
        return LoadWith(path, out _, (_, _) => factory() ?? throw new ArgumentException("The factory returned null.", nameof(factory)));
    }

    /// <summary>The preprocessing stored with <see cref="Save"/>'s <c>preprocessing</c> argument, or null if the file has none.</summary>
    /// <exception cref="InvalidDataException">The stored state is malformed.</exception>
    public static StandardScaler? ReadPreprocessing(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(PreprocessingKey, out var json)) return null;
        try
        {
            var state = JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? throw new FormatException("it is null");
            return StandardScaler.FromDictionary(state);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidDataException($"Model metadata '{PreprocessingKey}' is not a StandardScaler state: {e.Message}", e);
        }
    }

    // Verifies the file, builds the module under an allocation budget the file's size implies,
    // loads the weights strictly and switches to evaluation mode; the module is disposed on failure.
    private static TModule LoadWith<TModule>(string path, out IReadOnlyDictionary<string, string> metadata, Func<ModuleSpec, string, TModule> build) where TModule : Module
    {
        using var file = SafetensorsFile.Open(path);
        metadata = Verify(file);
        // The strict load below needs every parameter and buffer in the file, so the module cannot
        // hold more elements than the file; the slack covers bucket rounding and init temporaries.
        long fileElements = file.Entries.Sum(e => e.ElementCount);
        long budget = 4 * fileElements * sizeof(float) + 4 * file.Entries.Count * TensorMemoryPool.BudgetChargePerTensor + (16L << 20);
        var spec = ParseArchitecture(metadata[ArchitectureKey], file.SourceName);
        TModule module;
        try
        {
            using (TensorMemoryPool.LimitAllocations(budget))
                module = build(spec, file.SourceName);
        }
        catch (AllocationBudgetExceededException e)
        {
            throw new InvalidDataException($"Model file '{file.SourceName}': the architecture declares more parameters than the file holds ({e.Message}).", e);
        }
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

    private static ModuleSpec ParseArchitecture(string json, string source)
    {
        try
        {
            return ModuleSpec.FromJson(json);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Model file '{source}': '{ArchitectureKey}' is not a valid module spec: {e.Message}", e);
        }
    }

    /// <summary>
    /// Builds the module an architecture JSON describes, with at most <paramref name="maxBytes"/> of
    /// tensors; every problem is an InvalidDataException naming <paramref name="source"/>.
    /// </summary>
    internal static Module BuildArchitecture(string json, string source, long maxBytes)
    {
        var spec = ParseArchitecture(json, source);
        try
        {
            using (TensorMemoryPool.LimitAllocations(maxBytes))
                return BuildArchitecture(spec, source);
        }
        catch (AllocationBudgetExceededException e)
        {
            throw new InvalidDataException($"Model file '{source}': the architecture declares more parameters than the file holds ({e.Message}).", e);
        }
    }

    // A built-in or registered architecture; a user module saved by its constructor needs its type from the caller.
    private static Module BuildArchitecture(ModuleSpec spec, string source)
    {
        if (spec.Type == ConstructorRecord.SpecType)
        {
            string type = spec.Config.TryGetValue("type", out var t) ? t?.ToString() ?? "?" : "?";
            throw new InvalidDataException($"Model file '{source}' holds the user module '{type}': load it with Model.Load<T>(path) naming that type, or Model.Load(path, factory).");
        }
        try
        {
            return Module.FromSpec(spec);
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
