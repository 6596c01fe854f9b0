using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx.Folding;

/// <summary>
/// Evaluates, before any input arrives, the nodes whose inputs are all known: at load for
/// constants (weight transposes, casts), and when a plan is made for the shape arithmetic that
/// torch.onnx.export emits around dynamic dimensions (Shape → Gather → Unsqueeze → Concat →
/// Reshape). Every result is bounded by the caller's element limit, so a hostile ConstantOfShape
/// or Expand cannot make the loader allocate what the file does not justify.
/// </summary>
internal static class StaticOps
{
    private static readonly HashSet<string> Foldable =
    [
        "Identity", "Dropout", "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "Add", "Sub", "Mul", "Div",
        "Pow", "Sqrt", "Neg", "Abs", "Floor", "Ceil", "Reshape", "Flatten", "ConstantOfShape", "Transpose", "Range", "Equal", "Less",
        "Greater", "Not", "Where", "Expand", "Min", "Max", "ReduceProd",
    ];

    /// <summary>True when <paramref name="op"/> can be evaluated here from known inputs.</summary>
    public static bool CanFold(string op) => Foldable.Contains(op);

    /// <summary>Evaluates <paramref name="node"/>; <paramref name="inputs"/>[i] is null for an omitted optional input.</summary>
    public static StaticTensor[] Eval(GraphNode node, StaticTensor?[] inputs, int opset, long maxElements)
    {
        StaticTensor In(int i) => i < inputs.Length && inputs[i] is { } t ? t : throw node.Invalid($"input {i} is missing");
        StaticTensor Checked(StaticTensor t)
        {
            if (t.Count > maxElements) throw node.Invalid($"folded result {ShapeMath.Format(t.Shape)} exceeds {maxElements} elements");
            return t;
        }
        long[] Sized(long[] shape)
        {
            if (ShapeMath.Count(shape) > maxElements) throw node.Invalid($"result shape {ShapeMath.Format(shape)} exceeds {maxElements} elements");
            return shape;
        }
        switch (node.OpType)
        {
            case "Identity":
            case "Dropout":
                return node.Outputs.Length > 1 && node.Outputs[1].Length > 0
                    ? [In(0), StaticTensor.Build(true, In(0).Shape, _ => 1)]
                    : [In(0)];
            case "Shape":
            {
                var s = In(0).Shape;
                int rank = s.Length;
                long start = node.Int("start", 0), end = node.Int("end", rank);
                start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
                end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
                var dims = s[(int)start..(int)Math.Max(start, end)];
                return [new StaticTensor([dims.Length], dims)];
            }
            case "Size":
                return [new StaticTensor([], [In(0).Count])];
            case "Cast":
            {
                long to = node.Int("to", 1);
                var x = In(0);
                bool toInt = to is 6 or 7 or 9 or 2 or 3 or 4 or 5 or 12 or 13;
                if (to is not (1 or 10 or 11 or 16) && !toInt) throw new NotSupportedException($"{node.Label}: cast to type {to} is not supported (opset {opset})");
                if (to == 9) return [StaticTensor.Build(true, x.Shape, i => x[i] != 0 ? 1 : 0)];
                return [StaticTensor.Build(toInt, x.Shape, i => toInt ? Math.Truncate(x[i]) : x[i])];
            }
            case "Add": case "Sub": case "Mul": case "Div": case "Pow": case "Equal": case "Less": case "Greater": case "Min": case "Max":
                return [Checked(Binary(node, In(0), In(1), maxElements))];
            case "Sqrt": case "Neg": case "Abs": case "Floor": case "Ceil": case "Not":
            {
                var x = In(0);
                Func<double, double> f = node.OpType switch
                {
                    "Sqrt" => Math.Sqrt, "Neg" => v => -v, "Abs" => Math.Abs, "Floor" => Math.Floor, "Ceil" => Math.Ceiling,
                    _ => v => v == 0 ? 1 : 0,
                };
                return [StaticTensor.Build(x.IsInt, x.Shape, i => f(x[i]))];
            }
            case "Where":
            {
                var c = In(0); var a = In(1); var b = In(2);
                var shape = Sized(ShapeMath.Broadcast(ShapeMath.Broadcast(c.Shape, a.Shape, node.Label), b.Shape, node.Label));
                var sc = ShapeMath.BroadcastStrides(c.Shape, shape); var sa = ShapeMath.BroadcastStrides(a.Shape, shape); var sb = ShapeMath.BroadcastStrides(b.Shape, shape);
                var os = ShapeMath.Strides(shape);
                return [StaticTensor.Build(a.IsInt, shape, i => c[Offset(i, os, sc)] != 0 ? a[Offset(i, os, sa)] : b[Offset(i, os, sb)])];
            }
            case "Gather":
            {
                var x = In(0); var idx = In(1);
                int axis = ShapeMath.Axis(node.Int("axis", 0), x.Shape.Length, node.Label);
                long dim = x.Shape[axis];
                var ind = idx.AsLongs();
                foreach (var v in ind) if (v < -dim || v >= dim) throw node.Invalid($"index {v} is out of range for dimension {dim}");
                long outer = ShapeMath.Count(x.Shape.AsSpan(0, axis)), inner = ShapeMath.Count(x.Shape.AsSpan(axis + 1));
                var shape = Sized([.. x.Shape[..axis], .. idx.Shape, .. x.Shape[(axis + 1)..]]);
                long k = ind.Length;
                return [x.Take(shape, i =>
                {
                    long o = i / (k * inner), rem = i % (k * inner), j = rem / inner, r = rem % inner;
                    long v = ind[j] < 0 ? ind[j] + dim : ind[j];
                    return (o * dim + v) * inner + r;
                })];
            }
            case "Unsqueeze":
            {
                var x = In(0);
                var axes = opset >= 13 ? In(1).AsLongs() : node.Ints("axes") ?? throw node.Invalid("axes missing");
                return [x.WithShape(UnsqueezeShape(node, x.Shape, axes))];
            }
            case "Squeeze":
            {
                var x = In(0);
                long[]? axes = opset >= 13 ? inputs.Length > 1 ? inputs[1]?.AsLongs() : null : node.Ints("axes");
                return [x.WithShape(SqueezeShape(node, x.Shape, axes))];
            }
            case "Flatten":
            {
                var x = In(0);
                return [x.WithShape(FlattenShape(node, x.Shape))];
            }
            case "Reshape":
            {
                var x = In(0);
                return [x.WithShape(ReshapeShape(node, x.Shape, In(1).AsLongs()))];
            }
            case "Concat":
            {
                var parts = inputs.Where(t => t != null).Select(t => t!).ToArray();
                if (parts.Length == 0) throw node.Invalid("no inputs");
                int axis = ShapeMath.Axis(node.Int("axis", 0), parts[0].Shape.Length, node.Label);
                var shape = ConcatShape(node, parts.Select(p => p.Shape).ToArray(), axis);
                Sized(shape);
                bool isInt = parts[0].IsInt;
                long outer = ShapeMath.Count(shape.AsSpan(0, axis)), inner = ShapeMath.Count(shape.AsSpan(axis + 1));
                var result = StaticTensor.Build(isInt, shape, _ => 0);
                long offset = 0;
                foreach (var p in parts)
                {
                    long d = p.Shape[axis];
                    for (long o = 0; o < outer; o++)
                        for (long j = 0; j < d * inner; j++)
                        {
                            long dst = o * shape[axis] * inner + offset * inner + j, src = o * d * inner + j;
                            if (isInt) result.L![dst] = (long)p[src]; else result.F![dst] = (float)p[src];
                        }
                    offset += d;
                }
                return [result];
            }
            case "Slice":
            {
                var x = In(0);
                var (starts, steps, shape) = SliceGeometry(node, x.Shape, In(1).AsLongs(), In(2).AsLongs(),
                    inputs.Length > 3 ? inputs[3]?.AsLongs() : null, inputs.Length > 4 ? inputs[4]?.AsLongs() : null);
                var xs = ShapeMath.Strides(x.Shape); var os = ShapeMath.Strides(shape);
                return [x.Take(shape, i =>
                {
                    long src = 0;
                    for (int d = 0; d < shape.Length; d++) { long c = i / os[d] % Math.Max(shape[d], 1); src += (starts[d] + c * steps[d]) * xs[d]; }
                    return src;
                })];
            }
            case "Transpose":
            {
                var x = In(0);
                var perm = Permutation(node, x.Shape.Length);
                var shape = perm.Select(p => x.Shape[p]).ToArray();
                var xs = ShapeMath.Strides(x.Shape); var os = ShapeMath.Strides(shape);
                return [x.Take(shape, i =>
                {
                    long src = 0;
                    for (int d = 0; d < shape.Length; d++) src += i / os[d] % shape[d] * xs[perm[d]];
                    return src;
                })];
            }
            case "ConstantOfShape":
            {
                var shape = Sized(In(0).AsLongs());
                var v = node.TensorAttr("value") is { } t ? OnnxFileReader.DecodeTensor(t, "", node.Label) : new StaticTensor([1], new float[] { 0 });
                if (v.Count != 1) throw node.Invalid("value must hold one element");
                double fill = v[0];
                return [StaticTensor.Build(v.IsInt, shape, _ => fill)];
            }
            case "Expand":
            {
                var x = In(0);
                var shape = Sized(ShapeMath.Broadcast(x.Shape, In(1).AsLongs(), node.Label));
                var xs = ShapeMath.BroadcastStrides(x.Shape, shape); var os = ShapeMath.Strides(shape);
                return [x.Take(shape, i => Offset(i, os, xs))];
            }
            case "Range":
            {
                var start = In(0); double s = start[0], limit = In(1)[0], delta = In(2)[0];
                if (delta == 0) throw node.Invalid("delta is 0");
                long n = Math.Max((long)Math.Ceiling((limit - s) / delta), 0);
                if (n > maxElements) throw node.Invalid($"{n} elements exceed {maxElements}");
                return [StaticTensor.Build(start.IsInt, [n], i => s + i * delta)];
            }
            case "ReduceProd":
            {
                var x = In(0);
                double p = 1;
                for (long i = 0; i < x.Count; i++) p *= x[i];
                if (node.Ints("axes") != null || x.Shape.Length > 1) throw new NotSupportedException($"{node.Label}: only full ReduceProd of a vector is folded (opset {opset})");
                return [StaticTensor.Build(x.IsInt, node.Int("keepdims", 1) != 0 ? [1] : [], _ => p)];
            }
        }
        throw new NotSupportedException($"{node.Label}: not foldable (opset {opset})");
    }

