using System.CommandLine;
using NativeNet.Cli.Bench;

namespace NativeNet.Cli.Commands;

/// <summary>`nativenet bench gemm|conv|rnn|models|infer|ddp|data`: quick figures, one JSON object per case with --json.</summary>
public static class BenchCommand
{
    private static Option<string[]> Repeatable(string name, string description) =>
        new(name) { Description = description, AllowMultipleArgumentsPerToken = true };

    /// <summary>Creates the command and its suites.</summary>
    public static Command Create(TextWriter stdout)
    {
        var cmd = new Command("bench", "Measure kernels and models (compare with ../shared/anchors/run.sh)");
        var json = new Option<bool>("--json") { Description = "One JSON object per case and line", Recursive = true };
        cmd.Options.Add(json);

        var shapes = Repeatable("--shape", "GEMM shapes MxNxK (repeatable); default: the anchor's ten shapes");
        var sweep = new Option<int?>("--sweep") { Description = "N shapes with M, N, K log-uniform in [1, 4096] and M·N·K <= 2^31 (instead of --shape)" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the --sweep shapes (default 1)", DefaultValueFactory = _ => 1UL };
        var listOnly = new Option<bool>("--list") { Description = "Print the shapes (MxNxK, one a line) without running them" };
        var batchMs = new Option<int>("--batch-ms")
        {
            Description = "Cap on each of the 7 timed batches, in ms (the warm-up is twice it); eng/bench/sgemm_libs takes the same cap (default 250)",
            DefaultValueFactory = _ => GemmBench.DefaultBatchMs,
        };
        var gemmPrecision = CommonOptions.Precision("fp32 (SGEMM, B as given) or bf16 (B rounded and packed once, as a layer's weights; A rounded per call)");
        var gemm = new Command("gemm", "SGEMM C = A·B, FLOPs = 2MNK");
        gemm.Options.Add(shapes);
        gemm.Options.Add(gemmPrecision);
        gemm.Options.Add(sweep);
        gemm.Options.Add(seed);
        gemm.Options.Add(listOnly);
        gemm.Options.Add(batchMs);
        gemm.SetAction(p =>
        {
            GemmBench.CheckBatchMs(p.GetValue(batchMs));
            var given = p.GetValue(shapes) is { Length: > 0 } s ? s.Select(GemmBench.ParseShape).ToList() : null;
            if (given != null && p.GetValue(sweep) != null) throw new CliInputException("--shape and --sweep exclude each other; give one of them.");
            var list = given ?? (p.GetValue(sweep) is { } count ? GemmBench.Sweep(count, p.GetValue(seed)) : GemmBench.DefaultShapes.ToList());
            if (p.GetValue(listOnly))
            {
                foreach (var (m, n, k) in list) stdout.WriteLine($"{m}x{n}x{k}");
                return 0;
            }
            var precision = CommonOptions.ParsePrecision(p.GetValue(gemmPrecision));
            GemmBench.Run(new BenchContext(stdout, p.GetValue(json)), list, precision, p.GetValue(batchMs));
            return 0;
        });
        cmd.Subcommands.Add(gemm);

        var convShapes = Repeatable("--shape", "Conv cases NxCxHxK (3x3, stride 1, padding 1; repeatable); default: the anchor's cases");
        var conv = new Command("conv", "Conv2d 3x3 forward and forward+backward (torch_anchor.py cases)");
        var convPrecisions = Repeatable("--precision", "fp32 and/or bf16 (repeatable: each case runs in each, back to back); default fp32");
        conv.Options.Add(convShapes);
        conv.Options.Add(convPrecisions);
        conv.SetAction(p =>
        {
            var list = p.GetValue(convShapes) is { Length: > 0 } s ? s.Select(BenchShape.Conv).ToList() : null;
            var precisions = p.GetValue(convPrecisions) is { Length: > 0 } ps ? ps.Select(CommonOptions.ParsePrecision).ToList() : null;
            LayerBench.RunConv(new BenchContext(stdout, p.GetValue(json)), list, precisions);
            return 0;
        });
        cmd.Subcommands.Add(conv);

        var rnnShapes = Repeatable("--shape", "Recurrent cases lstm:BxTxIxH or gru:BxTxIxH (repeatable); default: the anchor's cases");
        var rnn = new Command("rnn", "LSTM/GRU forward and forward+backward (torch_anchor.py cases)");
        rnn.Options.Add(rnnShapes);
        rnn.SetAction(p =>
        {
            var list = p.GetValue(rnnShapes) is { Length: > 0 } s ? s.Select(BenchShape.Rnn).ToList() : null;
            LayerBench.RunRnn(new BenchContext(stdout, p.GetValue(json)), list);
            return 0;
        });
        cmd.Subcommands.Add(rnn);

        var modelNames = Repeatable("--model", "Reference models to run (repeatable); default: all seven");
        var models = new Command("models", "Seven reference models (five small ones, resnet18 and mobilenet_v2 at batch 8 of 3x224x224): inference and one Adam training step");
        var modelPrecisions = Repeatable("--precision", "fp32 and/or bf16 (repeatable: each model runs in each, back to back, inference compiled in that precision where the engine runs the model); default fp32");
        models.Options.Add(modelNames);
        models.Options.Add(modelPrecisions);
        models.SetAction(p =>
        {
            var names = p.GetValue(modelNames) is { Length: > 0 } s ? s : null;
            var precisions = p.GetValue(modelPrecisions) is { Length: > 0 } ps ? ps.Select(CommonOptions.ParsePrecision).ToList() : null;
            LayerBench.RunModels(new BenchContext(stdout, p.GetValue(json)), names, precisions);
            return 0;
        });
        cmd.Subcommands.Add(models);

        var inferModel = new Option<string>("--model") { Description = "An .onnx model, or a model file written by `nativenet train` (.safetensors)", Required = true };
        var inferBatch = new Option<int?>("--batch") { Description = "Batch size (default: the model's fixed batch, else 1)" };
        var infer = new Command("infer", "Milliseconds per inference call of one model (compare with ONNX Runtime: eng/bench/onnx)");
        infer.Options.Add(inferModel);
        infer.Options.Add(inferBatch);
        var inferProfile = new Option<bool>("--profile") { Description = "Also print the slowest steps of an .onnx model (best of --profile-reps runs each)" };
        infer.Options.Add(inferProfile);
        var inferProfileReps = new Option<int>("--profile-reps") { Description = "Runs per step for --profile, best taken (default 5; 100 or more on a loaded machine)", DefaultValueFactory = _ => 5 };
        infer.Options.Add(inferProfileReps);
        var inferPrecision = CommonOptions.Precision("fp32, or bf16: Conv and Gemm/MatMul-by-weight products with bfloat16 operands (docs/bf16.md)");
        infer.Options.Add(inferPrecision);
        infer.SetAction(p =>
        {
            bool asJson = p.GetValue(json);
            InferBench.Run(new BenchContext(stdout, asJson), stdout, asJson, p.GetValue(inferModel)!, p.GetValue(inferBatch), p.GetValue(inferProfile), p.GetValue(inferProfileReps),
                CommonOptions.ParsePrecision(p.GetValue(inferPrecision)));
            return 0;
        });
        cmd.Subcommands.Add(infer);
        cmd.Subcommands.Add(Ddp(stdout, json));
        cmd.Subcommands.Add(Data(stdout, json));
        return cmd;
    }

    // bench data: the image input pipeline per format and worker count, beside the seed CNN's training step.
    private static Command Data(TextWriter stdout, Option<bool> json)
    {
        var formats = Repeatable("--format", $"Image formats (repeatable): {string.Join(", ", DataBench.Formats)} (default: all)");
        var workers = Repeatable("--workers", "Loader worker counts (repeatable; default: 1 and 2)");
        var images = new Option<int>("--images") { Description = "Generated images per format", DefaultValueFactory = _ => 192 };
        var batch = new Option<int>("--batch-size") { Description = "Batch size of the loader and of the CNN step", DefaultValueFactory = _ => 32 };
        var size = new Option<int>("--image-size") { Description = "Training input size N×N (images are resized to it)", DefaultValueFactory = _ => 224 };
        var epochs = new Option<int>("--epochs") { Description = "Timed passes over the images per case (median; one untimed pass first)", DefaultValueFactory = _ => 3 };
        var data = new Command("data", "Images per second of decode + training transforms + DataLoader with N workers (PNG/JPEG 224×224 RGB, DICOM 512×512 16-bit), beside the seed CNN's training step");
        foreach (var o in new Option[] { formats, workers, images, batch, size, epochs }) data.Options.Add(o);
        data.SetAction(p =>
        {
            int Check(int v, string name, int min, int max) => v >= min && v <= max ? v : throw new CliInputException($"{name} must be in [{min}, {max}]. Received: {v}");
            var f = p.GetValue(formats) is { Length: > 0 } given ? given.Select(x => x.ToLowerInvariant()).Distinct().ToList() : [.. DataBench.Formats];
            if (f.FirstOrDefault(x => !DataBench.Formats.Contains(x)) is { } bad)
                throw new CliInputException($"--format must be one of {string.Join(", ", DataBench.Formats)}. Received: '{bad}'");
            var w = p.GetValue(workers) is { Length: > 0 } ws
                ? ws.Select(x => int.TryParse(x, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 256 ? n
                    : throw new CliInputException($"--workers must be integers in [1, 256]. Received: '{x}'")).Distinct().ToList()
                : [1, 2];
            int n = Check(p.GetValue(images), "--images", 2, 100_000), b = Check(p.GetValue(batch), "--batch-size", 1, 1024);
            DataBench.Run(new BenchContext(stdout, p.GetValue(json)), f, w, n, b, Check(p.GetValue(size), "--image-size", 8, 1024), Check(p.GetValue(epochs), "--epochs", 1, 100));
            return 0;
        });
        return data;
    }

    // bench ddp: the driver normally, one rank of a worker job with --worker (docs/distributed.md).
    private static Command Ddp(TextWriter stdout, Option<bool> json)
    {
        var ranks = new Option<int>("--ranks") { Description = "Ranks of the parallel runs", DefaultValueFactory = _ => 2 };
        var repeats = new Option<int>("--repeats") { Description = "Alternating 1-rank / N-rank runs", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per run", DefaultValueFactory = _ => 20 };
        var bucket = new Option<int>("--bucket-mb") { Description = "All-reduce bucket size (MB)", DefaultValueFactory = _ => 25 };
        var worker = new Option<bool>("--worker") { Description = "Run as one rank of a worker job (the driver starts these under mpirun)" };
        var ddp = new Command("ddp", "Data-parallel training of the seed CNN (diabetes_cnn): N ranks × 1 thread vs 1 rank × 1 thread, and all-reduce GB/s");
        foreach (var o in new Option[] { ranks, repeats, steps, bucket, worker }) ddp.Options.Add(o);
        ddp.SetAction(p =>
        {
            int Check(Option<int> o, int min, int max) => p.GetValue(o) is var v && v >= min && v <= max ? v
                : throw new CliInputException($"{o.Name} must be in [{min}, {max}]. Received: {p.GetValue(o)}");
            int n = Check(ranks, 2, 256), r = Check(repeats, 1, 100), s = Check(steps, 1, 100_000), mb = Check(bucket, 1, 1024);
            if (p.GetValue(worker)) return DdpBench.Work(stdout, s, mb);
            // The driver only starts workers, each with one kernel thread; its lines say so.
            NativeNet.Kernels.KernelProvider.Threads = 1;
            return DdpBench.Drive(new BenchContext(stdout, p.GetValue(json)), n, r, s, mb);
        });
        return ddp;
    }
}
