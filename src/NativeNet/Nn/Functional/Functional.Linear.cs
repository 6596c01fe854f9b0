using NativeNet.Kernels;

namespace NativeNet.Nn;

/// <summary>
/// Stateless layer ops with fused autograd nodes (one node per call, backward in one place).
/// Modules call these; they are public for users who build models by hand.
/// </summary>
public static partial class Functional
{
    private static IKernels K => KernelProvider.Current;

    /// <summary>y = x·Wᵀ + b for x [.., in], weight [out, in], bias [out] (optional). One autograd node.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Linear(input, weight, bias, GemmActivation.None, null);

    /// <summary>
    /// <see cref="Linear(Tensor, Tensor, Tensor?)"/> with its products in <paramref name="precision"/>:
    /// <see cref="Precision.BFloat16"/> rounds both operands of the forward and backward products to
    /// bfloat16 and accumulates in float32 (docs/bf16.md).
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, Precision precision)
    {
        if (precision is not (Precision.Float32 or Precision.BFloat16))
            throw new ArgumentOutOfRangeException(nameof(precision), precision, $"precision is not a Precision. Received: {(int)precision}");
        return Linear(input, weight, bias, GemmActivation.None, null, precision);
    }

    /// <summary>
    /// act(x·Wᵀ + b) as one GEMM with the bias and activation fused into its epilogue and one
    /// autograd node. <paramref name="activation"/> is one that <see cref="LinearFuses"/> accepts
    /// (the fusions whose backward needs only the output). <paramref name="packedWeight"/>, when given, is Wᵀ packed by the
    /// current backend from the weight's present values (see <see cref="NativeNet.Nn.Linear"/>), in
    /// <paramref name="precision"/>. <see cref="Precision.BFloat16"/>: the forward product and both
    /// backward products (dX, dW) take bf16 operands with float32 accumulation; the bias gradient,
    /// the activation's gradient and everything else stay float32.
    /// </summary>
    internal static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, GemmActivation activation, PackedMatrix? packedWeight,
                                  Precision precision = Precision.Float32)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        ThrowIfDisposed(input, weight, bias);
        if (weight.Rank != 2) throw new ArgumentException($"weight must be 2-D [out_features, in_features]. Received: shape={Tensor.ShapeString(weight.ShapeRef)}", nameof(weight));
        int outF = weight.ShapeRef[0], inF = weight.ShapeRef[1];
        if (input.Rank == 0 || input.ShapeRef[^1] != inF)
            throw new ArgumentException($"input's last dimension must be in_features={inF}. Received: input shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        if (bias is not null && (bias.Rank != 1 || bias.ShapeRef[0] != outF))
            throw new ArgumentException($"bias must have shape [{outF}]. Received: shape={Tensor.ShapeString(bias.ShapeRef)}", nameof(bias));
        if (!LinearFuses(activation))
            throw new ArgumentOutOfRangeException(nameof(activation), activation, $"Linear fuses only None, Relu, Sigmoid or Tanh. Received: activation={activation}");
        int m = inF == 0 ? 1 : input.Count / inF;
        for (int i = 0; i < input.Rank - 1 && inF == 0; i++) m *= input.ShapeRef[i];
        var shape = input.ShapeChecked();
        shape[^1] = outF;
        var y = Tensor.Empty(shape);
        var biasData = bias is null ? default : bias.Data;
        var biasMode = bias is null ? BiasMode.None : BiasMode.Column;
        if (packedWeight is not null)
            K.GemmPacked(false, m, outF, inF, 1f, input.Data, Math.Max(inF, 1), packedWeight, 0f, y.AsSpan(), Math.Max(outF, 1), biasData, biasMode, activation);
        else
            K.Gemm(false, true, m, outF, inF, 1f, input.Data, Math.Max(inF, 1), weight.Data, Math.Max(inF, 1), 0f, y.AsSpan(), Math.Max(outF, 1), biasData, biasMode, activation, precision);
        var inputs = bias is null ? new[] { input, weight } : new[] { input, weight, bias };
        if (Autograd.Needs(inputs))
        {
            Autograd.Record(activation == GemmActivation.None ? "Linear" : "Linear" + activation, y, inputs, gy =>
            {
                var k = K;
                Tensor? gx = null, gw = null, gb = null, masked = null;
                var g = gy;
                if (activation != GemmActivation.None)
                {
                    // Each fused activation's derivative follows from its output (relu: y > 0 exactly
                    // where z > 0; sigmoid: y(1 − y); tanh: 1 − y²), so y stands in for z.
                    masked = Tensor.Empty(gy.ShapeChecked(), register: false);
                    k.UnaryBackward(EpilogueFusion.ToUnaryOp(activation), y.Data, y.Data, gy.Data, masked.AsSpan(), 0f);
                    g = masked;
                }
                if (input.RequiresGrad)
                {
                    gx = Tensor.Empty(input.ShapeChecked(), register: false);
                    k.Gemm(false, false, m, inF, outF, 1f, g.Data, Math.Max(outF, 1), weight.Data, Math.Max(inF, 1), 0f, gx.AsSpan(), Math.Max(inF, 1), precision: precision);
                }
                if (weight.RequiresGrad)
                {
                    gw = Tensor.Empty(weight.ShapeChecked(), register: false);
                    k.Gemm(true, false, outF, inF, m, 1f, g.Data, Math.Max(outF, 1), input.Data, Math.Max(inF, 1), 0f, gw.AsSpan(), Math.Max(inF, 1), precision: precision);
                }
                if (bias is not null && bias.RequiresGrad)
                {
                    gb = Tensor.Empty(new[] { outF }, register: false);
                    ColumnSums(g.Data, m, outF, gb.AsSpan());
                }
                masked?.Dispose();
                return bias is null ? new[] { gx, gw } : new[] { gx, gw, gb };
            });
        }
        GC.KeepAlive(input);
        GC.KeepAlive(weight);
        GC.KeepAlive(bias);
        return y;
    }

    /// <summary>The activations <see cref="Linear(Tensor, Tensor, Tensor?, GemmActivation, PackedMatrix?, Precision)"/> fuses: those whose derivative follows from the output.</summary>
    internal static bool LinearFuses(GemmActivation activation) =>
        activation is GemmActivation.None or GemmActivation.Relu or GemmActivation.Sigmoid or GemmActivation.Tanh;

    /// <summary>dst[j] = Σ_i src[i, j] for src [rows, cols].</summary>
    internal static void ColumnSums(ReadOnlySpan<float> src, int rows, int cols, Span<float> dst)
    {
        dst.Clear();
        var k = K;
        for (int i = 0; i < rows; i++) k.Binary(BinaryOp.Add, dst, src.Slice(i * cols, cols), dst);
    }

    /// <summary>Inverted dropout: in training, zeroes each element with probability p and scales the rest by 1/(1−p).</summary>
    public static Tensor Dropout(Tensor input, double p, bool training, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed(input);
        if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, $"dropout probability must be in [0, 1]. Received: p={p}");
        if (!training || p == 0) return input.Clone();
        var keep = Tensor.Empty(input.ShapeChecked(), register: false);
        NativeNet.Training.BatchShard.FillBernoulli(generator ?? Generator.Default, keep.AsSpan(), 1 - p);
        if (p < 1) K.BinaryScalar(BinaryOp.Mul, keep.Data, (float)(1.0 / (1 - p)), keep.AsSpan());
        var y = Tensor.Empty(input.ShapeChecked());
        K.Binary(BinaryOp.Mul, input.Data, keep.Data, y.AsSpan());
        if (Autograd.Needs(input))
        {
            var node = Autograd.Record("Dropout", y, new[] { input }, g =>
            {
                var gx = Tensor.Empty(g.ShapeChecked(), register: false);
                K.Binary(BinaryOp.Mul, g.Data, keep.Data, gx.AsSpan());
                return new Tensor?[] { gx };
            });
            node.OnRelease = keep.Dispose;
        }
        else keep.Dispose();
        GC.KeepAlive(input);
        return y;
    }

    /// <summary>Rows of <paramref name="weight"/> [num, dim] picked by integer-valued <paramref name="indices"/> (any shape) → [.., dim].</summary>
    public static Tensor Embedding(Tensor indices, Tensor weight, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        ThrowIfDisposed(indices, weight);
        if (weight.Rank != 2) throw new ArgumentException($"weight must be 2-D [num_embeddings, embedding_dim]. Received: shape={Tensor.ShapeString(weight.ShapeRef)}", nameof(weight));
        int num = weight.ShapeRef[0], dim = weight.ShapeRef[1];
        var idxData = indices.Data;
        var idx = new int[idxData.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            float v = idxData[i];
            int r = (int)v;
            if (r != v || r < 0 || r >= num)
                throw new ArgumentException($"Embedding indices must be integers in [0, {num}). Received: indices[{i}]={v}", nameof(indices));
            idx[i] = r;
        }
        var shape = new int[indices.Rank + 1];
        indices.ShapeRef.CopyTo(shape, 0);
        shape[^1] = dim;
        var y = Tensor.Empty(shape);
        var w = weight.Data;
        var dst = y.AsSpan();
        for (int i = 0; i < idx.Length; i++) w.Slice(idx[i] * dim, dim).CopyTo(dst.Slice(i * dim, dim));
        if (Autograd.Needs(weight))
        {
            Autograd.Record("Embedding", y, new[] { weight }, g =>
            {
                var gw = Tensor.Zeros(weight.ShapeChecked());
                var gd = gw.AsSpan();
                var gs = g.Data;
                for (int i = 0; i < idx.Length; i++)
                {
                    if (paddingIdx.HasValue && idx[i] == paddingIdx.Value) continue;
                    K.Binary(BinaryOp.Add, gd.Slice(idx[i] * dim, dim), gs.Slice(i * dim, dim), gd.Slice(idx[i] * dim, dim));
                }
                return new Tensor?[] { gw };
            });
        }
        return y;
    }
}
