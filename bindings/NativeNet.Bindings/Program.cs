// Usage: dotnet run --project bindings/NativeNet.Bindings [-- --check] [--root DIR] [--clang PATH]
// Regenerates src/NativeNet/Interop/NativeMethods.g.cs from native/include/nativenet.h, or with
// --check exits 1 when the committed file differs from what the header generates now.
using NativeNet.Bindings;

return GeneratorCli.Run(args, Console.Out, Console.Error);
