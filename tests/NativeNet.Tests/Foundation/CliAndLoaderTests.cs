using System.Text.Json;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Foundation;

/// <summary>The CLI's info command, the ISA cap and the loader, each in a child process.</summary>
public class CliAndLoaderTests
{
    [Fact]
    public void InfoPrintsVersionFeaturesIsaAndThreads()
    {
        var r = ChildProcess.RunCli(new Dictionary<string, string?>(), "info", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var o = doc.RootElement;
        Assert.Equal(NativeNetRuntime.Version, o.GetProperty("version").GetString());
        Assert.Equal("native", o.GetProperty("backend").GetString());
        Assert.True(o.GetProperty("threads").GetInt32() >= 1);
        Assert.Equal(NativeNetRuntime.IsaName(NativeNetRuntime.Cpu.BestIsa), o.GetProperty("isa").GetString());
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("avx2")]
    [InlineData("avx512")]
    public void IsaCapIsReported(string cap)
    {
        if (cap == "avx2" && !NativeNetRuntime.Cpu.Avx2) return;  // nothing to cap to on this CPU
        if (cap == "avx512" && NativeNetRuntime.Cpu.BestIsa is not (Isa.Avx512 or Isa.Avx512Bf16)) return;
        var r = ChildProcess.RunCli(new Dictionary<string, string?> { ["NATIVENET_MAX_ISA"] = cap }, "info", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(cap, doc.RootElement.GetProperty("isa").GetString());
    }

    [Fact]
    public void ThreadsOptionIsAppliedAndValidated()
    {
        var r = ChildProcess.RunCli(new Dictionary<string, string?>(), "info", "--json", "--threads", "1");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(1, doc.RootElement.GetProperty("threads").GetInt32());
        var bad = ChildProcess.RunCli(new Dictionary<string, string?>(), "info", "--threads", "0");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--threads", bad.StdErr);
        var badBackend = ChildProcess.RunCli(new Dictionary<string, string?>(), "info", "--backend", "gpu");
        Assert.Equal(2, badBackend.ExitCode);
        Assert.Contains("'gpu'", badBackend.StdErr);
    }

    [Fact]
    public void MissingLibraryListsEveryPathTriedAndAutoFallsBackToManaged()
    {
        // Point the loader at an empty folder and hide the copies beside the app by running the
        // CLI from a temporary copy without its runtimes/ folder.
        string dir = Directory.CreateTempSubdirectory("nativenet-noload-").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(AppContext.BaseDirectory, "*.dll").Concat(Directory.GetFiles(AppContext.BaseDirectory, "*.json")))
                File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
            var env = new Dictionary<string, string?> { ["NATIVENET_NATIVE_PATH"] = Path.Combine(dir, "nowhere") };
            var psiDll = Path.Combine(dir, "NativeNet.Cli.dll");
            var native = Run(psiDll, env, "info", "--backend", "native");
            Assert.NotEqual(0, native.ExitCode);
            Assert.Contains("could not load its native library", native.StdErr);
            Assert.Contains(Path.Combine(dir, "nowhere"), native.StdErr);
            Assert.Contains(Path.Combine("runtimes", "linux-x64", "native"), native.StdErr);

            var auto = Run(psiDll, env, "info", "--json");
            Assert.True(auto.ExitCode == 0, auto.StdErr);
            Assert.Contains("warning: NativeNet is using its managed kernels", auto.StdErr);
            using var doc = JsonDocument.Parse(auto.StdOut);
            Assert.Equal("managed", doc.RootElement.GetProperty("backend").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static ChildProcess.Result Run(string dll, IDictionary<string, string?> env, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return new ChildProcess.Result(p.ExitCode, output, err.Result);
    }
}
