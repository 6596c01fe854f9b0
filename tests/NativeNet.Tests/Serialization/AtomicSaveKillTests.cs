using System.Diagnostics;
using System.Globalization;
using NativeNet.Serialization;

namespace NativeNet.Tests.Serialization;

/// <summary>
/// A child process saves a 16 MB file in a loop and is killed at random moments; each time the
/// file on disk must be a complete earlier save (parses strictly, every element equals the
/// iteration its metadata names).
/// </summary>
public class AtomicSaveKillTests
{
    private const int Floats = 4 * 1024 * 1024;

    [Fact]
    public void Killing_the_process_during_save_leaves_the_previous_file_intact()
    {
        string dir = Directory.CreateTempSubdirectory("nn-kill-").FullName;
        string path = Path.Combine(dir, "model.safetensors");
        var rng = new Random(7);
        int interrupted = 0;
        try
        {
            SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("payload", [Floats], new float[Floats])],
                new Dictionary<string, string> { ["iteration"] = "0" });
            for (int round = 0; round < 3; round++)
            {
                int lastSaved = RunAndKill(path, delayAfterFirstSaveMs: rng.Next(1, 150));
                // A leftover temporary file shows the kill landed inside a save.
                interrupted += Directory.GetFiles(dir, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }).Length;
                using var f = SafetensorsFile.Open(path);
                int iteration = int.Parse(f.Metadata["iteration"], CultureInfo.InvariantCulture);
                Assert.True(iteration >= lastSaved, $"file holds iteration {iteration}, but {lastSaved} had completed");
                var values = f["payload"].ToFloat32();
                Assert.Equal(Floats, values.Length);
                int bad = Array.FindIndex(values, v => v != iteration);
                Assert.True(bad < 0, $"element {bad} is {(bad < 0 ? 0 : values[bad])}, expected {iteration}: a torn file");
            }
            Console.WriteLine($"AtomicSaveKillTests: {interrupted} of 3 kills interrupted a save in progress.");
            // The next successful save removes the temporaries the killed processes left behind.
            SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("payload", [1], [1f])]);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 }));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static int RunAndKill(string path, int delayAfterFirstSaveMs)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "NativeNet.SaveCrashHelper.dll"));
        psi.ArgumentList.Add(path);
        psi.ArgumentList.Add(Floats.ToString(CultureInfo.InvariantCulture));
        using var p = Process.Start(psi)!;
        int lastSaved = 0;
        var firstSave = new TaskCompletionSource();
        p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && line.StartsWith("saved ", StringComparison.Ordinal))
            {
                Volatile.Write(ref lastSaved, int.Parse(line[6..], CultureInfo.InvariantCulture));
                firstSave.TrySetResult();
            }
        };
        p.BeginOutputReadLine();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (!firstSave.Task.Wait(TimeSpan.FromSeconds(60)))
                Assert.Fail($"helper never completed a save; exited={p.HasExited}; stderr: {(p.HasExited ? stderr.Result : "")}");
            // Killed somewhere inside a later save: the writes take tens of milliseconds each.
            Thread.Sleep(delayAfterFirstSaveMs);
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(30_000);
        }
        return Volatile.Read(ref lastSaved);
    }
}
