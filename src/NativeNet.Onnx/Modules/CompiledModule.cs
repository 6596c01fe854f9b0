using NativeNet.Kernels;
using NativeNet.Nn;
using NativeNet.Onnx.Loading;
using NativeNet.Serialization.Onnx;
using NativeNet.Serialization.Onnx.Proto;

namespace NativeNet.Onnx;

/// <summary>
/// A NativeNet <see cref="Module"/> compiled for inference on the ONNX engine: the module is exported
/// in memory (<see cref="OnnxExporter"/>: layers by their specs, composite models and user modules by
/// tracing Forward) and planned like a loaded .onnx file, so it gets the engine's BatchNorm folding,
/// fused bias/activation/residual epilogues, Conv→MaxPool steps, channel-blocked chains, prepacked
/// weights and static memory plan. Evaluation semantics (dropout off, running statistics), float32,
/// no gradients. Each input shape gets its own plan (the batch dimension may vary). A module in
/// <see cref="Precision.BFloat16"/> compiles with bf16 products (<see cref="OnnxModelOptions.Precision"/>),
/// and changing the module's precision recompiles.
/// </summary>
/// <remarks>
/// The compiled graph is a snapshot of the parameters and buffers: before each call the module's
/// state dict is compared with it (tensor identity and write version), and any change — an
/// optimizer step, <see cref="Module.LoadStateDict"/>, a replaced head — recompiles on the next call.
/// Calls are serialized. The module stays usable eagerly and is not owned: dispose both.
/// </remarks>
/// <example>
/// <code>
/// using var model = ResNet.ResNet18(numClasses: 3);
/// model.LoadTorchvisionWeights("resnet18.pth");
/// using var compiled = model.CompileForInference(8, 3, 224, 224);
/// using var logits = compiled.Forward(images);   // [8, 3]
/// </code>
/// </example>
public sealed class CompiledModule : IDisposable
{
    private readonly Lock _lock = new();
    private readonly int[] _sampleShape;
    private OnnxModel? _engine;
    private (Tensor Tensor, int Version)[] _snapshot = [];
    // Forward(input, output)'s reused state: the engine's input shape, and the result shape of the last batch size.
    private long[] _runShape = [];
    private int[] _resultShape = [];
    private long _resultBatch = -1;
    private OnnxModel? _resultEngine;
    private bool _disposed;

    private CompiledModule(Module module, int[] sampleShape)
    {
        Module = module;
        _sampleShape = sampleShape;
    }

