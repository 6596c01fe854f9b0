using System.Text.Json;
using System.Text.Json.Serialization;
using NativeNet.Data;
using NativeNet.Serialization;

namespace NativeNet.Cli.Tabular;

/// <summary>
/// What a model trained by `nativenet train` expects of its input, stored as JSON under
/// <see cref="Model.SchemaKey"/> in the model file: feature columns in order, the target and its
/// classes, and the standardization fitted on the training data (applied again by predict/evaluate
/// and folded into the exported ONNX graph): per column for tables, per channel for images
/// (C means over H·W pixels) and signals (F means over T steps), on the raw values of the file.
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
    /// <summary>
    /// How the raw input is scaled before the network, in words (<see cref="PerFeature"/> or
    /// <see cref="PerChannel"/>); absent in image/signal models written before input scaling was
    /// recorded (their 8-bit pixels are divided by 255 on load).
    /// </summary>
    [JsonPropertyName("input_scaling")] public string? InputScaling { get; init; }
    /// <summary>Means of the standardization: per feature (tables) or per channel (images, signals).</summary>
    [JsonPropertyName("scaler_mean")] public IReadOnlyList<double> ScalerMean { get; init; } = [];
    /// <summary>Scales (standard deviations) of the standardization, per feature or per channel.</summary>
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

    /// <summary><see cref="InputScaling"/> of tables.</summary>
    public const string PerFeature = "standardized per feature (mean and std of the training rows)";

    /// <summary><see cref="InputScaling"/> of images and signals.</summary>
    public const string PerChannel = "standardized per channel (mean and std of the training samples' raw values)";

    /// <summary>
    /// The standardization stored in the schema, or null for an image/signal model written before
    /// input scaling was recorded.
    /// </summary>
    public StandardScaler? Scaler() =>
        ScalerMean.Count == 0 && !IsTable ? null : StandardScaler.FromValues(ScalerMean, ScalerStd, ChannelLayout(Input, InputShape).Inner);

    /// <summary>
    /// The standardization's channels for samples of <paramref name="sampleShape"/>: a table's
    /// features; an image's C channels of H·W pixels each; a signal's F features over T steps.
    /// </summary>
    public static (int Channels, int Inner) ChannelLayout(string input, IReadOnlyList<int> sampleShape) => input switch
    {
        InputKinds.Images => (sampleShape[0], sampleShape[1] * sampleShape[2]),
        InputKinds.Signals => (sampleShape[^1], 1),
        _ => (sampleShape.Count == 0 ? 0 : sampleShape[^1], 1),
    };

    /// <summary>The axis of a batched input [N, …] that the standardization's channels run along: 1 for images, the last otherwise.</summary>
    [JsonIgnore] public int ChannelAxis => Input == InputKinds.Images ? 1 : -1;

    /// <summary>Reads the schema from a model file's metadata; a clear error when it has none.</summary>
    public static ModelSchema Read(string modelPath, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(Model.SchemaKey, out var json))
            throw new CliInputException($"Model file '{modelPath}' has no input schema ('{Model.SchemaKey}'); it was not written by `nativenet train`.");
        ModelSchema? schema;
        try { schema = JsonSerializer.Deserialize<ModelSchema>(json); }
        catch (JsonException e) { throw new CliInputException($"Model file '{modelPath}': the input schema is not valid JSON: {e.Message}"); }
        if (schema is null) throw new CliInputException($"Model file '{modelPath}': the input schema is empty.");
        Safety.ModelFileCheck.Schema(schema, modelPath);
        if (schema.IsTable && (schema.Features.Count == 0 || schema.ScalerMean.Count != schema.Features.Count || schema.ScalerStd.Count != schema.Features.Count))
            throw new CliInputException($"Model file '{modelPath}': the input schema is incomplete (features and scaler must have the same length).");
        if (!schema.IsTable && (schema.Input is not (InputKinds.Images or InputKinds.Signals or InputKinds.ImageFiles) || schema.InputShape.Count == 0 || schema.InputShape.Any(d => d <= 0)))
            throw new CliInputException($"Model file '{modelPath}': the input schema is incomplete (input '{schema.Input}' needs a positive input_shape).");
        if (schema.InputShape.Count != (schema.Input switch { InputKinds.Images or InputKinds.ImageFiles => 3, InputKinds.Signals => 2, _ => 0 }))
            throw new CliInputException($"Model file '{modelPath}': the input schema's input_shape [{string.Join(", ", schema.InputShape)}] does not fit input '{schema.Input}' ([C, H, W] images, [T, F] signals, none for tables).");
        if (!schema.IsTable && schema.ScalerMean.Count > 0 && schema.ScalerMean.Count != ChannelLayout(schema.Input, schema.InputShape).Channels)
            throw new CliInputException($"Model file '{modelPath}': the input schema's scaler has {schema.ScalerMean.Count} channels; input_shape [{string.Join(", ", schema.InputShape)}] has {ChannelLayout(schema.Input, schema.InputShape).Channels}.");
        try { schema.Scaler(); }
        catch (ArgumentException e) { throw new CliInputException($"Model file '{modelPath}': the input schema's scaler is invalid: {e.Message}"); }
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
