using System.Numerics.Tensors;
using NativeNet.Interop;

namespace NativeNet.Onnx.Engine;

/// <summary>The element-wise functions the engine runs on its own or fuses into a conv/GEMM epilogue.</summary>
internal enum ActivationKind
{
    None, Relu, Sigmoid, Tanh, Gelu, LeakyRelu, Elu, Clip, HardSigmoid, HardSwish, Exp, Log, Neg, Abs, Sqrt, Erf, Softplus,
}

/// <summary>An activation with its parameters (LeakyRelu/Elu alpha, Clip bounds, HardSigmoid alpha/beta).</summary>
internal readonly record struct Activation(ActivationKind Kind, float Alpha = 0, float Beta = 0)
{
    public static readonly Activation None = new(ActivationKind.None);

    /// <summary>The GEMM and plain-convolution epilogue code (nn_unary_op IDENTITY..GELU), or -1 when it must run as its own pass.</summary>
    public int EpilogueCode => Kind switch
    {
        ActivationKind.None => 0,
        ActivationKind.Relu => 1,
        ActivationKind.Sigmoid => 2,
        ActivationKind.Tanh => 3,
        ActivationKind.Gelu => 4,
        _ => -1,
    };

    /// <summary>
    /// The native element-wise op (nn_unary_op and its alpha) that computes this activation, for the
    /// packed convolution's epilogue; null when it runs as a managed pass (Erf, or a Clip,
    /// HardSigmoid or HardSwish with other constants than ReLU6's and PyTorch's).
    /// </summary>
    public (nn_unary_op Op, float Alpha)? NativeUnary => Kind switch
    {
        ActivationKind.None => (nn_unary_op.NN_UNARY_IDENTITY, 0f),
        ActivationKind.Relu => (nn_unary_op.NN_UNARY_RELU, 0f),
        ActivationKind.Sigmoid => (nn_unary_op.NN_UNARY_SIGMOID, 0f),
        ActivationKind.Tanh => (nn_unary_op.NN_UNARY_TANH, 0f),
        ActivationKind.Gelu => (nn_unary_op.NN_UNARY_GELU, 0f),
        ActivationKind.LeakyRelu => (nn_unary_op.NN_UNARY_LEAKY_RELU, Alpha),
        ActivationKind.Elu => (nn_unary_op.NN_UNARY_ELU, Alpha),
        ActivationKind.Clip when Alpha == 0 && Beta == 6 => (nn_unary_op.NN_UNARY_RELU6, 0f),
        ActivationKind.Clip when Alpha == 0 && float.IsPositiveInfinity(Beta) => (nn_unary_op.NN_UNARY_RELU, 0f),
        ActivationKind.HardSwish when Alpha == 1f / 6 && Beta == 0.5f => (nn_unary_op.NN_UNARY_HARDSWISH, 0f),
        ActivationKind.HardSigmoid when Alpha == 1f / 6 && Beta == 0.5f => (nn_unary_op.NN_UNARY_HARDSIGMOID, 0f),
        ActivationKind.Softplus => (nn_unary_op.NN_UNARY_SOFTPLUS, 0f),
        ActivationKind.Exp => (nn_unary_op.NN_UNARY_EXP, 0f),
        ActivationKind.Log => (nn_unary_op.NN_UNARY_LOG, 0f),
        ActivationKind.Neg => (nn_unary_op.NN_UNARY_NEG, 0f),
        ActivationKind.Abs => (nn_unary_op.NN_UNARY_ABS, 0f),
        ActivationKind.Sqrt => (nn_unary_op.NN_UNARY_SQRT, 0f),
        _ => null,
    };

    /// <summary>The activation for an ONNX unary op, or null if <paramref name="op"/> is not one.</summary>
    public static Activation? ForOp(string op, Func<string, float, float> attr) => op switch
    {
        "Relu" => new(ActivationKind.Relu),
        "Sigmoid" => new(ActivationKind.Sigmoid),
        "Tanh" => new(ActivationKind.Tanh),
        "Gelu" => new(ActivationKind.Gelu),
        "LeakyRelu" => new(ActivationKind.LeakyRelu, attr("alpha", 0.01f)),
        "Elu" => new(ActivationKind.Elu, attr("alpha", 1f)),
        "HardSigmoid" => new(ActivationKind.HardSigmoid, attr("alpha", 0.2f), attr("beta", 0.5f)),
        "HardSwish" => new(ActivationKind.HardSwish, 1f / 6, 0.5f),
        "Exp" => new(ActivationKind.Exp),
        "Log" => new(ActivationKind.Log),
        "Neg" => new(ActivationKind.Neg),
        "Abs" => new(ActivationKind.Abs),
        "Sqrt" => new(ActivationKind.Sqrt),
        "Erf" => new(ActivationKind.Erf),
        "Softplus" => new(ActivationKind.Softplus),
        _ => null,
    };

    /// <summary>y = f(x) over n elements (x may equal y).</summary>
    public unsafe void Apply(float* x, float* y, long n)
    {
        nn_unary_op? native = Kind switch
        {
            ActivationKind.Relu => nn_unary_op.NN_UNARY_RELU,
            ActivationKind.Sigmoid => nn_unary_op.NN_UNARY_SIGMOID,
            ActivationKind.Tanh => nn_unary_op.NN_UNARY_TANH,
            ActivationKind.Gelu => nn_unary_op.NN_UNARY_GELU,
            ActivationKind.LeakyRelu => nn_unary_op.NN_UNARY_LEAKY_RELU,
            ActivationKind.Elu => nn_unary_op.NN_UNARY_ELU,
            ActivationKind.Exp => nn_unary_op.NN_UNARY_EXP,
            ActivationKind.Log => nn_unary_op.NN_UNARY_LOG,
            ActivationKind.Neg => nn_unary_op.NN_UNARY_NEG,
            ActivationKind.Abs => nn_unary_op.NN_UNARY_ABS,
            ActivationKind.Sqrt => nn_unary_op.NN_UNARY_SQRT,
            _ => null,
        };
        if (Kind == ActivationKind.None)
        {
            if (x != y) Buffer.MemoryCopy(x, y, n * sizeof(float), n * sizeof(float));
            return;
        }
        if (native is { } op)
        {
            Native.Check(NativeMethods.nn_unary(op, x, y, n, Alpha));
            return;
        }
        // Managed passes, in chunks (a Span is int-indexed).
        for (long start = 0; start < n; start += 1 << 28)
        {
            int len = (int)Math.Min(1 << 28, n - start);
            var src = new ReadOnlySpan<float>(x + start, len);
            var dst = new Span<float>(y + start, len);
            switch (Kind)
            {
                case ActivationKind.Clip:
                    TensorPrimitives.Max(src, Alpha, dst);
                    TensorPrimitives.Min(dst, Beta, dst);
                    break;
                case ActivationKind.HardSigmoid:
                    TensorPrimitives.Multiply(src, Alpha, dst);
                    TensorPrimitives.Add(dst, Beta, dst);
                    TensorPrimitives.Max(dst, 0f, dst);
                    TensorPrimitives.Min(dst, 1f, dst);
                    break;
                case ActivationKind.HardSwish:
                    HardSwish(src, dst);
                    break;
                case ActivationKind.Softplus:
                    for (int i = 0; i < len; i++) dst[i] = src[i] > 20 ? src[i] : MathF.Log(1 + MathF.Exp(src[i]));
                    break;
                case ActivationKind.Erf:
                    for (int i = 0; i < len; i++) dst[i] = Erf(src[i]);
                    break;
                default:
                    throw new InvalidOperationException($"activation {Kind} has no implementation");
            }
        }
    }

    // x * clamp(x / 6 + 1/2, 0, 1), vectorized without a temporary (x and y may alias).
    private static void HardSwish(ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var sixth = new System.Numerics.Vector<float>(1f / 6);
            var half = new System.Numerics.Vector<float>(0.5f);
            var one = System.Numerics.Vector<float>.One;
            for (; i <= x.Length - System.Numerics.Vector<float>.Count; i += System.Numerics.Vector<float>.Count)
            {
                var v = new System.Numerics.Vector<float>(x[i..]);
                var g = System.Numerics.Vector.Min(System.Numerics.Vector.Max(v * sixth + half, System.Numerics.Vector<float>.Zero), one);
                (v * g).CopyTo(y[i..]);
            }
        }
        for (; i < x.Length; i++) y[i] = x[i] * Math.Clamp(x[i] / 6 + 0.5f, 0, 1);
    }

    /// <summary>erf to ~1e-7 absolute (Abramowitz and Stegun 7.1.26 in double).</summary>
    public static float Erf(float v)
    {
        double x = Math.Abs(v), t = 1 / (1 + 0.3275911 * x);
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return (float)(v < 0 ? -y : y);
    }
}
