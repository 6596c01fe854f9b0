using System.Collections.Concurrent;
using System.Reflection;

namespace NativeNet.Nn;

/// <summary>Marks a <see cref="Tensor"/> field of a <see cref="Module"/> subclass as a buffer (saved in the state dict, not trained).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class BufferAttribute : Attribute;

/// <summary>Keeps a <see cref="Module"/> or <see cref="Tensor"/> field of a Module subclass out of automatic registration (e.g. a reference to a shared layer owned elsewhere).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class NotRegisteredAttribute : Attribute;

/// <summary>
/// The fields of a user's <see cref="Module"/> subclass that register themselves, found by
/// reflection once per type: Module fields become children, Tensor fields marked
/// <see cref="BufferAttribute"/> become buffers, other Tensor fields that are leaves requiring
/// gradients become parameters (PyTorch's nn.Parameter). Base-class fields come first, then each
/// class's in declaration order — the state-dict order PyTorch users expect. Names are the field
/// names with leading underscores removed (auto-properties use the property name), so
/// <c>_fc1</c> gives "fc1.weight". Types of the NativeNet assembly register explicitly and are skipped.
/// </summary>
internal static class ModuleFields
{
    internal enum Kind { Module, Parameter, Buffer }

    internal readonly record struct Field(FieldInfo Info, string Name, Kind Kind);

    private static readonly ConcurrentDictionary<Type, Field[]> Plans = new();

    public static Field[] For(Type type) => Plans.GetOrAdd(type, Build);

    private static Field[] Build(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t.Assembly != typeof(Module).Assembly; t = t.BaseType) chain.Add(t);
        chain.Reverse();
        var fields = new List<Field>();
        foreach (var t in chain)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly).OrderBy(f => f.MetadataToken))
            {
                bool module = typeof(Module).IsAssignableFrom(f.FieldType), tensor = f.FieldType == typeof(Tensor);
                if (!module && !tensor) continue;
                var property = AutoProperty(t, f);
                MemberInfo declared = (MemberInfo?)property ?? f;
                if (declared.IsDefined(typeof(NotRegisteredAttribute))) continue;
                string name = (property?.Name ?? f.Name).TrimStart('_');
                if (name.Length == 0) continue;
                fields.Add(new Field(f, name, module ? Kind.Module : declared.IsDefined(typeof(BufferAttribute)) ? Kind.Buffer : Kind.Parameter));
            }
        return [.. fields];
    }

    // "<Name>k__BackingField" belongs to the auto-property Name.
    private static PropertyInfo? AutoProperty(Type t, FieldInfo f)
    {
        if (!f.Name.StartsWith('<')) return null;
        int end = f.Name.IndexOf('>');
        return end > 1 ? t.GetProperty(f.Name[1..end], BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly) : null;
    }
}
