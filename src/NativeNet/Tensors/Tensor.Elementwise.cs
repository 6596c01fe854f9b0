using NativeNet.Kernels;

namespace NativeNet;

public sealed partial class Tensor
{
    private static Tensor Binary(Tensor a, Tensor b, BinaryOp op, string name)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        a.ThrowIfDisposed();
        b.ThrowIfDisposed();
        Tensor y;
        var k = K;
        if (SameShape(a._shape, b._shape))
        {
            y = Empty((int[])a._shape.Clone());
            k.Binary(op, a.Data, b.Data, y.AsSpan());
        }
        else
        {
            var shape = BroadcastShapes(a._shape, b._shape);
            y = Empty(shape);
            if (b._count == 1 && SameShape(shape, a._shape)) k.BinaryScalar(op, a.Data, b.Data[0], y.AsSpan());
            else if (a._count == 1 && SameShape(shape, b._shape) && (op == BinaryOp.Add || op == BinaryOp.Mul || op == BinaryOp.Max || op == BinaryOp.Min))
                k.BinaryScalar(op, b.Data, a.Data[0], y.AsSpan());
            else
            {
                var ea = SameShape(shape, a._shape) ? null : Empty(shape, register: false);
                var eb = SameShape(shape, b._shape) ? null : Empty(shape, register: false);
                try
                {
                    if (ea is not null) BroadcastCopy(a.Data, a._shape, ea.AsSpan(), shape);
                    if (eb is not null) BroadcastCopy(b.Data, b._shape, eb.AsSpan(), shape);
                    k.Binary(op, (ea ?? a).Data, (eb ?? b).Data, y.AsSpan());
                }
                finally
                {
                    ea?.Dispose();
                    eb?.Dispose();
                }
            }
        }
        if (Autograd.Needs(a, b)) RecordBinary(a, b, y, op, name);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return y;
    }

    private static void RecordBinary(Tensor a, Tensor b, Tensor y, BinaryOp op, string name)
    {
        Autograd.Record(name, y, new[] { a, b }, g =>
        {
            Tensor? ga = null, gb = null;
            switch (op)
            {
                case BinaryOp.Add:
                    if (a.RequiresGrad) ga = GradientTo(g, a._shape, owned: false);
                    if (b.RequiresGrad) gb = GradientTo(g, b._shape, owned: false);
                    break;
                case BinaryOp.Sub:
                    if (a.RequiresGrad) ga = GradientTo(g, a._shape, owned: false);
                    if (b.RequiresGrad) gb = GradientTo(g.Neg(), b._shape, owned: true);
                    break;
                case BinaryOp.Mul:
                    if (a.RequiresGrad) ga = GradientTo(g.Mul(b), a._shape, owned: true);
                    if (b.RequiresGrad) gb = GradientTo(g.Mul(a), b._shape, owned: true);
                    break;
                case BinaryOp.Div:
                    if (a.RequiresGrad) ga = GradientTo(g.Div(b), a._shape, owned: true);
                    if (b.RequiresGrad)
                    {
                        // d(a/b)/db = -y/b
                        using var t1 = g.Mul(y);
                        using var t2 = t1.Div(b);
                        gb = GradientTo(t2.Neg(), b._shape, owned: true);
                    }
                    break;
                case BinaryOp.Max:
                case BinaryOp.Min:
                    {
                        // The gradient goes to the winner (a on ties, like torch.maximum splits… here a takes it).
                        using var ea = a.Expand(y._shape);
                        using var eb = b.Expand(y._shape);
                        using var ma = Empty(y.ShapeChecked(), register: false);
                        using var mb = Empty(y.ShapeChecked(), register: false);
                        var sa = ma.AsSpan(); var sb = mb.AsSpan();
                        var va = ea.Data; var vb = eb.Data; var gv = g.Data;
                        for (int i = 0; i < gv.Length; i++)
                        {
                            bool aw = op == BinaryOp.Max ? va[i] >= vb[i] : va[i] <= vb[i];
                            sa[i] = aw ? gv[i] : 0f;
                            sb[i] = aw ? 0f : gv[i];
                        }
                        if (a.RequiresGrad) ga = ma.SumTo(a._shape);
                        if (b.RequiresGrad) gb = mb.SumTo(b._shape);
                        break;
                    }
            }
            return new[] { ga, gb };
        });
    }

    // The gradient of an operand of shape `shape` from `t`, the gradient at the output's shape:
    // summed over broadcast dimensions, else `t` itself when this call owns it, else a view of it.
    // Never a copy: a residual block's Add passed ResNet-18's gradients (24 MB a step at batch 8)
    // through two single-threaded copies, a serial phase at any thread count. Views of one
    // gradient may reach several consumers; the engine sums them out of place and copies a shared
    // gradient before keeping it as a leaf's .Grad (Autograd.RunBackward, AccumulateLeaf).
    private static Tensor GradientTo(Tensor t, int[] shape, bool owned)
    {
        if (SameShape(shape, t._shape)) return owned ? t : t.ViewAs((int[])shape.Clone());
        try
        {
            return t.SumTo(shape);
        }
        finally
        {
            if (owned) t.Dispose();
        }
    }

    /// <summary>Element-wise a + b with broadcasting.</summary>
    public Tensor Add(Tensor other) => Binary(this, other, BinaryOp.Add, "Add");

    /// <summary>Element-wise a − b with broadcasting.</summary>
    public Tensor Sub(Tensor other) => Binary(this, other, BinaryOp.Sub, "Sub");

    /// <summary>Element-wise a · b with broadcasting.</summary>
    public Tensor Mul(Tensor other) => Binary(this, other, BinaryOp.Mul, "Mul");

    /// <summary>Element-wise a / b with broadcasting.</summary>
    public Tensor Div(Tensor other) => Binary(this, other, BinaryOp.Div, "Div");

    /// <summary>Element-wise maximum with broadcasting.</summary>
    public Tensor Maximum(Tensor other) => Binary(this, other, BinaryOp.Max, "Maximum");

    /// <summary>Element-wise minimum with broadcasting.</summary>
    public Tensor Minimum(Tensor other) => Binary(this, other, BinaryOp.Min, "Minimum");

    private Tensor ScalarOp(BinaryOp op, float s, string name)
    {
        ThrowIfDisposed();
        var y = Empty((int[])_shape.Clone());
        K.BinaryScalar(op, Data, s, y.AsSpan());
        if (Autograd.Needs(this))
        {
            var x = this;
            Autograd.Record(name, y, new[] { this }, g =>
            {
                Tensor gx;
                switch (op)
                {
                    case BinaryOp.Add:
                    case BinaryOp.Sub: gx = g.Clone(); break;
                    case BinaryOp.Mul: gx = g.Mul(s); break;
                    case BinaryOp.Div: gx = g.Div(s); break;
                    default:
                        {
                            gx = Empty(g.ShapeChecked(), register: false);
                            var d = gx.AsSpan(); var xv = x.Data; var gv = g.Data;
                            for (int i = 0; i < d.Length; i++)
                                d[i] = (op == BinaryOp.Max ? xv[i] >= s : xv[i] <= s) ? gv[i] : 0f;
                            break;
                        }
                }
                return new Tensor?[] { gx };
            });
            if (Autograd.Tracing) Autograd.Annotate(y, new Nn.ModuleSpec(name).With("value", s));
        }
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>x + s.</summary>
    public Tensor Add(float s) => ScalarOp(BinaryOp.Add, s, "AddScalar");

    /// <summary>x − s.</summary>
    public Tensor Sub(float s) => ScalarOp(BinaryOp.Sub, s, "SubScalar");

    /// <summary>x · s.</summary>
    public Tensor Mul(float s) => ScalarOp(BinaryOp.Mul, s, "MulScalar");

    /// <summary>x / s.</summary>
    public Tensor Div(float s) => ScalarOp(BinaryOp.Div, s, "DivScalar");

    /// <summary>Clamps every element to [min, max] (gradient passes where not clamped).</summary>
    public Tensor Clamp(float min, float max)
    {
        if (min > max) throw new ArgumentException($"min must not exceed max. Received: min={min}, max={max}");
        ThrowIfDisposed();
        var y = Empty((int[])_shape.Clone());
        var k = K;
        k.BinaryScalar(BinaryOp.Max, Data, min, y.AsSpan());
        k.BinaryScalar(BinaryOp.Min, y.Data, max, y.AsSpan());
        if (Autograd.Needs(this))
        {
            var x = this;
            Autograd.Record("Clamp", y, new[] { this }, g =>
            {
                var gx = Empty(g.ShapeChecked(), register: false);
                var d = gx.AsSpan(); var xv = x.Data; var gv = g.Data;
                for (int i = 0; i < d.Length; i++) d[i] = xv[i] >= min && xv[i] <= max ? gv[i] : 0f;
                return new Tensor?[] { gx };
            });
            if (Autograd.Tracing) Autograd.Annotate(y, new Nn.ModuleSpec("Clamp").With("min", min).With("max", max));
        }
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>s − x.</summary>
    public static Tensor operator -(float s, Tensor x)
    {
        using var n = x.Neg();
        return n.Add(s);
    }

    /// <summary>a + b.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    /// <summary>a − b.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    /// <summary>a · b (element-wise).</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    /// <summary>a / b.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    /// <summary>a + s.</summary>
    public static Tensor operator +(Tensor a, float s) => a.Add(s);
    /// <summary>a − s.</summary>
    public static Tensor operator -(Tensor a, float s) => a.Sub(s);
    /// <summary>a · s.</summary>
    public static Tensor operator *(Tensor a, float s) => a.Mul(s);
    /// <summary>s · a.</summary>
    public static Tensor operator *(float s, Tensor a) => a.Mul(s);
    /// <summary>a / s.</summary>
    public static Tensor operator /(Tensor a, float s) => a.Div(s);
    /// <summary>−a.</summary>
    public static Tensor operator -(Tensor a) => a.Neg();

    private Tensor UnaryOpRecorded(UnaryOp op, float alpha, string name)
    {
        ThrowIfDisposed();
        var y = Empty((int[])_shape.Clone());
        var k = K;
        k.Unary(op, Data, y.AsSpan(), alpha);
        if (Autograd.Needs(this))
        {
            var x = this;
            Autograd.Record(name, y, new[] { this }, g =>
            {
                var gx = Empty(g.ShapeChecked(), register: false);
                K.UnaryBackward(op, x.Data, y.Data, g.Data, gx.AsSpan(), alpha);
                return new Tensor?[] { gx };
            });
            if (Autograd.Tracing) Autograd.Annotate(y, new Nn.ModuleSpec(name).With("alpha", alpha));
        }
        GC.KeepAlive(this);
        return y;
    }

    /// <summary>−x.</summary>
    public Tensor Neg() => UnaryOpRecorded(UnaryOp.Neg, 0f, "Neg");
    /// <summary>e^x.</summary>
    public Tensor Exp() => UnaryOpRecorded(UnaryOp.Exp, 0f, "Exp");
    /// <summary>ln x.</summary>
    public Tensor Log() => UnaryOpRecorded(UnaryOp.Log, 0f, "Log");
    /// <summary>|x|.</summary>
    public Tensor Abs() => UnaryOpRecorded(UnaryOp.Abs, 0f, "Abs");
    /// <summary>√x.</summary>
    public Tensor Sqrt() => UnaryOpRecorded(UnaryOp.Sqrt, 0f, "Sqrt");
    /// <summary>x².</summary>
    public Tensor Square() => UnaryOpRecorded(UnaryOp.Square, 0f, "Square");
    /// <summary>max(x, 0).</summary>
    public Tensor Relu() => UnaryOpRecorded(UnaryOp.Relu, 0f, "Relu");
    /// <summary>1/(1+e^−x).</summary>
    public Tensor Sigmoid() => UnaryOpRecorded(UnaryOp.Sigmoid, 0f, "Sigmoid");
    /// <summary>tanh x.</summary>
    public Tensor Tanh() => UnaryOpRecorded(UnaryOp.Tanh, 0f, "Tanh");
    /// <summary>GELU, exact erf form (PyTorch default).</summary>
    public Tensor Gelu() => UnaryOpRecorded(UnaryOp.Gelu, 0f, "Gelu");
    /// <summary>min(max(x, 0), 6).</summary>
    public Tensor Relu6() => UnaryOpRecorded(UnaryOp.Relu6, 0f, "Relu6");
    /// <summary>x·relu6(x + 3)/6.</summary>
    public Tensor Hardswish() => UnaryOpRecorded(UnaryOp.Hardswish, 0f, "Hardswish");
    /// <summary>relu6(x + 3)/6.</summary>
    public Tensor Hardsigmoid() => UnaryOpRecorded(UnaryOp.Hardsigmoid, 0f, "Hardsigmoid");
    /// <summary>x·sigmoid(x) (SiLU, "swish").</summary>
    public Tensor Silu() => UnaryOpRecorded(UnaryOp.Silu, 0f, "Silu");
    /// <summary>ln(1 + e^x) (PyTorch's threshold 20: larger x pass through).</summary>
    public Tensor Softplus() => UnaryOpRecorded(UnaryOp.Softplus, 0f, "Softplus");
    /// <summary>x·tanh(softplus(x)).</summary>
    public Tensor Mish() => UnaryOpRecorded(UnaryOp.Mish, 0f, "Mish");
    /// <summary>x if x &gt; 0 else negativeSlope·x.</summary>
    public Tensor LeakyRelu(float negativeSlope = 0.01f) => UnaryOpRecorded(UnaryOp.LeakyRelu, negativeSlope, "LeakyRelu");
    /// <summary>x if x &gt; 0 else alpha·(e^x − 1).</summary>
    public Tensor Elu(float alpha = 1f) => UnaryOpRecorded(UnaryOp.Elu, alpha, "Elu");

    /// <summary>x^p element-wise.</summary>
    public Tensor Pow(float p)
    {
        ThrowIfDisposed();
        var y = Empty((int[])_shape.Clone());
        System.Numerics.Tensors.TensorPrimitives.Pow(Data, p, y.AsSpan());
        if (Autograd.Needs(this))
        {
            var x = this;
            Autograd.Record("Pow", y, new[] { this }, g =>
            {
                using var xp = x.Pow(p - 1);
                using var d = xp.Mul(p);
                return new Tensor?[] { g.Mul(d) };
            });
        }
        GC.KeepAlive(this);
        return y;
    }
}
