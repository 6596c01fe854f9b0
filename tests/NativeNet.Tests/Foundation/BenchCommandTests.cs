using System.Text.Json;
using NativeNet.Cli;
using NativeNet.Tests.Support;

namespace NativeNet.Tests.Foundation;

/// <summary>`nativenet bench` prints one well-formed JSON object per case on either backend; bad shapes exit 2.</summary>
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

    [Theory]
    [InlineData("native")]
    [InlineData("managed")]
    public void EverySuiteNamesTheBackendItRan(string backend)
    {
        // Tiny cases: this checks the wiring and the JSON, not the speed.
        var suites = new[]
        {
            new[] { "bench", "gemm", "--shape", "8x9x10" },
            new[] { "bench", "conv", "--shape", "1x2x5x3" },
            new[] { "bench", "rnn", "--shape", "lstm:2x3x4x5", "gru:2x3x4x5" },
            new[] { "bench", "models", "--model", "mlp_small" },
        };
        var expectedFigures = new Dictionary<string, string[]>
        {
            ["gemm"] = new[] { "ms", "gflops" },
            ["conv"] = new[] { "fwd_ms", "fwd_bwd_ms" },
            ["rnn"] = new[] { "fwd_ms", "fwd_bwd_ms" },
            ["models"] = new[] { "infer_ms", "train_step_ms" },
        };
        // A child process each: --backend and --threads are process-wide settings.
        var cases = new List<string>();
        foreach (var args in suites)
        {
            var run = ChildProcess.RunCli(new Dictionary<string, string?>(), args.Concat(new[] { "--json", "--backend", backend, "--threads", "1" }).ToArray());
            Assert.True(run.ExitCode == 0, $"{string.Join(' ', args)}: exit {run.ExitCode}: {run.StdErr}");
            foreach (var line in run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var doc = JsonDocument.Parse(line);
                var r = doc.RootElement;
                string suite = r.GetProperty("suite").GetString()!;
                Assert.Equal(args[1], suite);
                Assert.Equal(backend, r.GetProperty("backend").GetString());
                Assert.Equal(1, r.GetProperty("threads").GetInt32());
                foreach (var figure in expectedFigures[suite]) Assert.True(r.GetProperty(figure).GetDouble() > 0, $"{suite} {figure}");
                cases.Add(r.GetProperty("case").GetString()!);
            }
        }
        Assert.Equal(new[] { "8x9x10", "n1c2h5w5k3r3s1p1", "lstm_b2t3i4h5", "gru_b2t3i4h5", "mlp_small" }, cases);
    }

    [Theory]
    [InlineData("conv", "--shape", "1x2x5")]
    [InlineData("rnn", "--shape", "rnn:2x3x4x5")]
    [InlineData("rnn", "--shape", "lstm:2x3x0x5")]
    [InlineData("models", "--model", "resnet")]
    public void BadCaseIsExitCodeTwoNamingTheValue(string suite, string option, string value)
    {
        var err = new StringWriter();
        int rc = CliApp.Run(new[] { "bench", suite, option, value }, new StringWriter(), err);
        Assert.Equal(2, rc);
        Assert.Contains(value.Split(':')[^1], err.ToString());
    }
}
