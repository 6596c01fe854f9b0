using NativeNet.Reporting;

namespace NativeNet.Tests.Reporting;

public sealed class HtmlReportWriteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nn-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void WriteAtomic_WritesTheRenderedHtml_AndLeavesNoTempFile()
    {
        var report = ReportSamples.CreateDemo();
        string path = Path.Combine(_dir, "sub", "report.html");
        HtmlReportWriter.WriteAtomic(report, path);
        Assert.Equal(HtmlReportWriter.Render(report), File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(Path.Combine(_dir, "sub")));
        // No byte-order mark: the file starts with the doctype.
        Assert.Equal((byte)'<', File.ReadAllBytes(path)[0]);
    }

    [Fact]
    public void WriteAtomic_ReplacesAnExistingFile()
    {
        string path = Path.Combine(_dir, "report.html");
        File.WriteAllText(path, "old");
        HtmlReportWriter.WriteAtomic(new TrainingReport("new one"), path);
        Assert.Contains("<h1>new one</h1>", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void WriteAtomic_RejectsAFolderPath_AndWritesNothing()
    {
        var ex = Assert.Throws<ArgumentException>(() => HtmlReportWriter.WriteAtomic(new TrainingReport("t"), _dir));
        Assert.Contains("names a folder", ex.Message);
        Assert.Contains(_dir, ex.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void WriteAtomic_RejectsAnEmptyPath(string path)
    {
        var ex = Assert.Throws<ArgumentException>(() => HtmlReportWriter.WriteAtomic(new TrainingReport("t"), path));
        Assert.Contains("Received: path=", ex.Message);
    }

    [Fact]
    public void WriteAtomic_WhenTheFolderCannotBeCreated_FailsAndKeepsNoPartialFile()
    {
        string blocker = Path.Combine(_dir, "blocker");
        File.WriteAllText(blocker, "a file where a folder is needed");
        Assert.ThrowsAny<IOException>(() => HtmlReportWriter.WriteAtomic(new TrainingReport("t"), Path.Combine(blocker, "r.html")));
        Assert.Equal([blocker], Directory.GetFiles(_dir));
    }
}
