using System.Runtime.CompilerServices;

namespace NativeNet;

public static partial class Autograd
{
    // Anomaly mode: every recorded op's outputs (forward) and every backward function's input
    // gradients are scanned for NaN/Inf, and the first op to make one throws, naming itself and
    // the line of user code that ran its forward. Costs a scan of every tensor and a stack trace
    // per op, so it is a debugging mode, off by default.
    [ThreadStatic] private static int _anomalyDepth;
    private static readonly ConditionalWeakTable<Node, string> ForwardTraces = new();

    /// <summary>Whether anomaly detection is on for this thread (inside <see cref="DetectAnomaly"/>).</summary>
    public static bool IsAnomalyDetectionEnabled => _anomalyDepth != 0;

    /// <summary>
    /// Turns on anomaly detection on this thread until the returned scope is disposed:
    /// <c>using (Autograd.DetectAnomaly()) { var loss = …; loss.Backward(); }</c>. Inside it, the
    /// first recorded op whose output holds NaN or ±Inf, or whose backward produces a non-finite
    /// gradient, throws <see cref="AnomalyDetectedException"/> naming the op, the phase and where
    /// its forward was called. Only ops that record for autograd (some input requires grad) are checked.
    /// </summary>
    public static AnomalyScope DetectAnomaly()
    {
        _anomalyDepth++;
        return new AnomalyScope(true);
    }

    /// <summary>Ends an anomaly-detection region when disposed.</summary>
    public readonly struct AnomalyScope : IDisposable
    {
        private readonly bool _active;

        internal AnomalyScope(bool active) => _active = active;

        /// <summary>Ends the region.</summary>
        public void Dispose()
        {
            if (_active) _anomalyDepth--;
        }
    }

    private static void CheckForward(Node node, Tensor[] inputs, Tensor[] outputs)
    {
        string trace = ForwardCallSite();
        ForwardTraces.AddOrUpdate(node, trace);
        for (int o = 0; o < outputs.Length; o++)
        {
            int bad = FirstNonFinite(outputs[o]);
            if (bad < 0) continue;
            // A non-finite input that no checked op produced came from outside the graph (data, a parameter).
            for (int i = 0; i < inputs.Length; i++)
            {
                int badIn = FirstNonFinite(inputs[i]);
                if (badIn >= 0)
                    throw new AnomalyDetectedException(node.Name, "forward",
                        $"input {i} of '{node.Name}' already holds {Describe(inputs[i], badIn)}; it was not produced by a recorded op (check the data and the parameters). Forward called at:{trace}");
            }
            throw new AnomalyDetectedException(node.Name, "forward",
                $"'{node.Name}' produced {Describe(outputs[o], bad)} in output {o} from finite inputs. Forward called at:{trace}");
        }
    }

    private static void CheckBackward(Node node, Tensor?[] inGrads)
    {
        for (int i = 0; i < inGrads.Length; i++)
        {
            var g = inGrads[i];
            if (g is null) continue;
            int bad = FirstNonFinite(g);
            if (bad < 0) continue;
            ForwardTraces.TryGetValue(node, out var trace);
            throw new AnomalyDetectedException(node.Name, "backward",
                $"the backward of '{node.Name}' produced {Describe(g, bad)} in the gradient of input {i}. Forward called at:{trace ?? " (recorded before anomaly detection was on)"}");
        }
    }

    private static int FirstNonFinite(Tensor t)
    {
        var d = t.Data;
        for (int i = 0; i < d.Length; i++)
            if (!float.IsFinite(d[i])) return i;
        return -1;
    }

    private static string Describe(Tensor t, int index) =>
        $"{t.Data[index]} at flat index {index} (shape {Tensor.ShapeString(t.ShapeRef)})";

    // The stack without NativeNet's own frames: where the user's code called the op.
    private static string ForwardCallSite()
    {
        var own = typeof(Autograd).Assembly;
        var frames = new System.Diagnostics.StackTrace(1, fNeedFileInfo: true).GetFrames()
            .Where(f => f.GetMethod() is { } m && m.DeclaringType?.Assembly != own)
            .Take(4)
            .Select(f => $"\n   at {f.GetMethod()!.DeclaringType?.FullName}.{f.GetMethod()!.Name}" +
                         (f.GetFileName() is { } file ? $" in {file}:line {f.GetFileLineNumber()}" : ""));
        return string.Concat(frames);
    }
}

/// <summary>Thrown in <see cref="Autograd.DetectAnomaly"/> mode by the first op that produces NaN or ±Inf.</summary>
public sealed class AnomalyDetectedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public AnomalyDetectedException(string op, string phase, string detail)
        : base($"Anomaly detected in {phase}: {detail}")
    {
        Op = op;
        Phase = phase;
    }

    /// <summary>The op's name (e.g. "Log", "MatMul").</summary>
    public string Op { get; }

    /// <summary>"forward" or "backward".</summary>
    public string Phase { get; }
}
