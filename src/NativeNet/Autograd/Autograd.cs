namespace NativeNet;

/// <summary>
/// Reverse-mode automatic differentiation: a tape of <see cref="Node"/>s built as ops run on tensors
/// that require grad, walked backwards by <see cref="Tensor.Backward(Tensor?, bool)"/>. The graph is freed
/// by the backward pass (a second backward through it throws, unless the first retained it), so
/// nothing leaks across training steps.
/// </summary>
public static partial class Autograd
{
    [ThreadStatic] private static int _noGradDepth;
    [ThreadStatic] private static int _inBackward;

    /// <summary>True while this thread runs a backward pass.</summary>
    internal static bool InBackward => _inBackward != 0;

    /// <summary>Whether ops record on this thread (false inside <see cref="NoGrad"/>).</summary>
    public static bool IsEnabled => _noGradDepth == 0;

    /// <summary>Disables recording on this thread until the returned scope is disposed: <c>using (Autograd.NoGrad()) { … }</c>.</summary>
    public static NoGradScope NoGrad()
    {
        _noGradDepth++;
        return new NoGradScope(true);
    }

    /// <summary>Restores recording when disposed.</summary>
    public readonly struct NoGradScope : IDisposable
    {
        private readonly bool _active;

        internal NoGradScope(bool active) => _active = active;

        /// <summary>Ends the no-grad region.</summary>
        public void Dispose()
        {
            if (_active) _noGradDepth--;
        }
    }

    /// <summary>
    /// Records again on this thread, inside a <see cref="NoGrad"/> region too, until disposed (PyTorch's
    /// <c>enable_grad</c>): for work that must trace ops, such as compiling a module, whoever calls it.
    /// </summary>
    internal static EnableGradScope EnableGrad()
    {
        int saved = _noGradDepth;
        _noGradDepth = 0;
        return new EnableGradScope(saved);
    }

    /// <summary>Restores the no-grad depth <see cref="EnableGrad"/> found.</summary>
    internal readonly struct EnableGradScope(int saved) : IDisposable
    {
        public void Dispose() => _noGradDepth = saved;
    }

    internal static bool Needs(Tensor a) => _noGradDepth == 0 && a.RequiresGrad;

    internal static bool Needs(Tensor a, Tensor b) => _noGradDepth == 0 && (a.RequiresGrad || b.RequiresGrad);

    internal static bool Needs(Tensor[] ts)
    {
        if (_noGradDepth != 0) return false;
        foreach (var t in ts) if (t is not null && t.RequiresGrad) return true;
        return false;
    }

    /// <summary>Records a single-output op.</summary>
    internal static Node Record(string name, Tensor output, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        var node = new Node(name, inputs, 1, g => g[0] is null ? new Tensor?[inputs.Length] : backward(g[0]!));
        output.GradFn = node;
        output.OutputIndex = 0;
        output.MarkRequiresGrad();
        node.SetOutputs(new[] { output });
        if (_anomalyDepth != 0) CheckForward(node, inputs, [output]);
        return node;
    }

    /// <summary>Records a multi-output op.</summary>
    internal static Node RecordMulti(string name, Tensor[] outputs, Tensor[] inputs, Func<Tensor?[], Tensor?[]> backward)
    {
        var node = new Node(name, inputs, outputs.Length, backward);
        for (int i = 0; i < outputs.Length; i++)
        {
            outputs[i].GradFn = node;
            outputs[i].OutputIndex = i;
            outputs[i].MarkRequiresGrad();
        }
        node.SetOutputs(outputs);
        if (_anomalyDepth != 0) CheckForward(node, inputs, outputs);
        return node;
    }

    [ThreadStatic] private static Action<Tensor>? _gradientReady;

    /// <summary>
    /// Calls <paramref name="callback"/> on this thread, during each backward pass run before the
    /// returned scope is disposed, as soon as a leaf's gradient for that pass is complete (no
    /// node left to add to it). Data-parallel training starts communicating a gradient there,
    /// while the rest of the backward pass still runs. Leaves that get no gradient are not reported.
    /// </summary>
    public static GradientReadyScope OnGradientReady(Action<Tensor> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var previous = _gradientReady;
        _gradientReady = callback;
        return new GradientReadyScope(previous);
    }

    /// <summary>Restores the previous gradient-ready callback when disposed.</summary>
    public readonly struct GradientReadyScope(Action<Tensor>? previous) : IDisposable
    {
        /// <summary>Ends the callback's registration.</summary>
        public void Dispose() => _gradientReady = previous;
    }