    /// <summary>
    /// Compiles <paramref name="module"/> for inputs of <paramref name="inputShape"/> (batch first) and
    /// plans that shape at once, so what the engine cannot run fails here.
    /// </summary>
    /// <exception cref="NotSupportedException">A layer or an op of a traced Forward has no ONNX mapping, the engine does not run
    /// one of the exported ops, or the managed backend is in use
    /// (the engine runs the native kernels); the message names it.</exception>
    /// <exception cref="ArgumentException">The input shape is empty or has a non-positive dimension.</exception>
    public static CompiledModule Compile(Module module, params int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length < 2 || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"inputShape must hold a batch and at least one sample dimension, all positive. Received: inputShape=[{string.Join(", ", inputShape)}]", nameof(inputShape));
        var compiled = new CompiledModule(module, inputShape[1..]);
        try
        {
            lock (compiled._lock) compiled.Engine().OutputShape(Array.ConvertAll(inputShape, d => (long)d));
        }
        catch
        {
            compiled.Dispose();
            throw;
        }
        return compiled;
    }

    /// <summary>
    /// <see cref="Compile"/> where running eagerly is an acceptable answer: null (and the reason) when
    /// the module cannot be compiled, so the caller runs <see cref="Module.Forward"/> instead.
    /// </summary>
    public static CompiledModule? TryCompile(Module module, int[] inputShape, out string? reason)
    {
        try
        {
            reason = null;
            return Compile(module, inputShape);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidDataException)
        {
            // InvalidDataException: the engine refused its own export (a plan over its memory limit).
            reason = e.Message;
            return null;
        }
    }

    /// <summary>The compiled module (not owned).</summary>
    public Module Module { get; }

    /// <summary>How many times the module was exported and planned (1 after <see cref="Compile"/>; more after parameter changes).</summary>
    public int Compilations { get; private set; }

    /// <summary>Runs the compiled graph on <paramref name="input"/> (any batch, the compiled sample shape) and returns a new tensor.</summary>
    /// <exception cref="ArgumentException">The input's sample dimensions differ from the compiled ones.</exception>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        long[] shape = InputShape(input.Shape, nameof(input));
        lock (_lock)
        {
            var engine = Engine();
            var y = Tensor.Empty(Array.ConvertAll(engine.OutputShape(shape), d => checked((int)d)));
            try
            {
                engine.Run(input.Data, shape, y.AsSpan());
            }
            catch
            {
                y.Dispose();
                throw;
            }
            return y;
        }
    }

    /// <summary>
    /// Runs the compiled graph on <paramref name="input"/> and writes the result into
    /// <paramref name="output"/>, whose shape must be <see cref="OutputShape"/> of the input's. Once a
    /// batch size has run, further calls with it allocate nothing on the managed heap (the engine's
    /// arena, the shapes and the staleness check are reused), so a serving loop can keep its tensors.
    /// </summary>
    /// <exception cref="ArgumentException">The input's sample dimensions differ from the compiled ones, or the output's shape is not the result's.</exception>
    public void Forward(Tensor input, Tensor output)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        lock (_lock)
        {
            var engine = Engine();
            long[] shape = RunShape(input.ShapeRef, nameof(input));
            if (!ReferenceEquals(engine, _resultEngine) || _resultBatch != shape[0])
            {
                _resultShape = Array.ConvertAll(engine.OutputShape(shape), d => checked((int)d));
                (_resultEngine, _resultBatch) = (engine, shape[0]);
            }
            if (!output.ShapeRef.AsSpan().SequenceEqual(_resultShape))
                throw new ArgumentException($"output must have shape [{string.Join(", ", _resultShape)}] for an input of [{string.Join(", ", input.ShapeRef)}]. Received: [{string.Join(", ", output.ShapeRef)}]", nameof(output));
            engine.Run(input.Data, shape, output.AsSpan());
        }
    }

    // The input's shape as the engine takes it, in an array kept across calls (checked like InputShape).
    private long[] RunShape(int[] shape, string argument)
    {
        if (shape.Length != _sampleShape.Length + 1 || shape[0] <= 0 || !shape.AsSpan(1).SequenceEqual(_sampleShape))
            InputShape(shape, argument); // throws, naming the shapes
        if (_runShape.Length != shape.Length) _runShape = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++) _runShape[i] = shape[i];
        return _runShape;
    }

    /// <summary>The output shape for inputs of <paramref name="inputShape"/>.</summary>
    public int[] OutputShape(params int[] inputShape)
    {
        long[] shape = InputShape(inputShape, nameof(inputShape));
        lock (_lock) return Array.ConvertAll(Engine().OutputShape(shape), d => checked((int)d));
    }

    /// <summary>Milliseconds per engine step for inputs of <paramref name="inputShape"/>, best of <paramref name="reps"/> runs (<c>bench infer --profile</c>).</summary>
    internal IReadOnlyList<(string Step, double Ms)> Profile(int[] inputShape, int reps) => Profile(inputShape, reps, out _);

    /// <inheritdoc cref="OnnxModel.Profile(long[], int, out double)"/>
    internal IReadOnlyList<(string Step, double Ms)> Profile(int[] inputShape, int reps, out double wholeMs)
    {
        long[] shape = InputShape(inputShape, nameof(inputShape));
        lock (_lock) return Engine().Profile(shape, reps, out wholeMs);
    }

    private long[] InputShape(int[] shape, string argument)
    {
        ArgumentNullException.ThrowIfNull(shape, argument);
        if (shape.Length != _sampleShape.Length + 1 || shape[0] <= 0 || !shape.AsSpan(1).SequenceEqual(_sampleShape))
            throw new ArgumentException($"{argument} must have shape [batch, {string.Join(", ", _sampleShape)}] (compiled for that sample shape). Received: [{string.Join(", ", shape)}]", argument);
        return Array.ConvertAll(shape, d => (long)d);
    }

    // The engine for the module's current parameters: exported and planned again when they changed.
    private OnnxModel Engine()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (KernelProvider.Backend != Backend.Native)
            throw new NotSupportedException($"compiled inference runs on the native kernels; the current backend is {KernelProvider.Description}.");
        if (_engine is not null && _engine.Precision == Module.Precision && Module.StateMatches(_snapshot)) return _engine;
        _engine?.Dispose();
        _engine = null;
        // Traced at batch 1 with a symbolic batch axis: one export serves every batch size.
        ModelProto proto;
        using (Autograd.EnableGrad())
            proto = OnnxExporter.ExportToProto(Module, [1, .. _sampleShape]);
        string source = $"compiled {Module.GetType().Name}";
        var graph = OnnxFileReader.FromModel(proto, source);
        _engine = OnnxModel.FromGraph(graph, source, proto.CalculateSize(), new OnnxModelOptions { CheckAtLoad = false, Precision = Module.Precision });
        // After the export, which read every tensor (and so bumped its write version).
        _snapshot = [.. Module.StateDict().Values.Select(t => (t, t.Version))];
        Compilations++;
        return _engine;
    }

    /// <summary>Frees the engine's plans and packed weights (not the module).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _engine?.Dispose();
            _engine = null;
        }
    }
}

/// <summary>Compiles modules for inference on the ONNX engine (<see cref="CompiledModule"/>).</summary>
public static class ModuleCompilation
{
    /// <summary>Compiles <paramref name="module"/> for inputs of <paramref name="inputShape"/> (batch first); see <see cref="CompiledModule.Compile"/>.</summary>
    public static CompiledModule CompileForInference(this Module module, params int[] inputShape) => CompiledModule.Compile(module, inputShape);
}
