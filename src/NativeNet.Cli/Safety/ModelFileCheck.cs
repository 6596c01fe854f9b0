using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using NativeNet.Cli.Tabular;
using NativeNet.Nn;
using NativeNet.Serialization;

namespace NativeNet.Cli.Safety;

/// <summary>
/// Checks of a model file beyond its format (which <see cref="Model.Load(string)"/> verifies): the
/// architecture's size before anything is built, the input schema's internal consistency, and —
/// once built — that the network accepts the schema's input and produces its output width. A file
/// that passes can be scored without an exception from inside the network.
/// </summary>
public static class ModelFileCheck
{
    /// <summary>Counts the modules of the architecture JSON without building it; refuses more than <see cref="CliLimits.MaxLayers"/>.</summary>
    public static void Architecture(IReadOnlyDictionary<string, string> metadata, string path)
    {
        if (!metadata.TryGetValue(Model.ArchitectureKey, out var json)) return; // Model.Load reports it
        int limit = CliLimits.Current.MaxLayers, modules = 0;
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("Type") && ++modules > limit)
                    throw new CliInputException($"Model file '{path}': the architecture holds more than {limit:N0} modules; {CliLimits.Hint("the layer", limit, "NATIVENET_MAX_LAYERS")}.");
        }
        catch (JsonException e)
        {
            throw new CliInputException($"Model file '{path}': '{Model.ArchitectureKey}' is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Refuses a schema whose parts contradict each other or hold values no run of `train` writes.</summary>
    public static void Schema(ModelSchema s, string path)
    {
        [DoesNotReturn] void Bad(string what) => throw new CliInputException($"Model file '{path}': the input schema {what}.");
        if (s.Task is not ("classification" or "regression")) Bad($"has task {CliText.Quote(s.Task)} (classification or regression)");
        if (s.Target is null) Bad("names no target");
        if (s.Features is null || s.Features.Any(f => string.IsNullOrEmpty(f))) Bad("lists a null or empty feature name");
        if (s.Features.Distinct(StringComparer.Ordinal).Count() != s.Features.Count) Bad("lists a feature twice");
        if (s.ScalerMean is null || s.ScalerStd is null || s.InputShape is null) Bad("lacks scaler_mean, scaler_std or input_shape");
        for (int i = 0; i < s.ScalerMean.Count; i++)
            if (!double.IsFinite(s.ScalerMean[i])) Bad($"has scaler mean {s.ScalerMean[i]} for feature {i + 1}");
        for (int i = 0; i < s.ScalerStd.Count; i++)
            if (!(double.IsFinite(s.ScalerStd[i]) && s.ScalerStd[i] > 0)) Bad($"has scaler std {s.ScalerStd[i]} for feature {i + 1} (must be positive)");
        long elements = 1;
        foreach (int d in s.InputShape)
            if (d <= 0 || (elements *= d) > 1 << 28) Bad($"has input_shape [{string.Join(", ", s.InputShape)}] (positive, at most 2^28 elements)");
        if (s.IsClassification)
        {
            if (s.Classes is null || s.Classes.Any(c => c is null)) Bad("of a classifier lists no classes or a null class");
            if (s.Classes.Distinct(StringComparer.Ordinal).Count() != s.Classes.Count) Bad("lists a class twice");
            if (s.Classes.Count > CliLimits.Current.MaxClasses) Bad($"lists {s.Classes.Count:N0} classes; {CliLimits.Hint("the class", CliLimits.Current.MaxClasses, "NATIVENET_MAX_CLASSES")}");
        }
        else if (!(s.TargetMean is { } m && double.IsFinite(m) && s.TargetStd is { } sd && double.IsFinite(sd) && sd > 0))
            Bad("of a regression model lacks a finite target_mean and a positive target_std");
    }

    /// <summary>Runs one all-zero sample through <paramref name="network"/>: it must take the schema's input and return its output width.</summary>
    public static void Network(Module network, ModelSchema s, string path)
    {
        int[] shape = s.IsTable ? [1, s.Features.Count] : [1, .. s.InputShape];
        string input = $"[{string.Join(", ", shape)}]";
        try
        {
            using (Autograd.NoGrad())
            {
                using var scope = Tensor.NewDisposeScope();
                var y = network.Forward(Tensor.Zeros(shape)).Shape;
                if (y.Length != 2 || y[0] != 1 || y[1] != s.OutputWidth)
                    throw new CliInputException($"Model file '{path}': the network returns [{string.Join(", ", y)}] for input {input}; the schema needs [1, {s.OutputWidth}] ({(s.IsClassification ? $"{s.Classes!.Count} classes" : "regression")}).");
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IndexOutOfRangeException or NullReferenceException or NotSupportedException or InvalidDataException)
        {
            throw new CliInputException($"Model file '{path}': the network does not accept the schema's input {input}: {e.Message}");
        }
    }
}