    private static long Offset(long i, long[] outStrides, long[] inStrides)
    {
        long src = 0;
        for (int d = 0; d < outStrides.Length; d++)
        {
            long c = i / outStrides[d];
            i -= c * outStrides[d];
            src += c * inStrides[d];
        }
        return src;
    }

    private static StaticTensor Binary(GraphNode node, StaticTensor a, StaticTensor b, long maxElements)
    {
        var shape = ShapeMath.Broadcast(a.Shape, b.Shape, node.Label);
        if (ShapeMath.Count(shape) > maxElements) throw node.Invalid($"result shape {ShapeMath.Format(shape)} exceeds {maxElements} elements");
        var sa = ShapeMath.BroadcastStrides(a.Shape, shape); var sb = ShapeMath.BroadcastStrides(b.Shape, shape);
        var os = ShapeMath.Strides(shape);
        bool isInt = a.IsInt && b.IsInt;
        bool logical = node.OpType is "Equal" or "Less" or "Greater";
        Func<double, double, double> f = node.OpType switch
        {
            "Add" => (x, y) => x + y,
            "Sub" => (x, y) => x - y,
            "Mul" => (x, y) => x * y,
            "Div" => isInt ? (x, y) => y == 0 ? throw node.Invalid("integer division by zero") : Math.Truncate(x / y) : (x, y) => x / y,
            "Pow" => Math.Pow,
            "Equal" => (x, y) => x == y ? 1 : 0,
            "Less" => (x, y) => x < y ? 1 : 0,
            "Greater" => (x, y) => x > y ? 1 : 0,
            "Min" => Math.Min,
            _ => Math.Max,
        };
        return StaticTensor.Build(isInt || logical, shape, i => f(a[Offset(i, os, sa)], b[Offset(i, os, sb)]));
    }

