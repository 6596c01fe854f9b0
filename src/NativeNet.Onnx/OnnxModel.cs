using NativeNet.Onnx.Engine;
using NativeNet.Onnx.Folding;
using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx;

/// <summary>
/// An ONNX model loaded for inference: a graph exported by <c>torch.onnx.export</c> (opsets 11–17),
/// folded and fused at load (constants, BatchNorm into Conv/Gemm, bias + activation + residual Add
/// into the conv/GEMM epilogues, weights packed once), run on NativeNet's native kernels with a
/// static memory plan: after the first call for a given input shape, <see cref="Run(ReadOnlySpan{float}, ReadOnlySpan{long}, Span{float})"/>
/// allocates nothing. Dynamic dimensions (a symbolic batch axis) get one plan per shape seen.
/// Calls are serialized; dispose to free the native memory at once.
/// </summary>
/// <example>
/// <code>
/// using var model = OnnxModel.Load("retina_resnet18.onnx");
/// var logits = new float[model.OutputShape([1, 3, 224, 224])[1]];
/// model.Run(image, [1, 3, 224, 224], logits);
/// </code>
/// </example>
public sealed class OnnxModel : IDisposable
{
    private const int MaxPlans = 4;
    private readonly OnnxGraph _graph;
    private readonly ConstantPool _constants;
    private readonly List<ExecutionPlan> _plans = [];
    private readonly long[][] _shapeScratch;
    private readonly OnnxModelOptions _options;
    private bool _disposed;

    private OnnxModel(OnnxGraph graph, OnnxModelOptions options)
    {
        _graph = graph;
        _options = options;
        if (options.Precision is not (Precision.Float32 or Precision.BFloat16))
            throw new ArgumentException($"Precision must be Float32 or BFloat16. Received: {options.Precision}", nameof(options));
        _constants = new ConstantPool(options.Precision == Precision.BFloat16);
        _shapeScratch = new long[graph.Inputs.Count][];
        Inputs = graph.Inputs.Select(i => new OnnxValueInfo(i.Name, i.Dims)).ToArray();
        Outputs = graph.Outputs.ToArray();
    }

    /// <summary>
    /// Reads, validates and optimizes <paramref name="path"/>. A malformed or hostile file raises
    /// <see cref="InvalidDataException"/> naming the problem; an operator or attribute outside what
    /// the engine runs raises <see cref="NotSupportedException"/> naming the op, the node and the opset.
    /// Operators are checked by making a plan for the declared input shapes (symbolic dimensions as 1).
    /// </summary>
    public static OnnxModel Load(string path, OnnxModelOptions? options = null)
    {
        var graph = OnnxFileReader.Read(path);
        return FromGraph(graph, path, new FileInfo(path).Length, options ?? new OnnxModelOptions());
    }

