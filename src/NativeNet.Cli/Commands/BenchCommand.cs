using System.CommandLine;
using NativeNet.Cli.Bench;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet bench gemm|conv|rnn|models`: quick figures, one JSON object per case with --json.</summary>
public static class BenchCommand
{
    /// <summary>Creates the command and its suites.</summary>
    public static Command Create(TextWriter stdout)
    {
        var cmd = new Command("bench", "Measure kernels and models (compare with ../shared/anchors/run.sh)");
        var json = new Option<bool>("--json") { Description = "One JSON object per case and line", Recursive = true };
        cmd.Options.Add(json);

        var shapes = new Option<string[]>("--shape")
        {
            Description = "GEMM shapes MxNxK (repeatable); default: the anchor's ten shapes",
            AllowMultipleArgumentsPerToken = true,
        };
        var gemm = new Command("gemm", "SGEMM C = A·B, FLOPs = 2MNK");
        gemm.Options.Add(shapes);
        gemm.SetAction(p =>
        {
            var list = p.GetValue(shapes) is { Length: > 0 } s ? s.Select(GemmBench.ParseShape).ToList() : GemmBench.DefaultShapes.ToList();
            GemmBench.Run(new BenchContext(stdout, p.GetValue(json)), list);
            return 0;
        });
        cmd.Subcommands.Add(gemm);

        foreach (var (name, description, run) in new (string, string, Action<BenchContext>)[]
        {
            ("conv", "Conv2d 3x3 forward and forward+backward (torch_anchor.py cases)", LayerBench.RunConv),
            ("rnn", "LSTM/GRU forward and forward+backward (torch_anchor.py cases)", LayerBench.RunRnn),
            ("models", "Five reference models: inference and one Adam training step", LayerBench.RunModels),
        })
        {
            var sub = new Command(name, description);
            sub.SetAction(p =>
            {
                run(new BenchContext(stdout, p.GetValue(json)));
                return 0;
            });
            cmd.Subcommands.Add(sub);
        }
        return cmd;
    }
}
