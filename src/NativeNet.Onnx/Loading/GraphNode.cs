using Google.Protobuf;
using NativeNet.Serialization.Onnx.Proto;

namespace NativeNet.Onnx.Loading;

/// <summary>One operator of the graph, with typed attribute access that names the node in every error.</summary>
internal sealed class GraphNode
{
    private readonly Dictionary<string, AttributeProto> _attributes;

    public GraphNode(string name, string opType, string[] inputs, string[] outputs, Dictionary<string, AttributeProto> attributes)
    {
        Name = name;
        OpType = opType;
        Inputs = inputs;
        Outputs = outputs;
        _attributes = attributes;
    }

    public string Name { get; }
    public string OpType { get; set; }
    /// <summary>Input value names; "" marks an omitted optional input.</summary>
    public string[] Inputs { get; set; }
    public string[] Outputs { get; }

    /// <summary>"Conv node 'conv1'", the prefix of every message about this node.</summary>
    public string Label => $"{OpType} node '{Name}'";

    public bool Has(string name) => _attributes.ContainsKey(name);

    public string? Input(int i) => i < Inputs.Length && Inputs[i].Length > 0 ? Inputs[i] : null;

    public long Int(string name, long fallback) => _attributes.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => _attributes.TryGetValue(name, out var a) ? a.F : fallback;

    public string Str(string name, string fallback) => _attributes.TryGetValue(name, out var a) ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => _attributes.TryGetValue(name, out var a) ? [.. a.Ints] : null;

    public float[]? Floats(string name) => _attributes.TryGetValue(name, out var a) ? [.. a.Floats] : null;

    public TensorProto? TensorAttr(string name) => _attributes.TryGetValue(name, out var a) && a.T != null ? a.T : null;

    public AttributeProto? Attr(string name) => _attributes.GetValueOrDefault(name);

    public InvalidDataException Invalid(string problem) => new($"{Label}: {problem}");

    /// <summary>An activation fused into this node's epilogue by the graph optimizer.</summary>
    public Engine.Activation Activation { get; set; } = Engine.Activation.None;

    /// <summary>A value added to this node's output before the activation (a fused residual Add).</summary>
    public string? Residual { get; set; }

    /// <summary>A 2-D MaxPool that reads only this Conv's output, run in the same native call (fused by the graph optimizer).</summary>
    public GraphNode? MaxPool { get; set; }

    /// <summary>A constant per-column bias added in the epilogue (MatMul followed by Add).</summary>
    public string? Bias { get; set; }

    /// <summary>The attribute reader <see cref="Engine.Activation.ForOp"/> takes.</summary>
    public float FloatAttr(string name, float fallback) => Float(name, fallback);
}
