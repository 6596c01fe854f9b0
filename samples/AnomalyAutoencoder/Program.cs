// Anomaly detection with an autoencoder: learn to reconstruct benign breast-mass measurements
// only (30 → 16 → 6 → 16 → 30), then score every held-out row by its reconstruction error.
// Malignant masses were never seen, reconstruct worse, and rank as anomalies — no malignant
// label is used in training. ROC-AUC of the score against the true diagnosis shows how well.
// Run: dotnet run --project samples/AnomalyAutoencoder [-- path/to/breast_cancer_wisconsin.csv]
// NATIVENET_SAMPLE_SMALL=1 trains for 3 epochs (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string path = args.Length > 0 ? args[0] : FindData("breast_cancer_wisconsin.csv");
const int seed = 3;

var data = CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = "diagnosis", TargetClasses = ["benign", "malignant"] }).Dataset;
var labels = data.GetLabels();
var benign = Enumerable.Range(0, data.Count).Where(i => labels[i] == 0).ToArray();
var malignant = Enumerable.Range(0, data.Count).Where(i => labels[i] == 1).ToArray();
new Random(seed).Shuffle(benign);
var trainIdx = benign[..(int)(benign.Length * 0.7)];
var testIdx = benign[(int)(benign.Length * 0.7)..].Concat(malignant).ToArray();
Console.WriteLine($"{path}: training on {trainIdx.Length} benign rows; testing on {testIdx.Length - malignant.Length} benign + {malignant.Length} malignant rows");

var scaler = StandardScaler.Fit(data.Subset(trainIdx));
var trainX = scaler.Transform(data.Subset(trainIdx));
var test = scaler.Transform(data.Subset(testIdx));
// The target of an autoencoder is its input.
var train = new Dataset(trainX.Features, [30], (float[])trainX.Features.Clone(), targetWidth: 30);

Generator.ManualSeed(seed);
using var model = new Sequential(new Linear(30, 16), new ReLU(), new Linear(16, 6), new ReLU(), new Linear(6, 16), new ReLU(), new Linear(16, 30));
var compiled = model.Compile(new Adam(model.Parameters(), lr: 2e-3), new MSELoss());
compiled.Fit(train, epochs: small ? 3 : 150, batchSize: 32, progress: new ConsoleProgress(), seed: seed);

float[] reconstruction = compiled.Predict(new Dataset(test.Features, [30], new float[test.Count]));
var score = new float[test.Count];
for (int i = 0; i < test.Count; i++)
{
    double sum = 0;
    for (int j = 0; j < 30; j++) { double d = reconstruction[i * 30 + j] - test.Features[i * 30 + j]; sum += d * d; }
    score[i] = (float)(sum / 30);
}
int[] y = test.GetLabels();
Console.WriteLine($"Mean reconstruction error: benign {score.Where((_, i) => y[i] == 0).Average():F3}, malignant {score.Where((_, i) => y[i] == 1).Average():F3}");
Console.WriteLine($"Anomaly score ROC-AUC (malignant as anomaly): {Bootstrap.ConfidenceInterval(y, score, (a, b) => RankingMetrics.RocAuc(a, b), seed: seed)}");
var op = RankingMetrics.ThresholdForSensitivity(y, score, 0.9);
Console.WriteLine($"At 90% sensitivity: threshold {op.Threshold:F3}, specificity {op.Specificity:F3}");

static string FindData(string file)
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", file))) return Path.Combine(dir.FullName, "data", file);
    throw new FileNotFoundException($"data/{file} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; pass the CSV path as the first argument.");
}
