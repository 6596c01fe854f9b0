namespace NativeNet;

/// <summary>
/// One recorded op on the tape: its inputs, how many outputs it made, and the function that maps
/// output gradients (null = zero) to input gradients (null = none). Backward functions return
/// tensors the engine owns (it disposes them); they may be views of other gradients.
/// </summary>
internal sealed class Node
{
    public Node(string name, Tensor[] inputs, int outputCount, Func<Tensor?[], Tensor?[]> backward)
    {
        Name = name;
        Inputs = inputs;
        foreach (var t in inputs) t.Pin();
        OutputCount = outputCount;
        BackwardFn = backward;
    }

    public string Name { get; }

    public Tensor[] Inputs { get; private set; }

    public int OutputCount { get; }

    public Func<Tensor?[], Tensor?[]>? BackwardFn { get; private set; }

    /// <summary>Disposes tensors the node saved for backward (run once, when the graph is freed).</summary>
    public Action? OnRelease { get; set; }

    /// <summary>Gradients of the outputs collected during one backward pass.</summary>
    public Tensor?[]? OutGrads { get; set; }

    /// <summary>
    /// Optional backward of a one-output op that takes its output's gradient in two parts
    /// (g + g2, summed inside its kernel with the bits of summing first): the engine then holds a
    /// second gradient in <see cref="PendingAddend"/> instead of summing it into a tensor of its own.
    /// </summary>
    public Func<Tensor, Tensor, Tensor?[]>? BackwardOfSum { get; set; }

    /// <summary>The second part of OutGrads[0], held for <see cref="BackwardOfSum"/>.</summary>
    public Tensor? PendingAddend { get; set; }

    public bool Freed => BackwardFn is null;

    /// <summary>The op's hyper-parameters, set only while tracing for export (<see cref="Autograd.Tracing"/>).</summary>
    public OpAttributes? Attributes { get; set; }

    private Tensor[] _outputs = Array.Empty<Tensor>();

    /// <summary>The tensors this op produced (empty once released).</summary>
    public IReadOnlyList<Tensor> Outputs => _outputs;

    /// <summary>Pins the outputs too (backward functions may read them).</summary>
    public void SetOutputs(Tensor[] outputs)
    {
        _outputs = outputs;
        foreach (var t in outputs) t.Pin();
    }

    /// <summary>
    /// Frees this node's part of the graph once no backward pass can reach it: every output is
    /// disposed and pinned by this node alone (no later op recorded it as an input). Releasing
    /// unpins the inputs, which cascades up through intermediates disposed the same way. Without
    /// it, a forward pass in grad mode that never ran backward kept every output's memory until the
    /// GC collected the graph (20 conv forwards: 427 MB live). Never during a backward pass, where
    /// the engine releases nodes in its own order.
    /// </summary>
    public void ReleaseIfUnreachable()
    {
        if (BackwardFn is null || Autograd.InBackward) return;
        foreach (var t in _outputs)
            if (!t.IsDisposed || t.Pins != 1) return;
        Release();
    }

    public void Release()
    {
        if (BackwardFn is null) return;
        BackwardFn = null;
        BackwardOfSum = null;
        PendingAddend?.Dispose();
        PendingAddend = null;
        foreach (var t in Inputs) t.Unpin();
        foreach (var t in _outputs) t.Unpin();
        _outputs = Array.Empty<Tensor>();
        Inputs = Array.Empty<Tensor>();
        var r = OnRelease;
        OnRelease = null;
        r?.Invoke();
    }
}
