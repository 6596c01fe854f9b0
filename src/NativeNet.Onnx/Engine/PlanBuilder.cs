using NativeNet.Onnx.Engine.Steps;
using NativeNet.Onnx.Folding;
using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx.Engine;

/// <summary>
/// Walks the optimized graph for one set of input shapes: shape-only values are computed here
/// (so a dynamic batch flows through Shape/Gather/Concat/Reshape), every other node becomes a
/// <see cref="Step"/>, and the arena is laid out by lifetime (greedy best fit over the step order).
/// </summary>
internal sealed unsafe class PlanBuilder
{
    private readonly OnnxGraph _graph;
    private readonly ConstantPool _constants;
    private readonly long _maxArenaBytes;
    private readonly Dictionary<string, StaticTensor> _statics;
    private readonly Dictionary<string, int> _slotOf = new();
    private readonly List<long[]> _slotShapes = [];
    private readonly List<int> _slotBuffer = [];
    private readonly List<long> _bufferBytes = [];
    private readonly List<int> _bufferFirst = [];
    private readonly List<int> _bufferLast = [];
    private readonly List<Step> _steps = [];
    private readonly Dictionary<string, (int Slot, long[] Shape)> _blocked = new();

    public PlanBuilder(OnnxGraph graph, ConstantPool constants, long maxArenaBytes)
    {
        _graph = graph;
        _constants = constants;
        _maxArenaBytes = maxArenaBytes;
        _statics = new Dictionary<string, StaticTensor>(graph.Constants);
    }

    public int Opset => _graph.Opset;

    public ConstantPool Constants => _constants;

    public bool IsStatic(string? name) => name != null && _statics.ContainsKey(name);

    public StaticTensor? StaticOrNull(string? name) => name != null && _statics.TryGetValue(name, out var t) ? t : null;

    public StaticTensor Static(GraphNode node, int input) =>
        StaticOrNull(node.Input(input)) ?? throw new NotSupportedException($"{node.Label}: input {input} ('{node.Input(input)}') must be a constant or computable from shapes (opset {Opset})");

    public long[] ShapeOf(string name) =>
        _statics.TryGetValue(name, out var t) ? t.Shape
        : _blocked.TryGetValue(name, out var bl) ? bl.Shape
        : _slotShapes[SlotOf(name)];

    /// <summary>The slot of a value in NCHW; a value that so far exists only blocked is converted here, once, by its first NCHW reader.</summary>
    public int SlotOf(string name)
    {
        if (_slotOf.TryGetValue(name, out int s)) return s;
        if (!_blocked.TryGetValue(name, out var bl)) throw new InvalidDataException($"value '{name}' is used before it is computed");
        int slot = Define(name, bl.Shape);
        AddStep(new FromBlockedStep(name, bl.Slot, slot, bl.Shape));
        return slot;
    }

    /// <summary>True when <paramref name="name"/> has been computed (in NCHW or blocked).</summary>
    private bool IsComputed(string name) => _slotOf.ContainsKey(name) || _blocked.ContainsKey(name);

    /// <summary>Channels per block of the NCHW16c layout in this process (0: no blocked kernels).</summary>
    public long BlockSize { get; } = BlockedLayout.BlockSize;

    /// <summary>The nodes that read <paramref name="name"/>.</summary>
    public IEnumerable<GraphNode> Readers(string name)
    {
        _readers ??= _graph.Nodes.SelectMany(n => n.Inputs.Where(i => i.Length > 0).Distinct().Select(i => (i, n)))
            .ToLookup(p => p.i, p => p.n);
        return _readers[name];
    }

    private ILookup<string, GraphNode>? _readers;

    /// <summary>True when <paramref name="name"/> is one of the graph's outputs.</summary>
    public bool IsGraphOutput(string name) => _graph.Outputs.Contains(name);

    /// <summary>The step added last, or null.</summary>
    public Step? LastStep => _steps.Count > 0 ? _steps[^1] : null;

    /// <summary>
    /// Puts <paramref name="step"/> in place of the step added last: it must read and write at
    /// least that step's slots, whose buffers keep the lifetimes they had (live at this index).
    /// </summary>
    public void ReplaceLastStep(Step step)
    {
        _steps.RemoveAt(_steps.Count - 1);
        AddStep(step);
    }

