using NativeNet.Cli.Safety;
using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Serialization;

namespace NativeNet.Cli.Tabular;

/// <summary>
/// A model file written by `nativenet train` (.safetensors), or its `nativenet export` (.onnx, run
/// by the ONNX engine), loaded with its schema, ready to score CSV rows, arrays or images. A network
/// is scored compiled onto the same engine (<see cref="Onnx.CompiledModule"/>) where the engine runs it.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private readonly Module? _module;
    private Onnx.OnnxModel? _onnx;
    private Onnx.CompiledModule? _compiled;
    private bool _compileTried;

    private ModelRunner(string path, Module? module, Onnx.OnnxModel? onnx, ModelSchema schema) { Path = path; _module = module; _onnx = onnx; Schema = schema; }

    /// <summary>The model file.</summary>
    public string Path { get; }
    /// <summary>The network (evaluation mode) of a .safetensors model.</summary>
    public Module Module => _module ?? throw new CliInputException($"{Path}: an ONNX model has no NativeNet network to train or benchmark; use the .safetensors model `nativenet train` wrote.");
    /// <summary>The input schema.</summary>
    public ModelSchema Schema { get; }

    /// <summary>Loads and verifies <paramref name="path"/>.</summary>
    public static ModelRunner Load(string path)
    {
        if (IsOnnx(path)) return LoadOnnx(path);
        // A `train` killed between replacing its model and its report left a commit record: carry it out first.
        if (!string.IsNullOrEmpty(path)) OutputFiles.CompletePending(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        InputFile.Model(path);
        // Schema and architecture size are checked before anything is built.
        var metadata = Model.ReadMetadata(path);
        ModelFileCheck.Architecture(metadata, path);
        var schema = ModelSchema.Read(path, metadata);
        var module = Model.Load(path);
        try
        {
            ModelFileCheck.Network(module, schema, path);
            return new ModelRunner(path, module, null, schema);
        }
        catch { module.Dispose(); throw; }
    }

    /// <summary>Whether <paramref name="path"/> names an ONNX model (by its extension).</summary>
    public static bool IsOnnx(string path) => path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    // An .onnx written by `nativenet export`: its graph takes the raw input (standardization inside)
    // and outputs what predict writes; the schema travels in its metadata_props.
    private static ModelRunner LoadOnnx(string path)
    {
        InputFile.Onnx(path);
        var onnx = Onnx.OnnxModel.Load(path);
        try
        {
            if (!onnx.Metadata.ContainsKey(Model.SchemaKey))
                throw new CliInputException($"{path}: has no NativeNet input schema (metadata '{Model.SchemaKey}'); predict and evaluate take .onnx files written by `nativenet export` (`nativenet run` runs any other).");
            var schema = ModelSchema.Read(path, onnx.Metadata);
            long[] sample = schema.IsTable ? [schema.Features.Count] : [.. schema.InputShape.Select(d => (long)d)];
            if (onnx.Inputs.Count != 1 || onnx.Outputs.Count != 1)
                throw new CliInputException($"{path}: has {onnx.Inputs.Count} inputs and {onnx.Outputs.Count} outputs; `nativenet export` writes one of each.");
            var dims = onnx.Inputs[0].Dims;
            if (dims.Count != sample.Length + 1 || dims.Skip(1).Where((d, i) => d >= 0 && d != sample[i]).Any())
                throw new CliInputException($"{path}: the graph input is [{string.Join(", ", dims)}] but the schema's samples are [{string.Join(", ", sample)}].");
            var output = onnx.OutputShape([1, .. sample]);
            if (output.Aggregate(1L, (p, d) => p * d) != schema.OutputWidth)
                throw new CliInputException($"{path}: the graph output is [{string.Join(", ", output)}] per sample; the schema expects {schema.OutputWidth} value(s).");
            return new ModelRunner(path, null, onnx, schema);
        }
        catch { onnx.Dispose(); throw; }
    }

    /// <summary>Products in <paramref name="precision"/>: the network's (a compiled one recompiles), or an ONNX model loaded again with them.</summary>
    public void UsePrecision(Precision precision)
    {
        if (_module is not null) _module.ToPrecision(precision);
        else if (_onnx is not null && _onnx.Precision != precision)
        {
            var reloaded = Onnx.OnnxModel.Load(Path, new Onnx.OnnxModelOptions { Precision = precision });
            _onnx.Dispose();
            _onnx = reloaded;
        }
    }

    /// <summary>
    /// Loads the model's kind of input from <paramref name="path"/>: a CSV (columns checked against
    /// the schema; the target too when <paramref name="labelled"/>) or an .npz archive whose
    /// samples must have the shape the model was trained on.
    /// </summary>
    public LabelledData LoadData(string path, bool labelled)
    {
        if (Schema.Input == InputKinds.ImageFiles)
            throw new CliInputException($"{path}: this model reads image files; use {nameof(LoadImages)}.");
        if (!Schema.IsTable)
        {
            if (!ArrayData.IsNpz(path) || ArrayData.Kind(path) != Schema.Input)
                throw new CliInputException($"{path}: the model reads {Schema.Input} [{string.Join(", ", Schema.InputShape)}] from an .npz archive ({(Schema.Input == InputKinds.Images ? "train_images/train_labels or images/labels" : "signals/labels")}).");
            // Models with a recorded scaling read raw values; older image models read 8-bit pixels / 255.
            var arrays = ArrayData.Load(path, Schema.Classes, raw: Schema.Scaler() is not null);
            if (!arrays.Dataset.SampleShape.SequenceEqual(Schema.InputShape))
                throw new CliInputException($"{path}: samples are [{string.Join(", ", arrays.Dataset.SampleShape)}] but the model was trained on [{string.Join(", ", Schema.InputShape)}].");
            return arrays;
        }
        if (ArrayData.IsNpz(path)) throw new CliInputException($"{path}: the model reads CSV columns ({string.Join(", ", Schema.Features.Take(3))}, …), not an .npz archive.");
        TabularData.CheckColumns(path, Schema, needTarget: labelled);
        var table = labelled
            ? TabularData.Load(path, Schema.Target, Schema.IsClassification, Schema.Classes, Schema.Features)
            : TabularData.LoadFeatures(path, Schema.Features);
        return new LabelledData(InputKinds.Table, table.Dataset, Schema.Classes, table.FeatureNames.ToList());
    }

    /// <summary>
    /// Image files for an image model, preprocessed as in training: labelled (class folders or a
    /// manifest, classes matched to the model's by name) or not (a folder, manifest or file list).
    /// </summary>
    public Vision.Datasets.ImageDataset LoadImages(string path, bool labelled)
    {
        var prep = Schema.Image!;
        int c = Schema.InputShape[0], h = Schema.InputShape[1], w = Schema.InputShape[2];
        // An exported graph normalizes the decoded [0, 1] image itself.
        if (_onnx is not null) prep = prep with { Mean = [.. prep.Mean.Select(_ => 0f)], Std = [.. prep.Std.Select(_ => 1f)] };
        var pipeline = Images.ImageInputs.Evaluation(prep, h, w);
        if (!labelled)
        {
            var files = Images.ImageInputs.Unlabelled(path);
            return new Vision.Datasets.ImageDataset(files, new float[files.Count], 1, Schema.Classes, c, h, w, pipeline);
        }
        var data = Images.ImageInputs.Labelled(path, c, h, w, pipeline);
        var map = data.Classes!.Select(name => Schema.Classes!.ToList().IndexOf(name)).ToArray();
        int unknown = Array.IndexOf(map, -1);
        if (unknown >= 0) throw new CliInputException($"{path}: class '{data.Classes![unknown]}' is not one of the model's classes ({string.Join(", ", Schema.Classes!)}).");
        var targets = data.Targets.ToArray().Select(t => (float)map[(int)t]).ToArray();
        return new Vision.Datasets.ImageDataset(data.Paths, targets, 1, Schema.Classes, c, h, w, pipeline);
    }

    /// <summary>Outputs per image (as <see cref="Predict"/>), decoding files on all cores; a file that cannot be decoded is exit 2 naming it.</summary>
    public float[] PredictImages(Vision.Datasets.ImageDataset data)
    {
        int width = Schema.OutputWidth;
        var outputs = new float[(long)data.Count * width];
        int row = 0;
        _module?.Eval();
        try
        {
            foreach (var batch in new DataLoader(data, 64, shuffle: false, workers: Environment.ProcessorCount).GetEpoch(0))
            {
                Score(batch.Features, batch.Count, batch.Shape[1..], outputs.AsSpan(row * width, batch.Count * width));
                row += batch.Count;
            }
        }
        catch (InvalidOperationException e) when (e.InnerException is InvalidDataException or NotSupportedException)
        {
            throw new CliInputException(e.InnerException.Message);
        }
        return outputs;
    }

    /// <summary>
    /// Outputs per row, row-major: P(positive class) for two classes, one probability per class
    /// for more, the prediction in target units for regression.
    /// </summary>
    /// <remarks>A non-finite output (the network overflowed on this input) is an error naming <paramref name="source"/> and the row, never a written NaN.</remarks>
    public float[] Predict(Dataset data, string source)
    {
        var x = (float[])data.Features.Clone();
        // An exported graph standardizes its raw input itself.
        if (_onnx is null) Schema.Scaler()?.TransformInPlace(x);
        int width = Schema.OutputWidth;
        var outputs = new float[data.Count * width];
        const int batch = 256;
        for (int start = 0; start < data.Count; start += batch)
        {
            int n = Math.Min(batch, data.Count - start);
            Score(x.AsSpan(start * data.SampleSize, n * data.SampleSize).ToArray(), n, data.SampleShape, outputs.AsSpan(start * width, n * width));
        }
        int bad = Array.FindIndex(outputs, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new CliInputException($"{source}: sample {bad / width + 1}: the model's output is {outputs[bad]}; the input lies far outside what the model was trained on.");
        return outputs;
    }

    // n samples in, predict's values out: the network plus the head (sigmoid, softmax, or target
    // units), or the exported graph, which ends in that head.
    private void Score(float[] x, int n, IReadOnlyList<int> sampleShape, Span<float> outputs)
    {
        if (_onnx is not null)
        {
            _onnx.Run(x, [n, .. sampleShape.Select(d => (long)d)], outputs);
            return;
        }
        int width = Schema.OutputWidth;
        int[] shape = [n, .. sampleShape];
        var compiled = Compiled(shape);
        using var noGrad = Autograd.NoGrad();
        using var scope = Tensor.NewDisposeScope();
        var input = Tensor.FromArray(x, shape);
        var y = (compiled is not null ? compiled.Forward(input) : _module!.Forward(input)).ToArray();
        if (width > 1) Softmax(y, width);
        for (int i = 0; i < y.Length; i++)
            outputs[i] = !Schema.IsClassification ? (float)(y[i] * Schema.TargetStd!.Value + Schema.TargetMean!.Value)
                : width > 1 ? y[i] : 1f / (1f + MathF.Exp(-y[i]));
    }

    // The network compiled onto the ONNX engine (once; it recompiles itself if the parameters
    // change), or null where the engine cannot run it (an LSTM, bf16 products): then it runs eagerly.
    private Onnx.CompiledModule? Compiled(int[] shape)
    {
        if (_module!.Precision != Precision.Float32) return null;
        if (!_compileTried)
        {
            _compileTried = true;
            _compiled = Onnx.CompiledModule.TryCompile(_module!, shape, out _);
        }
        return _compiled;
    }

    // Row-wise softmax of [n, k] logits, in place.
    private static void Softmax(float[] logits, int k)
    {
        for (int r = 0; r < logits.Length; r += k)
        {
            var row = logits.AsSpan(r, k);
            float max = float.NegativeInfinity;
            foreach (var v in row) max = MathF.Max(max, v);
            float sum = 0;
            for (int j = 0; j < k; j++) { row[j] = MathF.Exp(row[j] - max); sum += row[j]; }
            for (int j = 0; j < k; j++) row[j] /= sum;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _compiled?.Dispose();
        _module?.Dispose();
        _onnx?.Dispose();
    }
}
