namespace NativeNet.Onnx.Engine;

/// <summary>
/// One operation of an execution plan. Geometry, weights and slot numbers are fixed when the plan
/// is made; <see cref="Run"/> only reads the arena addresses of its slots, so a call allocates nothing.
/// </summary>
internal abstract unsafe class Step
{
    protected Step(string label, int[] reads, int[] writes)
    {
        Label = label;
        Reads = reads;
        Writes = writes;
    }

    /// <summary>The node it came from, for profiles and errors.</summary>
    public string Label { get; }

    /// <summary>Slots read (their buffers stay live until this step).</summary>
    public int[] Reads { get; }

    /// <summary>Slots written (their buffers are allocated before this step and never overlap what it reads).</summary>
    public int[] Writes { get; }

    public abstract void Run(ExecutionPlan plan);
}
