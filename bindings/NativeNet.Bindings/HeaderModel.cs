using System.Text.Json;

namespace NativeNet.Bindings;

/// <summary>The declarations of the public header that cross the ABI, in header order.</summary>
internal sealed class HeaderModel
{
    public List<EnumDecl> Enums { get; } = new();
    public List<StructDecl> Structs { get; } = new();
    public List<FunctionDecl> Functions { get; } = new();
    /// <summary>Structs declared but never defined: handles, crossed only by pointer.</summary>
    public HashSet<string> OpaqueStructs { get; } = new();

    public static HeaderModel FromAst(JsonElement root, string prefix)
    {
        var m = new HeaderModel();
        var seenEnums = new HashSet<string>();
        var seenStructs = new HashSet<string>();
        foreach (var node in root.GetProperty("inner").EnumerateArray())
        {
            string kind = node.GetProperty("kind").GetString()!;
            string name = node.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "";
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            switch (kind)
            {
                case "EnumDecl" when seenEnums.Add(name):
                    m.Enums.Add(ReadEnum(node, name));
                    break;
                case "RecordDecl":
                    if (node.TryGetProperty("completeDefinition", out var cd) && cd.GetBoolean())
                    {
                        if (seenStructs.Add(name)) m.Structs.Add(ReadStruct(node, name));
                        m.OpaqueStructs.Remove(name);
                    }
                    else if (!seenStructs.Contains(name))
                    {
                        m.OpaqueStructs.Add(name);
                    }
                    break;
                case "FunctionDecl":
                    m.Functions.Add(ReadFunction(node, name));
                    break;
            }
        }
        return m;
    }

    private static string Doc(JsonElement node)
    {
        if (!node.TryGetProperty("inner", out var inner)) return "";
        foreach (var c in inner.EnumerateArray())
        {
            if (c.GetProperty("kind").GetString() == "FullComment") return CollectText(c).Trim();
        }
        return "";
    }

    private static string CollectText(JsonElement node)
    {
        var parts = new List<string>();
        if (node.TryGetProperty("text", out var t)) parts.Add(t.GetString()!.Trim());
        if (node.TryGetProperty("inner", out var inner))
            foreach (var c in inner.EnumerateArray()) parts.Add(CollectText(c));
        return string.Join(" ", parts.Where(p => p.Length > 0));
    }

    private static EnumDecl ReadEnum(JsonElement node, string name)
    {
        var values = new List<(string, long)>();
        long next = 0;
        foreach (var c in node.GetProperty("inner").EnumerateArray())
        {
            if (c.GetProperty("kind").GetString() != "EnumConstantDecl") continue;
            long value = next;
            if (c.TryGetProperty("inner", out var expr))
            {
                foreach (var e in expr.EnumerateArray())
                    if (e.TryGetProperty("value", out var v)) value = long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            }
            values.Add((c.GetProperty("name").GetString()!, value));
            next = value + 1;
        }
        return new EnumDecl(name, Doc(node), values);
    }

    private static StructDecl ReadStruct(JsonElement node, string name)
    {
        var fields = new List<(string Type, string Name)>();
        foreach (var c in node.GetProperty("inner").EnumerateArray())
        {
            if (c.GetProperty("kind").GetString() != "FieldDecl") continue;
            fields.Add((c.GetProperty("type").GetProperty("qualType").GetString()!, c.GetProperty("name").GetString()!));
        }
        return new StructDecl(name, Doc(node), fields);
    }

    private static FunctionDecl ReadFunction(JsonElement node, string name)
    {
        string sig = node.GetProperty("type").GetProperty("qualType").GetString()!;
        string ret = sig[..sig.IndexOf('(')].Trim();
        var ps = new List<(string Type, string Name)>();
        if (node.TryGetProperty("inner", out var inner))
        {
            foreach (var c in inner.EnumerateArray())
            {
                if (c.GetProperty("kind").GetString() != "ParmVarDecl") continue;
                string pname = c.TryGetProperty("name", out var pn) ? pn.GetString()! : $"arg{ps.Count}";
                ps.Add((c.GetProperty("type").GetProperty("qualType").GetString()!, pname));
            }
        }
        return new FunctionDecl(name, Doc(node), ret, ps);
    }
}

internal sealed record EnumDecl(string Name, string Doc, List<(string Name, long Value)> Values);
internal sealed record StructDecl(string Name, string Doc, List<(string Type, string Name)> Fields);
internal sealed record FunctionDecl(string Name, string Doc, string ReturnType, List<(string Type, string Name)> Parameters);
