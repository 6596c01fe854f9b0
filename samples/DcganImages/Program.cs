// DCGAN (Radford et al., 2016) on 32×32 images: a generator (noise 64 → 128×4×4 → transposed
// convolutions → 1×32×32, tanh) against a discriminator (strided convolutions, LeakyReLU, BatchNorm),
// trained on the 8×8 handwritten digits (real data, data/digits_8x8.npz) upsampled to 32×32 — the
// same recipe that synthesizes extra training images for rare findings in medical imaging.
// How good are the fakes? A small CNN classifier trained on the real images labels 64 generated
// ones: digits it recognizes with high confidence mean the generator draws digit-like strokes.
// The 64 samples with the classifier's labels and the loss curves go into dcgan-report.html, and
// the grid alone into dcgan-samples.png (both in the working directory, or the folder given).
// Run: dotnet run --project samples/DcganImages [-- path/to/digits_8x8.npz [output-folder]]
// NATIVENET_SAMPLE_SMALL=1 trains 1 epoch on 256 images (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Reporting;
using NativeNet.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string path = args.Length > 0 ? args[0] : FindData("digits_8x8.npz");
string outDir = args.Length > 1 ? args[1] : Directory.GetCurrentDirectory();
const int seed = 4, noise = 64, shown = 64;

var digits = ImageNpz.Load(path, scale: 1f / 16).Train;
if (small) digits = digits.Subset(Enumerable.Range(0, 256).ToArray());
var real = Upsample32(digits);   // [N, 1, 32, 32] in [-1, 1], the range of tanh
Console.WriteLine($"{path}: {digits.Count} real images, 8×8 upsampled to 1×32×32");

Generator.ManualSeed(seed);
using var gen = new Sequential(
    new Linear(noise, 128 * 4 * 4), new ToMaps(128, 4, 4), new BatchNorm2d(128), new ReLU(),
    new ConvTranspose2d(128, 64, 4, stride: 2, padding: 1, bias: false), new BatchNorm2d(64), new ReLU(),   // 8×8
    new ConvTranspose2d(64, 32, 4, stride: 2, padding: 1, bias: false), new BatchNorm2d(32), new ReLU(),    // 16×16
    new ConvTranspose2d(32, 1, 4, stride: 2, padding: 1), new Tanh());                                      // 32×32
using var disc = new Sequential(
    new Conv2d(1, 32, 4, stride: 2, padding: 1), new LeakyReLU(0.2f),                                       // 16×16
    new Conv2d(32, 64, 4, stride: 2, padding: 1, bias: false), new BatchNorm2d(64), new LeakyReLU(0.2f),    // 8×8
    new Conv2d(64, 128, 4, stride: 2, padding: 1, bias: false), new BatchNorm2d(128), new LeakyReLU(0.2f),  // 4×4
    new Flatten(), new Linear(128 * 4 * 4, 1));
var optG = new Adam(gen.Parameters(), lr: 2e-4, beta1: 0.5);
var optD = new Adam(disc.Parameters(), lr: 2e-4, beta1: 0.5);
var bce = new BCEWithLogitsLoss();
var loader = new DataLoader(real, batchSize: 64, shuffle: true, seed: seed, dropLast: true);
int epochs = small ? 1 : 60;
var dLosses = new List<double>();
var gLosses = new List<double>();
for (int epoch = 0; epoch < epochs; epoch++)
{
    double dSum = 0, gSum = 0; int batches = 0;
    foreach (var batch in loader.GetEpoch(epoch))
    {
        using var scope = Tensor.NewDisposeScope();
        int n = batch.Count;
        var images = Tensor.FromArray(batch.Features, n, 1, 32, 32);
        // Discriminator: real → 1, generated (detached: the generator is not updated here) → 0.
        var fake = gen.Forward(Tensor.Randn(n, noise)).Detach();
        var dLoss = bce.Forward(disc.Forward(images), Tensor.Ones(n, 1)) + bce.Forward(disc.Forward(fake), Tensor.Zeros(n, 1));
        optD.ZeroGrad(); dLoss.Backward(); optD.Step();
        // Generator: make the discriminator say 1 (the non-saturating loss).
        var gLoss = bce.Forward(disc.Forward(gen.Forward(Tensor.Randn(n, noise))), Tensor.Ones(n, 1));
        optG.ZeroGrad(); gLoss.Backward(); optG.Step();
        dSum += dLoss.Item(); gSum += gLoss.Item(); batches++;
    }
    dLosses.Add(dSum / batches);
    gLosses.Add(gSum / batches);
    if ((epoch + 1) % Math.Max(1, epochs / 6) == 0) Console.WriteLine($"GAN epoch {epoch + 1}/{epochs}: D loss {dLosses[^1]:F3}, G loss {gLosses[^1]:F3}");
}

