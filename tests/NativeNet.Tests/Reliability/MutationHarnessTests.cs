using System.Diagnostics;
using System.Text;
using NativeNet.Data;
using NativeNet.Serialization;
using Xunit.Abstractions;

namespace NativeNet.Tests.Reliability;

/// <summary>
/// Mutation fuzzing of every managed file reader (ONNX: load, plan and one run of what loads; a
/// NotSupportedException naming the file is also a clean refusal), from the seed corpora in Reliability/corpus.
/// Each mutated input must either load or throw the reader's documented exception
/// (InvalidDataException whose message names the source) — never another exception type, a hang,
/// or a large allocation (absurd sizes must be refused before allocating).
/// NATIVENET_MUTATIONS sets the mutations per reader (default 1,500, a few seconds in all);
/// eng/reliability/mutate.sh runs 20,000+ per reader and writes the figures to NATIVENET_MUTATION_REPORT.
/// </summary>
public class MutationHarnessTests(ITestOutputHelper output)
{
    // A reader may allocate working memory proportional to its input, not gigabytes on a size field's word.
    private const long AllocationLimit = 32L << 20;

    public static TheoryData<string> Readers => new() { "safetensors", "npy", "npz", "csv", "architecture", "onnx", "dicom" };

    [Theory]
    [MemberData(nameof(Readers))]
    public void Mutated_inputs_load_or_throw_InvalidDataException(string format)
    {
        int perReader = int.TryParse(Environment.GetEnvironmentVariable("NATIVENET_MUTATIONS"), out int n) && n > 0 ? n : 1_500;
        var seeds = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Reliability", "corpus", format))
            .OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();
        Assert.NotEmpty(seeds);
        var read = Reader(format, out string source);

        // Every seed is valid: the harness starts from inputs that reach the deep checks.
        foreach (var seed in seeds) read(seed);

        int accepted = 0, rejected = 0;
        // Distinct failures (exception type and throwing method), one example each: one run shows every bug.
        var failures = new Dictionary<string, string>();
        string current = "";
        var watch = Stopwatch.StartNew();
        // A dedicated thread, so a hang shows up as a failed join naming the input instead of a stuck test run.
        var worker = new Thread(() =>
        {
            var mutator = new Mutator(20261123 + 7919 * format.Length + format[0], format); // string.GetHashCode is randomized per process
            for (int i = 0; i < perReader && failures.Count < 20; i++)
            {
                var input = mutator.Next(seeds[i % seeds.Length], out string what);
                current = $"mutation {i} of seed {i % seeds.Length} ({what})";
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    read(input);
                    accepted++;
                }
                catch (InvalidDataException e) when (e.Message.Contains(source, StringComparison.Ordinal))
                {
                    rejected++;
                }
                catch (NotSupportedException e) when (format == "onnx" && e.Message.Contains(source, StringComparison.Ordinal))
                {
                    rejected++; // an op, attribute or type the engine does not run, named with the node and opset
                }
                catch (Exception e)
                {
                    failures.TryAdd($"{e.GetType().FullName} in {e.TargetSite?.DeclaringType?.Name}.{e.TargetSite?.Name}", $"{current}: {e.Message}");
                    continue;
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (allocated > AllocationLimit + 64L * input.Length)
                    failures.TryAdd($"allocation {allocated / (1 << 20)} MiB", $"{current}: {allocated:N0} bytes for a {input.Length}-byte input");
            }
        }, 16 << 20);
        worker.Start();
        Assert.True(worker.Join(TimeSpan.FromMinutes(10)), $"{format}: hung at {current}");
        if (failures.Count > 0)
            Assert.Fail($"{format}: {failures.Count} kind(s) of failure:\n" + string.Join("\n", failures.Select(kv => $"- {kv.Key}: {kv.Value}")));
        string line = $"{format}: {perReader:N0} mutations of {seeds.Length} seeds, {accepted:N0} loaded, {rejected:N0} rejected, {watch.Elapsed.TotalSeconds:F1} s";
        output.WriteLine(line);
        var report = Environment.GetEnvironmentVariable("NATIVENET_MUTATION_REPORT");
        if (!string.IsNullOrEmpty(report)) File.AppendAllText(report, line + Environment.NewLine);
        Assert.Equal(perReader, accepted + rejected);
        Assert.True(rejected > 0 && accepted > 0, $"{format}: the mutations must both break and spare inputs ({accepted} loaded, {rejected} rejected)");
    }

