// A PyTorch-style Module subclass (DiabetesCNN: conv 16 → pool → conv 32 → pool → fc 128 → 2 on
// 3×112×112 fundus images) with plain fields: trained with Compile/Fit, saved with Model.Save (type
// name, constructor arguments and weights in one file), reloaded with Model.Load<DiabetesCNN>, and
// exported to ONNX by tracing its Forward (as torch.onnx.export does).
//   dotnet run --project samples/DiabetesCnnModule                 train on SYNTHETIC images, save, reload, compare
//   dotnet run --project samples/DiabetesCnnModule -- save <dir>   train and save diabetes_cnn.safetensors, diabetes_cnn.onnx
//                                                                  and a probe (inputs and Forward's outputs) in <dir>
//   dotnet run --project samples/DiabetesCnnModule -- load <dir>   reload in this (fresh) process and compare with the probe
// NATIVENET_SAMPLE_SMALL=1 uses 48 images and 1 epoch (used by the tests).
using DiabetesCnnModule;
using NativeNet;
using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Serialization;
using NativeNet.Serialization.Onnx;
using NativeNet.Training;
using RetinopathyCnn;

const int seed = 7;
bool small = Environment.GetEnvironmentVariable("NATIVENET_SAMPLE_SMALL") == "1";
string mode = args.Length > 0 ? args[0] : "both";
if (mode is not ("save" or "load" or "both") || (mode != "both" && args.Length != 2))
{
    Console.Error.WriteLine("usage: DiabetesCnnModule [save <dir> | load <dir>]");
    return 2;
}
string dir = args.Length > 1 ? args[1] : Directory.CreateTempSubdirectory("diabetes_cnn_").FullName;
string modelPath = Path.Combine(dir, "diabetes_cnn.safetensors"), onnxPath = Path.Combine(dir, "diabetes_cnn.onnx"), probePath = Path.Combine(dir, "probe.safetensors");

if (mode is "save" or "both")
{
    var (images, labels) = SyntheticFundus.Generate(small ? 48 : 640, seed);
    var data = new Dataset(images, [3, SyntheticFundus.Size, SyntheticFundus.Size], labels, 1, null, ["no referable DR", "referable DR"]);
    Console.WriteLine($"SYNTHETIC fundus-like images (generated, not real patients): {data.Count} × 3×112×112");
    Generator.ManualSeed(seed);
    using var model = new DiabetesCNN();
    var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-3), new CrossEntropyLoss(), "accuracy");
    compiled.Fit(data, epochs: small ? 1 : 8, batchSize: 16, seed: seed);
    Model.Save(model, modelPath);
    Console.WriteLine($"Model saved: {modelPath} ({model.Parameters().Sum(p => p.Count):N0} parameters)");

    // Traced on one image; the batch dimension stays symbolic.
    OnnxExporter.Export(model, [1, 3, SyntheticFundus.Size, SyntheticFundus.Size], onnxPath);
    Console.WriteLine($"ONNX model exported: {onnxPath}");

    // The probe: a few images and what Forward gives for them in evaluation mode.
    model.Eval();
    using var x = Tensor.FromArray(images[..(4 * 3 * 112 * 112)], 4, 3, 112, 112);
    using (Autograd.NoGrad())
    using (var y = model.Forward(x))
        StateDictFile.Save(new Dictionary<string, Tensor> { ["input"] = x, ["output"] = y }, probePath);
}

if (mode is "load" or "both")
{
    using var loaded = Model.Load<DiabetesCNN>(modelPath);
    var probe = StateDictFile.Load(probePath);
    using var x = probe["input"];
    using var expected = probe["output"];
    float[] actual;
    using (Autograd.NoGrad())
    using (var y = loaded.Forward(x))
        actual = y.ToArray();
    float[] want = expected.ToArray();
    double maxDiff = actual.Zip(want, (a, b) => Math.Abs((double)a - b)).Max();
    Console.WriteLine($"Reloaded DiabetesCNN(channels: {loaded.Channels}, imageSize: {loaded.ImageSize}, classes: {loaded.Classes}): max |Forward difference| {maxDiff:G3} over {want.Length} outputs");
    if (maxDiff != 0) return 1;
}
return 0;