// 64 samples from fixed noise, in [0, 1] for display.
float[] samples;
gen.Eval();
using (Autograd.NoGrad())
using (var scope = Tensor.NewDisposeScope())
    samples = gen.Forward(Tensor.Randn(shown, noise)).Add(1f).Mul(0.5f).ToArray();

// A judge trained on the real images: which digit does each sample look like, how sure is it?
Generator.ManualSeed(seed + 1);
using var judge = new Sequential(new Conv2d(1, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Conv2d(16, 32, 3, padding: 1), new ReLU(),
    new MaxPool2d(2), new Flatten(), new Linear(32 * 8 * 8, 10));
var judged = judge.Compile(new Adam(judge.Parameters(), lr: 1e-3), new CrossEntropyLoss(), "accuracy");
judged.Fit(Rescale01(real), epochs: small ? 1 : 5, batchSize: 64, seed: seed);
float[] probs;
using (Autograd.NoGrad())
using (var scope = Tensor.NewDisposeScope())
{
    judge.Eval();
    probs = judge.Forward(Tensor.FromArray(samples, shown, 1, 32, 32)).Softmax(1).ToArray();
}
int[] label = ClassificationMetrics.ArgMax(probs, 10);
double[] confidence = Enumerable.Range(0, shown).Select(i => (double)probs[i * 10 + label[i]]).ToArray();
Console.WriteLine($"The judge (trained on real images) labels the {shown} samples with mean confidence {confidence.Average():F3}; " +
                  $"{confidence.Count(c => c > 0.9)} of {shown} above 0.9; digits drawn: {string.Join(" ", label.Order().GroupBy(l => l).Select(g => $"{g.Key}×{g.Count()}"))}");

var examples = Enumerable.Range(0, shown).Select(i => new ImageExample(Png(samples.AsSpan(i * 1024, 1024), 32, 32), "generated", label[i].ToString(), confidence[i])).ToList();
string reportPath = Path.Combine(outDir, "dcgan-report.html");
HtmlReportWriter.WriteAtomic(new TrainingReport("DCGAN on 32×32 digits")
{
    Timestamp = DateTimeOffset.UtcNow,
    Settings = new Dictionary<string, string> { ["epochs"] = epochs.ToString(), ["noise"] = noise.ToString(), ["real images"] = digits.Count.ToString(), ["seed"] = seed.ToString() },
    Curves = new TrainingCurves([new EpochSeries("Discriminator", dLosses), new EpochSeries("Generator", gLosses)]),
    Examples = examples,
    Notes = "Samples from fixed noise after training; labels and probabilities are those of a CNN trained on the real images.",
}, reportPath);
string gridPath = Path.Combine(outDir, "dcgan-samples.png");
File.WriteAllBytes(gridPath, Png(Grid(samples, shown, 32), 8 * 34, 8 * 34));
Console.WriteLine($"Report: {reportPath}; sample grid: {gridPath}");

// Digits [N, 1, 8, 8] in [0, 1] → [N, 1, 32, 32] in [-1, 1], same labels.
static Dataset Upsample32(Dataset d)
{
    using var scope = Tensor.NewDisposeScope();
    var big = Functional.Interpolate(Tensor.FromArray(d.Features, d.Count, 1, 8, 8), size: (32, 32), mode: InterpolationMode.Bilinear);
    return new Dataset(big.Mul(2f).Sub(1f).ToArray(), [1, 32, 32], d.Targets);
}

static Dataset Rescale01(Dataset d) => new(d.Features.Select(v => (v + 1) / 2).ToArray(), [1, 32, 32], d.Targets);

// count images of size×size into an 8-wide grid with 2-pixel gaps.
static float[] Grid(float[] images, int count, int size)
{
    int cell = size + 2, width = 8 * cell;
    var grid = new float[width * width];
    for (int k = 0; k < count; k++)
        for (int y = 0; y < size; y++)
            images.AsSpan(k * size * size + y * size, size).CopyTo(grid.AsSpan(((k / 8) * cell + y) * width + (k % 8) * cell, size));
    return grid;
}

static byte[] Png(ReadOnlySpan<float> pixels, int width, int height)
{
    using var image = new Image<L8>(width, height);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            image[x, y] = new L8((byte)Math.Clamp(MathF.Round(pixels[y * width + x] * 255), 0, 255));
    using var ms = new MemoryStream();
    image.SaveAsPng(ms);
    return ms.ToArray();
}

static string FindData(string file)
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", file))) return Path.Combine(dir.FullName, "data", file);
    throw new FileNotFoundException($"data/{file} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; pass the .npz path as the first argument.");
}

// [N, C·H·W] → [N, C, H, W]: the generator's projected noise as feature maps (a user-defined layer).
sealed class ToMaps(int channels, int height, int width) : Module
{
    public override Tensor Forward(Tensor input) => input.Reshape(input.Size(0), channels, height, width);
}
