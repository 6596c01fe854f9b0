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
            string more = parsed.Errors.Count > 1 ? $" (and {parsed.Errors.Count - 1} more)" : "";
            return Fail(stderr, $"{parsed.Errors[0].Message}{more}; run 'nativenet --help' for usage.", BadInput);
        }
        try
        {
            CommonOptions.Apply(parsed);
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsBadInput(e))
        {
            return Fail(stderr, e.Message, BadInput);
        }
        catch (Exception e) when (e is not (StackOverflowException or AccessViolationException))
        {
            // A defect of ours, not of the input: still one line and a defined exit code, never an abort.
            return Fail(stderr, $"internal error ({e.GetType().Name}): {e.Message}", Failure);
        }
    }

    /// <summary>Exit code for a failure that is not the input's fault.</summary>
    public const int Failure = 1;

    // Input the user can fix: arguments, file contents, and files that cannot be read, written or found.
    private static bool IsBadInput(Exception e) =>
        e is CliInputException or ArgumentException or InvalidDataException or FormatException
            or IOException or UnauthorizedAccessException;

    private static int Fail(TextWriter stderr, string message, int code)
    {
        stderr.WriteLine(Safety.CliText.ErrorLine("nativenet: " + message));
        return code;
    }
}

/// <summary>Bad input detected by a command; reported as one line with exit code 2.</summary>
public sealed class CliInputException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CliInputException(string message) : base(message) { }
}
