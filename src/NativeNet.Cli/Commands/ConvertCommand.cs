using System.CommandLine;
using NativeNet.Cli.Safety;
using NativeNet.Serialization;
using NativeNet.Serialization.PyTorch;

namespace NativeNet.Cli.Commands;

/// <summary>
/// `nativenet convert --from weights.pth --to weights.safetensors`: a PyTorch state dict (the zip
/// or the legacy format torch.save writes) as a safetensors file with the same names, shapes, dtypes and values.
/// The .pth is read by a restricted unpickler: a file whose pickle names anything but the globals a
/// state dict needs is refused (exit 2) before any output is written.
/// </summary>
public static class ConvertCommand
{
    /// <summary>Creates the command.</summary>
    public static Command Create(TextWriter stdout)
    {
        var from = new Option<string>("--from") { Description = "PyTorch checkpoint (.pt/.pth) written by torch.save(model.state_dict(), path)", Required = true };
        var to = new Option<string>("--to") { Description = "safetensors file to write", Required = true };
        var cmd = new Command("convert", "Convert a PyTorch state dict (.pt/.pth) to safetensors, tensor for tensor");
        cmd.Options.Add(from);
        cmd.Options.Add(to);
        cmd.SetAction(p =>
        {
            string src = p.GetValue(from)!, dst = p.GetValue(to)!;
            if (!dst.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
                throw new CliInputException($"--to must name a .safetensors file. Received: {dst}");
            InputFile.Check(src, "--from", CliLimits.Current.MaxModelBytes, "NATIVENET_MAX_MODEL_BYTES");
            OutputFiles.CheckTarget(dst, "--to");
            OutputFiles.CheckNotInput(dst, "--to", (src, "--from"));
            var tensors = PyTorchCheckpoint.Read(src);
            OutputFiles.WriteTogether([new OutputFiles.Output(dst, temp =>
                SafetensorsWriter.Write(temp, tensors, new Dictionary<string, string> { ["format"] = "pt", ["source"] = Path.GetFileName(src) }))]);
            long bytes = tensors.Sum(t => (long)t.Data.Length);
            stdout.WriteLine($"Wrote {dst} ({tensors.Count} tensors, {bytes} bytes of data, from {src})");
            return 0;
        });
        return cmd;
    }
}