    public static long[] UnsqueezeShape(GraphNode node, long[] shape, long[] axes)
    {
        int rank = shape.Length + axes.Length;
        var isNew = new bool[rank];
        foreach (var a in axes)
        {
            int ax = ShapeMath.Axis(a, rank, node.Label);
            if (isNew[ax]) throw node.Invalid($"axis {a} repeated");
            isNew[ax] = true;
        }
        var r = new long[rank];
        for (int i = 0, j = 0; i < rank; i++) r[i] = isNew[i] ? 1 : shape[j++];
        return r;
    }

    public static long[] SqueezeShape(GraphNode node, long[] shape, long[]? axes)
    {
        if (axes == null) return shape.Where(d => d != 1).ToArray();
        var drop = new bool[shape.Length];
        foreach (var a in axes)
        {
            int ax = ShapeMath.Axis(a, shape.Length, node.Label);
            if (shape[ax] != 1) throw node.Invalid($"cannot squeeze axis {a} of size {shape[ax]}");
            drop[ax] = true;
        }
        return shape.Where((_, i) => !drop[i]).ToArray();
    }

    public static long[] FlattenShape(GraphNode node, long[] shape)
    {
        int axis = ShapeMath.Axis(node.Int("axis", 1), shape.Length, node.Label, inclusive: true);
        return [ShapeMath.Count(shape.AsSpan(0, axis)), ShapeMath.Count(shape.AsSpan(axis))];
    }

