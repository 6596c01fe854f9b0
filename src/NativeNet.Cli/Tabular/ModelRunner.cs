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
        if (!File.Exists(path)) throw new CliInputException($"Model file not found: {path}");
        var module = Model.Load(path, out var metadata);
        try { return new ModelRunner(path, module, ModelSchema.Read(path, metadata)); }
        catch { module.Dispose(); throw; }
    }

    /// <summary>Loads the feature columns of <paramref name="csv"/> (checked against the schema) and, when <paramref name="labelled"/>, the target.</summary>
    public CsvTable LoadData(string csv, bool labelled)
    {
        TabularData.CheckColumns(csv, Schema, needTarget: labelled);
        return labelled
            ? TabularData.Load(csv, Schema.Target, Schema.IsClassification, Schema.Classes, Schema.Features)
            : CsvLoader.Load(csv, new CsvLoadOptions { FeatureColumns = Schema.Features });
    }

    /// <summary>Outputs per row: P(positive class) for classification, the prediction in target units for regression.</summary>
    public float[] Predict(Dataset data)
    {
        var x = (float[])data.Features.Clone();
        Schema.Scaler().TransformInPlace(x);
        var outputs = new float[data.Count];
        using (Autograd.NoGrad())
        using (var scope = Tensor.NewDisposeScope())
        {
            var y = Module.Forward(Tensor.FromArray(x, data.Count, data.SampleSize)).ToArray();
            for (int i = 0; i < outputs.Length; i++)
                outputs[i] = Schema.IsClassification ? 1f / (1f + MathF.Exp(-y[i])) : (float)(y[i] * Schema.TargetStd!.Value + Schema.TargetMean!.Value);
        }
        return outputs;
    }

    /// <inheritdoc />
    public void Dispose() => Module.Dispose();
}
