using Google.Protobuf;
using NativeNet.Onnx;
using NativeNet.Serialization.Onnx.Proto;
using NativeNet.Tests.Serialization;

namespace NativeNet.Tests.Onnx;

/// <summary>
/// Hand-made hostile files: each is refused with an InvalidDataException (or, for an op the engine
/// does not run, a NotSupportedException) whose message names the file and the fault, before any
/// allocation the file cannot justify.
/// </summary>
public class OnnxHostileFileTests
{
    /// <summary>y = Relu(x · W + b), x [batch, 3]: the smallest valid model, edited by each test.</summary>
    private static ModelProto Valid()
    {
        var m = new ModelProto { IrVersion = 7, Graph = new GraphProto { Name = "g" } };
        m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var g = m.Graph;
        g.Input.Add(Info("x", -1, 3));
        g.Output.Add(Info("y", -1, 2));
        g.Initializer.Add(Floats("W", [3, 2], [1, 2, 3, 4, 5, 6]));
        g.Initializer.Add(Floats("b", [2], [0.5f, -100]));
        g.Node.Add(Node("MatMul", "mm", ["x", "W"], ["h"]));
        g.Node.Add(Node("Add", "add", ["h", "b"], ["z"]));
        g.Node.Add(Node("Relu", "relu", ["z"], ["y"]));
        return m;
    }

    private static ValueInfoProto Info(string name, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims) shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    private static TensorProto Floats(string name, long[] dims, float[] values)
    {
        var t = new TensorProto { Name = name, DataType = 1, RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.Add(dims);
        return t;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var n = new NodeProto { OpType = op, Name = name };
        n.Input.Add(inputs);
        n.Output.Add(outputs);
        return n;
    }

    private static string Save(TempDir dir, ModelProto m, string file = "m.onnx")
    {
        string path = dir.File(file);
        File.WriteAllBytes(path, m.ToByteArray());
        return path;
    }

    private static void Refused<T>(string path, params string[] mentions) where T : Exception
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<T>(() => OnnxModel.Load(path).Dispose());
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains(path, e.Message);
        foreach (var m in mentions) Assert.Contains(m, e.Message);
        Assert.True(allocated < (16 << 20) + 4 * new FileInfo(path).Length, $"{allocated:N0} bytes allocated to refuse a {new FileInfo(path).Length}-byte file");
    }

    [Fact]
    public void The_valid_model_runs()
    {
        using var dir = new TempDir();
        using var model = OnnxModel.Load(Save(dir, Valid()));
        var y = new float[2];
        model.Run([1, 1, 1], [1, 3], y);
        Assert.Equal([9.5f, 0f], y);
    }

    [Fact]
    public void Truncated_files_are_refused()
    {
        using var dir = new TempDir();
        var bytes = Valid().ToByteArray();
        foreach (int len in new[] { 1, 7, bytes.Length / 2, bytes.Length - 1 })
        {
            string path = dir.File($"t{len}.onnx");
            File.WriteAllBytes(path, bytes[..len]);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { OnnxModel.Load(path).Dispose(); Assert.Fail($"a file truncated to {len} bytes loaded"); }
            catch (InvalidDataException e) { Assert.Contains(path, e.Message); }
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        }
    }

    [Fact]
    public void A_length_field_larger_than_the_file_is_refused()
    {
        using var dir = new TempDir();
        // field 7 (graph), wire type 2, varint length 2^40: far beyond the file
        byte[] bytes = [0x08, 0x07, 0x3A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0x01, 0x02];
        string path = dir.File("lying.onnx");
        File.WriteAllBytes(path, bytes);
        Refused<InvalidDataException>(path, "protobuf");
    }

    [Fact]
    public void A_tensor_declaring_2_to_the_40_elements_is_refused_before_allocating()
    {
        using var dir = new TempDir();
        var m = Valid();
        m.Graph.Initializer[0].Dims.Clear();
        m.Graph.Initializer[0].Dims.Add([1L << 20, 1L << 20]);
        Refused<InvalidDataException>(Save(dir, m), "initializer 'W'", "1048576");
    }

    [Fact]
    public void A_ConstantOfShape_of_2_to_the_40_elements_is_refused()
    {
        using var dir = new TempDir();
        var m = Valid();
        var shape = new TensorProto { Name = "s", DataType = 7 };
        shape.Dims.Add(2);
        shape.Int64Data.Add([1L << 20, 1L << 20]);
        m.Graph.Initializer.Add(shape);
        m.Graph.Node.Add(Node("ConstantOfShape", "huge", ["s"], ["big"]));
        m.Graph.Output.Add(Info("big", 1));
        Refused<InvalidDataException>(Save(dir, m), "huge", "exceeds");
    }

