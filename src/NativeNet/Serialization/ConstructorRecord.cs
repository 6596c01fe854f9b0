using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using NativeNet.Nn;
using Module = NativeNet.Nn.Module;

namespace NativeNet.Serialization;

/// <summary>
/// How a user's <see cref="Module"/> subclass is rebuilt without a hand-written spec: its type name
/// and the arguments of one public constructor, read back from the fields or properties that hold
/// them (PyTorch users keep <c>self.hidden = hidden</c>; System.Text.Json binds records the same way).
/// Saved as the architecture spec <c>{"Type": "UserModule", "Config": {"type": …, "arguments": {…}}}</c>.
/// Loading never resolves a type from the file: the caller names it (<see cref="Model.Load{T}(string)"/>),
/// and the file's type name must match it.
/// </summary>
internal static class ConstructorRecord
{
    /// <summary>The spec type of a module saved by its constructor.</summary>
    public const string SpecType = "UserModule";

    /// <summary>True when the module's type comes from user code and does not describe itself with ToSpec.</summary>
    public static bool Applies(Module module)
    {
        var type = module.GetType();
        return type.Assembly != typeof(Module).Assembly
            && type.GetMethod(nameof(Module.ToSpec), Type.EmptyTypes)!.DeclaringType == typeof(Module);
    }

    /// <summary>The type name recorded in files: namespace-qualified name and assembly simple name (no version, so a rebuilt assembly still loads).</summary>
    public static string TypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    /// <summary>
    /// The spec of <paramref name="module"/>: the public constructor with the most parameters whose
    /// every argument is found in a same-named field or property of a plain value type.
    /// </summary>
    /// <exception cref="NotSupportedException">No public constructor can be replayed; the message names the parameter that has no value to read.</exception>
    public static ModuleSpec Capture(Module module)
    {
        var type = module.GetType();
        string? firstProblem = null;
        foreach (var ctor in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            var arguments = new JsonObject();
            string? problem = null;
            foreach (var p in ctor.GetParameters())
            {
                if (!IsPlainValue(p.ParameterType))
                {
                    problem = $"constructor parameter '{p.Name}' is a {p.ParameterType.Name}; only numbers, strings, booleans, enums and arrays of them can be recorded";
                    break;
                }
                var member = FindMember(type, p);
                if (member is null)
                {
                    problem = $"constructor parameter '{p.Name}' ({p.ParameterType.Name}) has no field or property named '{p.Name}' holding its value";
                    break;
                }
                arguments[p.Name!] = JsonSerializer.SerializeToNode(member.Value.Read(module), p.ParameterType);
            }
            if (problem is null)
                return new ModuleSpec(SpecType).With("type", TypeName(type)).With("arguments", arguments);
            firstProblem ??= problem;
        }
        throw new NotSupportedException(
            $"Model.Save cannot record how to construct {type.Name}: " + (firstProblem ?? "it has no public constructor") +
            $". Keep each constructor argument in a field or property of the same name (e.g. `public int Hidden {{ get; }}` for `hidden`), " +
            $"give {type.Name} a public parameterless constructor, or override ToSpec and register a factory with ModuleSpec.Register.");
    }

    /// <summary>Builds a <typeparamref name="T"/> from a spec written by <see cref="Capture"/>; problems are InvalidDataException naming <paramref name="source"/>.</summary>
    public static T Construct<T>(ModuleSpec spec, string source) where T : Module
    {
        string recorded = spec.Config.TryGetValue("type", out var t) && t is JsonValue tv && tv.TryGetValue<string>(out var s) ? s
            : throw new InvalidDataException($"Model file '{source}': the user-module architecture has no 'type'.");
        string expected = TypeName(typeof(T));
        if (!SameTypeName(recorded, expected))
            throw new InvalidDataException($"Model file '{source}' holds a '{recorded}', not a '{expected}': load it with Model.Load<{ShortName(recorded)}>.");
        var arguments = spec.Config.TryGetValue("arguments", out var a) && a is JsonObject o ? o
            : throw new InvalidDataException($"Model file '{source}': the user-module architecture has no 'arguments' object.");
        var names = arguments.Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        var ctor = typeof(T).GetConstructors().FirstOrDefault(c => c.GetParameters().Select(p => p.Name!).ToHashSet(StringComparer.Ordinal).SetEquals(names))
            ?? throw new InvalidDataException($"Model file '{source}': {typeof(T).Name} has no public constructor taking exactly ({string.Join(", ", names)}), the arguments it was saved with.");
        var values = ctor.GetParameters().Select(p =>
        {
            try
            {
                return arguments[p.Name!].Deserialize(p.ParameterType);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
            {
                throw new InvalidDataException($"Model file '{source}': constructor argument '{p.Name}' of {typeof(T).Name} is not a {p.ParameterType.Name}. Received: {arguments[p.Name!]?.ToJsonString()}", e);
            }
        }).ToArray();
        try
        {
            return (T)ctor.Invoke(values);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException or InvalidDataException)
        {
            throw new InvalidDataException($"Model file '{source}': {typeof(T).Name}({string.Join(", ", names.Select(n => $"{n}: {arguments[n]?.ToJsonString()}"))}) failed: {e.InnerException.Message}", e.InnerException);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    // Only the type's full name is compared: the caller chose T, so the assembly may have been renamed or rebuilt.
    private static bool SameTypeName(string recorded, string expected) =>
        string.Equals(recorded.Split(',')[0].Trim(), expected.Split(',')[0].Trim(), StringComparison.Ordinal);

    private static string ShortName(string recorded)
    {
        string full = recorded.Split(',')[0].Trim();
        return full[(full.LastIndexOfAny(['.', '+']) + 1)..];
    }

    private static bool IsPlainValue(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        if (t.IsArray) return t.GetArrayRank() == 1 && IsPlainValue(t.GetElementType()!);
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal);
    }

    private readonly record struct Member(Func<object, object?> Read);

    // A field or property of the parameter's type named like it, ignoring case and leading underscores ("hidden" ← "_hidden", "Hidden").
    private static Member? FindMember(Type type, ParameterInfo p)
    {
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        static bool Named(string member, string parameter) =>
            string.Equals(member.TrimStart('_'), parameter, StringComparison.OrdinalIgnoreCase);
        for (var t = type; t is not null && t != typeof(Module); t = t.BaseType)
        {
            foreach (var prop in t.GetProperties(flags | BindingFlags.DeclaredOnly))
                if (Named(prop.Name, p.Name!) && prop.GetIndexParameters().Length == 0 && prop.CanRead && p.ParameterType.IsAssignableFrom(prop.PropertyType))
                    return new Member(prop.GetValue);
            foreach (var field in t.GetFields(flags | BindingFlags.DeclaredOnly))
                if (!field.Name.StartsWith('<') && Named(field.Name, p.Name!) && p.ParameterType.IsAssignableFrom(field.FieldType))
                    return new Member(field.GetValue);
        }
        return null;
    }
}
