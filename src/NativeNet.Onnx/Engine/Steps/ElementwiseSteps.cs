using System.Numerics;
using System.Numerics.Tensors;
using NativeNet.Interop;
using NativeNet.Onnx.Loading;

namespace NativeNet.Onnx.Engine.Steps;

/// <summary>Vector loops the native library has no single call for.</summary>
internal static unsafe class Elementwise
{
    /// <summary>y = max(a + b, 0): a residual connection and its ReLU in one pass.</summary>
    public static void AddRelu(float* a, float* b, float* y, long n)
    {
        long i = 0;
        int w = Vector<float>.Count;
        for (; i <= n - w; i += w)
        {
            var v = Vector.Load(a + i) + Vector.Load(b + i);
            Vector.Max(v, Vector<float>.Zero).Store(y + i);
        }
        for (; i < n; i++) y[i] = MathF.Max(a[i] + b[i], 0);
    }
}

/// <summary>y = f(x) for one of the engine's activations.</summary>
internal sealed unsafe class UnaryStep(string label, Activation act, int x, int y, long count) : Step(label, [x], [y])
{
    public override void Run(ExecutionPlan plan) => act.Apply(plan.F(x), plan.F(y), count);
}

internal enum BinaryKind { Add, Sub, Mul, Div, Pow, Max, Min }

/// <summary>
/// A broadcasting binary op. At plan time the shapes are coalesced into as few dimensions as
/// possible; the innermost one runs as a vector call (both contiguous, or one side a scalar), the
/// outer ones with a counter kept in the step, so a run allocates nothing.
/// </summary>
internal sealed unsafe class BinaryStep : Step
{
    private readonly BinaryKind _kind;
    private readonly Operand _a, _b;
    private readonly int _y;
    private readonly long[] _outer;   // outer dimension sizes
    private readonly long[] _aStride, _bStride; // per outer dimension, in elements
    private readonly long[] _counter;
    private readonly long _inner, _aInner, _bInner; // inner run length and strides (1 or 0)
    private readonly Activation _act;
    private readonly long _count;

    public BinaryStep(string label, BinaryKind kind, Operand a, long[] aShape, Operand b, long[] bShape, long[] outShape, int y, Activation act)
        : base(label, [.. new[] { a, b }.Where(o => o.IsSlot).Select(o => o.SlotIndex)], [y])
    {
        _kind = kind; _a = a; _b = b; _y = y; _act = act;
        _count = ShapeMath.Count(outShape);
        var sa = ShapeMath.BroadcastStrides(aShape, outShape);
        var sb = ShapeMath.BroadcastStrides(bShape, outShape);
        // Coalesce dimension d into d+1 when both operands are contiguous across the pair.
        var dims = new List<(long Size, long A, long B)>();
        for (int d = 0; d < outShape.Length; d++)
        {
            if (outShape[d] == 1) continue;
            if (dims.Count > 0)
            {
                var last = dims[^1];
                if (last.A == sa[d] * outShape[d] && last.B == sb[d] * outShape[d])
                {
                    dims[^1] = (last.Size * outShape[d], sa[d], sb[d]);
                    continue;
                }
            }
            dims.Add((outShape[d], sa[d], sb[d]));
        }
        if (dims.Count == 0) dims.Add((1, 0, 0));
        var inner = dims[^1];
        _inner = inner.Size; _aInner = inner.A; _bInner = inner.B; // innermost strides are 1 (present) or 0 (broadcast)
        dims.RemoveAt(dims.Count - 1);
        _outer = dims.Select(d => d.Size).ToArray();
        _aStride = dims.Select(d => d.A).ToArray();
        _bStride = dims.Select(d => d.B).ToArray();
        _counter = new long[_outer.Length];
    }

