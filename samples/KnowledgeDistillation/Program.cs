// Knowledge distillation on the 8×8 handwritten digits (real data, data/digits_8x8.npz): a
// torchvision-shaped ResNet-18 teacher (11.2 M parameters) reads the images upsampled to 32×32; a
// small CNN student (3,658 parameters, 3,000× fewer) reads the original 8×8 images, which is what a
// deployment on a small device would keep. The student learns from few labelled images in two
// ways, tested on the same held-out images:
//   - from the labels alone (cross-entropy), and
//   - from the labels and the teacher's softened outputs: α·T²·KL(teacher_T ‖ student_T) + (1−α)·CE,
//     where x_T = softmax(logits / T) (Hinton et al., 2015). The teacher's "dark knowledge" — that
//     a 3 looks more like an 8 than like a 1 — carries information the one-hot labels do not.
// Run: dotnet run --project samples/KnowledgeDistillation [-- path/to/digits_8x8.npz]
// NATIVENET_SAMPLE_SMALL=1 trains 1 epoch per stage on fewer images (used by the tests).
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Models;
using NativeNet.Nn;
using NativeNet.Optim;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string path = args.Length > 0 ? args[0] : FindData("digits_8x8.npz");
const int seed = 11, classes = 10, studentLabelled = 20;   // labelled images per class for the student
const float temperature = 4f, alpha = 0.7f;

var all = ImageNpz.Load(path, scale: 1f / 16).Train;
int[] labels = all.GetLabels();
var order = Enumerable.Range(0, all.Count).ToArray();
new Random(seed).Shuffle(order);
if (small) order = order[..300];
var testIdx = order[..(order.Length / 4)];
var trainIdx = order[(order.Length / 4)..];
var rng = new Random(seed);
var fewIdx = Enumerable.Range(0, classes).SelectMany(c => trainIdx.Where(i => labels[i] == c).OrderBy(_ => rng.Next()).Take(studentLabelled)).ToArray();
Console.WriteLine($"{path}: teacher trains on {trainIdx.Length} images, the student on {fewIdx.Length} labelled images; both are tested on {testIdx.Length}");

// 1. The teacher: ResNet-18 with a 10-class head, on 3×32×32 (the grey image in all three channels).
Generator.ManualSeed(seed);
using var teacher = ResNet.ResNet18(numClasses: classes);
Train(teacher, trainIdx, small ? 1 : 8, lr: 1e-3, x => Rgb32(x), soft: null);
Console.WriteLine($"Teacher (ResNet-18, {Params(teacher):N0} parameters): test accuracy {Accuracy(teacher, testIdx, x => Rgb32(x)):F3}");

// 2. The student from the few labels alone, and 3. the same student distilled from the teacher.
Generator.ManualSeed(seed + 1);
using var alone = Student();
Train(alone, fewIdx, small ? 1 : 120, lr: 3e-3, x => x, soft: null);
Generator.ManualSeed(seed + 1);
using var distilled = Student();
Train(distilled, fewIdx, small ? 1 : 120, lr: 3e-3, x => x, soft: SoftTargets(teacher, fewIdx));
Console.WriteLine($"Student ({Params(alone):N0} parameters) from {fewIdx.Length} labels alone:      test accuracy {Accuracy(alone, testIdx, x => x):F3}");
Console.WriteLine($"Student distilled from the teacher (T = {temperature}, α = {alpha}): test accuracy {Accuracy(distilled, testIdx, x => x):F3}");

static Sequential Student() => new(
    new Conv2d(1, 8, 3, padding: 1), new ReLU(), new MaxPool2d(2),      // 8×4×4
    new Conv2d(8, 16, 3, padding: 1), new ReLU(), new MaxPool2d(2),     // 16×2×2
    new Flatten(), new Linear(64, 32), new ReLU(), new Linear(32, classes));

// A hand-written loop: the distillation term compares the student's softened outputs with the
// teacher's on the same images (soft: one row of teacher probabilities per image of idx).
void Train(Module model, int[] idx, int epochs, double lr, Func<Tensor, Tensor> input, float[]? soft)
{
    var adam = new Adam(model.Parameters(), lr: lr);
    var ce = new CrossEntropyLoss();
    var kl = new KLDivLoss(batchMean: true);
    var loader = new DataLoader(all.Subset(idx), batchSize: 32, shuffle: true, seed: seed, dropLast: true);   // BatchNorm needs more than one value per channel
    model.Train();
    for (int epoch = 0; epoch < epochs; epoch++)
        foreach (var batch in loader.GetEpoch(epoch))
        {
            using var scope = Tensor.NewDisposeScope();
            var logits = model.Forward(input(Tensor.FromArray(batch.Features, batch.Count, 1, 8, 8)));
            var loss = ce.Forward(logits, Tensor.FromArray(batch.Targets, batch.Count));
            if (soft is not null)
            {
                var teacherRows = batch.Indices.SelectMany(i => soft.AsSpan(i * classes, classes).ToArray()).ToArray();
                var mimic = kl.Forward(logits.Div(temperature).LogSoftmax(1), Tensor.FromArray(teacherRows, batch.Count, classes));
                loss = mimic * (alpha * temperature * temperature) + loss * (1 - alpha);
            }
            adam.ZeroGrad();
            loss.Backward();
            adam.Step();
        }
}

// The teacher's probabilities at temperature T, computed once (it is frozen and sees no augmentation).
float[] SoftTargets(Module model, int[] idx)
{
    var images = all.Subset(idx);
    model.Eval();
    using var scope = Tensor.NewDisposeScope();
    using var _ = Autograd.NoGrad();
    return model.Forward(Rgb32(Tensor.FromArray(images.Features, images.Count, 1, 8, 8))).Div(temperature).Softmax(1).ToArray();
}

double Accuracy(Module model, int[] idx, Func<Tensor, Tensor> input)
{
    var test = all.Subset(idx);
    model.Eval();
    using var scope = Tensor.NewDisposeScope();
    using var _ = Autograd.NoGrad();
    var logits = model.Forward(input(Tensor.FromArray(test.Features, test.Count, 1, 8, 8))).ToArray();
    return ClassificationMetrics.Accuracy(test.GetLabels(), ClassificationMetrics.ArgMax(logits, classes));
}

// 1×8×8 → 3×32×32: bilinear upsampling, the grey value in each of the three channels.
static Tensor Rgb32(Tensor images)
{
    var big = Functional.Interpolate(images, size: (32, 32), mode: InterpolationMode.Bilinear);
    return big.Expand(big.Size(0), 3, 32, 32);
}

static int Params(Module m) => m.Parameters().Sum(p => p.Count);

static string FindData(string file)
{
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "data", file))) return Path.Combine(dir.FullName, "data", file);
    throw new FileNotFoundException($"data/{file} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; pass the .npz path as the first argument.");
}
