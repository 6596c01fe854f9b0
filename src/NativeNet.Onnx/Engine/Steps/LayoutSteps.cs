using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>Copies a constant into the arena (a constant used where a runtime value is read).</summary>
internal sealed unsafe class ConstantCopyStep(string label, float* source, long count, int y) : Step(label, [], [y])
{
    public override void Run(ExecutionPlan plan) => Buffer.MemoryCopy(source, plan.F(y), count * 4, count * 4);
}

/// <summary>
/// A strided gather: y[i] = x[base + Σ index_d · stride_d] over the output's dimensions, with the
/// innermost dimension copied as a block when its stride is 1. Transpose, Slice, Split, Concat
/// (one step per part, writing into the joined output) and Expand are all this with different strides.
/// </summary>
internal sealed unsafe class StridedCopyStep : Step
{
    private readonly int _x, _y;
    private readonly long _srcBase, _dstBase;
    private readonly long[] _shape, _srcStride, _dstStride, _counter;
    private readonly long _rows;

    public StridedCopyStep(string label, int x, int y, long[] shape, long[] srcStride, long srcBase, long[] dstStride, long dstBase)
        : base(label, [x], [y])
    {
        _x = x; _y = y; _srcBase = srcBase; _dstBase = dstBase;
        // drop size-1 dimensions and merge dimensions contiguous in both source and destination
        var dims = new List<(long Size, long S, long D)>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            if (dims.Count > 0 && dims[^1].S == srcStride[d] * shape[d] && dims[^1].D == dstStride[d] * shape[d])
                dims[^1] = (dims[^1].Size * shape[d], srcStride[d], dstStride[d]);
            else dims.Add((shape[d], srcStride[d], dstStride[d]));
        }
        if (dims.Count == 0 || dims[^1].S != 1 || dims[^1].D != 1) dims.Add((1, 1, 1));
        _shape = dims.Select(d => d.Size).ToArray();
        _srcStride = dims.Select(d => d.S).ToArray();
        _dstStride = dims.Select(d => d.D).ToArray();
        _counter = new long[_shape.Length];
        _rows = ShapeMath.Count(shape) / _shape[^1];
        if (ShapeMath.Count(shape) == 0) _rows = 0;
    }

    public override void Run(ExecutionPlan plan)
    {
        float* x = plan.F(_x) + _srcBase, y = plan.F(_y) + _dstBase;
        int last = _shape.Length - 1;
        long block = _shape[last] * sizeof(float);
        Array.Clear(_counter);
        long so = 0, dO = 0;
        for (long r = 0; r < _rows; r++)
        {
            Buffer.MemoryCopy(x + so, y + dO, block, block);
            for (int d = last - 1; d >= 0; d--)
            {
                so += _srcStride[d]; dO += _dstStride[d];
                if (++_counter[d] < _shape[d]) break;
                so -= _srcStride[d] * _shape[d]; dO -= _dstStride[d] * _shape[d];
                _counter[d] = 0;
            }
        }
    }
}

/// <summary>Transpose: a <see cref="StridedCopyStep"/> that keeps its geometry, so a Gather of one index can take it over.</summary>
internal sealed class TransposeStep : Step
{
    private readonly long[] _inShape;
    private readonly int[] _perm;
    private readonly StridedCopyStep _copy;

    public TransposeStep(string label, int x, int y, long[] inShape, int[] perm) : base(label, [x], [y])
    {
        X = x; Y = y; _inShape = inShape; _perm = perm;
        var st = ShapeMath.Strides(inShape);
        var os = perm.Select(p => inShape[p]).ToArray();
        _copy = new StridedCopyStep(label, x, y, os, perm.Select(p => st[p]).ToArray(), 0, ShapeMath.Strides(os), 0);
    }

    public int X { get; }
    public int Y { get; }

    /// <summary>
    /// This transpose followed by a Gather of the single <paramref name="index"/> on output axis
    /// <paramref name="axis"/> into <paramref name="y"/>: the elements of that index, copied once
    /// straight from the transpose's input (the same values; the transposed tensor is not written).
    /// </summary>
    public StridedCopyStep Gathered(string label, int axis, long index, int y)
    {
        var st = ShapeMath.Strides(_inShape);
        var src = _perm.Select(p => st[p]).Where((_, d) => d != axis).ToArray();
        var os = _perm.Select(p => _inShape[p]).Where((_, d) => d != axis).ToArray();
        return new StridedCopyStep(Label + " + " + label, X, y, os, src, index * st[_perm[axis]], ShapeMath.Strides(os), 0);
    }

    public override void Run(ExecutionPlan plan) => _copy.Run(plan);
}

/// <summary>Gather along an axis with constant indices: one block copy per (outer, index).</summary>
internal sealed unsafe class GatherStep(string label, int x, int y, long outer, long dim, long inner, long[] indices) : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan)
    {
        float* px = plan.F(x), py = plan.F(y);
        long bytes = inner * sizeof(float);
        for (long o = 0; o < outer; o++)
            for (long j = 0; j < indices.Length; j++)
                Buffer.MemoryCopy(px + (o * dim + indices[j]) * inner, py + (o * indices.Length + j) * inner, bytes, bytes);
    }
}

