// Breast-cancer diagnosis: an MLP on the Wisconsin Diagnostic Breast Cancer table (569 fine-needle
// aspirates, 30 features; malignant = positive class). Stratified train/validation/test split,
// standardization fitted on the training part only, early stopping on validation AUC, then
// test-set metrics with bootstrap 95% intervals and the model saved for `nativenet predict`.
// Run: dotnet run --project samples/BreastCancerDiagnosis [-- path/to/table.csv]
// NATIVENET_SAMPLE_SMALL=1 trains for 3 epochs (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Serialization;
using NativeNet.Training;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string path = args.Length > 0 ? args[0] : FindData("breast_cancer_wisconsin.csv");
const int seed = 42;

var table = CsvLoader.Load(path, new CsvLoadOptions { TargetColumn = "diagnosis", TargetClasses = ["benign", "malignant"] });
var data = table.Dataset;
Console.WriteLine($"{path}: {data.Count} rows, {data.SampleSize} features; positive class 'malignant'");

var split = Splits.StratifiedTrainValidationTest(data.GetLabels(), validationFraction: 0.15, testFraction: 0.2, seed);
var scaler = StandardScaler.Fit(data.Subset(split.Train));           // training rows only: no leakage
var train = scaler.Transform(data.Subset(split.Train));
var val = scaler.Transform(data.Subset(split.Validation));
var test = scaler.Transform(data.Subset(split.Test));

Generator.ManualSeed(seed);
using var model = new Sequential(new Linear(30, 64), new ReLU(), new Dropout(0.5), new Linear(64, 32), new ReLU(), new Linear(32, 1));
var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-3, weightDecay: 0.03), new BCEWithLogitsLoss(), "accuracy", "auc");
compiled.Fit(train, epochs: small ? 3 : 100, batchSize: 32, validationData: val,
    callbacks: [new EarlyStopping("val_auc", patience: 15, restoreBestWeights: true)],
    progress: new ConsoleProgress(), seed: seed);

float[] p = compiled.Predict(test);
int[] y = test.GetLabels();
int[] yHat = ClassificationMetrics.Threshold(p);
Console.WriteLine($"Test set ({test.Count} rows), 95% bootstrap intervals:");
Console.WriteLine($"  accuracy    {Bootstrap.ConfidenceInterval(y, yHat, (a, b) => ClassificationMetrics.Accuracy(a, b), seed: seed)}");
Console.WriteLine($"  sensitivity {Bootstrap.ConfidenceInterval(y, yHat, (a, b) => ClassificationMetrics.Sensitivity(a, b), seed: seed)}");
Console.WriteLine($"  specificity {Bootstrap.ConfidenceInterval(y, yHat, (a, b) => ClassificationMetrics.Specificity(a, b), seed: seed)}");
Console.WriteLine($"  roc_auc     {Bootstrap.ConfidenceInterval(y, p, (a, b) => RankingMetrics.RocAuc(a, b), seed: seed)}");
Console.WriteLine("Confusion matrix (rows: actual benign, malignant; columns: predicted):");
Console.WriteLine(new NativeNet.Metrics.ConfusionMatrix(y, yHat, 2));

string modelPath = Path.Combine(Path.GetTempPath(), "breast_cancer_mlp.safetensors");
Model.Save(model, modelPath);
Console.WriteLine($"Model saved to {modelPath}");

static string FindData(string file)
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", file))) return Path.Combine(dir.FullName, "data", file);
    throw new FileNotFoundException($"data/{file} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; pass the CSV path as the first argument.");
}
