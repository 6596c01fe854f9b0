using System.Reflection;
using System.Runtime.CompilerServices;
using NativeNet.Interop;

namespace NativeNet.Tests.Foundation;

/// <summary>
/// Proves, from metadata, that every native import of NativeNet is blittable: each P/Invoke
/// (the [DllImport] stubs LibraryImport generates) takes and returns only primitives, pointers,
/// enums and structs made of those, and runtime marshalling is disabled for the assembly.
/// </summary>
public class InteropShapeTests
{
    [Fact]
    public void RuntimeMarshallingIsDisabled()
    {
        Assert.NotNull(typeof(NativeMethods).Assembly.GetCustomAttribute<DisableRuntimeMarshallingAttribute>());
    }

    [Fact]
    public void EveryPInvokeSignatureIsBlittable()
    {
        var pinvokes = typeof(NativeMethods).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Where(m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0)
            .ToList();
        Assert.NotEmpty(pinvokes);
        foreach (var m in pinvokes)
        {
            Assert.True(IsBlittable(m.ReturnType), $"{m.DeclaringType}.{m.Name} returns {m.ReturnType}");
            foreach (var p in m.GetParameters())
                Assert.True(IsBlittable(p.ParameterType), $"{m.DeclaringType}.{m.Name}({p.Name}) is {p.ParameterType}");
        }
        // Every export of the header has one.
        var names = pinvokes.Select(m => m.GetCustomAttribute<System.Runtime.InteropServices.DllImportAttribute>()?.EntryPoint ?? m.Name).ToHashSet();
        foreach (var declared in typeof(NativeMethods).GetMethods(BindingFlags.Static | BindingFlags.NonPublic).Where(m => m.Name.StartsWith("nn_")))
            Assert.Contains(declared.Name, names);
    }

    private static bool IsBlittable(Type t)
    {
        if (t == typeof(void) || t.IsPointer || t.IsEnum) return true;
        if (t.IsPrimitive) return t != typeof(bool) && t != typeof(char);
        if (t.IsValueType && !t.IsGenericType)
            return t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).All(f => IsBlittable(f.FieldType));
        return false;
    }
}
