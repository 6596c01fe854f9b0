using NativeNet.Nn;
using NativeNet.Serialization;

namespace NativeNet.Training;

/// <summary>State-dict copies and atomic safetensors saving of a module.</summary>
public static class ModelWeights
{
    /// <summary>A copy of every parameter and buffer by state-dict name.</summary>
    public static IReadOnlyDictionary<string, float[]> Get(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var d = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (name, t) in model.StateDict()) d[name] = t.ToArray();
        return d;
    }

    /// <summary>Copies values taken by <see cref="Get"/> back into the model (every name must match, sizes equal).</summary>
    public static void Set(Module model, IReadOnlyDictionary<string, float[]> weights)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(weights);
        var state = model.StateDict();
        foreach (var (name, t) in state)
        {
            if (!weights.TryGetValue(name, out var v)) throw new ArgumentException($"weights lack '{name}'.", nameof(weights));
            if (v.Length != t.Count) throw new ArgumentException($"weights['{name}'] has {v.Length} values; the model needs {t.Count}.", nameof(weights));
        }
        foreach (var (name, t) in state) weights[name].AsSpan().CopyTo(t.AsSpan());
    }

    /// <summary>Writes the state dict to <paramref name="path"/> as safetensors (PyTorch names and shapes), atomically.</summary>
    public static void Save(Module model, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var tensors = model.StateDict().Select(kv => SafetensorsTensor.FromFloat32(kv.Key, kv.Value.Shape.Select(s => (long)s).ToArray(), kv.Value.AsSpan()));
        SafetensorsWriter.Write(path, tensors, metadata);
    }
}
