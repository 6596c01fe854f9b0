using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace NativeNet.Nn;

/// <summary>
/// A module's architecture as data: its type name, hyper-parameters (JSON values) and named
/// children. Serializes with System.Text.Json (<see cref="ToJson"/>/<see cref="FromJson"/>);
/// <see cref="Module.FromSpec"/> rebuilds the module (weights are loaded separately, by state dict).
/// Built-in modules are registered; user modules add a factory with <see cref="Register"/>.
/// </summary>
public sealed class ModuleSpec
{
    private static readonly Dictionary<string, Func<ModuleSpec, Module>> Factories = new(StringComparer.Ordinal);
    private static readonly object Gate = new();
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>A spec of <paramref name="type"/>.</summary>
    public ModuleSpec(string type) => Type = type;

    /// <summary>For the serializer.</summary>
    public ModuleSpec() : this("") { }

    /// <summary>The module type, e.g. "Linear".</summary>
    public string Type { get; set; }

    /// <summary>Hyper-parameters by PyTorch name (in_features, kernel_size, …).</summary>
    public Dictionary<string, JsonNode?> Config { get; set; } = new();

    /// <summary>Named children (Sequential: "0", "1", …).</summary>
    public List<NamedSpec>? Children { get; set; }

    /// <summary>Sets a hyper-parameter; returns this.</summary>
    public ModuleSpec With(string key, JsonNode? value)
    {
        Config[key] = value;
        return this;
    }

    /// <summary>Adds a child; returns this.</summary>
    public ModuleSpec WithChild(string name, ModuleSpec child)
    {
        (Children ??= new()).Add(new NamedSpec { Name = name, Spec = child });
        return this;
    }

    private JsonNode Required(string key) =>
        Config.TryGetValue(key, out var v) && v is not null ? v : throw new InvalidDataException($"Module spec '{Type}' is missing '{key}'.");

    private double Number(string key, JsonNode v)
    {
        if (v is JsonValue jv)
        {
            if (jv.TryGetValue<double>(out var d)) return d;
            if (jv.TryGetValue<int>(out var i)) return i;
            if (jv.TryGetValue<long>(out var l)) return l;
            if (jv.TryGetValue<float>(out var f)) return f;
        }
        throw new InvalidDataException($"Module spec '{Type}': '{key}' must be a number. Received: {v.ToJsonString()}");
    }

    /// <summary>An integer hyper-parameter.</summary>
    public int GetInt(string key)
    {
        double d = Number(key, Required(key));
        if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) throw new InvalidDataException($"Module spec '{Type}': '{key}' must be an integer. Received: {d}");
        return (int)d;
    }

    /// <summary>An integer hyper-parameter or a default.</summary>
    public int GetInt(string key, int fallback) => Config.TryGetValue(key, out var v) && v is not null ? GetInt(key) : fallback;

    /// <summary>A float hyper-parameter or a default.</summary>
    public double GetDouble(string key, double fallback) => Config.TryGetValue(key, out var v) && v is not null ? Number(key, v) : fallback;

    /// <summary>A float hyper-parameter or a default.</summary>
    public float GetFloat(string key, float fallback) => (float)GetDouble(key, fallback);

    /// <summary>A boolean hyper-parameter or a default.</summary>
    public bool GetBool(string key, bool fallback)
    {
        if (!Config.TryGetValue(key, out var v) || v is null) return fallback;
        if (v is JsonValue jv && jv.TryGetValue<bool>(out var b)) return b;
        throw new InvalidDataException($"Module spec '{Type}': '{key}' must be true or false. Received: {v.ToJsonString()}");
    }

    /// <summary>A pair (e.g. kernel_size [3, 3]); a single number n gives (n, n).</summary>
    public (int, int) GetPair(string key, (int, int) fallback)
    {
        if (!Config.TryGetValue(key, out var v) || v is null) return fallback;
        if (v is JsonArray a && a.Count == 2)
        {
            var t = new ModuleSpec(Type);
            t.Config["a"] = a[0]?.DeepClone();
            t.Config["b"] = a[1]?.DeepClone();
            return (t.GetInt("a"), t.GetInt("b"));
        }
        int n = GetInt(key);
        return (n, n);
    }

    /// <summary>JSON for a pair.</summary>
    public static JsonNode Pair((int A, int B) p) => new JsonArray(p.A, p.B);

    /// <summary>The spec as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);

    /// <summary>Parses JSON written by <see cref="ToJson"/>; throws <see cref="InvalidDataException"/> on malformed input.</summary>
    public static ModuleSpec FromJson(string json)
    {
        try
        {
            var spec = JsonSerializer.Deserialize<ModuleSpec>(json, Options) ?? throw new InvalidDataException("Module spec JSON is null.");
            CheckTree(spec, "");
            return spec;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Module spec JSON is malformed: {e.Message}", e);
        }
    }

    // JSON null where a child or a type belongs: refused here, not met later as a NullReferenceException.
    private static void CheckTree(ModuleSpec spec, string path)
    {
        var pending = new Stack<(ModuleSpec Spec, string Path)>();
        pending.Push((spec, path));
        while (pending.Count > 0)
        {
            var (s, at) = pending.Pop();
            if (s.Type is null) throw new InvalidDataException($"Module spec{(at.Length > 0 ? $" '{at}'" : "")} has no 'Type'.");
            if (s.Config is null) throw new InvalidDataException($"Module spec '{s.Type}' has a null 'Config'.");
            if (s.Children is null) continue;
            for (int i = 0; i < s.Children.Count; i++)
            {
                var child = s.Children[i];
                string name = child?.Name ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (child?.Spec is null || child.Name is null)
                    throw new InvalidDataException($"Module spec '{s.Type}': child {i} is null or lacks 'Name'/'Spec'.");
                pending.Push((child.Spec, at.Length > 0 ? $"{at}.{name}" : name));
            }
        }
    }

    /// <summary>Registers how to build modules of <paramref name="type"/> from a spec (replaces an existing factory).</summary>
    public static void Register(string type, Func<ModuleSpec, Module> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate) Factories[type] = factory;
    }

    internal static Module Build(ModuleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        BuiltinModules.EnsureRegistered();
        Func<ModuleSpec, Module>? f;
        lock (Gate) Factories.TryGetValue(spec.Type, out f);
        if (f is null) throw new InvalidDataException($"Unknown module type '{spec.Type}' in spec: register a factory with ModuleSpec.Register.");
        return f(spec);
    }
}

/// <summary>A child entry of a <see cref="ModuleSpec"/>.</summary>
public sealed class NamedSpec
{
    /// <summary>The child's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The child's spec.</summary>
    public ModuleSpec Spec { get; set; } = new();
}
