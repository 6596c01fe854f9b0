namespace NativeNet.Onnx.Loading;

/// <summary>A graph input as declared: its name and dimensions (-1 where symbolic, e.g. a dynamic batch).</summary>
internal sealed record GraphInput(string Name, long[] Dims);

/// <summary>
/// The validated graph: nodes in topological order, every value they read defined before use,
/// constants (initializers and folded nodes) by name.
/// </summary>
internal sealed class OnnxGraph
{
    public required List<GraphNode> Nodes { get; set; }
    public required Dictionary<string, StaticTensor> Constants { get; init; }
    public required List<GraphInput> Inputs { get; init; }
    public required List<string> Outputs { get; init; }
    public required int Opset { get; init; }
    public required string Source { get; init; }
    /// <summary>The model's metadata_props (a key given twice keeps its last value).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>How many nodes read each value (graph outputs count as one reader).</summary>
    public Dictionary<string, int> ReaderCounts()
    {
        var counts = new Dictionary<string, int>();
        foreach (var n in Nodes)
            foreach (var i in n.Inputs)
                if (i.Length > 0) counts[i] = counts.GetValueOrDefault(i) + 1;
        foreach (var o in Outputs) counts[o] = counts.GetValueOrDefault(o) + 1;
        return counts;
    }
}
