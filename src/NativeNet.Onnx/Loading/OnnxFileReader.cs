using System.Buffers.Binary;
using Google.Protobuf;
using NativeNet.Serialization.Onnx.Proto;

namespace NativeNet.Onnx.Loading;

/// <summary>
/// Reads an .onnx file into a validated <see cref="OnnxGraph"/>. The file is hostile until
/// proven otherwise: the protobuf parser checks every length against the bytes present, tensor
/// payloads must match their declared shapes exactly (so a 2^40-element shape without 2^42 bytes
/// behind it is refused before anything is allocated for it), external data must stay inside the
/// model's folder and inside the referenced file, and the node graph must be acyclic with every
/// input defined. Problems raise <see cref="InvalidDataException"/> naming the file and the fault.
/// </summary>
internal static class OnnxFileReader
{
    public const int MinOpset = 11;
    public const int MaxOpset = 17;

    public static OnnxGraph Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        if (info.Length > int.MaxValue)
            throw new InvalidDataException($"{path}: {info.Length} bytes; an ONNX protobuf is at most 2 GiB (larger models keep weights as external data).");
        byte[] bytes = File.ReadAllBytes(path);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.WithDiscardUnknownFields(true).ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not a valid ONNX protobuf ({e.Message})", e);
        }
        try
        {
            return Convert(model, path, Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        catch (NotSupportedException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new NotSupportedException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A model built in this process (<see cref="NativeNet.Serialization.Onnx.OnnxExporter"/>'s proto of a
    /// module): the same checks as a file, named <paramref name="source"/> in messages; it has no folder,
    /// so external data is refused.
    /// </summary>
    public static OnnxGraph FromModel(ModelProto model, string source) => Convert(model, source, folder: null);

    private static OnnxGraph Convert(ModelProto model, string path, string? folder)
    {
        if (model.Graph == null) throw new InvalidDataException("the model has no graph");
        int opset = -1;
        foreach (var o in model.OpsetImport)
            if (o.Domain is "" or "ai.onnx") opset = (int)Math.Clamp(o.Version, int.MinValue, int.MaxValue);
        if (opset < 0) throw new InvalidDataException("the model imports no default-domain (ai.onnx) opset");
        if (opset < MinOpset || opset > MaxOpset)
            throw new NotSupportedException($"opset {opset} is not supported (supported: {MinOpset}-{MaxOpset}; re-export with torch.onnx.export(..., opset_version=13))");

        var g = model.Graph;
        var constants = new Dictionary<string, StaticTensor>();
        foreach (var t in g.Initializer)
        {
            if (string.IsNullOrEmpty(t.Name)) throw new InvalidDataException("an initializer has no name");
            if (!constants.TryAdd(t.Name, DecodeTensor(t, folder, $"initializer '{t.Name}'")))
                throw new InvalidDataException($"initializer '{t.Name}' is defined twice");
        }

        var inputs = new List<GraphInput>();
        foreach (var vi in g.Input)
        {
            if (string.IsNullOrEmpty(vi.Name)) throw new InvalidDataException("a graph input has no name");
            if (constants.ContainsKey(vi.Name)) continue; // IR < 4 lists initializers as inputs too
            var tt = vi.Type?.TensorType ?? throw new NotSupportedException($"graph input '{vi.Name}' is not a tensor");
            if (tt.ElemType != (int)TensorProto.Types.DataType.Float)
                throw new NotSupportedException($"graph input '{vi.Name}' has element type {ElemName(tt.ElemType)}; only float32 inputs are supported");
            if (tt.Shape == null) throw new NotSupportedException($"graph input '{vi.Name}' has no declared shape");
            var dims = new long[tt.Shape.Dim.Count];
            for (int i = 0; i < dims.Length; i++)
            {
                var d = tt.Shape.Dim[i];
                dims[i] = d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : -1;
                if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue < 0)
                    throw new InvalidDataException($"graph input '{vi.Name}' has negative dimension {d.DimValue}");
            }
            inputs.Add(new GraphInput(vi.Name, dims));
        }
        if (inputs.Count == 0) throw new InvalidDataException("the graph has no (non-initializer) input");

        var outputs = g.Output.Select(o => o.Name).ToList();
        if (outputs.Count == 0 || outputs.Any(string.IsNullOrEmpty)) throw new InvalidDataException("the graph has no output or an unnamed output");

        var nodes = new List<GraphNode>(g.Node.Count);
        int index = 0;
        foreach (var n in g.Node)
        {
            string name = string.IsNullOrEmpty(n.Name) ? $"#{index}" : n.Name;
            index++;
            if (n.Domain is not ("" or "ai.onnx"))
                throw new NotSupportedException($"{n.OpType} node '{name}' is in domain '{n.Domain}'; only the default ONNX domain is supported (opset {opset})");
            if (string.IsNullOrEmpty(n.OpType)) throw new InvalidDataException($"node '{name}' has no op_type");
            var attributes = new Dictionary<string, AttributeProto>();
            foreach (var a in n.Attribute)
                if (!attributes.TryAdd(a.Name, a)) throw new InvalidDataException($"{n.OpType} node '{name}': attribute '{a.Name}' given twice");
            nodes.Add(new GraphNode(name, n.OpType, [.. n.Input], [.. n.Output], attributes));
        }

        var graph = new OnnxGraph
        {
            Nodes = TopologicalOrder(nodes, inputs, constants, outputs),
            Constants = constants,
            Inputs = inputs,
            Outputs = outputs,
            Opset = opset,
            Source = path,
            Metadata = model.MetadataProps.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value),
        };
        // Constant nodes become constants now; their attribute tensors were parsed with the file.
        graph.Nodes.RemoveAll(node =>
        {
            if (node.OpType != "Constant") return false;
            if (node.Outputs.Length != 1) throw node.Invalid("expected one output");
            graph.Constants[node.Outputs[0]] = ConstantValue(node, folder);
            return true;
        });
        return graph;
    }

    private static StaticTensor ConstantValue(GraphNode node, string? folder)
    {
        if (node.TensorAttr("value") is { } t) return DecodeTensor(t, folder, node.Label);
        if (node.Attr("value_float") is { } f) return new StaticTensor([], [f.F]);
        if (node.Attr("value_int") is { } i) return new StaticTensor([], [i.I]);
        if (node.Attr("value_floats") is { } fs) return new StaticTensor([fs.Floats.Count], [.. fs.Floats]);
        if (node.Attr("value_ints") is { } ints) return new StaticTensor([ints.Ints.Count], [.. ints.Ints]);
        throw new NotSupportedException($"{node.Label}: only value / value_float(s) / value_int(s) constants are supported");
    }

    /// <summary>Kahn's algorithm: nodes whose inputs are all defined, in file order where possible. Leftover nodes mean a cycle or an undefined input.</summary>
    private static List<GraphNode> TopologicalOrder(List<GraphNode> nodes, List<GraphInput> inputs, Dictionary<string, StaticTensor> constants, List<string> outputs)
    {
        var producer = new Dictionary<string, int>();
        for (int i = 0; i < nodes.Count; i++)
            foreach (var o in nodes[i].Outputs)
            {
                if (o.Length == 0) continue;
                if (constants.ContainsKey(o) || inputs.Any(x => x.Name == o) || !producer.TryAdd(o, i))
                    throw new InvalidDataException($"value '{o}' is produced more than once ({nodes[i].Label})");
            }
        var pending = new int[nodes.Count];
        var readers = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            readers[i] = [];
        }
        var defined = new HashSet<string>(constants.Keys);
        foreach (var x in inputs) defined.Add(x.Name);
        for (int i = 0; i < nodes.Count; i++)
            foreach (var name in nodes[i].Inputs.Distinct())
            {
                if (name.Length == 0 || defined.Contains(name)) continue;
                if (!producer.TryGetValue(name, out int p))
                    throw new InvalidDataException($"{nodes[i].Label} reads '{name}', which no input, initializer or node defines");
                pending[i]++;
                readers[p].Add(i);
            }
        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < nodes.Count; i++) if (pending[i] == 0) ready.Enqueue(i, i);
        var order = new List<GraphNode>(nodes.Count);
        while (ready.TryDequeue(out int i, out _))
        {
            order.Add(nodes[i]);
            foreach (int r in readers[i]) if (--pending[r] == 0) ready.Enqueue(r, r);
        }
        if (order.Count != nodes.Count)
        {
            var stuck = nodes.Where((_, i) => pending[i] > 0).Take(3).Select(n => n.Label);
            throw new InvalidDataException($"the graph has a cycle (through {string.Join(", ", stuck)})");
        }
        foreach (var o in outputs)
            if (!defined.Contains(o) && !producer.ContainsKey(o)) throw new InvalidDataException($"graph output '{o}' is never produced");
        return order;
    }

    /// <summary>Decodes a tensor's payload after checking it holds exactly what its shape declares.</summary>
    public static StaticTensor DecodeTensor(TensorProto t, string? folder, string what)
    {
        var shape = t.Dims.ToArray();
        long count;
        try { count = ShapeMath.Count(shape); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{what}: {e.Message}"); }
        var type = (TensorProto.Types.DataType)t.DataType;
        int size = type switch
        {
            TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 4,
            TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Uint64 => 8,
            TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool => 1,
            TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 => 2,
            _ => throw new NotSupportedException($"{what}: element type {ElemName(t.DataType)} is not supported"),
        };
        ReadOnlySpan<byte> raw;
        byte[]? external = null;
        if (t.DataLocation == TensorProto.Types.DataLocation.External)
        {
            external = ReadExternal(t, folder, what, count, size);
            raw = external;
        }
        else raw = t.HasRawData ? t.RawData.Span : default;

        if (t.HasRawData || external != null)
        {
            if (raw.Length / size != count || raw.Length % size != 0)
                throw new InvalidDataException($"{what}: shape {ShapeMath.Format(shape)} needs {count} x {size} bytes but the tensor holds {raw.Length}");
            return FromRaw(raw, type, shape, count);
        }
        // Typed fields: the count must match the shape exactly.
        long have = type switch
        {
            TensorProto.Types.DataType.Float => t.FloatData.Count,
            TensorProto.Types.DataType.Int64 => t.Int64Data.Count,
            TensorProto.Types.DataType.Double => t.DoubleData.Count,
            TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Uint32 => t.Uint64Data.Count,
            _ => t.Int32Data.Count,
        };
        if (have != count)
            throw new InvalidDataException($"{what}: shape {ShapeMath.Format(shape)} declares {count} elements but the tensor holds {have}");
        return type switch
        {
            TensorProto.Types.DataType.Float => new StaticTensor(shape, t.FloatData.ToArray()),
            TensorProto.Types.DataType.Double => new StaticTensor(shape, t.DoubleData.Select(d => (float)d).ToArray()),
            TensorProto.Types.DataType.Int64 => new StaticTensor(shape, t.Int64Data.ToArray()),
            TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Uint32 => new StaticTensor(shape, t.Uint64Data.Select(u => (long)u).ToArray()),
            TensorProto.Types.DataType.Float16 => new StaticTensor(shape, t.Int32Data.Select(h => (float)BitConverter.UInt16BitsToHalf((ushort)h)).ToArray()),
            _ => new StaticTensor(shape, t.Int32Data.Select(v => (long)v).ToArray()),
        };
    }

    private static StaticTensor FromRaw(ReadOnlySpan<byte> raw, TensorProto.Types.DataType type, long[] shape, long count)
    {
        switch (type)
        {
            case TensorProto.Types.DataType.Float when BitConverter.IsLittleEndian:
                return new StaticTensor(shape, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray());
            case TensorProto.Types.DataType.Int64 when BitConverter.IsLittleEndian:
                return new StaticTensor(shape, System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(raw).ToArray());
            case TensorProto.Types.DataType.Float:
            {
                var f = new float[count];
                for (long i = 0; i < count; i++) f[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(int)(i * 4)..]);
                return new StaticTensor(shape, f);
            }
            case TensorProto.Types.DataType.Double:
            {
                var f = new float[count];
                for (long i = 0; i < count; i++) f[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(raw[(int)(i * 8)..]);
                return new StaticTensor(shape, f);
            }
            case TensorProto.Types.DataType.Float16:
            {
                var f = new float[count];
                for (long i = 0; i < count; i++) f[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(int)(i * 2)..]);
                return new StaticTensor(shape, f);
            }
        }
        var l = new long[count];
        for (long i = 0; i < count; i++)
        {
            int o = (int)i;
            l[i] = type switch
            {
                TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 => BinaryPrimitives.ReadInt64LittleEndian(raw[(o * 8)..]),
                TensorProto.Types.DataType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw[(o * 4)..]),
                TensorProto.Types.DataType.Uint32 => BinaryPrimitives.ReadUInt32LittleEndian(raw[(o * 4)..]),
                TensorProto.Types.DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw[(o * 2)..]),
                TensorProto.Types.DataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(raw[(o * 2)..]),
                TensorProto.Types.DataType.Int8 => (sbyte)raw[o],
                _ => raw[o],
            };
        }
        return new StaticTensor(shape, l);
    }

    /// <summary>External data: a relative path inside the model's folder, offset/length inside that file, exactly the declared size.</summary>
    private static byte[] ReadExternal(TensorProto t, string? folder, string what, long count, int size)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var kv in t.ExternalData)
        {
            switch (kv.Key)
            {
                case "location": location = kv.Value; break;
                case "offset":
                    if (!long.TryParse(kv.Value, out offset) || offset < 0) throw new InvalidDataException($"{what}: external data offset '{kv.Value}' is not a non-negative integer");
                    break;
                case "length":
                    if (!long.TryParse(kv.Value, out length) || length < 0) throw new InvalidDataException($"{what}: external data length '{kv.Value}' is not a non-negative integer");
                    break;
            }
        }
        if (string.IsNullOrEmpty(location)) throw new InvalidDataException($"{what}: external data without a location");
        if (folder is null) throw new InvalidDataException($"{what}: external data '{location}' in a model that has no folder (built in memory)");
        if (Path.IsPathRooted(location) || location.Contains('\0'))
            throw new InvalidDataException($"{what}: external data location '{location}' must be a path relative to the model's folder");
        string root = Path.TrimEndingDirectorySeparator(folder) + Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine(folder, location));
        if (!full.StartsWith(root, StringComparison.Ordinal))
            throw new InvalidDataException($"{what}: external data location '{location}' points outside the model's folder");
        var info = new FileInfo(full);
        if (!info.Exists) throw new InvalidDataException($"{what}: external data file '{location}' does not exist");
        if ((info.Attributes & FileAttributes.ReparsePoint) != 0 && info.ResolveLinkTarget(true) is { } target
            && !Path.GetFullPath(target.FullName).StartsWith(root, StringComparison.Ordinal))
            throw new InvalidDataException($"{what}: external data file '{location}' is a link to outside the model's folder");
        long expected = count * size; // count*size <= 2^63 is not guaranteed: compare by division first
        if (count > (long.MaxValue / size)) throw new InvalidDataException($"{what}: declared shape is too large");
        if (length >= 0 && length != expected)
            throw new InvalidDataException($"{what}: external data length {length} does not match the {expected} bytes the shape needs");
        if (offset > info.Length || expected > info.Length - offset)
            throw new InvalidDataException($"{what}: external data needs bytes {offset}..{offset + expected} but '{location}' has {info.Length}");
        if (expected > int.MaxValue) throw new NotSupportedException($"{what}: tensors over 2 GiB are not supported");
        var bytes = new byte[expected];
        using var fs = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read);
        fs.Seek(offset, SeekOrigin.Begin);
        fs.ReadExactly(bytes);
        return bytes;
    }

    private static string ElemName(int type) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), type) ? ((TensorProto.Types.DataType)type).ToString().ToUpperInvariant() : $"#{type}";
}
