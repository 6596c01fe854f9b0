// onnx_compare: NativeNet's ONNX engine vs ONNX Runtime on the files export_models.py writes.
//   dotnet run -c Release --project eng/bench/onnx/OnnxCompare -- DIR [--threads 1 2] [--min-time 0.3] [--model NAME] [--ort-spin-after-run] [--idle-cpu]
// Per model, batch and thread count: both outputs on one random input (max relative difference),
// then 5 rounds alternating a timing window of each (reps doubled until a window is >= min_time/5;
// best window, ms per call — the dotnet anchor's method). ONNX Runtime: IntraOpNumThreads = T,
// InterOpNumThreads = 1, sequential execution, ORT_ENABLE_ALL, session.force_spinning_stop = 1 (its
// workers stop spinning when Run returns; --ort-spin-after-run leaves them spinning). NativeNet: nn_set_num_threads(T).
// --idle-cpu: per case, also the CPU time each engine's threads burn in the 200 ms after a call (stderr).
// One JSON line per case on stdout, then the geometric mean of ort_ms / nativenet_ms per thread count.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using NativeNet;
using NativeNet.Onnx;

string dir = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : throw new ArgumentException("usage: onnx_compare DIR [--threads 1 2] [--min-time 0.3] [--model NAME] [--ort-spin-after-run] [--idle-cpu]");
var threads = new List<int>();
double minTime = 0.3;
bool ortSpinStop = true, idleCpu = false;
var only = new List<string>();
for (int i = 1; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": while (i + 1 < args.Length && int.TryParse(args[i + 1], out int t)) { threads.Add(t); i++; } break;
        case "--min-time": minTime = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--model": only.Add(args[++i]); break;
        case "--ort-spin-after-run": ortSpinStop = false; break;
        case "--idle-cpu": idleCpu = true; break;
        default: throw new ArgumentException($"unknown argument {args[i]}");
    }
}
if (threads.Count == 0) threads = [1, 2];
Console.Error.WriteLine($"onnx_compare: ONNX Runtime {OrtEnv.Instance().GetVersionString()}, NativeNet {NativeNetRuntime.NativeVersion} ({NativeNetRuntime.IsaName(NativeNetRuntime.Cpu.ChosenIsa)})");
var ratios = threads.ToDictionary(t => t, _ => new List<double>());
foreach (var line in File.ReadAllLines(Path.Combine(dir, "models.tsv")))
{
    var f = line.Split('\t');
    string name = f[0], file = Path.Combine(dir, f[1]);
    if (only.Count > 0 && !only.Contains(name)) continue;
    var batches = f[2].Split(',').Select(int.Parse).ToArray();
    var sample = f[3].Split('x').Select(long.Parse).ToArray();
    using var ours = OnnxModel.Load(file);
    foreach (int th in threads)
    {
        NativeNetRuntime.Threads = th;
        using var so = new SessionOptions { IntraOpNumThreads = th, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        // ONNX Runtime's workers keep spinning for a while after Run returns (allow_spinning, its
        // default, stays on: inside a run they spin between parallel sections as usual). In one
        // process that spinning steals the cores the next NativeNet window runs on, so stop it
        // when Run returns, as a service that shares its cores would.
        if (ortSpinStop) so.AddSessionConfigEntry("session.force_spinning_stop", "1");
        using var session = new InferenceSession(file, so);
        foreach (int batch in batches)
        {
            long[] shape = [batch, .. sample];
            var rng = new Random(7);
            var x = new float[shape.Aggregate(1L, (p, d) => p * d)];
            for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
            var y = new float[ours.OutputShape(shape).Aggregate(1L, (p, d) => p * d)];
            var input = new DenseTensor<float>(x, shape.Select(d => (int)d).ToArray());
            var feeds = new List<NamedOnnxValue> { NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), input) };
            float[] ortY;
            using (var r = session.Run(feeds)) ortY = r.First().AsEnumerable<float>().ToArray();
            ours.Run(x, shape, y);
            double scale = ortY.Max(v => Math.Abs(v)), diff = 0;
            for (int i = 0; i < y.Length; i++) diff = Math.Max(diff, Math.Abs(y[i] - ortY[i]));
            void Ort() { using var r = session.Run(feeds); }
            void Ours() => ours.Run(x, shape, y);
            if (idleCpu)
                Console.Error.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["model"] = name, ["batch"] = batch, ["threads"] = th,
                    ["idle_cpu_ms_after_ort"] = IdleCpuMs(Ort), ["idle_cpu_ms_after_nativenet"] = IdleCpuMs(Ours),
                }));
            var (ortMs, ourMs) = Interleaved(Ort, Ours, minTime);
            double ratio = ortMs / ourMs;
            ratios[th].Add(ratio);
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = name, ["batch"] = batch, ["threads"] = th, ["ort_ms"] = Math.Round(ortMs, 4), ["nativenet_ms"] = Math.Round(ourMs, 4),
                ["speedup"] = Math.Round(ratio, 3), ["max_rel_diff"] = diff / Math.Max(scale, 1e-30),
            }));
        }
    }
}
foreach (var (th, list) in ratios)
    if (list.Count > 0)
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["summary"] = "geomean", ["threads"] = th, ["cases"] = list.Count,
            ["speedup"] = Math.Round(Math.Exp(list.Average(Math.Log)), 3), ["min_speedup"] = Math.Round(list.Min(), 3),
        }));

// CPU time the process burns while the calling thread sleeps 200 ms right after one call of
// `run` (its pool threads spinning), best of 3: time taken from the cores the other engine's
// next window runs on.
static double IdleCpuMs(Action run)
{
    var proc = Process.GetCurrentProcess();
    double best = double.MaxValue;
    for (int i = 0; i < 3; i++)
    {
        run();
        proc.Refresh();
        var before = proc.TotalProcessorTime;
        Thread.Sleep(200);
        proc.Refresh();
        best = Math.Min(best, (proc.TotalProcessorTime - before).TotalMilliseconds);
    }
    return Math.Round(best, 1);
}

// Best-of-5 windows per side, alternating, so both see the same machine state.
static (double, double) Interleaved(Action a, Action b, double minTime)
{
    for (int i = 0; i < 3; i++) { a(); b(); }
    int repsA = 1, repsB = 1;
    double bestA = double.MaxValue, bestB = double.MaxValue;
    for (int round = 0; round < 5; round++)
    {
        bestA = Math.Min(bestA, Window(a, ref repsA, minTime / 5));
        bestB = Math.Min(bestB, Window(b, ref repsB, minTime / 5));
    }
    return (bestA, bestB);
}

static double Window(Action body, ref int reps, double seconds)
{
    while (true)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) body();
        double s = sw.Elapsed.TotalSeconds;
        if (s >= seconds) return s * 1e3 / reps;
        reps *= 2;
    }
}
