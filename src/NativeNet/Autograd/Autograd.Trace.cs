using NativeNet.Nn;

namespace NativeNet;

/// <summary>What an op recorded while tracing (ONNX export): its hyper-parameters, and state tensors that are not graph inputs (batch norm's running statistics).</summary>
internal sealed record OpAttributes(ModuleSpec Spec, IReadOnlyDictionary<string, Tensor?>? State = null);

public static partial class Autograd
{
    [ThreadStatic] private static int _traceDepth;

    /// <summary>
    /// True while this thread traces a forward pass for export: ops then attach their
    /// hyper-parameters to their node (<see cref="Annotate"/>), which training never pays for.
    /// </summary>
    internal static bool Tracing => _traceDepth != 0;

    /// <summary>Traces ops on this thread until disposed.</summary>
    internal static TraceScope Trace()
    {
        _traceDepth++;
        return new TraceScope();
    }

    internal readonly struct TraceScope : IDisposable
    {
        public void Dispose() => _traceDepth--;
    }

    /// <summary>Attaches <paramref name="spec"/> (and state tensors) to the node that produced <paramref name="output"/>; call only when <see cref="Tracing"/>.</summary>
    internal static void Annotate(Tensor output, ModuleSpec spec, IReadOnlyDictionary<string, Tensor?>? state = null)
    {
        if (output.GradFn is { } node) node.Attributes = new OpAttributes(spec, state);
    }
}
