// Chest X-ray DICOM: a small CNN trained on a folder of DICOM files, one sub-folder per class
// (e.g. normal/ and opacity/), decoded on demand by the DataLoader's workers, windowed from
// modality units, augmented inside Fit.
//   dotnet run --project samples/ChestXrayDicom -- <folder>   trains on your DICOM folder
//   dotnet run --project samples/ChestXrayDicom               first writes a SYNTHETIC labelled set (see SyntheticChest.cs)
// NATIVENET_SAMPLE_SMALL=1 uses 40 images and 1 epoch (used by the tests).
using ChestXrayDicom;
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;
using NativeNet.Vision.Datasets;
using NativeNet.Vision.Imaging;
using NativeNet.Vision.Transforms;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
const int seed = 11, size = 64;
string folder;
if (args.Length > 0) folder = args[0];
else
{
    folder = Path.Combine(Path.GetTempPath(), "nativenet-chest-dicom-synthetic");
    int written = SyntheticChest.Write(folder, small ? 40 : 400, seed);
    Console.WriteLine($"Wrote a SYNTHETIC labelled DICOM set (generated, not real patients): {written} files in {folder} (normal/, opacity/)");
}

// Modality units (HU for CT-like data) → a lung window → [0, 1]; then resize and normalize.
var window = new DicomWindow(-600, 1500);
var evaluation = new Compose(window, new Resize(size, size), new Normalize([0.5f], [0.25f]));
var training = new Compose(window, new Resize(size, size), new RandomRotation(7), new RandomCrop(size, 4), new ColorJitter(0.1, 0.1), new Normalize([0.5f], [0.25f]));
var all = ImageFolder.Load(folder, 1, size, size, evaluation, DicomValues.Modality);
var split = Splits.StratifiedTrainValidationTest(all.Labels(), 0, 0.25, seed);
var train = all.Subset(split.Train).WithTransform(training);
var test = all.Subset(split.Test);
Console.WriteLine($"{folder}: {train.Count} training and {test.Count} test images, classes {string.Join(", ", all.Classes!)}, input 1×{size}×{size}");

Generator.ManualSeed(seed);
using var model = new Sequential(
    new Conv2d(1, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2),
    new Conv2d(16, 32, 3, padding: 1), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(32 * (size / 4) * (size / 4), 64), new ReLU(), new Dropout(0.3), new Linear(64, all.Classes!.Count));
var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-3), new CrossEntropyLoss(), "accuracy");
// Augmentation runs inside Fit: the loader decodes and transforms each file on its workers, seeded per sample and epoch.
var loader = new DataLoader(train, batchSize: 16, seed: seed, workers: Environment.ProcessorCount);
compiled.Fit(loader, epochs: small ? 1 : 8, validationData: test, progress: new ConsoleProgress(), seed: seed);

float[] p = compiled.Predict(test);
int[] y = test.Labels();
int[] yHat = ClassificationMetrics.ArgMax(p, all.Classes.Count);
Console.WriteLine($"Test accuracy {ClassificationMetrics.Accuracy(y, yHat):F3}");
if (args.Length == 0) Console.WriteLine("(SYNTHETIC data: these figures only show that the pipeline learns; they are not clinical results.)");