    /// <summary>
    /// Optimizes a read graph (from a file, or from a module's export in this process) and, with
    /// <see cref="OnnxModelOptions.CheckAtLoad"/>, plans it once; errors are prefixed with <paramref name="source"/>.
    /// </summary>
    internal static OnnxModel FromGraph(OnnxGraph graph, string source, long sourceBytes, OnnxModelOptions options)
    {
        // folded constants may be as large as the source could justify (4 bytes per element), never more
        long maxFold = Math.Max(sourceBytes / sizeof(float), 1 << 16);
        var model = new OnnxModel(graph, options);
        try
        {
            try
            {
                GraphOptimizer.Optimize(graph, maxFold);
                if (options.CheckAtLoad)
                    model.GetPlan(graph.Inputs.Select(i => i.Dims.Select(d => d < 0 ? 1 : d).ToArray()).ToArray());
            }
            catch (InvalidDataException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
            catch (NotSupportedException e) { throw new NotSupportedException($"{source}: {e.Message}", e); }
            catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message}", e); }
            catch (OverflowException e) { throw new InvalidDataException($"{source}: a size overflows ({e.Message})", e); }
            catch (IndexOutOfRangeException e) { throw new InvalidDataException($"{source}: an index is out of range ({e.Message})", e); }
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    /// <summary>The model's metadata_props (`nativenet export` stores the input schema there).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _graph.Metadata;

    /// <summary>The graph inputs (float32), with -1 for symbolic dimensions.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    /// <summary>The graph output names, in order.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The precision of the products (<see cref="OnnxModelOptions.Precision"/>).</summary>
    public Precision Precision => _options.Precision;

    /// <summary>The opset the file imports.</summary>
    public int Opset => _graph.Opset;

    /// <summary>Bytes of the activation arena for the given input shape(s).</summary>
    public long ArenaBytes(params long[][] inputShapes)
    {
        lock (_plans) return GetPlan(inputShapes).ArenaBytes;
    }

    /// <summary>The arena of the plan for <paramref name="inputShapes"/> and what its values would take unshared.</summary>
    internal (long Arena, long Unshared) PlanBytes(params long[][] inputShapes)
    {
        lock (_plans)
        {
            var plan = GetPlan(inputShapes);
            return (plan.ArenaBytes, plan.UnsharedBytes);
        }
    }

    /// <summary>The shape of output <paramref name="output"/> for the given input shape(s).</summary>
    public long[] OutputShape(long[] inputShape, int output = 0) => OutputShape([inputShape], output);

    /// <inheritdoc cref="OutputShape(long[], int)"/>
    public long[] OutputShape(long[][] inputShapes, int output = 0)
    {
        lock (_plans) return (long[])GetPlan(inputShapes).Outputs[output].Shape.Clone();
    }

    /// <summary>
    /// Runs a single-input, single-output model: <paramref name="input"/> holds a row-major tensor of
    /// <paramref name="shape"/>; the first output is written to <paramref name="output"/> (its size:
    /// <see cref="OutputShape(long[], int)"/>). Allocates nothing once a plan for this shape exists.
    /// </summary>
    public void Run(ReadOnlySpan<float> input, ReadOnlySpan<long> shape, Span<float> output)
    {
        lock (_plans)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_graph.Inputs.Count != 1) throw new ArgumentException($"the model has {_graph.Inputs.Count} inputs; use Run(IReadOnlyDictionary<...>)", nameof(input));
            var scratch = _shapeScratch[0];
            if (scratch == null || scratch.Length != shape.Length) _shapeScratch[0] = scratch = new long[shape.Length];
            shape.CopyTo(scratch);
            var plan = GetPlan(_shapeScratch);
            CopyIn(plan, 0, input);
            Execute(plan);
            CopyOut(plan, 0, output);
        }
    }

