// ECG LSTM: an LSTM reads a 1-D signal step by step; its last hidden state feeds a linear layer
// that says regular (0) or irregular (1) rhythm. The head reads the hidden states averaged over
// time (a missing P wave or an odd interval anywhere in the window counts).
//   dotnet run --project samples/EcgLstm -- signals.npz   trains on an .npz with 'signals' [N, T] (float) and 'labels' [N] (0/1)
//   dotnet run --project samples/EcgLstm                  trains on SYNTHETIC ECG-like signals (see SyntheticEcg.cs)
// NATIVENET_SAMPLE_SMALL=1 uses 64 signals and 1 epoch (used by the tests).
using EcgLstm;
using NativeNet;
using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Training;

bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
const int seed = 11;
Dataset all;
if (args.Length > 0)
{
    var arrays = NpyReader.ReadNpz(args[0]);
    if (!arrays.TryGetValue("signals", out var sig) || !arrays.TryGetValue("labels", out var lab))
        throw new InvalidDataException($"{args[0]}: expected entries 'signals' [N, T] and 'labels' [N]. Entries: {string.Join(", ", arrays.Keys)}.");
    if (sig.Shape.Count != 2 || lab.Length != sig.Shape[0])
        throw new InvalidDataException($"{args[0]}: 'signals' must be [N, T] with one label per signal. Received: signals ({string.Join(", ", sig.Shape)}), labels {lab.Length}.");
    all = new Dataset(sig.ToFloatArray(), [sig.Shape[1], 1], lab.ToInt64Array().Select(v => (float)v).ToArray());
    Console.WriteLine($"{args[0]}: {all.Count} signals of {sig.Shape[1]} samples");
}
else
{
    var (signals, labels) = SyntheticEcg.Generate(small ? 64 : 400, seed);
    all = new Dataset(signals, [SyntheticEcg.Length, 1], labels, 1, null, ["regular", "irregular"]);
    Console.WriteLine($"SYNTHETIC ECG-like signals (generated, not recorded): {all.Count} windows of {SyntheticEcg.Length} samples at {SyntheticEcg.Hz} Hz");
}
var split = Splits.StratifiedTrainValidationTest(all.GetLabels(), 0, 0.25, seed);
var train = all.Subset(split.Train);
var test = all.Subset(split.Test);

Generator.ManualSeed(seed);
// LSTM over [N, T, 1] → hidden states averaged over time [N, 48] → linear head.
using var model = new Sequential(new LSTM(1, 48, batchFirst: true), new ReduceMean(1), new Linear(48, 2));
var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-3), new CrossEntropyLoss(), "accuracy");
compiled.Fit(train, epochs: small ? 1 : 15, batchSize: 16, progress: new ConsoleProgress(), seed: seed);

float[] p = compiled.Predict(test);
int[] y = test.GetLabels();
int[] yHat = ClassificationMetrics.ArgMax(p, 2);
var pIrregular = Enumerable.Range(0, test.Count).Select(i => p[2 * i + 1]).ToArray();
Console.WriteLine($"Test accuracy {ClassificationMetrics.Accuracy(y, yHat):F3}, sensitivity {ClassificationMetrics.Sensitivity(y, yHat):F3}, specificity {ClassificationMetrics.Specificity(y, yHat):F3}" +
    (y.Distinct().Count() == 2 ? $", ROC-AUC {RankingMetrics.RocAuc(y, pIrregular):F3}" : ""));
if (args.Length == 0) Console.WriteLine("(SYNTHETIC data: these figures only show that the pipeline learns; they are not clinical results.)");