    /// <summary>True when <paramref name="name"/> exists in the blocked layout.</summary>
    public bool IsBlocked(string name) => _blocked.ContainsKey(name);

    /// <summary>The blocked slot of a 4-D value, converted from NCHW (once) when it does not exist blocked yet.</summary>
    public int BlockedSlotOf(string label, string name)
    {
        if (_blocked.TryGetValue(name, out var bl)) return bl.Slot;
        int x = SlotOf(name);
        var shape = _slotShapes[x];
        int slot = DefineBlocked(name, shape);
        AddStep(new ToBlockedStep(label, x, slot, shape));
        return slot;
    }

    /// <summary>A new value held in the blocked layout only ([n, ceil(c / block), h, w, block]); <see cref="SlotOf"/> converts it when an NCHW reader asks.</summary>
    public int DefineBlocked(string name, long[] shape)
    {
        long[] blocked = [shape[0], (shape[1] + BlockSize - 1) / BlockSize, shape[2], shape[3], BlockSize];
        int slot = NewSlot("", blocked, NewBuffer(name, blocked));
        _blocked[name] = (slot, shape);
        return slot;
    }

    /// <summary>The slot of a runtime input; a constant used as data is first copied into the arena by a one-time step.</summary>
    public int Input(GraphNode node, int i)
    {
        string name = node.Input(i) ?? throw node.Invalid($"input {i} is missing");
        if (IsComputed(name)) return SlotOf(name);
        if (_statics.TryGetValue(name, out var t))
        {
            int slot = Define(name, t.Shape);
            AddStep(new ConstantCopyStep(node.Label, _constants.Get(t), t.Count, slot));
            return slot;
        }
        throw node.Invalid($"input '{name}' is not defined");
    }

    /// <summary>A new value with its own buffer.</summary>
    public int Define(string name, long[] shape) => NewSlot(name, shape, NewBuffer(name, shape));

    private int NewBuffer(string name, long[] shape)
    {
        long count = ShapeMath.Count(shape);
        long bytes = count > (long.MaxValue / 8) ? long.MaxValue : count * sizeof(float);
        if (bytes > _maxArenaBytes)
            throw new InvalidDataException($"value '{name}' of shape {ShapeMath.Format(shape)} needs {bytes} bytes, over the {_maxArenaBytes}-byte activation limit");
        _bufferBytes.Add((bytes + 63) & ~63L);
        _bufferFirst.Add(_steps.Count);
        _bufferLast.Add(_steps.Count);
        return _bufferBytes.Count - 1;
    }

    /// <summary>A value that shares its source's buffer (Reshape, Flatten, Squeeze, Identity…): no copy.</summary>
    public void Alias(string name, string source, long[] shape)
    {
        int src = SlotOf(source);
        if (ShapeMath.Count(shape) != ShapeMath.Count(_slotShapes[src])) throw new InvalidDataException($"'{name}': alias of '{source}' changes the element count");
        NewSlot(name, shape, _slotBuffer[src]);
    }

    /// <summary>Scratch memory private to the next step.</summary>
    public int Scratch(string label, long floats) => Define($"{label} (scratch)", [floats]);

    private int NewSlot(string name, long[] shape, int buffer)
    {
        _slotShapes.Add(shape);
        _slotBuffer.Add(buffer);
        int slot = _slotShapes.Count - 1;
        if (name.Length > 0) _slotOf[name] = slot;
        return slot;
    }

    public void SetStatic(string name, StaticTensor t) => _statics[name] = t;

    public void AddStep(Step step)
    {
        int index = _steps.Count;
        foreach (int s in step.Reads) _bufferLast[_slotBuffer[s]] = Math.Max(_bufferLast[_slotBuffer[s]], index);
        foreach (int s in step.Writes)
        {
            int b = _slotBuffer[s];
            _bufferFirst[b] = Math.Min(_bufferFirst[b], index);
            _bufferLast[b] = Math.Max(_bufferLast[b], index);
        }
        _steps.Add(step);
    }

