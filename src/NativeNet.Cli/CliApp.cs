using System.CommandLine;
using NativeNet.Cli.Commands;

namespace NativeNet.Cli;

/// <summary>Builds the command tree and maps outcomes to exit codes.</summary>
public static class CliApp
{
    /// <summary>Exit code for invalid input (arguments, files, data).</summary>
    public const int BadInput = 2;

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = new RootCommand("NativeNet: neural networks for .NET on hand-written AVX2/AVX-512 kernels.");
        root.Options.Add(CommonOptions.Backend);
        root.Options.Add(CommonOptions.Threads);
        root.Subcommands.Add(InfoCommand.Create(stdout));
        root.Subcommands.Add(BenchCommand.Create(stdout));
        root.Subcommands.Add(TrainCommand.Create(stdout));
        root.Subcommands.Add(EvaluateCommand.Create(stdout));
        root.Subcommands.Add(PredictCommand.Create(stdout));
        root.Subcommands.Add(ExportCommand.Create(stdout));
        root.Subcommands.Add(ConvertCommand.Create(stdout));

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var e in parsed.Errors) stderr.WriteLine($"nativenet: {e.Message}");
            stderr.WriteLine("Run 'nativenet --help' for usage.");
            return BadInput;
        }
        try
        {
            CommonOptions.Apply(parsed);
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (CliInputException e)
        {
            stderr.WriteLine($"nativenet: {e.Message}");
            return BadInput;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or FormatException)
        {
            stderr.WriteLine($"nativenet: {e.Message}");
            return BadInput;
        }
    }
}

/// <summary>Bad input detected by a command; reported as one line with exit code 2.</summary>
public sealed class CliInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CliInputException(string message) : base(message) { }
}