    /// <summary>Runs the model on named inputs (data, shape) and returns every output by name. Allocates the results.</summary>
    public IReadOnlyDictionary<string, (float[] Data, long[] Shape)> Run(IReadOnlyDictionary<string, (float[] Data, long[] Shape)> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        lock (_plans)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var shapes = new long[_graph.Inputs.Count][];
            for (int i = 0; i < shapes.Length; i++)
            {
                if (!inputs.TryGetValue(_graph.Inputs[i].Name, out var v))
                    throw new ArgumentException($"input '{_graph.Inputs[i].Name}' is missing (the model's inputs: {string.Join(", ", _graph.Inputs.Select(x => x.Name))})", nameof(inputs));
                shapes[i] = v.Shape;
            }
            foreach (var name in inputs.Keys)
                if (!_graph.Inputs.Any(x => x.Name == name)) throw new ArgumentException($"the model has no input '{name}' (its inputs: {string.Join(", ", _graph.Inputs.Select(x => x.Name))})", nameof(inputs));
            var plan = GetPlan(shapes);
            for (int i = 0; i < shapes.Length; i++) CopyIn(plan, i, inputs[_graph.Inputs[i].Name].Data);
            Execute(plan);
            var result = new Dictionary<string, (float[], long[])>();
            for (int o = 0; o < plan.Outputs.Length; o++)
            {
                var data = new float[ShapeMath.Count(plan.Outputs[o].Shape)];
                CopyOut(plan, o, data);
                result[plan.Outputs[o].Name] = (data, (long[])plan.Outputs[o].Shape.Clone());
            }
            return result;
        }
    }

    private ExecutionPlan GetPlan(long[][] shapes)
    {
        foreach (var p in _plans)
            if (p.Matches(shapes)) return p;
        for (int i = 0; i < shapes.Length; i++)
        {
            var declared = _graph.Inputs[i].Dims;
            if (shapes[i].Length != declared.Length || shapes[i].Where((d, j) => d < 0 || (declared[j] >= 0 && declared[j] != d)).Any())
                throw new ArgumentException($"input '{_graph.Inputs[i].Name}' has shape {ShapeMath.Format(shapes[i])}; the model declares {ShapeMath.Format(declared)} (-1: any size)");
        }
        var plan = new PlanBuilder(_graph, _constants, _options.MaxActivationBytes).Build(shapes.Select(s => (long[])s.Clone()).ToArray());
        if (_plans.Count == MaxPlans)
        {
            _plans[0].Dispose();
            _plans.RemoveAt(0);
        }
        _plans.Add(plan);
        return plan;
    }

    private static unsafe void CopyIn(ExecutionPlan plan, int input, ReadOnlySpan<float> data)
    {
        int slot = plan.InputSlots[input];
        long n = ShapeMath.Count(plan.SlotShapes[slot]);
        if (data.Length != n) throw new ArgumentException($"input {input} has {data.Length} values; shape {ShapeMath.Format(plan.SlotShapes[slot])} needs {n}", nameof(data));
        data.CopyTo(new Span<float>(plan.F(slot), data.Length));
    }

    private static unsafe void CopyOut(ExecutionPlan plan, int output, Span<float> data)
    {
        var o = plan.Outputs[output];
        long n = ShapeMath.Count(o.Shape);
        if (data.Length != n) throw new ArgumentException($"output '{o.Name}' has {n} values (shape {ShapeMath.Format(o.Shape)}); the destination holds {data.Length}", nameof(data));
        if (o.Static != null) o.Static.AsSpan().CopyTo(data);
        else new ReadOnlySpan<float>(plan.F(o.Slot), (int)n).CopyTo(data);
    }

    /// <summary>Milliseconds per step (summed over steps of one node), best of <paramref name="reps"/> runs: where the time goes.</summary>
    internal IReadOnlyList<(string Step, double Ms)> Profile(long[] shape, int reps) => Profile(shape, reps, out _);

    /// <summary>
    /// As <see cref="Profile(long[], int)"/>, and <paramref name="wholeMs"/>: the best of <paramref name="reps"/> whole
    /// inferences, each run right after one timed pass over the steps, so the two figures come from the same moments.
    /// Whole minus the sum of the step bests is the time between steps (calls, the managed loop, pool wake-ups).
    /// </summary>
    internal IReadOnlyList<(string Step, double Ms)> Profile(long[] shape, int reps, out double wholeMs)
    {
        lock (_plans)
        {
            var plan = GetPlan([shape]);
            var best = new double[plan.Steps.Length];
            Array.Fill(best, double.MaxValue);
            wholeMs = double.MaxValue;
            for (int r = 0; r < reps; r++)
            {
                for (int i = 0; i < plan.Steps.Length; i++)
                {
                    long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    plan.Steps[i].Run(plan);
                    best[i] = Math.Min(best[i], System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                long w0 = System.Diagnostics.Stopwatch.GetTimestamp();
                Execute(plan);
                wholeMs = Math.Min(wholeMs, System.Diagnostics.Stopwatch.GetElapsedTime(w0).TotalMilliseconds);
            }
            return plan.Steps.Select((s, i) => (s.Label + " " + s.GetType().Name, best[i])).ToList();
        }
    }

    private static void Execute(ExecutionPlan plan)
    {
        foreach (var step in plan.Steps) step.Run(plan);
    }

    /// <summary>Frees the plans, packed weights and constant copies.</summary>
    public void Dispose()
    {
        lock (_plans)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var p in _plans) p.Dispose();
            _plans.Clear();
            _constants.Dispose();
        }
    }
}

/// <summary>A graph input: its name and dimensions (-1 where symbolic).</summary>
public sealed record OnnxValueInfo(string Name, IReadOnlyList<long> Dims);

/// <summary>Limits and checks applied by <see cref="OnnxModel.Load"/>.</summary>
public sealed class OnnxModelOptions
{
    /// <summary>The most bytes one plan's activations may take (default 8 GiB); a larger need is an InvalidDataException.</summary>
    public long MaxActivationBytes { get; init; } = 8L << 30;

    /// <summary>Make a plan for the declared input shapes at load, so unsupported ops fail there (default true).</summary>
    public bool CheckAtLoad { get; init; } = true;

    /// <summary>
    /// <see cref="Precision.BFloat16"/>: the products of every Gemm/MatMul by a constant weight and of
    /// every Conv are products of bf16-rounded operands with float32 sums (the weights rounded once
    /// as they are packed, as <c>ToPrecision(Precision.BFloat16)</c> does for modules); inputs, outputs
    /// and everything else stay float32. Float32 (the default) runs every product in float32.
    /// </summary>
    public Precision Precision { get; init; } = Precision.Float32;
}