    [Fact]
    public void A_cycle_is_refused()
    {
        using var dir = new TempDir();
        var m = Valid();
        m.Graph.Node[0].Input[0] = "y"; // MatMul reads Relu's output, which depends on MatMul
        Refused<InvalidDataException>(Save(dir, m), "cycle");
    }

    [Fact]
    public void An_undefined_input_is_refused()
    {
        using var dir = new TempDir();
        var m = Valid();
        m.Graph.Node[1].Input[1] = "nowhere";
        Refused<InvalidDataException>(Save(dir, m), "'nowhere'", "add");
    }

    [Fact]
    public void External_data_outside_the_model_folder_is_refused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("model"));
        File.WriteAllBytes(dir.File("secret.bin"), new byte[24]);
        foreach (var location in new[] { "../secret.bin", "/etc/passwd", "sub/../../secret.bin" })
        {
            var m = Valid();
            var w = m.Graph.Initializer[0];
            w.ClearRawData();
            w.DataLocation = TensorProto.Types.DataLocation.External;
            w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
            Refused<InvalidDataException>(Save(dir, m, Path.Combine("model", "m.onnx")), location);
        }
    }

    [Fact]
    public void External_data_inside_the_folder_loads_and_lying_offsets_are_refused()
    {
        using var dir = new TempDir();
        var values = new float[] { 1, 2, 3, 4, 5, 6 };
        var bytes = new byte[8 + 24];
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).CopyTo(bytes.AsSpan(8));
        File.WriteAllBytes(dir.File("w.bin"), bytes);
        ModelProto With(string offset)
        {
            var m = Valid();
            var w = m.Graph.Initializer[0];
            w.ClearRawData();
            w.DataLocation = TensorProto.Types.DataLocation.External;
            w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "w.bin" });
            w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
            return m;
        }
        using (var model = OnnxModel.Load(Save(dir, With("8"))))
        {
            var y = new float[2];
            model.Run([1, 1, 1], [1, 3], y);
            Assert.Equal([9.5f, 0f], y);
        }
        Refused<InvalidDataException>(Save(dir, With("16")), "w.bin");
        Refused<InvalidDataException>(Save(dir, With("-5")), "offset");
        Refused<InvalidDataException>(Save(dir, With("9223372036854775807")), "w.bin");
    }

    [Fact]
    public void An_unsupported_op_names_the_op_the_node_and_the_opset()
    {
        using var dir = new TempDir();
        var m = Valid();
        m.Graph.Node[2].OpType = "NonMaxSuppression";
        Refused<NotSupportedException>(Save(dir, m), "NonMaxSuppression", "'relu'", "opset 13");
    }

    [Fact]
    public void Ceil_mode_max_pooling_runs_and_ceil_mode_average_pooling_past_the_padding_is_refused()
    {
        using var dir = new TempDir();
        static ModelProto Pool(string op)
        {
            var m = new ModelProto { IrVersion = 7, Graph = new GraphProto { Name = "g" } };
            m.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
            m.Graph.Input.Add(Info("x", -1, 1, 3, 3));
            m.Graph.Output.Add(Info("y", -1, 1, 2, 2));
            var n = Node(op, "pool", ["x"], ["y"]);
            n.Attribute.Add(new AttributeProto { Name = "kernel_shape", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 2 } });
            n.Attribute.Add(new AttributeProto { Name = "strides", Type = AttributeProto.Types.AttributeType.Ints, Ints = { 2, 2 } });
            n.Attribute.Add(new AttributeProto { Name = "ceil_mode", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            m.Graph.Node.Add(n);
            return m;
        }
        // 3x3 in 2x2 windows of stride 2: floor mode gives one window, ceil mode four, the last ones cut by the edge.
        using (var model = OnnxModel.Load(Save(dir, Pool("MaxPool"), "max.onnx")))
        {
            var y = new float[4];
            model.Run([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3], y);
            Assert.Equal([5f, 6f, 8f, 9f], y);
        }
        Refused<NotSupportedException>(Save(dir, Pool("AveragePool"), "avg.onnx"), "ceil_mode=1 average pooling", "'pool'");
    }

    [Fact]
    public void An_opset_outside_11_to_17_is_refused()
    {
        using var dir = new TempDir();
        var m = Valid();
        m.OpsetImport[0].Version = 9;
        Refused<NotSupportedException>(Save(dir, m), "opset 9");
    }

    [Fact]
    public void Mismatched_shapes_are_refused_naming_the_node()
    {
        using var dir = new TempDir();
        var m = Valid();
        m.Graph.Initializer[1] = Floats("b", [3], [1, 2, 3]);
        Refused<InvalidDataException>(Save(dir, m), "'add'", "broadcast");
    }
}