    // For each leaf: how many edges of the graph still bring it gradient (null without a callback).
    private static Dictionary<Tensor, int>? PendingLeafEdges(List<Node> order)
    {
        if (_gradientReady is null) return null;
        var pending = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        foreach (var node in order)
            foreach (var input in node.Inputs)
                if (input is not null && input.RequiresGrad && input.GradFn is null)
                    pending[input] = pending.GetValueOrDefault(input) + 1;
        return pending;
    }

    private static void LeafEdgeDone(Dictionary<Tensor, int>? pending, Tensor leaf)
    {
        if (pending is null || !pending.TryGetValue(leaf, out int left)) return;
        if (left > 1) { pending[leaf] = left - 1; return; }
        pending.Remove(leaf);
        if (leaf.Grad is not null) _gradientReady!(leaf);
    }

    internal static void RunBackward(Tensor root, Tensor? gradient, bool retainGraph = false)
    {
        root.ThrowIfDisposed();
        if (!root.RequiresGrad)
            throw new InvalidOperationException("Backward() was called on a tensor that does not require grad (no input of the computation has RequiresGrad = true, or it was computed under Autograd.NoGrad()).");
        Tensor seed;
        if (gradient is null)
        {
            if (root.Count != 1)
                throw new InvalidOperationException($"Backward() without a gradient needs a one-element (scalar) tensor. Received: shape={Tensor.ShapeString(root.ShapeRef)}; pass the gradient explicitly.");
            seed = Tensor.Empty(root.ShapeChecked(), register: false);
            seed.AsSpan()[0] = 1f;
        }
        else
        {
            if (gradient.Count != root.Count)
                throw new ArgumentException($"gradient must have the shape of the tensor. Received: gradient shape={Tensor.ShapeString(gradient.ShapeRef)}, tensor shape={Tensor.ShapeString(root.ShapeRef)}", nameof(gradient));
            seed = Tensor.Empty(root.ShapeChecked(), register: false);
            seed.CopyFrom(gradient);
        }

        DisposeScope.Suspend();
        _noGradDepth++;
        _inBackward++;
        try
        {
            if (root.GradFn is null)
            {
                AccumulateLeaf(root, seed);
                return;
            }
            var order = TopologicalOrder(root.GradFn);
            var pendingLeaves = PendingLeafEdges(order);
            root.GradFn.OutGrads = new Tensor?[root.GradFn.OutputCount];
            root.GradFn.OutGrads[root.OutputIndex] = seed;
            for (int n = order.Count - 1; n >= 0; n--)
            {
                var node = order[n];
                var outGrads = node.OutGrads;
                var addend = node.PendingAddend;
                node.OutGrads = null;
                node.PendingAddend = null;
                var inputs = node.Inputs;
                Tensor?[] inGrads;
                try
                {
                    inGrads = outGrads is null ? new Tensor?[inputs.Length]
                        : addend is not null ? node.BackwardOfSum!(outGrads[0]!, addend)
                        : node.BackwardFn!(outGrads);
                }
                finally
                {
                    if (outGrads is not null) foreach (var g in outGrads) g?.Dispose();
                    addend?.Dispose();
                }
                if (_anomalyDepth != 0) CheckBackward(node, inGrads);
                for (int i = 0; i < inputs.Length; i++)
                {
                    var g = inGrads[i];
                    var input = inputs[i];
                    if (g is null)
                    {
                        if (input is not null && input.GradFn is null) LeafEdgeDone(pendingLeaves, input);
                        continue;
                    }
                    if (!input.RequiresGrad) { g.Dispose(); continue; }
                    var producer = input.GradFn;
                    if (producer is null)
                    {
                        AccumulateLeaf(input, g);
                        LeafEdgeDone(pendingLeaves, input);
                        continue;
                    }
                    producer.OutGrads ??= new Tensor?[producer.OutputCount];
                    ref var slot = ref producer.OutGrads[input.OutputIndex];
                    if (slot is null) slot = g;
                    else if (producer.BackwardOfSum is not null && producer.PendingAddend is null && FoldGradientSums
                             && g.Count == slot.Count && !ReferenceEquals(g, slot))
                    {
                        // The consumer adds the two parts as it reads them (no sum tensor).
                        producer.PendingAddend = g;
                        SumsFolded++;
                    }
                    else
                    {
                        // A third part: first + second, then + third, the order of summing at once.
                        if (producer.PendingAddend is { } held)
                        {
                            producer.PendingAddend = null;
                            slot = SumGradients(slot, held);
                        }
                        slot = SumGradients(slot, g);
                    }
                }
                if (!retainGraph) node.Release();
            }
        }
        finally
        {
            _inBackward--;
            _noGradDepth--;
            DisposeScope.Resume();
        }
    }

