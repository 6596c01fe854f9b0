using System.Runtime.InteropServices;
using Google.Protobuf;
using NativeNet.Serialization.Onnx.Proto;

namespace NativeNet.Serialization.Onnx;

/// <summary>Accumulates nodes and initializers of one ONNX graph with unique value names.</summary>
internal sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _counter;

    public GraphProto Graph { get; } = new() { Name = "nativenet" };

    /// <summary>A fresh value name derived from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        while (!_names.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    /// <summary>Adds a float32 constant (raw little-endian data) and returns its name.</summary>
    public string Initializer(string hint, ReadOnlySpan<float> values, params long[] dims)
    {
        string name = Fresh(hint);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        t.Dims.AddRange(dims);
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>Adds an int64 constant (shapes for Reshape) and returns its name.</summary>
    public string Int64Initializer(string hint, params long[] values)
    {
        string name = Fresh(hint);
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.Add(values.Length);
        Graph.Initializer.Add(t);
        return name;
    }

    /// <summary>A scalar float constant.</summary>
    public string Scalar(string hint, float value) => Initializer(hint, [value]);

    /// <summary>Adds a node with one output and returns the output's name. Empty input names mark omitted optional inputs.</summary>
    public string Node(string opType, string[] inputs, string outputHint, params AttributeProto[] attributes)
        => Node(opType, inputs, [outputHint], attributes)[0];

    /// <summary>Adds a node with several outputs (an LSTM's Y, Y_h, Y_c) and returns their names.</summary>
    public string[] Node(string opType, string[] inputs, string[] outputHints, params AttributeProto[] attributes)
    {
        var outputs = Array.ConvertAll(outputHints, Fresh);
        var node = new NodeProto { OpType = opType, Name = Fresh("node_" + outputHints[0]) };
        node.Input.AddRange(TrimTrailingEmpty(inputs));
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return outputs;
    }

    private static IEnumerable<string> TrimTrailingEmpty(string[] inputs)
    {
        int n = inputs.Length;
        while (n > 0 && inputs[n - 1].Length == 0) n--;
        return inputs.Take(n);
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    /// <summary>A float32 tensor type; dimension 0 symbolic ("batch") when <paramref name="dynamicBatch"/>.</summary>
    public static ValueInfoProto Value(string name, int[] shape, bool dynamicBatch)
    {
        var tensorShape = new TensorShapeProto();
        for (int i = 0; i < shape.Length; i++)
            tensorShape.Dim.Add(i == 0 && dynamicBatch ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = shape[i] });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = tensorShape } },
        };
    }
}
