// Retinopathy CNN: conv 16 → max-pool → conv 32 → max-pool → fc 128 → 2 on 3×112×112 fundus
// images (referable diabetic retinopathy: yes/no).
//   dotnet run --project samples/RetinopathyCnn -- retinamnist_224.npz   trains on a MedMNIST-layout .npz
//                                                   (train_/val_/test_ images + labels; grades ≥ 2 count as referable)
//   dotnet run --project samples/RetinopathyCnn -- fundus/                 trains on a folder of fundus photographs, one sub-folder
//                                                   per class (PNG/JPEG/…: resized to 112×112, flipped and jittered inside Fit)
//   dotnet run --project samples/RetinopathyCnn                            trains on SYNTHETIC images (see SyntheticFundus.cs)
// NATIVENET_SAMPLE_SMALL=1 uses 48 images and 1 epoch (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;
using NativeNet.Vision.Datasets;
using NativeNet.Vision.Transforms;
using RetinopathyCnn;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
const int seed = 7;
ISampleSource train, test;
int[] y;
if (args.Length > 0 && Directory.Exists(args[0]))
{
    // Decoded on demand by the loader's workers; fundus photographs may be mirrored (left/right eyes).
    var evaluation = new Compose(new Resize(112, 112), Normalize.ImageNet());
    var augmented = new Compose(new Resize(112, 112), new RandomHorizontalFlip(), new RandomRotation(15), new ColorJitter(0.2, 0.2), Normalize.ImageNet());
    var all = ImageFolder.Load(args[0], 3, 112, 112, evaluation);
    var split = Splits.StratifiedTrainValidationTest(all.Labels(), 0, 0.25, seed);
    train = all.Subset(split.Train).WithTransform(augmented);
    var testImages = all.Subset(split.Test);
    test = testImages;
    y = testImages.Labels();
    Console.WriteLine($"{args[0]}: {train.Count} training and {test.Count} test images, classes {string.Join(", ", all.Classes!)}, resized to 3×112×112");
}
else if (args.Length > 0)
{
    var parts = ImageNpz.Load(args[0]);
    train = Binarize(parts.Train);
    var testSet = Binarize(parts.Test ?? parts.Validation ?? throw new InvalidDataException($"{args[0]}: no test_ or val_ images to evaluate on."));
    test = testSet;
    y = testSet.GetLabels();
    Console.WriteLine($"{args[0]}: {train.Count} training and {test.Count} test images of {string.Join("×", train.SampleShape)} (label ≥ 2 → referable)");
}
else
{
    int n = small ? 48 : 640;
    var (images, labels) = SyntheticFundus.Generate(n, seed);
    var all = new Dataset(images, [3, SyntheticFundus.Size, SyntheticFundus.Size], labels, 1, null, ["no referable DR", "referable DR"]);
    var split = Splits.StratifiedTrainValidationTest(all.GetLabels(), 0, 0.25, seed);
    train = all.Subset(split.Train);
    var testSet = all.Subset(split.Test);
    test = testSet;
    y = testSet.GetLabels();
    Console.WriteLine($"SYNTHETIC fundus-like images (generated, not real patients): {train.Count} training, {test.Count} test, 3×112×112");
}
if (train.SampleShape.Count != 3) throw new InvalidDataException($"Expected [C, H, W] images. Received: [{string.Join(", ", train.SampleShape)}]");
int c = train.SampleShape[0], h = train.SampleShape[1], w = train.SampleShape[2];

Generator.ManualSeed(seed);
using var model = new Sequential(
    new Conv2d(c, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2),
    new Conv2d(16, 32, 3, padding: 1), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(32 * (h / 4) * (w / 4), 128), new ReLU(), new Dropout(0.3), new Linear(128, 2));
var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-3), new CrossEntropyLoss(), "accuracy");
compiled.Fit(new DataLoader(train, batchSize: 16, seed: seed, workers: Environment.ProcessorCount), epochs: small ? 1 : 8, progress: new ConsoleProgress(), seed: seed);

float[] p = compiled.Predict(test);
var pPositive = Enumerable.Range(0, test.Count).Select(i => p[2 * i + 1]).ToArray();
int[] yHat = ClassificationMetrics.ArgMax(p, 2);
Console.WriteLine($"Test accuracy {ClassificationMetrics.Accuracy(y, yHat):F3}, sensitivity {ClassificationMetrics.Sensitivity(y, yHat):F3}, specificity {ClassificationMetrics.Specificity(y, yHat):F3}" +
    (y.Distinct().Count() == 2 ? $", ROC-AUC {RankingMetrics.RocAuc(y, pPositive):F3}" : ""));
if (args.Length == 0) Console.WriteLine("(SYNTHETIC data: these figures only show that the pipeline learns; they are not clinical results.)");

static Dataset Binarize(Dataset d)
{
    bool graded = d.Targets.Any(t => t > 1);
    return graded ? new Dataset(d.Features, d.SampleShape.ToArray(), d.Targets.Select(t => t >= 2 ? 1f : 0f).ToArray()) : d;
}
