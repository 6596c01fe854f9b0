using System.CommandLine;
using NativeNet.Cli.Bench;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet bench gemm|conv|rnn|models`: quick figures, one JSON object per case with --json.</summary>
public static class BenchCommand
{
    private static Option<string[]> Repeatable(string name, string description) =>
        new(name) { Description = description, AllowMultipleArgumentsPerToken = true };

    /// <summary>Creates the command and its suites.</summary>
    public static Command Create(TextWriter stdout)
    {
        var cmd = new Command("bench", "Measure kernels and models (compare with ../shared/anchors/run.sh)");
        var json = new Option<bool>("--json") { Description = "One JSON object per case and line", Recursive = true };
        cmd.Options.Add(json);

        var shapes = Repeatable("--shape", "GEMM shapes MxNxK (repeatable); default: the anchor's ten shapes");
        var gemm = new Command("gemm", "SGEMM C = A·B, FLOPs = 2MNK");
        gemm.Options.Add(shapes);
        gemm.SetAction(p =>
        {
            var list = p.GetValue(shapes) is { Length: > 0 } s ? s.Select(GemmBench.ParseShape).ToList() : GemmBench.DefaultShapes.ToList();
            GemmBench.Run(new BenchContext(stdout, p.GetValue(json)), list);
            return 0;
        });
        cmd.Subcommands.Add(gemm);

        var convShapes = Repeatable("--shape", "Conv cases NxCxHxK (3x3, stride 1, padding 1; repeatable); default: the anchor's cases");
        var conv = new Command("conv", "Conv2d 3x3 forward and forward+backward (torch_anchor.py cases)");
        conv.Options.Add(convShapes);
        conv.SetAction(p =>
        {
            var list = p.GetValue(convShapes) is { Length: > 0 } s ? s.Select(BenchShape.Conv).ToList() : null;
            LayerBench.RunConv(new BenchContext(stdout, p.GetValue(json)), list);
            return 0;
        });
        cmd.Subcommands.Add(conv);

        var rnnShapes = Repeatable("--shape", "Recurrent cases lstm:BxTxIxH or gru:BxTxIxH (repeatable); default: the anchor's cases");
        var rnn = new Command("rnn", "LSTM/GRU forward and forward+backward (torch_anchor.py cases)");
        rnn.Options.Add(rnnShapes);
        rnn.SetAction(p =>
        {
            var list = p.GetValue(rnnShapes) is { Length: > 0 } s ? s.Select(BenchShape.Rnn).ToList() : null;
            LayerBench.RunRnn(new BenchContext(stdout, p.GetValue(json)), list);
            return 0;
        });
        cmd.Subcommands.Add(rnn);

        var modelNames = Repeatable("--model", "Reference models to run (repeatable); default: all seven");
        var models = new Command("models", "Seven reference models (five small ones, resnet18 and mobilenet_v2 at batch 8 of 3x224x224): inference and one Adam training step");
        models.Options.Add(modelNames);
        models.SetAction(p =>
        {
            var names = p.GetValue(modelNames) is { Length: > 0 } s ? s : null;
            LayerBench.RunModels(new BenchContext(stdout, p.GetValue(json)), names);
            return 0;
        });
        cmd.Subcommands.Add(models);
        return cmd;
    }
}
