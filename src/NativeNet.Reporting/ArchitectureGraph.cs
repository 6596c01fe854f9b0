namespace NativeNet.Reporting;

/// <summary>One layer (or input/output) of a network.</summary>
/// <param name="Id">A unique key that edges refer to.</param>
/// <param name="Name">The layer's name, e.g. "fc1".</param>
/// <param name="Type">The layer's type, e.g. "Linear".</param>
public sealed record LayerNode(string Id, string Name, string Type)
{
    /// <summary>The output shape as text, e.g. "[N, 64]".</summary>
    public string? OutputShape { get; init; }

    /// <summary>Number of trainable parameters.</summary>
    public long? Parameters { get; init; }

    /// <summary>Any other detail, e.g. "ReLU, dropout 0.2".</summary>
    public string? Details { get; init; }
}

/// <summary>A directed edge: data flows from one layer to another.</summary>
/// <param name="From">The <see cref="LayerNode.Id"/> of the source.</param>
/// <param name="To">The <see cref="LayerNode.Id"/> of the destination.</param>
public readonly record struct LayerEdge(string From, string To);

/// <summary>A network as a directed acyclic graph of layers, drawn top to bottom.</summary>
/// <param name="Nodes">The layers.</param>
/// <param name="Edges">The data flow between them.</param>
public sealed record ArchitectureGraph(IReadOnlyList<LayerNode> Nodes, IReadOnlyList<LayerEdge> Edges)
{
    /// <summary>A chain in which each layer feeds the next, as in a Sequential model.</summary>
    /// <param name="nodes">The layers, input first.</param>
    /// <returns>The graph with edges between consecutive nodes.</returns>
    public static ArchitectureGraph Sequential(params IReadOnlyList<LayerNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var edges = new LayerEdge[Math.Max(0, nodes.Count - 1)];
        for (int i = 0; i < edges.Length; i++) edges[i] = new LayerEdge(nodes[i].Id, nodes[i + 1].Id);
        return new ArchitectureGraph(nodes, edges);
    }

    /// <summary>The total trainable parameters of the layers that report a count.</summary>
    public long TotalParameters => Nodes.Sum(n => n.Parameters ?? 0);
}
