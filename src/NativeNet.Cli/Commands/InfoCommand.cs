using System.CommandLine;
using System.Text.Json;
using NativeNet.Kernels;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet info`: versions, CPU features, chosen ISA, threads, backend.</summary>
public static class InfoCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text" };
        var cmd = new Command("info", "Show NativeNet's version, CPU features, chosen ISA and threads");
        cmd.Options.Add(json);
        cmd.SetAction(parsed =>
        {
            var kernels = KernelProvider.Current;
            var o = new Dictionary<string, object?>
            {
                ["version"] = NativeNetRuntime.Version,
                ["backend"] = kernels.Backend.ToString().ToLowerInvariant(),
                ["kernels"] = kernels.Description,
                ["os"] = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier,
                ["dotnet"] = Environment.Version.ToString(),
            };
            if (kernels.Backend == Backend.Native)
            {
                var cpu = NativeNetRuntime.Cpu;
                o["native_version"] = NativeNetRuntime.NativeVersion;
                o["native_library"] = NativeNetRuntime.NativeLibraryPath;
                o["cpu_features"] = cpu.FeatureNames;
                o["best_isa"] = NativeNetRuntime.IsaName(cpu.BestIsa);
                o["isa"] = NativeNetRuntime.IsaName(cpu.ChosenIsa);
                o["bf16_products"] = KernelProvider.BFloat16Products;
                o["cores"] = cpu.Cores;
                o["threads"] = NativeNetRuntime.Threads;
            }
            else
            {
                o["threads"] = Environment.ProcessorCount;
            }
            if (parsed.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(o));
            }
            else
            {
                foreach (var (key, value) in o)
                {
                    string text = value is IEnumerable<string> list ? string.Join(' ', list) : value?.ToString() ?? "";
                    stdout.WriteLine($"{key,-15}{text}");
                }
            }
            return 0;
        });
        return cmd;
    }
}