    /// <summary>Counts of <see cref="SumGradients"/>'s three ways and of sums left to a consumer's <see cref="Node.BackwardOfSum"/> on this thread (tests read them).</summary>
    [ThreadStatic] internal static int SumsIntoFirst, SumsIntoSecond, SumsOutOfPlace, SumsFolded;

    /// <summary>
    /// Whether two gradients of an output whose op has <see cref="Node.BackwardOfSum"/> go to it as
    /// two parts (default) instead of being summed into one tensor first; same bits either way
    /// (tests compare the two). ResNet-18 at batch 8: 7 of its 8 residual joins, 5.8 M elements.
    /// </summary>
    [ThreadStatic] internal static bool NoFoldedGradientSums;

    private static bool FoldGradientSums => !NoFoldedGradientSums;

    /// <summary>
    /// first + second, for two gradients of one output: written over whichever of the two owns
    /// its memory alone (the second only where it has the first's shape, the shape the sum
    /// keeps), else into a new tensor (either may be a view another consumer still
    /// reads). Always computed as first + second, so the result has the same bits whichever
    /// buffer receives it. In place, the sum reads and writes lines it has just loaded, where a
    /// new buffer costs a block from the pool and a write-allocate of every line (ResNet-18 at
    /// batch 8: eight sums a step, 6.0 M elements in all).
    /// </summary>
    internal static Tensor SumGradients(Tensor first, Tensor second)
    {
        if (!ReferenceEquals(first, second))
        {
            if (first.OwnsStorageExclusively)
            {
                Tensor.K.Binary(Kernels.BinaryOp.Add, first.Data, second.Data, first.AsSpan());
                second.Dispose();
                SumsIntoFirst++;
                return first;
            }
            if (second.OwnsStorageExclusively && second.ShapeRef.SequenceEqual(first.ShapeRef))
            {
                Tensor.K.Binary(Kernels.BinaryOp.Add, first.Data, second.Data, second.AsSpan());
                first.Dispose();
                SumsIntoSecond++;
                return second;
            }
        }
        var sum = Tensor.Empty(first.ShapeChecked(), register: false);
        Tensor.K.Binary(Kernels.BinaryOp.Add, first.Data, second.Data, sum.AsSpan());
        first.Dispose();
        second.Dispose();
        SumsOutOfPlace++;
        return sum;
    }

    private static void AccumulateLeaf(Tensor leaf, Tensor g)
    {
        var existing = leaf.Grad;
        if (existing is null || existing.IsDisposed)
        {
            if (!g.OwnsStorageExclusively || g.Rank != leaf.Rank)
            {
                var copy = Tensor.Empty(leaf.ShapeChecked(), register: false);
                copy.CopyFrom(g);
                g.Dispose();
                g = copy;
            }
            leaf.Grad = g;
            return;
        }
        Tensor.K.Binary(Kernels.BinaryOp.Add, existing.Data, g.Data, existing.AsSpan());
        g.Dispose();
    }

    private static List<Node> TopologicalOrder(Node root)
    {
        var order = new List<Node>();
        var visited = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Node node, int next)>();
        if (root.Freed) throw SecondBackward(root);
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            var inputs = node.Inputs;
            bool pushed = false;
            for (int i = next; i < inputs.Length; i++)
            {
                var p = inputs[i].GradFn;
                if (p is null || !inputs[i].RequiresGrad || visited.Contains(p)) continue;
                if (p.Freed) throw SecondBackward(p);
                visited.Add(p);
                stack.Push((node, i + 1));
                stack.Push((p, 0));
                pushed = true;
                break;
            }
            if (!pushed) order.Add(node);
        }
        return order;
    }

    private static InvalidOperationException SecondBackward(Node n) =>
        new($"Trying to backward through the graph a second time (node '{n.Name}'): its saved values were freed by the first Backward(). Pass retainGraph: true to the first Backward() to keep them, or recompute the forward pass.");
}
