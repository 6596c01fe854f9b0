using System.CommandLine;
using NativeNet.Cli.Safety;
using NativeNet.Data;
using NativeNet.Onnx;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet run --model M.onnx --input x.npy --output y.npy`: one inference of an ONNX model on NumPy arrays.</summary>
public static class RunCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var model = new Option<string>("--model") { Description = "ONNX model (.onnx, opsets 11-17)", Required = true };
        var input = new Option<string[]>("--input") { Description = "Input array: x.npy (single-input model) or name=x.npy (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string[]>("--output") { Description = "Output file: y.npy (first output) or name=y.npy (repeatable)", Required = true, AllowMultipleArgumentsPerToken = true };
        var cmd = new Command("run", "Run an ONNX model on .npy inputs and write .npy outputs");
        foreach (var o in new Option[] { model, input, output }) cmd.Options.Add(o);
        cmd.SetAction(p =>
        {
            string modelPath = p.GetValue(model)!;
            if (!modelPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
                throw new CliInputException($"--model must be an .onnx file. Received: '{modelPath}'");
            InputFile.Onnx(modelPath);
            using var m = OnnxModel.Load(modelPath);
            var inputs = new Dictionary<string, (float[], long[])>();
            var inputFiles = new List<(string? Path, string Option)> { (modelPath, "--model") };
            foreach (var spec in p.GetValue(input)!)
            {
                var (name, file) = Split(spec, m.Inputs.Select(i => i.Name).ToList(), "--input", "input");
                InputFile.Npy(file, "--input");
                inputFiles.Add((file, "--input"));
                var arr = NpyReader.ReadNpy(file);
                if (!inputs.TryAdd(name, (arr.ToFloatArray(), arr.Shape.Select(d => (long)d).ToArray())))
                    throw new CliInputException($"--input: input '{name}' given twice");
            }
            var targets = p.GetValue(output)!.Select(spec => Split(spec, m.Outputs.ToList(), "--output", "output")).ToList();
            foreach (var (_, file) in targets)
            {
                OutputFiles.CheckTarget(file, "--output");
                OutputFiles.CheckNotInput(file, "--output", [.. inputFiles]);
            }
            if (targets.Select(t => Path.GetFullPath(t.File)).Distinct(StringComparer.Ordinal).Count() != targets.Count)
                throw new CliInputException("--output: two outputs name the same file.");
            var results = m.Run(inputs);
            var written = new List<string>();
            foreach (var (name, file) in targets)
            {
                var (data, shape) = results[name];
                OutputFiles.WriteTogether([new OutputFiles.Output(file, temp => OutputFiles.CreateFlushed(temp, s => Onnx.Io.NpyFloatWriter.Write(s, data, shape)))]);
                written.Add($"{name} [{string.Join(",", shape)}] -> {file}");
            }
            foreach (var w in written) stdout.WriteLine(w);
            return 0;
        });
        return cmd;
    }

    // "name=path" or "path" (the only / first one)
    private static (string Name, string File) Split(string spec, IReadOnlyList<string> names, string option, string what)
    {
        int eq = spec.IndexOf('=');
        if (eq > 0 && names.Contains(spec[..eq])) return (spec[..eq], spec[(eq + 1)..]);
        if (eq > 0 && !File.Exists(spec))
            throw new CliInputException($"{option}: the model has no {what} '{spec[..eq]}' (its {what}s: {string.Join(", ", names)})");
        if (names.Count != 1 && what == "input")
            throw new CliInputException($"{option}: the model has {names.Count} inputs ({string.Join(", ", names)}); write name=file");
        return (names[0], spec);
    }
}
