using NativeNet.Bindings;

namespace NativeNet.Tests.Foundation;

/// <summary>The committed bindings match the header, and the check notices an unregenerated edit.</summary>
public class BindingsTests
{
    private static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "bindings", "bindings.json"))) return d.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void CommittedBindingsAreUpToDate()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = GeneratorCli.Run(new[] { "--check", "--root", RepoRoot() }, o, e);
        Assert.True(rc == 0, e.ToString());
    }

    [Fact]
    public void CheckFailsAfterAnUnregeneratedHeaderEdit()
    {
        string root = RepoRoot();
        string tmp = Directory.CreateTempSubdirectory("nativenet-bindings-").FullName;
        try
        {
            foreach (string rel in new[] { "bindings/bindings.json", "native/include/nativenet.h", "src/NativeNet/Interop/NativeMethods.g.cs",
                                           "native/include/nativenet_dist.h", "src/NativeNet.Distributed/Interop/DistMethods.g.cs" })
            {
                string dst = Path.Combine(tmp, rel);
                Directory.CreateDirectory(Path.GetDirectoryName(dst)!);
                File.Copy(Path.Combine(root, rel), dst);
            }
            string header = Path.Combine(tmp, "native/include/nativenet.h");
            File.WriteAllText(header, File.ReadAllText(header).Replace(
                "#ifdef __cplusplus\n} /* extern \"C\" */", "NN_API int32_t nn_added_later(int64_t n);\n\n#ifdef __cplusplus\n} /* extern \"C\" */"));
            var err = new StringWriter();
            Assert.Equal(1, GeneratorCli.Run(new[] { "--check", "--root", tmp }, new StringWriter(), err));
            Assert.Contains("stale", err.ToString());
            // Regenerating fixes it, and the new function is bound with its C signature echoed.
            Assert.Equal(0, GeneratorCli.Run(new[] { "--root", tmp }, new StringWriter(), new StringWriter()));
            Assert.Equal(0, GeneratorCli.Run(new[] { "--check", "--root", tmp }, new StringWriter(), new StringWriter()));
            string generated = File.ReadAllText(Path.Combine(tmp, "src/NativeNet/Interop/NativeMethods.g.cs"));
            Assert.Contains("internal static partial int nn_added_later(long n);", generated);
            Assert.Contains("// C: int32_t nn_added_later(int64_t n)", generated);
        }
        finally
        {
            Directory.Delete(tmp, recursive: true);
        }
    }

    [Fact]
    public void UnknownTypesAreRejectedNotGuessed()
    {
        var empty = new HashSet<string>();
        Assert.Equal("float*", CSharpEmitter.MapType("const float *", empty, empty, empty, "t"));
        Assert.Equal("long", CSharpEmitter.MapType("int64_t", empty, empty, empty, "t"));
        Assert.Equal("nint*", CSharpEmitter.MapType("nn_handle **", empty, empty, new HashSet<string> { "nn_handle" }, "t"));
        Assert.Throws<InvalidOperationException>(() => CSharpEmitter.MapType("long double", empty, empty, empty, "f(x)"));
    }
}
