using NativeNet.Cli.Safety;
using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Serialization;

namespace NativeNet.Cli.Tabular;

/// <summary>A model file written by `nativenet train`, loaded with its schema, ready to score CSV rows.</summary>
public sealed class ModelRunner : IDisposable
{
    private ModelRunner(string path, Module module, ModelSchema schema) { Path = path; Module = module; Schema = schema; }

    /// <summary>The model file.</summary>
    public string Path { get; }
    /// <summary>The network (evaluation mode).</summary>
    public Module Module { get; }
    /// <summary>The input schema.</summary>
    public ModelSchema Schema { get; }

    /// <summary>Loads and verifies <paramref name="path"/>.</summary>
    public static ModelRunner Load(string path)
    {
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
            return new ModelRunner(path, module, schema);
        }
        catch { module.Dispose(); throw; }
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
        Module.Eval();
        try
        {
            using (Autograd.NoGrad())
                foreach (var batch in new DataLoader(data, 64, shuffle: false, workers: Environment.ProcessorCount).GetEpoch(0))
                {
                    using var scope = Tensor.NewDisposeScope();
                    var y = Module.Forward(Tensor.FromArray(batch.Features, batch.Shape)).ToArray();
                    if (width > 1) Softmax(y, width);
                    for (int i = 0; i < y.Length; i++) outputs[row * width + i] = width > 1 ? y[i] : 1f / (1f + MathF.Exp(-y[i]));
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
        Schema.Scaler()?.TransformInPlace(x);
        int width = Schema.OutputWidth;
        var outputs = new float[data.Count * width];
        const int batch = 256;
        using (Autograd.NoGrad())
            for (int start = 0; start < data.Count; start += batch)
            {
                using var scope = Tensor.NewDisposeScope();
                int n = Math.Min(batch, data.Count - start);
                var y = Module.Forward(Tensor.FromArray(x.AsSpan(start * data.SampleSize, n * data.SampleSize).ToArray(), [n, .. data.SampleShape])).ToArray();
                if (width > 1) Softmax(y, width);
                for (int i = 0; i < y.Length; i++)
                    outputs[start * width + i] = !Schema.IsClassification ? (float)(y[i] * Schema.TargetStd!.Value + Schema.TargetMean!.Value)
                        : width > 1 ? y[i] : 1f / (1f + MathF.Exp(-y[i]));
            }
        int bad = Array.FindIndex(outputs, v => !float.IsFinite(v));
        if (bad >= 0)
            throw new CliInputException($"{source}: sample {bad / width + 1}: the model's output is {outputs[bad]}; the input lies far outside what the model was trained on.");
        return outputs;
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
    public void Dispose() => Module.Dispose();
}
