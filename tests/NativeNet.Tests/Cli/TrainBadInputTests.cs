using NativeNet.Tests.Support;

namespace NativeNet.Tests.Cli;

/// <summary>`nativenet train` on bad input: exit code 2, one line naming file, row and column, and no files written.</summary>
[Collection(NoParallel.Name)]
public class TrainBadInputTests
{
    private const string Header = "radius,texture,diagnosis\n";

    [Theory]
    [InlineData("malformed", Header + "1.0,2.0,benign\n\"3.0,4.0,malignant\n", "diagnosis", new[] { "row 3", "quoted field" })]
    [InlineData("column-count", Header + "1.0,2.0,benign\n3.0,malignant\n", "diagnosis", new[] { "row 3", "2 fields", "3 columns" })]
    [InlineData("non-numeric", Header + "1.0,2.0,benign\n3.0,abc,malignant\n", "diagnosis", new[] { "row 3", "'texture'", "'abc'" })]
    [InlineData("empty", "", "diagnosis", new[] { "empty" })]
    [InlineData("unknown-target", Header + "1.0,2.0,benign\n3.0,4.0,malignant\n", "outcome", new[] { "'outcome'", "not found", "radius, texture, diagnosis" })]
    [InlineData("nan", Header + "1.0,2.0,benign\n3.0,NaN,malignant\n", "diagnosis", new[] { "row 3", "'texture'", "NaN" })]
    [InlineData("header-only", Header, "diagnosis", new[] { "no data rows" })]
    [InlineData("one-class", Header + "1,2,benign\n3,4,benign\n5,6,benign\n", "diagnosis", new[] { "one class only ('benign')", "at least two" })]
    public void BadDataExitsWithTwoAndOneClearLineAndWritesNothing(string name, string csv, string target, string[] expected)
    {
        using var tmp = new TempFolder();
        string path = tmp.Write($"{name}.csv", csv);
        string outDir = tmp.File("out");
        var r = CliRun.Run("train", "--data", path, "--target", target, "--epochs", "1", "--folds", "2", "--out", outDir);
        Assert.Equal(2, r.ExitCode);
        string err = r.StdErr.TrimEnd();
        Assert.DoesNotContain('\n', err);            // one line
        Assert.Contains(path, err);                   // names the file
        foreach (var e in expected) Assert.Contains(e, err);
        Assert.False(Directory.Exists(outDir), "a failed run must not leave an output folder, model or report");
    }

    [Theory]
    [InlineData(new[] { "--model", "cnn" }, "--model cnn needs images (.npz")]
    [InlineData(new[] { "--model", "lstm" }, "--model lstm needs signals (.npz")]
    [InlineData(new[] { "--model", "mlp:64,x" }, "hidden sizes")]
    [InlineData(new[] { "--model", "resnet" }, "--model must be")]
    [InlineData(new[] { "--epochs", "0" }, "--epochs")]
    [InlineData(new[] { "--folds", "1" }, "--folds")]
    [InlineData(new[] { "--lr", "-1" }, "--lr")]
    [InlineData(new[] { "--task", "ranking" }, "--task")]
    [InlineData(new[] { "--task", "regression" }, "regression needs a numeric target")]
    [InlineData(new[] { "--data", "/nonexistent/x.csv" }, "/nonexistent/x.csv")]
    public void BadOptionsExitWithTwo(string[] options, string expected)
    {
        using var tmp = new TempFolder();
        string outDir = tmp.File("out");
        var r = CliRun.Run(["train", .. options, "--out", outDir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.StdErr);
        Assert.False(Directory.Exists(outDir));
    }
}