/// <summary>Fills the output with a value (the padding of Pad, before the interior is copied in).</summary>
internal sealed unsafe class FillStep(string label, int y, long count, float value) : Step(label, [], [y])
{
    public override void Run(ExecutionPlan plan)
    {
        float* p = plan.F(y);
        for (long start = 0; start < count; start += 1 << 30)
            new Span<float>(p + start, (int)Math.Min(1 << 30, count - start)).Fill(value);
    }
}

/// <summary>Resize / Upsample, nearest (asymmetric/floor, PyTorch's "nearest") or linear (half_pixel / align_corners) over the two trailing dimensions.</summary>
internal sealed unsafe class ResizeStep(string label, int x, int y, long planes, long ih, long iw, long oh, long ow,
    bool linear, bool alignCorners, bool halfPixel, float scaleH, float scaleW) : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan)
    {
        float* px = plan.F(x), py = plan.F(y);
        for (long p = 0; p < planes; p++)
        {
            float* src = px + p * ih * iw, dst = py + p * oh * ow;
            for (long i = 0; i < oh; i++)
            {
                if (!linear)
                {
                    long si = Math.Min((long)MathF.Floor(i / scaleH), ih - 1);
                    for (long j = 0; j < ow; j++) dst[i * ow + j] = src[si * iw + Math.Min((long)MathF.Floor(j / scaleW), iw - 1)];
                    continue;
                }
                float fy = Coordinate(i, ih, oh, scaleH);
                long y0 = (long)MathF.Floor(fy), y1 = Math.Min(y0 + 1, ih - 1);
                float wy = fy - y0;
                for (long j = 0; j < ow; j++)
                {
                    float fx = Coordinate(j, iw, ow, scaleW);
                    long x0 = (long)MathF.Floor(fx), x1 = Math.Min(x0 + 1, iw - 1);
                    float wx = fx - x0;
                    float top = src[y0 * iw + x0] * (1 - wx) + src[y0 * iw + x1] * wx;
                    float bottom = src[y1 * iw + x0] * (1 - wx) + src[y1 * iw + x1] * wx;
                    dst[i * ow + j] = top * (1 - wy) + bottom * wy;
                }
            }
        }
    }

    private float Coordinate(long o, long inSize, long outSize, float scale)
    {
        float c = alignCorners ? (outSize > 1 ? o * (inSize - 1f) / (outSize - 1) : 0)
                : halfPixel ? (o + 0.5f) / scale - 0.5f : o / scale;
        return Math.Clamp(c, 0, inSize - 1);
    }
}

/// <summary>
/// Pad in mode "reflect" or "edge" (PyTorch's ReflectionPad / ReplicationPad): each output element
/// reads the input at coordinates mapped per dimension — mirrored about the border without
/// repeating it, or clamped to it. The maps are built at plan time; a run gathers one output row
/// (the last dimension) at a time.
/// </summary>
internal sealed unsafe class MappedPadStep : Step
{
    private readonly int _x, _y;
    private readonly long[][] _maps;      // per dimension: output coordinate -> input coordinate
    private readonly long[] _srcStride, _outShape, _counter;
    private readonly long _rows;

    public MappedPadStep(string label, int x, int y, long[] inShape, long[] padsBegin, long[] outShape, bool reflect)
        : base(label, [x], [y])
    {
        _x = x; _y = y; _outShape = outShape;
        _srcStride = ShapeMath.Strides(inShape);
        _maps = new long[inShape.Length][];
        for (int d = 0; d < inShape.Length; d++)
        {
            long n = inShape[d];
            _maps[d] = new long[outShape[d]];
            for (long o = 0; o < outShape[d]; o++)
            {
                long i = o - padsBegin[d];
                _maps[d][o] = reflect
                    ? (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i)
                    : Math.Clamp(i, 0, n - 1);
            }
        }
        _counter = new long[outShape.Length];
        _rows = outShape.Length == 0 || outShape[^1] == 0 ? 0 : ShapeMath.Count(outShape) / outShape[^1];
    }

    public override void Run(ExecutionPlan plan)
    {
        float* src = plan.F(_x), dst = plan.F(_y);
        int last = _outShape.Length - 1;
        long width = _outShape[last];
        long[] lastMap = _maps[last];
        Array.Clear(_counter);
        for (long r = 0; r < _rows; r++)
        {
            long rowBase = 0;
            for (int d = 0; d < last; d++) rowBase += _maps[d][_counter[d]] * _srcStride[d];
            float* row = src + rowBase;
            for (long o = 0; o < width; o++) dst[o] = row[lastMap[o]];
            dst += width;
            for (int d = last - 1; d >= 0 && ++_counter[d] == _outShape[d]; d--) _counter[d] = 0;
        }
    }
}
