using System.Globalization;
using NativeNet.Serialization;

// Usage: NativeNet.SaveCrashHelper <path> <floats-per-file>
// Saves iteration 1, 2, 3, ... to <path> (every element = iteration) and prints "saved N"
// after each complete save, until killed.
string path = args[0];
int count = int.Parse(args[1], CultureInfo.InvariantCulture);
var values = new float[count];
for (int iteration = 1; ; iteration++)
{
    Array.Fill(values, iteration);
    SafetensorsWriter.Write(path,
        [SafetensorsTensor.FromFloat32("payload", [count], values)],
        new Dictionary<string, string> { ["iteration"] = iteration.ToString(CultureInfo.InvariantCulture) });
    Console.WriteLine($"saved {iteration}");
    Console.Out.Flush();
}