    public override void Run(ExecutionPlan plan)
    {
        float* a = _a.Get(plan), b = _b.Get(plan), y = plan.F(_y);
        Array.Clear(_counter);
        long rows = _count / Math.Max(_inner, 1);
        long ao = 0, bo = 0;
        for (long r = 0; r < rows; r++)
        {
            Row(a + ao, b + bo, y + r * _inner);
            // advance the odometer
            for (int d = _outer.Length - 1; d >= 0; d--)
            {
                ao += _aStride[d]; bo += _bStride[d];
                if (++_counter[d] < _outer[d]) break;
                ao -= _aStride[d] * _outer[d]; bo -= _bStride[d] * _outer[d];
                _counter[d] = 0;
            }
        }
        if (_act.Kind != ActivationKind.None) _act.Apply(y, y, _count);
    }

    private void Row(float* a, float* b, float* y)
    {
        int n = (int)_inner;
        var dst = new Span<float>(y, n);
        if (_aInner == 1 && _bInner == 1)
        {
            var x1 = new ReadOnlySpan<float>(a, n); var x2 = new ReadOnlySpan<float>(b, n);
            switch (_kind)
            {
                case BinaryKind.Add: TensorPrimitives.Add(x1, x2, dst); break;
                case BinaryKind.Sub: TensorPrimitives.Subtract(x1, x2, dst); break;
                case BinaryKind.Mul: TensorPrimitives.Multiply(x1, x2, dst); break;
                case BinaryKind.Div: TensorPrimitives.Divide(x1, x2, dst); break;
                case BinaryKind.Pow: TensorPrimitives.Pow(x1, x2, dst); break;
                case BinaryKind.Max: TensorPrimitives.Max(x1, x2, dst); break;
                case BinaryKind.Min: TensorPrimitives.Min(x1, x2, dst); break;
            }
        }
        else if (_bInner == 0 && _aInner == 1)
        {
            var x1 = new ReadOnlySpan<float>(a, n); float s = *b;
            switch (_kind)
            {
                case BinaryKind.Add: TensorPrimitives.Add(x1, s, dst); break;
                case BinaryKind.Sub: TensorPrimitives.Subtract(x1, s, dst); break;
                case BinaryKind.Mul: TensorPrimitives.Multiply(x1, s, dst); break;
                case BinaryKind.Div: TensorPrimitives.Divide(x1, s, dst); break;
                case BinaryKind.Pow:
                    if (s == 2f) TensorPrimitives.Multiply(x1, x1, dst);
                    else if (s == 0.5f) TensorPrimitives.Sqrt(x1, dst);
                    else TensorPrimitives.Pow(x1, s, dst);
                    break;
                case BinaryKind.Max: TensorPrimitives.Max(x1, s, dst); break;
                case BinaryKind.Min: TensorPrimitives.Min(x1, s, dst); break;
            }
        }
        else if (_aInner == 0 && _bInner == 1)
        {
            float s = *a; var x2 = new ReadOnlySpan<float>(b, n);
            switch (_kind)
            {
                case BinaryKind.Add: TensorPrimitives.Add(x2, s, dst); break;
                case BinaryKind.Sub: TensorPrimitives.Subtract(s, x2, dst); break;
                case BinaryKind.Mul: TensorPrimitives.Multiply(x2, s, dst); break;
                case BinaryKind.Div: TensorPrimitives.Divide(s, x2, dst); break;
                case BinaryKind.Pow: TensorPrimitives.Pow(s, x2, dst); break;
                case BinaryKind.Max: TensorPrimitives.Max(x2, s, dst); break;
                case BinaryKind.Min: TensorPrimitives.Min(x2, s, dst); break;
            }
        }
        else
        {
            float v = Apply(*a, *b);
            dst.Fill(v);
        }
    }

    private float Apply(float x, float y) => _kind switch
    {
        BinaryKind.Add => x + y,
        BinaryKind.Sub => x - y,
        BinaryKind.Mul => x * y,
        BinaryKind.Div => x / y,
        BinaryKind.Pow => MathF.Pow(x, y),
        BinaryKind.Max => MathF.Max(x, y),
        _ => MathF.Min(x, y),
    };
}