    // Each reader's public entry point, consuming everything it returns (values are materialized).
    private static Action<byte[]> Reader(string format, out string source)
    {
        switch (format)
        {
            case "safetensors":
                source = "fuzz.safetensors";
                return bytes =>
                {
                    using var f = SafetensorsFile.Parse(bytes, "fuzz.safetensors");
                    foreach (var e in f.Entries) Assert.Equal(e.ByteLength, e.Bytes.Length);
                    try
                    {
                        foreach (var t in StateDictFile.Load(f).Values) t.Dispose();
                    }
                    catch (NotSupportedException e) when (e.Message.StartsWith("Tensor '", StringComparison.Ordinal))
                    {
                        // Documented by StateDictFile.ToTensor: a dimension beyond int (an empty tensor can declare one).
                    }
                };
            case "npy":
                source = "fuzz.npy";
                return bytes => NpyReader.ReadNpy(new MemoryStream(bytes), "fuzz.npy").ToFloatArray();
            case "npz":
                source = "fuzz.npz";
                return bytes =>
                {
                    foreach (var a in NpyReader.ReadNpz(new MemoryStream(bytes), "fuzz.npz").Values) a.ToFloatArray();
                };
            case "csv":
                source = "fuzz.csv";
                return bytes =>
                {
                    string text = Encoding.UTF8.GetString(bytes);
                    var table = CsvLoader.Load(new StringReader(text), "fuzz.csv",
                        new CsvLoadOptions { TargetColumn = "target", Missing = MissingValuePolicy.ImputeMean });
                    Assert.Equal(table.Dataset.Count * table.Dataset.SampleSize, table.Dataset.Features.Length);
                };
            case "architecture":
                source = "fuzz.json";
                return bytes =>
                {
                    using var module = Model.BuildArchitecture(Encoding.UTF8.GetString(bytes), "fuzz.json", 64L << 20);
                    Assert.NotNull(module.ToSpec());
                };
            case "onnx":
            {
                // OnnxModel.Load takes a path (external data resolves against its folder): one scratch folder per run.
                string dir = Directory.CreateTempSubdirectory("nativenet-onnx-fuzz").FullName;
                string path = Path.Combine(dir, "fuzz.onnx");
                source = path;
                return bytes =>
                {
                    File.WriteAllBytes(path, bytes);
                    using var model = NativeNet.Onnx.OnnxModel.Load(path);
                    // run what loaded once, at the declared shapes (symbolic dimensions as 1), when the
                    // declared inputs are test-sized: a mutated dimension may legitimately declare a
                    // 100-million-element input, which the caller, not the reader, would allocate
                    var shapes = model.Inputs.Select(i => i.Dims.Select(d => d < 0 ? 1 : d).ToArray()).ToArray();
                    if (shapes.Sum(s => s.Aggregate(1.0, (p, d) => p * d)) > 1 << 20) return;
                    var inputs = model.Inputs.Zip(shapes).ToDictionary(z => z.First.Name, z => (new float[z.Second.Aggregate(1L, (p, d) => p * d)], z.Second));
                    foreach (var (data, shape) in model.Run(inputs).Values) Assert.Equal(shape.Aggregate(1L, (p, d) => p * d), data.LongLength);
                };
            }
            case "dicom":
                // Seeds: small CT/MR/RGB images in every syntax the reader handles, written by pydicom
                // (Vision/Python/make_dicom_corpus.py). An unsupported syntax UID (a mutated one) is the
                // reader's other documented refusal; it must name the file too.
                source = "fuzz.dcm";
                return bytes =>
                {
                    try
                    {
                        var image = NativeNet.Vision.Dicom.DicomImage.Decode(NativeNet.Vision.Dicom.DicomReader.Read(bytes, "fuzz.dcm"));
                        Assert.Equal((long)image.Frames * image.Samples * image.Rows * image.Columns, image.ModalityValues().LongLength);
                        for (int f = 0; f < image.Frames; f++) image.FrameToUnitRange(f);
                    }
                    catch (NotSupportedException e) when (e.Message.Contains("fuzz.dcm", StringComparison.Ordinal))
                    {
                        throw new InvalidDataException(e.Message, e);
                    }
                };
            default: throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
    }
}