    public static long[] ReshapeShape(GraphNode node, long[] shape, long[] target)
    {
        bool allowZero = node.Int("allowzero", 0) != 0;
        var r = new long[target.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long d = target[i];
            if (d == 0 && !allowZero)
            {
                if (i >= shape.Length) throw node.Invalid($"0 at position {i} copies a dimension the input (rank {shape.Length}) lacks");
                d = shape[i];
            }
            if (d == -1)
            {
                if (infer >= 0) throw node.Invalid("more than one -1 in the target shape");
                infer = i;
                continue;
            }
            if (d < 0) throw node.Invalid($"invalid target dimension {d}");
            r[i] = d;
            known = checked(known * d);
        }
        long count = ShapeMath.Count(shape);
        if (infer >= 0)
        {
            if (known == 0 || count % known != 0) throw node.Invalid($"cannot reshape {ShapeMath.Format(shape)} to {ShapeMath.Format(target)}");
            r[infer] = count / known;
        }
        else if (known != count) throw node.Invalid($"cannot reshape {ShapeMath.Format(shape)} ({count} elements) to {ShapeMath.Format(r)}");
        return r;
    }

    public static long[] ConcatShape(GraphNode node, long[][] shapes, int axis)
    {
        var r = (long[])shapes[0].Clone();
        for (int p = 1; p < shapes.Length; p++)
        {
            if (shapes[p].Length != r.Length) throw node.Invalid("inputs differ in rank");
            for (int d = 0; d < r.Length; d++)
                if (d == axis) r[d] = checked(r[d] + shapes[p][d]);
                else if (shapes[p][d] != r[d]) throw node.Invalid($"inputs differ in dimension {d}");
        }
        return r;
    }

    public static int[] Permutation(GraphNode node, int rank)
    {
        var perm = node.Ints("perm") is { } p ? p.Select(v => (int)Math.Clamp(v, -1, rank)).ToArray() : Enumerable.Range(0, rank).Reverse().ToArray();
        if (perm.Length != rank || perm.Order().Where((v, i) => v != i).Any()) throw node.Invalid($"perm [{string.Join(",", perm)}] is not a permutation of rank {rank}");
        return perm;
    }

    /// <summary>ONNX Slice semantics (clamping, negative steps) → per-axis start, step and output shape.</summary>
    public static (long[] Starts, long[] Steps, long[] Shape) SliceGeometry(GraphNode node, long[] shape, long[] starts, long[] ends, long[]? axes, long[]? steps)
    {
        int rank = shape.Length;
        var st = new long[rank]; var sp = new long[rank]; var outShape = (long[])shape.Clone();
        for (int d = 0; d < rank; d++) sp[d] = 1;
        if (starts.Length != ends.Length || (axes != null && axes.Length != starts.Length) || (steps != null && steps.Length != starts.Length))
            throw node.Invalid("starts, ends, axes and steps differ in length");
        var seen = new bool[rank];
        for (int i = 0; i < starts.Length; i++)
        {
            int ax = ShapeMath.Axis(axes?[i] ?? i, rank, node.Label);
            if (seen[ax]) throw node.Invalid($"axis {ax} repeated");
            seen[ax] = true;
            long dim = shape[ax], step = steps?[i] ?? 1;
            if (step == 0) throw node.Invalid("step 0");
            long s = starts[i], e = ends[i];
            if (s < 0) s += dim;
            if (e < 0) e += dim;
            long count;
            if (step > 0)
            {
                s = Math.Clamp(s, 0, dim); e = Math.Clamp(e, 0, dim);
                count = e > s ? (e - s + step - 1) / step : 0;
            }
            else
            {
                s = Math.Clamp(s, -1, dim - 1); e = Math.Clamp(e, -1, dim - 1);
                count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
            }
            st[ax] = s; sp[ax] = step; outShape[ax] = count;
        }
        return (st, sp, outShape);
    }
}
