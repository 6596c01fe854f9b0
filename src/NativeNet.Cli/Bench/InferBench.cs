using System.Text.Json;
using NativeNet.Cli.Safety;
using NativeNet.Cli.Tabular;
using NativeNet.Onnx;

namespace NativeNet.Cli.Bench;

/// <summary>
/// `nativenet bench infer --model M.onnx|M.safetensors [--batch B]`: milliseconds per inference call
/// on a fixed random input (median, <see cref="BenchTimer"/>). An .onnx model runs on the ONNX engine
/// (planned arena, fused epilogues); a model written by `nativenet train` is compiled onto the same engine
/// (<see cref="CompiledModule"/>), or runs its modules in eval mode where the engine cannot run them.
/// </summary>
public static class InferBench
{
    /// <summary>Times one model with products in <paramref name="precision"/> and prints {"model","batch","threads","ms","backend","isa","precision"} (JSON) or a text line.</summary>
    public static void Run(BenchContext ctx, TextWriter stdout, bool json, string path, int? batch, bool profile = false, int profileReps = 5, Precision precision = Precision.Float32)
    {
        if (profileReps is < 1 or > 100_000) throw new CliInputException($"--profile-reps must be in [1, 100000]. Received: {profileReps}");
        if (!File.Exists(path)) throw new CliInputException($"--model: file not found: {path}");
        if (batch is < 1 or > 1 << 20) throw new CliInputException($"--batch must be in [1, 1048576]. Received: {batch}");
        double ms;
        int b;
        string backend;
        if (path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            InputFile.Onnx(path);
            using var model = OnnxModel.Load(path, new OnnxModelOptions { Precision = precision });
            if (model.Inputs.Count != 1) throw new CliInputException($"{path}: bench infer times single-input models; this one has {model.Inputs.Count}");
            var dims = model.Inputs[0].Dims.ToArray();
            if (dims.Length == 0) throw new CliInputException($"{path}: the input is a scalar");
            b = batch ?? (int)(dims[0] > 0 ? dims[0] : 1);
            if (dims[0] > 0 && dims[0] != b) throw new CliInputException($"{path}: the batch dimension is fixed at {dims[0]}; --batch {b} needs a model exported with a dynamic batch axis");
            dims[0] = b;
            var free = dims.Skip(1).Where(d => d < 0).Count();
            if (free > 0) throw new CliInputException($"{path}: input dimensions besides the batch are symbolic ({string.Join(",", model.Inputs[0].Dims)})");
            var x = RandomInput(dims.Aggregate(1L, (p, d) => p * d));
            var y = new float[model.OutputShape(dims).Aggregate(1L, (p, d) => p * d)];
            ms = BenchTimer.MedianMs(() => model.Run(x, dims, y));
            if (profile)
            {
                var steps = model.Profile(dims, profileReps, out double whole);
                PrintProfile(stdout, steps, whole);
            }
            backend = "nativenet-onnx";
        }
        else
        {
            using var runner = ModelRunner.Load(path);
            runner.UsePrecision(precision);
            int[] sample = runner.Schema.IsTable ? [runner.Schema.Features.Count] : [.. runner.Schema.InputShape];
            b = batch ?? 1;
            var x = RandomInput(b * sample.Aggregate(1L, (p, d) => p * d));
            runner.Module.Eval();
            // As predict runs it: compiled onto the ONNX engine, or eagerly where the engine cannot run it.
            using var compiled = CompiledModule.TryCompile(runner.Module, [b, .. sample], out _);
            ms = BenchTimer.MedianMs(() =>
            {
                using var scope = Tensor.NewDisposeScope();
                var input = Tensor.FromArray(x, [b, .. sample]);
                if (compiled is not null) compiled.Forward(input);
                else using (Autograd.NoGrad()) runner.Module.Forward(input);
            });
            if (profile && compiled is not null)
            {
                var steps = compiled.Profile([b, .. sample], profileReps, out double whole);
                PrintProfile(stdout, steps, whole);
            }
            backend = compiled is not null ? "nativenet-onnx" : "nativenet-" + ctx.Kernels.Backend.ToString().ToLowerInvariant();
        }
        string name = Path.GetFileNameWithoutExtension(path);
        if (json)
            stdout.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = name, ["batch"] = b, ["threads"] = ctx.Threads, ["ms"] = Math.Round(ms, 4), ["backend"] = backend, ["isa"] = ctx.Isa,
                ["precision"] = precision == Precision.BFloat16 ? "bf16" : "fp32",
            }));
        else stdout.WriteLine($"infer  {name,-28}batch={b}  ms={ms:0.###}  (threads={ctx.Threads}, {backend}, {ctx.Isa}, {(precision == Precision.BFloat16 ? "bf16" : "fp32")})");
    }

    // The slowest engine steps, then totals per op type (the label starts with it): which kind of layer to work on;
    // last, the best whole inference against the sum of the step bests: what runs between the steps.
    private static void PrintProfile(TextWriter stdout, IReadOnlyList<(string Step, double Ms)> steps, double wholeMs)
    {
        foreach (var (step, stepMs) in steps.OrderByDescending(p => p.Ms).Take(25))
            stdout.WriteLine($"  {stepMs,9:0.000} ms  {step}");
        foreach (var g in steps.GroupBy(p => p.Step.Split(' ')[0]).OrderByDescending(g => g.Sum(p => p.Ms)))
            stdout.WriteLine($"  {g.Sum(p => p.Ms),9:0.000} ms  all {g.Count()} {g.Key} steps");
        double sum = steps.Sum(p => p.Ms);
        stdout.WriteLine($"  {sum,9:0.000} ms  sum of the step bests");
        stdout.WriteLine($"  {wholeMs,9:0.000} ms  whole inference, best of the same runs ({wholeMs - sum:+0.000;-0.000} ms between steps)");
    }

    private static float[] RandomInput(long n)
    {
        var rng = new Random(1234);
        var x = new float[n];
        for (long i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
