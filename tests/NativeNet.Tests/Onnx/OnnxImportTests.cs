using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NativeNet.Cli;
using NativeNet.Data;
using NativeNet.Onnx;
using NativeNet.Onnx.Engine;
using NativeNet.Onnx.Engine.Steps;
using NativeNet.Tests.Serialization;
using NativeNet.Tests.Support;
using Xunit.Abstractions;

namespace NativeNet.Tests.Onnx;

/// <summary>
/// Models exported by torch.onnx.export (Onnx/Python/export_test_models.py, random weights from a
/// seed) run through `nativenet run` and must equal PyTorch's outputs and ONNX Runtime's within
/// 1e-4 relative, at the exported batch and at another one (dynamic batch axis).
/// NATIVENET_TEST_SEED picks the weights (default: random, printed).
/// </summary>
public class OnnxImportTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    [PythonFact("torch", "onnx")]
    public void Exported_models_match_PyTorch_and_OnnxRuntime_at_two_batch_sizes()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("NATIVENET_TEST_SEED"), out int s) ? s : Random.Shared.Next(1000);
        output.WriteLine($"seed {seed}");
        using var dir = new TempDir();
        string script = Path.Combine(AppContext.BaseDirectory, "Onnx", "Python", "export_test_models.py");
        var r = Python.Run(TimeSpan.FromSeconds(300), script, dir.Path, seed.ToString());
        Assert.True(r.ExitCode == 0, r.StdErr);
        var models = Directory.GetFiles(dir.Path, "*.onnx").Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(models);
        int cases = 0, blockedSteps = 0;
        foreach (var model in models)
        {
            string name = Path.GetFileNameWithoutExtension(model);
            using var ort = new InferenceSession(model);
            var firstInput = NpyReader.ReadNpy(Directory.GetFiles(dir.Path, name + ".b*.input.npy").Order(StringComparer.Ordinal).First());
            blockedSteps += BlockedConvSteps(model, [.. firstInput.Shape.Select(v => (long)v)]);
            foreach (var input in Directory.GetFiles(dir.Path, name + ".b*.input.npy").Order(StringComparer.Ordinal))
            {
                string stem = input[..^".input.npy".Length];
                string ours = stem + ".ours.npy";
                var stdout = new StringWriter();
                var stderr = new StringWriter();
                int code = CliApp.Run(["run", "--model", model, "--input", input, "--output", ours], stdout, stderr);
                Assert.True(code == 0, $"{name}: nativenet run exited {code}: {stderr}");
                var y = NpyReader.ReadNpy(ours);
                var torch = NpyReader.ReadNpy(stem + ".torch.npy");
                Assert.Equal(torch.Shape, y.Shape);
                AssertClose(torch.ToFloatArray(), y.ToFloatArray(), $"{Path.GetFileName(stem)} vs PyTorch");

                var x = NpyReader.ReadNpy(input);
                var tensor = new DenseTensor<float>(x.ToFloatArray(), x.Shape.ToArray());
                using var result = ort.Run([NamedOnnxValue.CreateFromTensor(ort.InputMetadata.Keys.Single(), tensor)]);
                AssertClose(result.Single().AsEnumerable<float>().ToArray(), y.ToFloatArray(), $"{Path.GetFileName(stem)} vs ONNX Runtime");
                cases++;
            }
        }
        output.WriteLine($"{models.Length} models, {cases} runs, {blockedSteps} convolutions in the blocked layout (block {BlockedLayout.BlockSize})");
        Assert.True(cases >= 2 * models.Length);
        // The MobileNet-style chains must have taken the NCHW16c kernels where they exist, so the
        // comparisons above covered them; elsewhere every convolution stays NCHW.
        if (BlockedLayout.BlockSize > 0) Assert.True(blockedSteps >= 10, $"only {blockedSteps} convolutions ran blocked");
        else Assert.Equal(0, blockedSteps);
    }

    private static int BlockedConvSteps(string model, long[] shape)
    {
        using var m = OnnxModel.Load(model);
        // An expansion and its depthwise layer in one step are two convolutions; with the projection, three.
        var steps = m.Profile(shape, 1);
        return steps.Count(s => s.Step.EndsWith(nameof(BlockedConvStep), StringComparison.Ordinal))
            + 2 * steps.Count(s => s.Step.EndsWith(nameof(BlockedExpandDwStep), StringComparison.Ordinal))
            + 3 * steps.Count(s => s.Step.EndsWith(nameof(BlockedBlockStep), StringComparison.Ordinal));
    }

    /// <summary>|a - b| ≤ tol · max(|a|, scale of the output): relative, with the output's magnitude as the floor near zero.</summary>
    internal static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(expected.Max(v => Math.Abs(v)), 1e-6);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = Tolerance * Math.Max(Math.Abs(expected[i]), scale * 0.01) + 1e-7;
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{what}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tol:G3})");
        }
    }
}
