using NativeNet.Nn;

namespace NativeNet.Serialization;

/// <summary>
/// State dicts as safetensors files, interchangeable with PyTorch: keys are the state-dict names
/// ("0.weight", "bn.running_mean"), layouts are PyTorch's, values are F32 (BatchNorm's
/// <c>num_batches_tracked</c> is I64, as PyTorch keeps it). Files from PyTorch
/// (<c>safetensors.torch.save_file(model.state_dict(), path)</c>) load in any stored dtype.
/// </summary>
public static class StateDictFile
{
    /// <summary>The buffer names PyTorch stores as int64.</summary>
    private static bool IsIntegerBuffer(string name) => name == "num_batches_tracked" || name.EndsWith(".num_batches_tracked", StringComparison.Ordinal);

    /// <summary>Converts tensors to safetensors entries (copies the values) under <paramref name="prefix"/> + name.</summary>
    public static IEnumerable<SafetensorsTensor> ToSafetensors(IEnumerable<KeyValuePair<string, Tensor>> state, string prefix = "",
        SafetensorsDtype floatDtype = SafetensorsDtype.F32)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var (name, tensor) in state)
        {
            ArgumentNullException.ThrowIfNull(tensor, name);
            long[] shape = Array.ConvertAll(tensor.Shape, d => (long)d);
            ReadOnlySpan<float> values = tensor.AsSpan();
            if (IsIntegerBuffer(name))
            {
                var ints = new long[values.Length];
                for (int i = 0; i < ints.Length; i++) ints[i] = (long)values[i];
                yield return SafetensorsTensor.FromInt64(prefix + name, shape, ints);
            }
            else
            {
                yield return SafetensorsTensor.FromFloat32(prefix + name, shape, values, floatDtype);
            }
        }
    }

    /// <summary>Writes <paramref name="state"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> state, string path, IReadOnlyDictionary<string, string>? metadata = null)
        => SafetensorsWriter.Write(path, ToSafetensors(state), metadata);

    /// <summary>Writes <paramref name="module"/>'s state dict to <paramref name="path"/> atomically (PyTorch names).</summary>
    public static void Save(Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        Save(module.StateDict(), path, metadata);
    }

    /// <summary>
    /// Reads every tensor whose name starts with <paramref name="prefix"/> (the prefix is stripped)
    /// as float32 tensors, in file order. The caller owns (disposes) the tensors.
    /// </summary>
    public static OrderedDictionary<string, Tensor> Load(SafetensorsFile file, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(prefix);
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in file.Entries)
            {
                if (!e.Name.StartsWith(prefix, StringComparison.Ordinal)) continue;
                result.Add(e.Name[prefix.Length..], ToTensor(e));
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>Reads a state dict file (see <see cref="Load(SafetensorsFile, string)"/>).</summary>
    public static OrderedDictionary<string, Tensor> Load(string path, string prefix = "")
    {
        using var file = SafetensorsFile.Open(path);
        return Load(file, prefix);
    }

    /// <summary>A float32 tensor holding the entry's values (any dtype converts).</summary>
    public static Tensor ToTensor(SafetensorsEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var shape = new int[entry.Shape.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            if (entry.Shape[i] > int.MaxValue)
                throw new NotSupportedException($"Tensor '{entry.Name}' has dimension {entry.Shape[i]}; NativeNet tensors hold at most {int.MaxValue} per dimension.");
            shape[i] = (int)entry.Shape[i];
        }
        float[] values = entry.ToFloat32();
        return shape.Length == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, shape);
    }

    /// <summary>
    /// Loads a safetensors state dict (for instance one PyTorch saved) into <paramref name="module"/>
    /// by name. strict: every key must match (the exception lists missing and unexpected keys).
    /// <paramref name="prefix"/> selects and strips a key prefix (e.g. "state_dict."); tensors without it are ignored.
    /// </summary>
    /// <returns>The missing and unexpected keys.</returns>
    /// <exception cref="InvalidDataException">The file is malformed, or its tensors do not fit the module (names the file).</exception>
    public static (IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected) LoadStateDict(this Module module, string path, bool strict = true, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(module);
        using var file = SafetensorsFile.Open(path);
        return LoadInto(module, file, strict, prefix);
    }

    internal static (IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected) LoadInto(Module module, SafetensorsFile file, bool strict, string prefix)
    {
        var state = Load(file, prefix);
        try
        {
            return module.LoadStateDict(state, strict);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"State dict in '{file.SourceName}' does not fit the {module.GetType().Name}: {e.Message}", e);
        }
        finally
        {
            foreach (var t in state.Values) t.Dispose();
        }
    }

}
