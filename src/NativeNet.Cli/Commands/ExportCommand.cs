using System.CommandLine;
using NativeNet.Cli.Safety;
using NativeNet.Cli.Tabular;
using NativeNet.Nn;
using NativeNet.Serialization;
using NativeNet.Serialization.Onnx;

namespace NativeNet.Cli.Commands;

/// <summary>
/// `nativenet export --model M --onnx OUT.onnx`: the trained model as ONNX (opset 13, dynamic
/// batch) that computes what `nativenet predict` writes: every model takes the raw input as stored
/// in the data file (the schema's standardization — per column, or per image/signal channel — is
/// folded into the graph as Sub/Div before the first layer); a model trained on image files takes
/// the decoded image scaled to [0, 1] and resized to its input size, its per-channel normalization
/// in the graph. It outputs
/// P(positive class) for two classes, class probabilities for more, or the prediction in target
/// units for regression.
/// </summary>
public static class ExportCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string>("--model") { Description = "Model file written by `nativenet train`", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "ONNX file to write", Required = true };
        var cmd = new Command("export", "Export a trained model to ONNX: raw inputs (columns in the schema's order, or images/signals) in, the values `predict` writes out");
        cmd.Options.Add(model);
        cmd.Options.Add(onnx);
        cmd.SetAction(p =>
        {
            string modelPath = p.GetValue(model)!, path = p.GetValue(onnx)!;
            OutputFiles.CheckTarget(path, "--onnx");
            OutputFiles.CheckNotInput(path, "--onnx", (modelPath, "--model"));
            using var runner = ModelRunner.Load(modelPath);
            var s = runner.Schema;
            int[] inputShape = s.IsTable ? [1, s.Features.Count] : [1, .. s.InputShape];
            var standardize = Standardization(s, runner.Path);
            // The head maps network outputs to predict's units; the wrapper only borrows the trained network (the runner disposes it).
            var (head, output) = Head(s);
            var full = new Sequential(runner.Module, head);
            try
            {
                // The schema goes along, so `predict`/`evaluate` can read the same data files with the .onnx.
                var bytes = OnnxExporter.ExportToBytes(full, inputShape, standardize: standardize,
                    metadata: new Dictionary<string, string> { [Model.SchemaKey] = s.ToJson() });
                OutputFiles.WriteTogether([OutputFiles.Bytes(path, bytes)]);
            }
            catch (NotSupportedException e)
            {
                throw new CliInputException($"{runner.Path}: cannot be exported to ONNX: {e.Message}");
            }
            finally
            {
                head.Dispose();
            }
            string inputs = s.IsTable ? $"[batch, {s.Features.Count}] raw columns {string.Join(", ", s.Features.Take(3).Select(f => CliText.Escape(f, 60)))}{(s.Features.Count > 3 ? ", …" : "")}"
                : s.Input == InputKinds.ImageFiles ? $"[batch, {string.Join(", ", s.InputShape)}] decoded images scaled to [0, 1]{(s.Image!.Resize ? ", resized" : "")}"
                : $"[batch, {string.Join(", ", s.InputShape)}] {s.Input}";
            stdout.WriteLine($"Wrote {CliText.Escape(path)} (input {inputs}; output {CliText.Escape(output, 200)})");
            return 0;
        });
        return cmd;
    }

    // What the graph does to its input before the network: the schema's standardization of raw
    // columns, images or signals; for image files, the per-channel mean/std applied after decoding
    // to [0, 1] (decoding and resizing stay outside the graph).
    private static InputStandardization Standardization(ModelSchema s, string path)
    {
        if (s.Input == InputKinds.ImageFiles)
            return new InputStandardization([.. s.Image!.Mean], [.. s.Image.Std], Axis: 1);
        // A model without recorded scaling read 8-bit pixels / 255: a graph for raw input cannot know the file's dtype.
        if (s.Scaler() is null)
            throw new CliInputException($"{path}: the model predates recorded input scaling (its images were divided by 255 on load); retrain it with `nativenet train` to export a graph that takes raw input.");
        return new InputStandardization(s.ScalerMean.Select(v => (float)v).ToList(), s.ScalerStd.Select(v => (float)v).ToList(), s.ChannelAxis);
    }

    // Sigmoid (two classes), Softmax (more), or value · std + mean (regression, as a 1×1 Linear).
    private static (Module Head, string Description) Head(ModelSchema s)
    {
        if (s.IsClassification)
            return s.Classes!.Count > 2
                ? (new Softmax(-1), $"[batch, {s.Classes.Count}] probabilities of {string.Join(", ", s.Classes)}")
                : (new Sigmoid(), $"[batch, 1] probability of '{s.Classes[1]}'");
        var toUnits = new Linear(1, 1);
        toUnits.Weight.AsSpan()[0] = (float)s.TargetStd!.Value;
        toUnits.Bias!.AsSpan()[0] = (float)s.TargetMean!.Value;
        return (toUnits, $"[batch, 1] {s.Target} in target units");
    }
}
