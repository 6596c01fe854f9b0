using System.Diagnostics;
using NativeNet.Cli.Safety;

namespace NativeNet.Tests.Cli.Hostile;

/// <summary>
/// The commit record of <see cref="OutputFiles.WriteTogether"/>: the state a kill between the first
/// and the last rename leaves (a new model beside the old report, the report's temporary and the
/// record) is completed by the next reader or writer of the folder, never followed outside it, and
/// never taken from a writer that still runs.
/// </summary>
public class CommitRecordTests
{
    [Fact]
    public void A_kill_between_the_renames_is_completed_by_the_next_reader()
    {
        using var tmp = new TempFolder();
        string model = tmp.File("model.safetensors"), report = tmp.File("report.html");
        WritePair(model, report, "old");
        int dead = DeadProcessId();
        // What the killed writer had done: both temporaries complete, the record written, the model renamed.
        string modelTemp = Temp(model, dead), reportTemp = Temp(report, dead);
        File.WriteAllText(modelTemp, "new");
        File.WriteAllText(reportTemp, "new");
        string record = OutputFiles.WriteCommitRecord(tmp.Path, [(modelTemp, model), (reportTemp, report)], dead);
        File.Move(modelTemp, model, overwrite: true);
        Assert.NotEqual(File.ReadAllText(model), File.ReadAllText(report)); // the mixed pair a kill leaves

        OutputFiles.CompletePending(tmp.Path);

        Assert.Equal("new", File.ReadAllText(model));
        Assert.Equal("new", File.ReadAllText(report));
        Assert.False(File.Exists(record));
        Assert.False(File.Exists(reportTemp));
    }

    [Fact]
    public void A_record_of_a_running_writer_is_left_alone()
    {
        using var tmp = new TempFolder();
        string model = tmp.File("model.safetensors"), report = tmp.File("report.html");
        WritePair(model, report, "old");
        string modelTemp = Temp(model, Environment.ProcessId), reportTemp = Temp(report, Environment.ProcessId);
        File.WriteAllText(modelTemp, "new");
        File.WriteAllText(reportTemp, "new");
        string record = OutputFiles.WriteCommitRecord(tmp.Path, [(modelTemp, model), (reportTemp, report)], Environment.ProcessId);

        OutputFiles.CompletePending(tmp.Path);

        Assert.Equal("old", File.ReadAllText(model));
        Assert.True(File.Exists(record));
    }

    [Theory]
    [InlineData("../escape.tmp\tmodel.safetensors\n")]
    [InlineData(".model.safetensors.1.x.tmp\t../model.safetensors\n")]
    [InlineData(".other.1.x.tmp\tmodel.safetensors\n")]
    [InlineData("garbage")]
    public void A_malformed_record_is_removed_without_moving_anything(string content)
    {
        using var tmp = new TempFolder();
        string model = tmp.File("model.safetensors");
        File.WriteAllText(model, "old");
        File.WriteAllText(tmp.File(".other.1.x.tmp"), "planted");
        File.WriteAllText(tmp.File(".model.safetensors.1.x.tmp"), "planted");
        string record = tmp.File($".nativenet-commit.{DeadProcessId()}.0123");
        File.WriteAllText(record, content);

        OutputFiles.CompletePending(tmp.Path);

        Assert.Equal("old", File.ReadAllText(model));
        Assert.False(File.Exists(record));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(tmp.Path)!, "escape.tmp")));
    }

    private static void WritePair(string model, string report, string content) => OutputFiles.WriteTogether([
        new OutputFiles.Output(model, t => File.WriteAllText(t, content)),
        new OutputFiles.Output(report, t => File.WriteAllText(t, content)),
    ]);

    private static string Temp(string target, int pid) =>
        Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{pid}.{Guid.NewGuid():N}.tmp");

    // The id of a process that has exited (its number is not reused within the test).
    private static int DeadProcessId()
    {
        using var p = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        p.WaitForExit();
        return p.Id;
    }
}
