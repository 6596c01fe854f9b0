// nativenet: the command-line front end. Exit codes: 0 success, 1 failure, 2 bad input.
using NativeNet.Cli;

return CliApp.Run(args, Console.Out, Console.Error);
