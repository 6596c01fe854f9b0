using System.Text.Json;
using System.Text.Json.Serialization;
using NativeNet.Data;
using NativeNet.Serialization;

namespace NativeNet.Cli.Tabular;

/// <summary>
/// What a model trained by `nativenet train` expects of its input, stored as JSON under
/// <see cref="Model.SchemaKey"/> in the model file: feature columns in order, the target and its
/// classes, and the standardization fitted on the training data (applied again by predict/evaluate).
/// </summary>
public sealed record ModelSchema
{
    /// <summary>What the model reads: "table" (CSV columns), "images" ([C, H, W] from .npz) or "signals" ([T, 1] from .npz).</summary>
    [JsonPropertyName("input")] public string Input { get; init; } = InputKinds.Table;
    /// <summary>Shape of one sample for "images"/"signals" ([C, H, W] or [T, 1]); empty for tables.</summary>
    [JsonPropertyName("input_shape")] public IReadOnlyList<int> InputShape { get; init; } = [];
    /// <summary>"classification" or "regression".</summary>
    [JsonPropertyName("task")] public string Task { get; init; } = "classification";
    /// <summary>Feature column names, in the model's input order.</summary>
    [JsonPropertyName("features")] public IReadOnlyList<string> Features { get; init; } = [];
    /// <summary>Target column name.</summary>
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    /// <summary>Class labels, index = label; with two classes the second is the positive class (classification).</summary>
    [JsonPropertyName("classes")] public IReadOnlyList<string>? Classes { get; init; }
    /// <summary>Per-feature means of the standardization.</summary>
    [JsonPropertyName("scaler_mean")] public IReadOnlyList<double> ScalerMean { get; init; } = [];
    /// <summary>Per-feature scales (standard deviations) of the standardization.</summary>
    [JsonPropertyName("scaler_std")] public IReadOnlyList<double> ScalerStd { get; init; } = [];
    /// <summary>Mean of the target (regression: the network predicts the standardized target).</summary>
    [JsonPropertyName("target_mean")] public double? TargetMean { get; init; }
    /// <summary>Standard deviation of the target (regression).</summary>
    [JsonPropertyName("target_std")] public double? TargetStd { get; init; }
    /// <summary>How image files are preprocessed (input "image_files"), or null.</summary>
    [JsonPropertyName("image")] public ImagePreprocessing? Image { get; init; }
    /// <summary>The --model argument the network was built from.</summary>
    [JsonPropertyName("model")] public string ModelDescription { get; init; } = "";

    /// <summary>True for classification.</summary>
    [JsonIgnore] public bool IsClassification => Task == "classification";

    /// <summary>True when the model reads CSV columns (and standardizes them).</summary>
    [JsonIgnore] public bool IsTable => Input == InputKinds.Table;

    /// <summary>Values the network produces per row: one (binary logit, regression value) or one per class.</summary>
    [JsonIgnore] public int OutputWidth => Classes is { Count: > 2 } c ? c.Count : 1;

    /// <summary>The schema as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);

    /// <summary>The scaler stored in the schema.</summary>
    public StandardScaler Scaler() => StandardScaler.FromDictionary(new Dictionary<string, string>
    {
        ["mean"] = string.Join(",", ScalerMean.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
        ["scale"] = string.Join(",", ScalerStd.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
    });

    /// <summary>Reads the schema from a model file's metadata; a clear error when it has none.</summary>
    public static ModelSchema Read(string modelPath, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(Model.SchemaKey, out var json))
            throw new CliInputException($"Model file '{modelPath}' has no input schema ('{Model.SchemaKey}'); it was not written by `nativenet train`.");
        ModelSchema? schema;
        try { schema = JsonSerializer.Deserialize<ModelSchema>(json); }
        catch (JsonException e) { throw new CliInputException($"Model file '{modelPath}': the input schema is not valid JSON: {e.Message}"); }
        if (schema is null) throw new CliInputException($"Model file '{modelPath}': the input schema is empty.");
        if (schema.IsTable && (schema.Features.Count == 0 || schema.ScalerMean.Count != schema.Features.Count || schema.ScalerStd.Count != schema.Features.Count))
            throw new CliInputException($"Model file '{modelPath}': the input schema is incomplete (features and scaler must have the same length).");
        if (!schema.IsTable && (schema.Input is not (InputKinds.Images or InputKinds.Signals or InputKinds.ImageFiles) || schema.InputShape.Count == 0 || schema.InputShape.Any(d => d <= 0)))
            throw new CliInputException($"Model file '{modelPath}': the input schema is incomplete (input '{schema.Input}' needs a positive input_shape).");
        if (schema.Input == InputKinds.ImageFiles && (schema.Image is null || schema.InputShape.Count != 3 || schema.Image.Mean.Count != schema.InputShape[0] || schema.Image.Std.Count != schema.InputShape[0] || schema.Image.Std.Any(v => !(v > 0))))
            throw new CliInputException($"Model file '{modelPath}': the input schema of an image model is incomplete (image preprocessing, input_shape [C, H, W] and one mean/std per channel).");
        if (schema.IsClassification && schema.Classes is not { Count: >= 2 })
            throw new CliInputException($"Model file '{modelPath}': the input schema of a classifier lists fewer than two classes.");
        return schema;
    }
}

/// <summary>The kinds of input `nativenet train` handles.</summary>
public static class InputKinds
{
    /// <summary>CSV columns.</summary>
    public const string Table = "table";
    /// <summary>Images from a MedMNIST-layout (or images/labels) .npz.</summary>
    public const string Images = "images";
    /// <summary>1-D signals from an .npz with 'signals' [N, T] and 'labels' [N].</summary>
    public const string Signals = "signals";
    /// <summary>Image files (PNG, JPEG, BMP, TIFF, GIF, DICOM) from class folders or a CSV manifest.</summary>
    public const string ImageFiles = "image_files";
}

/// <summary>How an image model's files become its input: channels, resizing and normalization (stored in the schema, applied again by evaluate/predict).</summary>
public sealed record ImagePreprocessing
{
    /// <summary>1 (grey) or 3 (RGB).</summary>
    [JsonPropertyName("channels")] public int Channels { get; init; }
    /// <summary>True when every image is resized to the input size (--image-size); false when images must already have it.</summary>
    [JsonPropertyName("resize")] public bool Resize { get; init; }
    /// <summary>Per-channel mean subtracted after scaling to [0, 1].</summary>
    [JsonPropertyName("normalize_mean")] public IReadOnlyList<float> Mean { get; init; } = [];
    /// <summary>Per-channel standard deviation divided by.</summary>
    [JsonPropertyName("normalize_std")] public IReadOnlyList<float> Std { get; init; } = [];
    /// <summary>Training augmentation ("light" or "none"), for the record.</summary>
    [JsonPropertyName("augment")] public string Augment { get; init; } = "none";
}
