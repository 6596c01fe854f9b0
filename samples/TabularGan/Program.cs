// Tabular GAN: a generator (noise 16 → 64 → 30) learns to produce standardized malignant rows of
// the breast-cancer table against a discriminator (30 → 64 → 1), with two Adam optimizers and a
// hand-written training loop. Its samples then balance the training part (more benign than
// malignant rows), and a classifier trained on real + synthetic rows is compared with one trained
// on real rows only, on the same untouched test part. Synthetic rows never enter the test part.
// Run: dotnet run --project samples/TabularGan [-- path/to/breast_cancer_wisconsin.csv]
// NATIVENET_SAMPLE_SMALL=1 uses few epochs (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string path = args.Length > 0 ? args[0] : FindData("breast_cancer_wisconsin.csv");
const int seed = 5, noise = 16, features = 30;

var data = CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = "diagnosis", TargetClasses = ["benign", "malignant"] }).Dataset;
var split = Splits.StratifiedTrainValidationTest(data.GetLabels(), 0, 0.3, seed);
var scaler = StandardScaler.Fit(data.Subset(split.Train));
var train = scaler.Transform(data.Subset(split.Train));
var test = scaler.Transform(data.Subset(split.Test));
var trainLabels = train.GetLabels();
var minority = train.Subset(Enumerable.Range(0, train.Count).Where(i => trainLabels[i] == 1).ToArray());
int deficit = trainLabels.Count(l => l == 0) - minority.Count;
Console.WriteLine($"{path}: training part {train.Count} rows ({minority.Count} malignant), test part {test.Count} rows; the GAN will add {deficit} synthetic malignant rows");

Generator.ManualSeed(seed);
using var gen = new Sequential(new Linear(noise, 64), new ReLU(), new Linear(64, 64), new ReLU(), new Linear(64, features));
using var disc = new Sequential(new Linear(features, 64), new ReLU(), new Dropout(0.2), new Linear(64, 1));
var optG = new Adam(gen.Parameters(), lr: 1e-3, beta1: 0.5);
var optD = new Adam(disc.Parameters(), lr: 1e-3, beta1: 0.5);
var bce = new BCEWithLogitsLoss();
var loader = new DataLoader(minority, batchSize: 32, shuffle: true, seed: seed);
int epochs = small ? 5 : 400;
for (int epoch = 0; epoch < epochs; epoch++)
{
    double dSum = 0, gSum = 0; int batches = 0;
    foreach (var batch in loader.GetEpoch(epoch))
    {
        using var scope = Tensor.NewDisposeScope();
        int n = batch.Count;
        var real = Tensor.FromArray(batch.Features, n, features);
        // Discriminator: real rows → 1, generated rows (detached: G is not updated here) → 0.
        var fake = gen.Forward(Tensor.Randn(n, noise)).Detach();
        var dLoss = bce.Forward(disc.Forward(real), Tensor.Ones(n, 1)) + bce.Forward(disc.Forward(fake), Tensor.Zeros(n, 1));
        optD.ZeroGrad(); dLoss.Backward(); optD.Step();
        // Generator: make the discriminator say 1.
        var gLoss = bce.Forward(disc.Forward(gen.Forward(Tensor.Randn(n, noise))), Tensor.Ones(n, 1));
        optG.ZeroGrad(); gLoss.Backward(); optG.Step();
        dSum += dLoss.Item(); gSum += gLoss.Item(); batches++;
    }
    if ((epoch + 1) % Math.Max(1, epochs / 8) == 0) Console.WriteLine($"GAN epoch {epoch + 1}/{epochs}: D loss {dSum / batches:F3}, G loss {gSum / batches:F3}");
}

float[] synthetic;
gen.Eval();
using (Autograd.NoGrad())
using (var scope = Tensor.NewDisposeScope()) synthetic = gen.Forward(Tensor.Randn(deficit, noise)).ToArray();
// How close is the synthetic class to the real one? Mean absolute gap of per-feature means (standardized units).
double gap = Enumerable.Range(0, features).Average(j =>
    Math.Abs(Enumerable.Range(0, deficit).Average(i => synthetic[i * features + j]) - Enumerable.Range(0, minority.Count).Average(i => minority.Features[i * features + j])));
Console.WriteLine($"Synthetic vs real malignant rows: mean per-feature gap of means {gap:F3} standard deviations");

var augmented = new Dataset(train.Features.Concat(synthetic).ToArray(), [features], train.Targets.Concat(Enumerable.Repeat(1f, deficit)).ToArray());
Report("real rows only      ", train);
Report("real + GAN minority ", augmented);

void Report(string name, Dataset trainingSet)
{
    Generator.ManualSeed(seed);
    using var clf = new Sequential(new Linear(features, 32), new ReLU(), new Linear(32, 1));
    var compiled = clf.Compile(new Adam(clf.Parameters(), lr: 1e-3, weightDecay: 0.01), new BCEWithLogitsLoss());
    compiled.Fit(trainingSet, epochs: small ? 2 : 40, batchSize: 32, seed: seed);
    var p = compiled.Predict(test);
    var y = test.GetLabels();
    var yHat = ClassificationMetrics.Threshold(p);
    Console.WriteLine($"Classifier on {name}: test accuracy {ClassificationMetrics.Accuracy(y, yHat):F3}, sensitivity {ClassificationMetrics.Sensitivity(y, yHat):F3}, specificity {ClassificationMetrics.Specificity(y, yHat):F3}, ROC-AUC {RankingMetrics.RocAuc(y, p):F3}");
}

static string FindData(string file)
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", file))) return Path.Combine(dir.FullName, "data", file);
    throw new FileNotFoundException($"data/{file} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; pass the CSV path as the first argument.");
}
