using NativeNet.Cli.Bench;

namespace NativeNet.Tests.Cli;

/// <summary>`nativenet bench gemm --sweep N --seed S`: the shape list (not the timings).</summary>
public class BenchSweepTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2026UL)]
    [InlineData(ulong.MaxValue)]
    public void SweepShapesAreInRangeAndRepeatable(ulong seed)
    {
        var shapes = GemmBench.Sweep(200, seed);
        Assert.Equal(200, shapes.Count);
        Assert.All(shapes, s =>
        {
            Assert.InRange(s.M, 1, 4096);
            Assert.InRange(s.N, 1, 4096);
            Assert.InRange(s.K, 1, 4096);
            Assert.True((long)s.M * s.N * s.K <= GemmBench.SweepMaxWork, $"{s.M}x{s.N}x{s.K}");
        });
        Assert.Equal(shapes, GemmBench.Sweep(200, seed));
        // Log-uniform: about a third of the draws of each dimension fall below 16 (log 16 / log 4097).
        Assert.InRange(shapes.Count(s => s.N < 16), 30, 110);
        Assert.NotEqual(shapes, GemmBench.Sweep(200, seed ^ 1));
    }

    [Fact]
    public void ListPrintsTheSweepShapes()
    {
        var r = CliRun.Run("bench", "gemm", "--sweep", "5", "--seed", "7", "--list");
        Assert.Equal(0, r.ExitCode);
        var expected = GemmBench.Sweep(5, 7).Select(s => $"{s.M}x{s.N}x{s.K}");
        Assert.Equal(expected, r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Theory]
    [InlineData("--sweep", "0")]
    [InlineData("--sweep", "-3")]
    public void BadSweepCountIsExitCode2NamingTheOption(string option, string value)
    {
        var r = CliRun.Run("bench", "gemm", option, value, "--list");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--sweep", r.StdErr + r.StdOut);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("60001")]
    public void BadBatchMsIsExitCode2NamingTheOption(string value)
    {
        var r = CliRun.Run("bench", "gemm", "--sweep", "3", "--batch-ms", value, "--list");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--batch-ms", r.StdErr + r.StdOut);
    }

    [Fact]
    public void ShapeAndSweepTogetherIsExitCode2()
    {
        var r = CliRun.Run("bench", "gemm", "--shape", "2x3x4", "--sweep", "3", "--list");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--sweep", r.StdErr + r.StdOut);
    }
}
