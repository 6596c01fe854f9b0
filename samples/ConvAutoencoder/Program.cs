// Image anomaly detection with a convolutional autoencoder: it learns to reconstruct only the
// "normal" images — the digits 0–4 of the 8×8 handwritten digits (real data,
// data/digits_8x8.npz) — through a 32×2×2 bottleneck (strided convolutions down, ConvTranspose2d
// up). Images of a kind it never saw (the digits 5–9) reconstruct worse; the per-image
// reconstruction error is the anomaly score, and its ROC-AUC against "unseen kind" says how well
// it separates them. The same recipe flags unusual scans when only normal ones are labelled.
// Run: dotnet run --project samples/ConvAutoencoder [-- path/to/digits_8x8.npz]
// NATIVENET_SAMPLE_SMALL=1 trains for 2 epochs (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string path = args.Length > 0 ? args[0] : FindData("digits_8x8.npz");
const int seed = 6, pixels = 64;

var all = ImageNpz.Load(path, scale: 1f / 16).Train;
int[] labels = all.GetLabels();
var normal = Enumerable.Range(0, all.Count).Where(i => labels[i] < 5).ToArray();
var unseen = Enumerable.Range(0, all.Count).Where(i => labels[i] >= 5).ToArray();
new Random(seed).Shuffle(normal);
var trainIdx = normal[..(int)(normal.Length * 0.7)];
var testIdx = normal[(int)(normal.Length * 0.7)..].Concat(unseen).ToArray();
Console.WriteLine($"{path}: training on {trainIdx.Length} images of digits 0–4; testing on {testIdx.Length - unseen.Length} held-out 0–4 + {unseen.Length} images of 5–9");

// The target of an autoencoder is its input (flattened, as the decoder's output is).
var trainX = all.Subset(trainIdx);
var train = new Dataset(trainX.Features, [1, 8, 8], (float[])trainX.Features.Clone(), targetWidth: pixels);

Generator.ManualSeed(seed);
using var model = new Sequential(
    new Conv2d(1, 16, 3, stride: 2, padding: 1), new ReLU(),                                   // 16×4×4
    new Conv2d(16, 32, 3, stride: 2, padding: 1), new ReLU(),                                  // 32×2×2: the bottleneck
    new ConvTranspose2d(32, 16, 3, stride: 2, padding: 1, outputPadding: 1), new ReLU(),       // 16×4×4
    new ConvTranspose2d(16, 1, 3, stride: 2, padding: 1, outputPadding: 1), new Sigmoid(),     // 1×8×8 in [0, 1]
    new Flatten());
var compiled = model.Compile(new Adam(model.Parameters(), lr: 2e-3), new MSELoss());
compiled.Fit(train, epochs: small ? 2 : 60, batchSize: 32, progress: new ConsoleProgress(), seed: seed);

var test = all.Subset(testIdx);
float[] reconstruction = compiled.Predict(test);
var score = new float[test.Count];
for (int i = 0; i < test.Count; i++)
{
    double sum = 0;
    for (int j = 0; j < pixels; j++) { double d = reconstruction[i * pixels + j] - test.Features[i * pixels + j]; sum += d * d; }
    score[i] = (float)(sum / pixels);
}
int[] y = testIdx.Select(i => labels[i] >= 5 ? 1 : 0).ToArray();
Console.WriteLine($"Mean reconstruction error: seen kind (0–4) {score.Where((_, i) => y[i] == 0).Average():F4}, unseen kind (5–9) {score.Where((_, i) => y[i] == 1).Average():F4}");
Console.WriteLine($"Anomaly score ROC-AUC (unseen kind as anomaly): {Bootstrap.ConfidenceInterval(y, score, (a, b) => RankingMetrics.RocAuc(a, b), seed: seed)}");
foreach (int digit in Enumerable.Range(5, 5))
{
    // Which unseen digits stand out most? AUC of each against the held-out normal images.
    var rows = Enumerable.Range(0, test.Count).Where(i => y[i] == 0 || labels[testIdx[i]] == digit).ToArray();
    Console.WriteLine($"  digit {digit} vs held-out 0–4: ROC-AUC {RankingMetrics.RocAuc(rows.Select(i => y[i]).ToArray(), rows.Select(i => score[i]).ToArray()):F3}");
}

static string FindData(string file)
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", file))) return Path.Combine(dir.FullName, "data", file);
    throw new FileNotFoundException($"data/{file} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; pass the .npz path as the first argument.");
}
