using System.Collections.Concurrent;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Parity;

/// <summary>
/// The float64 step that Parity/Python/train_step_reference.py recomputes from a model_train_step
/// fixture, with a per-element slack for the ReLU and max-pool decisions that sit within float32
/// error of a tie (see the script's docstring). Computed once per fixture file: both backends share it.
/// </summary>
public sealed class TrainStepReference : IDisposable
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Files = new();

    private TrainStepReference(string path) => Tensors = new Fixture(path);

    /// <summary>loss, after.&lt;name&gt; (float64 step, rounded to float32) and slack.&lt;name&gt;.</summary>
    public Fixture Tensors { get; }

    /// <summary>How many decisions were near a tie, and the one that moves the state the most.</summary>
    public string NearTies => $"{Tensors.M("near_ties")} near-tied decisions; largest effect: {Tensors.M("worst")}";

    public static TrainStepReference For(Fixture fixture)
    {
        string path = Files.GetOrAdd(fixture.FilePath, p => new Lazy<string>(() => Compute(p))).Value;
        return new TrainStepReference(path);
    }

    private static string Compute(string fixturePath)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Parity", "Python", "train_step_reference.py");
        // Beside the generated fixtures' temporary folders, never in a fixture folder (tests enumerate those).
        string folder = Path.Combine(Path.GetTempPath(), $"nativenet-train-step-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        string output = Path.Combine(folder, $"{Guid.NewGuid():N}.safetensors");
        var r = Python.Run(TimeSpan.FromSeconds(300), script, fixturePath, output);
        Assert.True(r.ExitCode == 0, $"{Python.Executable} {script} exited {r.ExitCode}\nstdout: {r.StdOut}\nstderr: {r.StdErr}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { File.Delete(output); Directory.Delete(folder); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return output;
    }

    public void Dispose() => Tensors.Dispose();
}
