// Transfer learning with a torchvision-shaped MobileNetV2 on the 8×8 handwritten digits (real
// data, data/digits_8x8.npz, upsampled to 3×32×32):
//   1. pretrain MobileNetV2 on one task (digits 0–4) and save its state dict under torchvision's
//      names (mobilenet_v2-digits04.safetensors: `model.load_state_dict(safetensors.torch.load_file(f))`
//      loads it into torchvision.models.mobilenet_v2(num_classes=5) in Python);
//   2. load that file into a fresh MobileNetV2, replace the head, freeze the backbone
//      (`features.*`: its BatchNorm layers then keep their running statistics) and fine-tune only
//      the head on another task (digits 5–9) from a few labelled images per class;
//   3. train the same network from scratch on those few images as the baseline.
// Both are tested on the same held-out 5–9 images.
// Run: dotnet run --project samples/TransferLearning [-- path/to/digits_8x8.npz]
// NATIVENET_SAMPLE_SMALL=1 uses 1 epoch per stage on fewer images (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Models;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Serialization;
using NativeNet.Training;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string path = args.Length > 0 ? args[0] : FindData("digits_8x8.npz");
const int seed = 9, fewPerClass = 10, classes = 5;

var all = Rgb32(ImageNpz.Load(path, scale: 1f / 16).Train);
var labels = all.GetLabels();
var sourceIdx = Enumerable.Range(0, all.Count).Where(i => labels[i] < 5).ToArray();
if (small) sourceIdx = sourceIdx[..200];
new Random(seed).Shuffle(sourceIdx);
var source = all.Subset(sourceIdx[(sourceIdx.Length / 5)..]);
var sourceTest = all.Subset(sourceIdx[..(sourceIdx.Length / 5)]);
// Target task: digits 5–9, relabelled 0–4.
var targetIdx = Enumerable.Range(0, all.Count).Where(i => labels[i] >= 5).ToArray();
var target = new Dataset(all.Subset(targetIdx).Features, [3, 32, 32], targetIdx.Select(i => (float)(labels[i] - 5)).ToArray());
var targetLabels = target.GetLabels();
var rng = new Random(seed);
var few = Enumerable.Range(0, classes).SelectMany(c => Enumerable.Range(0, target.Count).Where(i => targetLabels[i] == c).OrderBy(_ => rng.Next()).Take(fewPerClass)).ToArray();
var fewSet = new HashSet<int>(few);
var targetTrain = target.Subset(few);
var targetTest = target.Subset(Enumerable.Range(0, target.Count).Where(i => !fewSet.Contains(i)).ToArray());
Console.WriteLine($"{path}: source task digits 0–4 ({source.Count} images, {sourceTest.Count} held out); target task digits 5–9 with {targetTrain.Count} labelled images, tested on {targetTest.Count}");

// 1. Pretrain on the source task; save the state dict with torchvision's names.
string pretrained = Path.Combine(Path.GetTempPath(), "mobilenet_v2-digits04.safetensors");
Generator.ManualSeed(seed);
using (var sourceModel = new MobileNetV2(numClasses: classes))
{
    var sourceCompiled = sourceModel.Compile(new Adam(sourceModel.Parameters(), lr: 2e-3), new CrossEntropyLoss(), "accuracy");
    sourceCompiled.Fit(source, epochs: small ? 1 : 12, batchSize: 32, progress: new ConsoleProgress(), seed: seed);
    StateDictFile.Save(sourceModel, pretrained);
    double sourceAcc = ClassificationMetrics.Accuracy(sourceTest.GetLabels(), ClassificationMetrics.ArgMax(sourceCompiled.Predict(sourceTest), classes));
    Console.WriteLine($"Pretrained MobileNetV2: held-out accuracy on the source task {sourceAcc:F3}; saved to {pretrained} (keys as torchvision's, e.g. features.1.conv.0.0.weight)");
}

// 2. A fresh MobileNetV2 from that file; new head; backbone frozen; only the head learns.
using var transfer = new MobileNetV2(numClasses: classes);
transfer.LoadStateDict(pretrained);
var head = transfer.ReplaceHead(classes, new Generator(seed));
transfer.Freeze("features.*");
var transferCompiled = transfer.Compile(new Adam(head.Parameters(), lr: 1e-2), new CrossEntropyLoss(), "accuracy");
transferCompiled.Fit(targetTrain, epochs: small ? 1 : 60, batchSize: 16, seed: seed);
int frozen = transfer.Parameters().Where(p => !p.RequiresGrad).Sum(p => p.Count), trainable = head.Parameters().Sum(p => p.Count);

// 3. Baseline: the same network from scratch on the few target images.
Generator.ManualSeed(seed + 1);
using var scratch = new MobileNetV2(numClasses: classes);
var scratchCompiled = scratch.Compile(new Adam(scratch.Parameters(), lr: 2e-3), new CrossEntropyLoss(), "accuracy");
scratchCompiled.Fit(targetTrain, epochs: small ? 1 : 60, batchSize: 16, seed: seed);

var y = targetTest.GetLabels();
double Acc(CompiledModel m) => ClassificationMetrics.Accuracy(y, ClassificationMetrics.ArgMax(m.Predict(targetTest), classes));
Console.WriteLine($"Frozen extractor ({frozen:N0} parameters) + new head ({trainable:N0} trainable): test accuracy {Acc(transferCompiled):F3}");
Console.WriteLine($"Same network from scratch on {targetTrain.Count} images ({scratch.Parameters().Sum(p => p.Count):N0} trainable): test accuracy {Acc(scratchCompiled):F3}");

// [N, 1, 8, 8] → [N, 3, 32, 32]: bilinear upsampling, the grey value in each of the three channels.
static Dataset Rgb32(Dataset d)
{
    using var scope = Tensor.NewDisposeScope();
    var big = Functional.Interpolate(Tensor.FromArray(d.Features, d.Count, 1, 8, 8), size: (32, 32), mode: InterpolationMode.Bilinear);
    return new Dataset(big.Expand(d.Count, 3, 32, 32).ToArray(), [3, 32, 32], d.Targets);
}

static string FindData(string file)
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", file))) return Path.Combine(dir.FullName, "data", file);
    throw new FileNotFoundException($"data/{file} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; pass the .npz path as the first argument.");
}
