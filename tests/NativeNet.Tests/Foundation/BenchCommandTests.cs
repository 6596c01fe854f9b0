using System.Text.Json;
using NativeNet.Cli;

namespace NativeNet.Tests.Foundation;

/// <summary>`nativenet bench` prints one well-formed JSON object per case; bad shapes exit 2.</summary>
public class BenchCommandTests
{
    [Fact]
    public void GemmPrintsOneJsonLinePerShape()
    {
        var o = new StringWriter();
        int rc = CliApp.Run(new[] { "bench", "gemm", "--json", "--shape", "8x9x10", "33x17x5" }, o, new StringWriter());
        Assert.Equal(0, rc);
        var lines = o.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        using var doc = JsonDocument.Parse(lines[0]);
        var r = doc.RootElement;
        Assert.Equal("gemm", r.GetProperty("suite").GetString());
        Assert.Equal("8x9x10", r.GetProperty("case").GetString());
        Assert.Equal("native", r.GetProperty("backend").GetString());
        Assert.True(r.GetProperty("ms").GetDouble() > 0);
        Assert.True(r.GetProperty("gflops").GetDouble() > 0);
        Assert.True(r.GetProperty("threads").GetInt32() >= 1);
    }

    [Theory]
    [InlineData("8x9")]
    [InlineData("0x4x4")]
    [InlineData("axbxc")]
    public void BadShapeIsExitCodeTwoNamingTheValue(string shape)
    {
        var err = new StringWriter();
        int rc = CliApp.Run(new[] { "bench", "gemm", "--shape", shape }, new StringWriter(), err);
        Assert.Equal(2, rc);
        Assert.Contains(shape, err.ToString());
    }
}
