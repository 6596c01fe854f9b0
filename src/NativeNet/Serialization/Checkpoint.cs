using System.Globalization;
using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Serialization;

/// <summary>What <see cref="Checkpoint.Load"/> restored besides the model and optimizer state.</summary>
/// <param name="Epoch">The number of completed epochs recorded at save time.</param>
/// <param name="Metadata">The file's metadata (includes caller extras given to Save).</param>
public sealed record CheckpointInfo(int Epoch, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Training checkpoints: model state dict, optimizer state, epoch and random-generator state in
/// one safetensors file, so that resuming gives bitwise the same run as never stopping.
/// Tensors: <c>model.&lt;state-dict name&gt;</c> and <c>optimizer.state.&lt;i&gt;.&lt;buffer&gt;</c>
/// (momentum, exp_avg, ...). Scalars live in metadata as exact text: <c>checkpoint.epoch</c>,
/// <c>optimizer.type</c>, <c>optimizer.param_groups.&lt;g&gt;.lr</c> / <c>.weight_decay</c> (round-trip
/// doubles), <c>optimizer.state.&lt;i&gt;.step</c>, <c>rng.&lt;name&gt;</c> (generator state words in
/// hex). The data section is checksummed (<c>nativenet.sha256</c>) and saving is atomic.
/// </summary>
public static class Checkpoint
{
    /// <summary>Metadata key of the checkpoint format version.</summary>
    public const string VersionKey = "nativenet.checkpoint_version";

    /// <summary>The name under which <see cref="Generator.Default"/> (of the calling thread) is saved when no generators are given.</summary>
    public const string DefaultGeneratorName = "default";

    private const string ModelPrefix = "model.";
    private const string OptimizerPrefix = "optimizer.";

    /// <summary>Saves a checkpoint atomically.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="model">The model whose state dict is saved.</param>
    /// <param name="optimizer">The optimizer (null: none).</param>
    /// <param name="epoch">Completed epochs.</param>
    /// <param name="generators">Generators to save by name; null saves the calling thread's <see cref="Generator.Default"/> as "default".</param>
    /// <param name="extraMetadata">Additional string entries (e.g. the best validation loss).</param>
    public static void Save(string path, Module model, Optimizer? optimizer, int epoch,
        IReadOnlyDictionary<string, Generator>? generators = null, IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (epoch < 0) throw new ArgumentException($"epoch must be non-negative. Received: epoch={epoch}", nameof(epoch));
        var tensors = StateDictFile.ToSafetensors(model.StateDict(), ModelPrefix).ToList();
        var md = new Dictionary<string, string>(StringComparer.Ordinal);
        if (extraMetadata is not null) foreach (var (k, v) in extraMetadata) md[k] = v;
        md[VersionKey] = "1";
        md["checkpoint.epoch"] = epoch.ToString(CultureInfo.InvariantCulture);
        try { md[Model.ArchitectureKey] = model.ToSpec().ToJson(); }
        catch (NotSupportedException) { } // custom modules: the caller rebuilds the model itself

        if (optimizer is not null)
        {
            md["optimizer.type"] = optimizer.GetType().Name;
            for (int g = 0; g < optimizer.ParamGroups.Count; g++)
            {
                md[$"optimizer.param_groups.{g}.lr"] = optimizer.ParamGroups[g].LearningRate.ToString("R", CultureInfo.InvariantCulture);
                md[$"optimizer.param_groups.{g}.weight_decay"] = optimizer.ParamGroups[g].WeightDecay.ToString("R", CultureInfo.InvariantCulture);
            }
            var state = optimizer.StateDict();
            try
            {
                foreach (var (key, t) in state)
                {
                    if (key.StartsWith("param_groups.", StringComparison.Ordinal)) continue; // exact values are in metadata
                    if (key.EndsWith(".step", StringComparison.Ordinal))
                        md[OptimizerPrefix + key] = ((long)t.Item()).ToString(CultureInfo.InvariantCulture);
                    else
                        tensors.AddRange(StateDictFile.ToSafetensors([new(key, t)], OptimizerPrefix));
                }
            }
            finally
            {
                foreach (var t in state.Values) t.Dispose();
            }
        }

        generators ??= new Dictionary<string, Generator> { [DefaultGeneratorName] = Generator.Default };
        foreach (var (name, gen) in generators)
            md["rng." + name] = string.Join(",", gen.GetState().Select(w => w.ToString("x16", CultureInfo.InvariantCulture)));

        md[Model.Sha256Key] = Convert.ToHexStringLower(Model.HashData(tensors));
        SafetensorsWriter.Write(path, tensors, md);
    }

    /// <summary>
    /// Restores a checkpoint into an already built <paramref name="model"/> and <paramref name="optimizer"/>
    /// (constructed as for the original run) and into the generators (null: the calling thread's
    /// <see cref="Generator.Default"/> from "default").
    /// </summary>
    /// <exception cref="InvalidDataException">The file is malformed, corrupt, or does not match the model/optimizer; the message names the file.</exception>
    public static CheckpointInfo Load(string path, Module model, Optimizer? optimizer,
        IReadOnlyDictionary<string, Generator>? generators = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var file = SafetensorsFile.Open(path);
        var md = file.Metadata;
        string Require(string key) => md.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"Checkpoint '{file.SourceName}': metadata '{key}' is missing.");
        if (Require(VersionKey) != "1")
            throw new InvalidDataException($"Checkpoint '{file.SourceName}' has version '{md[VersionKey]}'; this NativeNet reads version 1.");
        string actual = Convert.ToHexStringLower(file.ComputeDataSha256());
        if (!string.Equals(actual, Require(Model.Sha256Key), StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"Checkpoint '{file.SourceName}' is corrupt: the SHA-256 of its tensor data is {actual} but the file records {md[Model.Sha256Key]}.");
        int epoch = ParseInt(file, "checkpoint.epoch", Require("checkpoint.epoch"));

        // Checksum, epoch and generator states are validated before any live object changes; a
        // model or optimizer mismatch is reported after the model may have been partly loaded.
        var generatorStates = new List<(Generator Generator, ulong[] State)>();
        generators ??= new Dictionary<string, Generator> { [DefaultGeneratorName] = Generator.Default };
        foreach (var (name, gen) in generators)
            generatorStates.Add((gen, ParseGeneratorState(file, name, Require("rng." + name))));

        StateDictFile.LoadInto(model, file, strict: true, ModelPrefix);
        if (optimizer is not null) LoadOptimizer(file, optimizer, Require);
        foreach (var (gen, state) in generatorStates) gen.SetState(state);
        return new CheckpointInfo(epoch, md);
    }

    private static void LoadOptimizer(SafetensorsFile file, Optimizer optimizer, Func<string, string> require)
    {
        string type = require("optimizer.type");
        if (type != optimizer.GetType().Name)
            throw new InvalidDataException($"Checkpoint '{file.SourceName}' holds {type} state; the optimizer given is {optimizer.GetType().Name}.");
        var lrs = new double[optimizer.ParamGroups.Count];
        var decays = new double[lrs.Length];
        for (int g = 0; g < lrs.Length; g++)
        {
            lrs[g] = ParseDouble(file, $"optimizer.param_groups.{g}.lr", require($"optimizer.param_groups.{g}.lr"));
            decays[g] = ParseDouble(file, $"optimizer.param_groups.{g}.weight_decay", require($"optimizer.param_groups.{g}.weight_decay"));
        }
        var state = StateDictFile.Load(file, OptimizerPrefix);
        try
        {
            foreach (var (key, value) in file.Metadata)
                if (key.StartsWith(OptimizerPrefix + "state.", StringComparison.Ordinal) && key.EndsWith(".step", StringComparison.Ordinal))
                    state.Add(key[OptimizerPrefix.Length..], Tensor.Scalar(ParseInt(file, key, value)));
            optimizer.LoadStateDict(state);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"Checkpoint '{file.SourceName}': optimizer state does not fit: {e.Message}", e);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
        for (int g = 0; g < lrs.Length; g++)
        {
            optimizer.ParamGroups[g].LearningRate = lrs[g];
            optimizer.ParamGroups[g].WeightDecay = decays[g];
        }
    }

    private static ulong[] ParseGeneratorState(SafetensorsFile file, string name, string text)
    {
        var words = text.Split(',');
        var state = new ulong[words.Length];
        for (int i = 0; i < words.Length; i++)
            if (!ulong.TryParse(words[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out state[i]))
                throw new InvalidDataException($"Checkpoint '{file.SourceName}': 'rng.{name}' word {i} is not hexadecimal. Received: '{words[i]}'");
        if (state.Length != 6 || state[5] > 1 || (state[0] | state[1] | state[2] | state[3]) == 0)
            throw new InvalidDataException($"Checkpoint '{file.SourceName}': 'rng.{name}' is not a generator state ({state.Length} words).");
        return state;
    }

    private static int ParseInt(SafetensorsFile file, string key, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
            : throw new InvalidDataException($"Checkpoint '{file.SourceName}': '{key}' must be a non-negative integer. Received: '{text}'");

    private static double ParseDouble(SafetensorsFile file, string key, string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) && v >= 0 ? v
            : throw new InvalidDataException($"Checkpoint '{file.SourceName}': '{key}' must be a non-negative number. Received: '{text}'");
}
