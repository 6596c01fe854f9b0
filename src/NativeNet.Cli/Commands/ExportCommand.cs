using System.CommandLine;
using NativeNet.Cli.Tabular;
using NativeNet.Serialization.Onnx;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet export --model M --onnx OUT.onnx`: the trained network as ONNX (opset 13, dynamic batch).</summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string>("--model") { Description = "Model file written by `nativenet train`", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "ONNX file to write", Required = true };
        var cmd = new Command("export", "Export a trained model to ONNX (raw network output: logits; standardize inputs as the schema says)");
        cmd.Options.Add(model);
        cmd.Options.Add(onnx);
        cmd.SetAction(p =>
        {
            using var runner = ModelRunner.Load(p.GetValue(model)!);
            string path = p.GetValue(onnx)!;
            OnnxExporter.Export(runner.Module, [1, runner.Schema.Features.Count], path);
            stdout.WriteLine($"Wrote {path} (input [batch, {runner.Schema.Features.Count}] standardized features, output {(runner.Schema.IsClassification ? "logit" : "standardized prediction")})");
            return 0;
        });
        return cmd;
    }
}
