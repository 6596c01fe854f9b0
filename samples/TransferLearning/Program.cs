// Transfer learning on the 8×8 handwritten digits (real data, data/digits_8x8.npz): train a CNN
// on digits 0–4, freeze its convolutional feature extractor, and fine-tune only a new linear
// head on digits 5–9 from a few labelled images per class. The same network trained from
// scratch on those few images is the baseline; both are tested on the same held-out 5–9 images.
// Run: dotnet run --project samples/TransferLearning [-- path/to/digits_8x8.npz]
// On these simple 8×8 digits the from-scratch baseline is about as good (≈0.92 vs ≈0.94 here):
// the transfer model trains 645 parameters instead of 5,445; the point is the mechanics — freeze,
// new head, optimizer over the head only — which pay off on harder images with few labels.
// NATIVENET_SAMPLE_SMALL=1 uses 1 epoch per stage (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string path = args.Length > 0 ? args[0] : FindData("digits_8x8.npz");
const int seed = 9, fewPerClass = 10;

var all = ImageNpz.Load(path, scale: 1f / 16).Train;
var labels = all.GetLabels();
var source = all.Subset(Enumerable.Range(0, all.Count).Where(i => labels[i] < 5).ToArray());
// Target task: digits 5–9, relabelled 0–4.
var targetIdx = Enumerable.Range(0, all.Count).Where(i => labels[i] >= 5).ToArray();
var target = new Dataset(all.Subset(targetIdx).Features, [1, 8, 8], targetIdx.Select(i => (float)(labels[i] - 5)).ToArray());
var targetLabels = target.GetLabels();
var rng = new Random(seed);
var few = Enumerable.Range(0, 5).SelectMany(c => Enumerable.Range(0, target.Count).Where(i => targetLabels[i] == c).OrderBy(_ => rng.Next()).Take(fewPerClass)).ToArray();
var fewSet = new HashSet<int>(few);
var targetTrain = target.Subset(few);
var targetTest = target.Subset(Enumerable.Range(0, target.Count).Where(i => !fewSet.Contains(i)).ToArray());
Console.WriteLine($"{path}: source task digits 0–4 ({source.Count} images); target task digits 5–9 with {targetTrain.Count} labelled images, tested on {targetTest.Count}");

static Sequential Features() => new(
    new Conv2d(1, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2),    // 16×4×4
    new Conv2d(16, 32, 3, padding: 1), new ReLU(), new MaxPool2d(2),   // 32×2×2
    new Flatten());                                                     // 128

// 1. Pretrain feature extractor + head on the source task.
Generator.ManualSeed(seed);
using var extractor = Features();
using var sourceModel = new Sequential(extractor, new Linear(128, 5));
sourceModel.Compile(new Adam(sourceModel.Parameters(), lr: 3e-3), new CrossEntropyLoss(), "accuracy")
    .Fit(source, epochs: small ? 1 : 10, batchSize: 32, progress: new ConsoleProgress(), seed: seed);

// 2. Freeze the extractor; only the new head learns.
extractor.RequiresGrad(false);
using var head = new Linear(128, 5);
using var transfer = new Sequential(extractor, head);
var transferCompiled = transfer.Compile(new Adam(head.Parameters(), lr: 1e-2), new CrossEntropyLoss(), "accuracy");
transferCompiled.Fit(targetTrain, epochs: small ? 1 : 60, batchSize: 16, seed: seed);
int frozen = extractor.Parameters().Sum(p => p.Count), trainable = head.Parameters().Sum(p => p.Count);

// 3. Baseline: the same network from scratch on the few target images.
Generator.ManualSeed(seed + 1);
using var scratch = new Sequential(Features(), new Linear(128, 5));
var scratchCompiled = scratch.Compile(new Adam(scratch.Parameters(), lr: 3e-3), new CrossEntropyLoss(), "accuracy");
scratchCompiled.Fit(targetTrain, epochs: small ? 1 : 60, batchSize: 16, seed: seed);

var y = targetTest.GetLabels();
double Acc(CompiledModel m) => ClassificationMetrics.Accuracy(y, ClassificationMetrics.ArgMax(m.Predict(targetTest), 5));
Console.WriteLine($"Frozen extractor ({frozen} parameters) + new head ({trainable} trainable): test accuracy {Acc(transferCompiled):F3}");
Console.WriteLine($"Same network from scratch on {targetTrain.Count} images:            test accuracy {Acc(scratchCompiled):F3}");

static string FindData(string file)
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", file))) return Path.Combine(dir.FullName, "data", file);
    throw new FileNotFoundException($"data/{file} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; pass the .npz path as the first argument.");
}
