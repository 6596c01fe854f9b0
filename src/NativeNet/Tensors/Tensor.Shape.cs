namespace NativeNet;

public sealed partial class Tensor
{
    private int[] ResolveShape(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var s = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Only one dimension can be -1. Received: shape={ShapeString(shape)}", nameof(shape));
                infer = i;
            }
            else if (s[i] < 0) throw new ArgumentException($"Dimensions must be non-negative or -1. Received: shape={ShapeString(shape)}", nameof(shape));
            else known *= s[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || _count % known != 0)
                throw new ArgumentException($"Shape {ShapeString(shape)} is invalid for a tensor of {_count} elements.", nameof(shape));
            s[infer] = (int)(_count / known);
        }
        else if (known != _count)
            throw new ArgumentException($"Shape {ShapeString(shape)} is invalid for a tensor of {_count} elements (shape {ShapeString(_shape)}).", nameof(shape));
        return s;
    }

    private Tensor ViewRecorded(int[] shape, string name)
    {
        var y = ViewAs(shape);
        if (Autograd.Needs(this))
        {
            var src = _shape;
            Autograd.Record(name, y, new[] { this }, g => new Tensor?[] { g.ViewAs((int[])src.Clone()) });
        }
        return y;
    }

    /// <summary>A view with another shape (one dimension may be −1). Shares memory.</summary>
    public Tensor Reshape(params int[] shape) => ViewRecorded(ResolveShape(shape), "Reshape");

    /// <summary>Same as <see cref="Reshape"/> (every tensor is contiguous, so a view always exists).</summary>
    public Tensor View(params int[] shape) => ViewRecorded(ResolveShape(shape), "View");

    /// <summary>Flattens dimensions startDim..endDim into one (a view).</summary>
    public Tensor Flatten(int startDim = 0, int endDim = -1)
    {
        ThrowIfDisposed();
        if (_shape.Length == 0) return ViewRecorded(new[] { 1 }, "Flatten");
        int s = NormalizeDim(startDim, _shape.Length), e = NormalizeDim(endDim, _shape.Length);
        if (s > e) throw new ArgumentException($"startDim must not be after endDim. Received: startDim={startDim}, endDim={endDim}");
        var shape = new int[_shape.Length - (e - s)];
        int j = 0, prod = 1;
        for (int i = 0; i < _shape.Length; i++)
        {
            if (i < s || i > e) shape[j++] = _shape[i];
            else
            {
                prod *= _shape[i];
                if (i == e) shape[j++] = prod;
            }
        }
        return ViewRecorded(shape, "Flatten");
    }

    /// <summary>Removes dimension <paramref name="dim"/> if it has size 1 (a view).</summary>
    public Tensor Squeeze(int dim)
    {
        ThrowIfDisposed();
        int d = NormalizeDim(dim, _shape.Length);
        if (_shape[d] != 1) return ViewRecorded((int[])_shape.Clone(), "Squeeze");
        var shape = new int[_shape.Length - 1];
        for (int i = 0, j = 0; i < _shape.Length; i++) if (i != d) shape[j++] = _shape[i];
        return ViewRecorded(shape, "Squeeze");
    }

    /// <summary>Removes every dimension of size 1 (a view).</summary>
    public Tensor Squeeze()
    {
        ThrowIfDisposed();
        int n = 0;
        foreach (var v in _shape) if (v != 1) n++;
        var shape = new int[n];
        for (int i = 0, j = 0; i < _shape.Length; i++) if (_shape[i] != 1) shape[j++] = _shape[i];
        return ViewRecorded(shape, "Squeeze");
    }

    /// <summary>Inserts a dimension of size 1 at <paramref name="dim"/> (a view).</summary>
    public Tensor Unsqueeze(int dim)
    {
        ThrowIfDisposed();
        int d = NormalizeDim(dim, _shape.Length + 1);
        var shape = new int[_shape.Length + 1];
        for (int i = 0, j = 0; i < shape.Length; i++) shape[i] = i == d ? 1 : _shape[j++];
        return ViewRecorded(shape, "Unsqueeze");
    }

    /// <summary>A copy (not a view) that autograd tracks.</summary>
    public Tensor Clone()
    {
        ThrowIfDisposed();
        var y = Empty((int[])_shape.Clone());
        Data.CopyTo(y.AsSpan());
        if (Autograd.Needs(this)) Autograd.Record("Clone", y, new[] { this }, g => new Tensor?[] { g.Clone() });
        return y;
    }

    /// <summary>A tensor sharing this one's memory that autograd does not track (a new leaf).</summary>
    public Tensor Detach()
    {
        ThrowIfDisposed();
        return ViewAs((int[])_shape.Clone());
    }

    /// <summary>Permutes the dimensions (copies).</summary>
    public Tensor Permute(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        ThrowIfDisposed();
        int r = _shape.Length;
        if (dims.Length != r) throw new ArgumentException($"dims must list {r} dimensions. Received: dims={ShapeString(dims)}", nameof(dims));
        var perm = new int[r];
        var seen = new bool[r];
        for (int i = 0; i < r; i++)
        {
            perm[i] = NormalizeDim(dims[i], r);
            if (seen[perm[i]]) throw new ArgumentException($"dims must be a permutation. Received: dims={ShapeString(dims)}", nameof(dims));
            seen[perm[i]] = true;
        }
        var shape = new int[r];
        for (int i = 0; i < r; i++) shape[i] = _shape[perm[i]];
        var y = Empty(shape);
        PermuteCopy(Data, _shape, perm, y.AsSpan());
        if (Autograd.Needs(this))
        {
            var inv = new int[r];
            for (int i = 0; i < r; i++) inv[perm[i]] = i;
            Autograd.Record("Permute", y, new[] { this }, g => new Tensor?[] { g.Permute(inv) });
            if (Autograd.Tracing) Autograd.Annotate(y, new Nn.ModuleSpec("Permute").With("dims", new System.Text.Json.Nodes.JsonArray([.. perm.Select(v => (System.Text.Json.Nodes.JsonNode?)v)])));
        }
        GC.KeepAlive(this);
        return y;
    }

    private static void PermuteCopy(ReadOnlySpan<float> src, int[] shape, int[] perm, Span<float> dst)
    {
        int r = shape.Length;
        if (dst.Length == 0) return;
        if (r == 0) { dst[0] = src[0]; return; }
        Span<int> srcStride = stackalloc int[r];
        int s = 1;
        for (int d = r - 1; d >= 0; d--) { srcStride[d] = s; s *= shape[d]; }
        Span<int> st = stackalloc int[r];    // source stride of each output dim
        Span<int> os = stackalloc int[r];    // output shape
        for (int i = 0; i < r; i++) { st[i] = srcStride[perm[i]]; os[i] = shape[perm[i]]; }
        Span<int> idx = stackalloc int[r];
        int inner = os[r - 1], innerStride = st[r - 1], outer = dst.Length / inner, off = 0;
        for (int o = 0; o < outer; o++)
        {
            var row = dst.Slice(o * inner, inner);
            if (innerStride == 1) src.Slice(off, inner).CopyTo(row);
            else for (int i = 0; i < inner; i++) row[i] = src[off + i * innerStride];
            for (int d = r - 2; d >= 0; d--)
            {
                idx[d]++;
                off += st[d];
                if (idx[d] < os[d]) break;
                off -= st[d] * os[d];
                idx[d] = 0;
            }
        }
    }

    /// <summary>Swaps two dimensions (copies).</summary>
    public Tensor Transpose(int dim0, int dim1)
    {
        ThrowIfDisposed();
        int r = _shape.Length;
        int a = NormalizeDim(dim0, r), b = NormalizeDim(dim1, r);
        var perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        perm[a] = b;
        perm[b] = a;
        return Permute(perm);
    }

    /// <summary>The transpose of a 2-D tensor (copies).</summary>
    public Tensor T()
    {
        if (Rank != 2) throw new InvalidOperationException($"T() needs a 2-D tensor. Received: shape={ShapeString(_shape)}");
        return Transpose(0, 1);
    }

    /// <summary>
    /// Elements start..start+length−1 along <paramref name="dim"/>. Along dim 0 this is a view
    /// (how batches are cut from a data set); along other dims it copies.
    /// </summary>
    public Tensor Narrow(int dim, int start, int length)
    {
        ThrowIfDisposed();
        int d = NormalizeDim(dim, _shape.Length);
        if (start < 0) start += _shape[d];
        if (start < 0 || length < 0 || start + length > _shape[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow({dim}, {start}, {length}) is out of range for dimension {d} of size {_shape[d]}.");
        var shape = (int[])_shape.Clone();
        shape[d] = length;
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= _shape[i];
        for (int i = d + 1; i < _shape.Length; i++) inner *= _shape[i];
        Tensor y;
        if (d == 0) y = ViewAs(shape, (long)start * inner, length * inner);
        else
        {
            y = Empty(shape);
            var src = Data;
            var dst = y.AsSpan();
            for (int o = 0; o < outer; o++)
                src.Slice((o * _shape[d] + start) * inner, length * inner).CopyTo(dst.Slice(o * length * inner, length * inner));
        }
        if (Autograd.Needs(this))
        {
            var srcShape = _shape;
            int full = _shape[d];
            Autograd.Record("Narrow", y, new[] { this }, g =>
            {
                var gx = Zeros(srcShape);
                var gs = g.Data;
                var dst = gx.AsSpan();
                for (int o = 0; o < outer; o++)
                    gs.Slice(o * length * inner, length * inner).CopyTo(dst.Slice((o * full + start) * inner, length * inner));
                return new Tensor?[] { gx };
            });
            if (Autograd.Tracing) Autograd.Annotate(y, new Nn.ModuleSpec("Narrow").With("dim", d).With("start", start).With("length", length));
        }
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="dim"/>, with that dimension removed (a view along dim 0).</summary>
    public Tensor Select(int dim, int index)
    {
        int d = NormalizeDim(dim, Rank);
        using var n = Narrow(d, index, 1);
        return n.Squeeze(d);
    }

    /// <summary>Rows <paramref name="indices"/> along dim 0, copied (for shuffled mini-batches). Recorded.</summary>
    public Tensor IndexSelect(ReadOnlySpan<int> indices)
    {
        ThrowIfDisposed();
        if (Rank == 0) throw new InvalidOperationException("IndexSelect needs a tensor with at least one dimension.");
        int rows = _shape[0], inner = rows == 0 ? 0 : _count / rows;
        var shape = (int[])_shape.Clone();
        shape[0] = indices.Length;
        var y = Empty(shape);
        var src = Data;
        var dst = y.AsSpan();
        for (int i = 0; i < indices.Length; i++)
        {
            int r = indices[i];
            if ((uint)r >= (uint)rows) throw new IndexOutOfRangeException($"index {r} is out of range for dimension 0 of size {rows} (position {i}).");
            src.Slice(r * inner, inner).CopyTo(dst.Slice(i * inner, inner));
        }
        if (Autograd.Needs(this))
        {
            var idx = indices.ToArray();
            var srcShape = _shape;
            Autograd.Record("IndexSelect", y, new[] { this }, g =>
            {
                var gx = Zeros(srcShape);
                var gd = gx.AsSpan();
                var gs = g.Data;
                for (int i = 0; i < idx.Length; i++)
                    K.Binary(Kernels.BinaryOp.Add, gd.Slice(idx[i] * inner, inner), gs.Slice(i * inner, inner), gd.Slice(idx[i] * inner, inner));
                return new Tensor?[] { gx };
            });
        }
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>Concatenates tensors along <paramref name="dim"/> (all other dimensions equal). Recorded.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Concat needs at least one tensor.", nameof(tensors));
        var first = tensors[0];
        first.ThrowIfDisposed();
        int r = first.Rank;
        int d = NormalizeDim(dim, r);
        var shape = first.ShapeChecked();
        int total = 0;
        var sizes = new int[tensors.Count];
        for (int t = 0; t < tensors.Count; t++)
        {
            var s = tensors[t].ShapeRef;
            tensors[t].ThrowIfDisposed();
            if (s.Length != r) throw new ArgumentException($"Every tensor must have rank {r}. Received: tensor {t} has shape {ShapeString(s)}", nameof(tensors));
            for (int i = 0; i < r; i++)
                if (i != d && s[i] != shape[i])
                    throw new ArgumentException($"Tensor {t} has shape {ShapeString(s)}, which does not match {ShapeString(shape)} outside dimension {d}.", nameof(tensors));
            sizes[t] = s[d];
            total += s[d];
        }
        shape[d] = total;
        int outer = 1, inner = 1;
        for (int i = 0; i < d; i++) outer *= shape[i];
        for (int i = d + 1; i < r; i++) inner *= shape[i];
        var y = Empty(shape);
        var dst = y.AsSpan();
        int offset = 0;
        for (int t = 0; t < tensors.Count; t++)
        {
            var src = tensors[t].Data;
            int len = sizes[t] * inner;
            for (int o = 0; o < outer; o++) src.Slice(o * len, len).CopyTo(dst.Slice(o * total * inner + offset * inner, len));
            offset += sizes[t];
        }
        var inputs = new Tensor[tensors.Count];
        for (int t = 0; t < inputs.Length; t++) inputs[t] = tensors[t];
        if (Autograd.Needs(inputs))
        {
            Autograd.Record("Concat", y, inputs, g =>
            {
                var grads = new Tensor?[inputs.Length];
                int off = 0;
                for (int t = 0; t < inputs.Length; t++)
                {
                    if (inputs[t].RequiresGrad) grads[t] = g.Narrow(d, off, sizes[t]);
                    off += sizes[t];
                }
                return grads;
            });
            if (Autograd.Tracing) Autograd.Annotate(y, new Nn.ModuleSpec("Concat").With("dim", d));
        }
        GC.KeepAlive(inputs);
        return y;
    }

    /// <summary>Stacks equal-shaped tensors along a new dimension <paramref name="dim"/>. Recorded.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("Stack needs at least one tensor.", nameof(tensors));
        var parts = new Tensor[tensors.Count];
        try
        {
            for (int i = 0; i < parts.Length; i++)
            {
                if (!SameShape(tensors[i].ShapeRef, tensors[0].ShapeRef))
                    throw new ArgumentException($"Stack needs equal shapes. Received: tensor 0 {ShapeString(tensors[0].ShapeRef)}, tensor {i} {ShapeString(tensors[i].ShapeRef)}", nameof(tensors));
                parts[i] = tensors[i].Unsqueeze(dim < 0 ? dim + tensors[0].Rank + 1 : dim);
            }
            return Concat(parts, dim < 0 ? dim + tensors[0].Rank + 1 : dim);
        }
        finally
        {
            foreach (var p in parts) p?.Dispose();
        }
    }
}