    public ExecutionPlan Build(long[][] inputShapes)
    {
        var inputSlots = new int[_graph.Inputs.Count];
        for (int i = 0; i < inputSlots.Length; i++)
        {
            var gi = _graph.Inputs[i];
            inputSlots[i] = Define(gi.Name, inputShapes[i]);
            _bufferFirst[^1] = -1;
        }
        foreach (var node in _graph.Nodes) OpFactory.Add(this, node);

        var outputs = new OutputBinding[_graph.Outputs.Count];
        for (int i = 0; i < outputs.Length; i++)
        {
            string name = _graph.Outputs[i];
            if (_statics.TryGetValue(name, out var t)) outputs[i] = new OutputBinding(name, t.Shape, -1, t.AsFloats());
            else
            {
                int slot = SlotOf(name);
                _bufferLast[_slotBuffer[slot]] = int.MaxValue;
                outputs[i] = new OutputBinding(name, _slotShapes[slot], slot, null);
            }
        }
        var (offsets, total) = Layout();
        var slotOffsets = new long[_slotShapes.Count];
        for (int s = 0; s < slotOffsets.Length; s++) slotOffsets[s] = offsets[_slotBuffer[s]];
        return new ExecutionPlan(inputShapes, [.. _steps], [.. _slotShapes], slotOffsets, total, inputSlots, outputs, _bufferBytes.Sum());
    }

    /// <summary>Greedy best fit in step order: a buffer is placed before its first writer runs and released after its last reader.</summary>
    private (long[] Offsets, long Total) Layout()
    {
        int n = _bufferBytes.Count;
        var offsets = new long[n];
        var free = new List<(long Offset, long Size)>();
        long top = 0;
        var byFirst = Enumerable.Range(0, n).OrderBy(b => _bufferFirst[b]).ToArray();
        var byLast = Enumerable.Range(0, n).Where(b => _bufferLast[b] != int.MaxValue).OrderBy(b => _bufferLast[b]).ToArray();
        int fi = 0, li = 0;
        for (int step = -1; step <= _steps.Count; step++)
        {
            for (; fi < byFirst.Length && _bufferFirst[byFirst[fi]] <= step; fi++)
            {
                int b = byFirst[fi];
                long size = _bufferBytes[b];
                int best = -1;
                for (int k = 0; k < free.Count; k++)
                    if (free[k].Size >= size && (best < 0 || free[k].Size < free[best].Size)) best = k;
                if (best >= 0)
                {
                    offsets[b] = free[best].Offset;
                    if (free[best].Size == size) free.RemoveAt(best);
                    else free[best] = (free[best].Offset + size, free[best].Size - size);
                }
                else
                {
                    offsets[b] = top;
                    top += size;
                    if (top > _maxArenaBytes) throw new InvalidDataException($"the activations need more than the {_maxArenaBytes}-byte limit");
                }
            }
            for (; li < byLast.Length && _bufferLast[byLast[li]] <= step; li++)
            {
                int b = byLast[li];
                if (_bufferBytes[b] > 0) Release(free, offsets[b], _bufferBytes[b]);
            }
        }
        return (offsets, top);
    }

    private static void Release(List<(long Offset, long Size)> free, long offset, long size)
    {
        free.Add((offset, size));
        free.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        for (int k = free.Count - 1; k > 0; k--)
            if (free[k - 1].Offset + free[k - 1].Size == free[k].Offset)
            {
                free[k - 1] = (free[k - 1].Offset, free[k - 1].Size + free[k].Size);
                free.RemoveAt(k);
            }
    }

    /// <summary>Folds a node whose inputs are all known now; false when it needs runtime data.</summary>
    public bool TryFold(GraphNode node, long maxElements)
    {
        if (node.OpType == "Shape" && node.Input(0) is { } x && IsComputed(x))
        {
            var s = StaticOps.Eval(node, [new StaticTensor(ShapeOf(x), Array.Empty<long>())], Opset, maxElements);
            _statics[node.Outputs[0]] = s[0];
            return true;
        }
        if (!StaticOps.CanFold(node.OpType)) return false;
        var inputs = new StaticTensor?[node.Inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (node.Inputs[i].Length == 0) continue;
            if (!_statics.TryGetValue(node.Inputs[i], out var t)) return false;
            inputs[i] = t;
        }
        var results = StaticOps.Eval(node, inputs, Opset, maxElements);
        for (int i = 0; i < results.Length && i < node.Outputs.Length; i++)
            if (node.Outputs[i].Length > 0) _statics[node.Outputs[i]] = results[i];
        return true;
    }
}
