namespace NativeNet;

public sealed partial class Tensor
{
    /// <summary>Uniform values in [low, high).</summary>
    public static Tensor Uniform(int[] shape, float low = 0f, float high = 1f, Generator? generator = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var t = Empty((int[])shape.Clone());
        (generator ?? Generator.Default).FillUniform(t.AsSpan(), low, high);
        return t.AsLeaf(requiresGrad);
    }

    /// <summary>Uniform values in [0, 1).</summary>
    public static Tensor Rand(params int[] shape) => Uniform(shape);

    /// <summary>Uniform values in [0, 1); <paramref name="requiresGrad"/> makes it a leaf that records gradients.</summary>
    public static Tensor Rand(int[] shape, bool requiresGrad) => Uniform(shape, requiresGrad: requiresGrad);

    /// <summary>Standard normal values.</summary>
    public static Tensor Randn(params int[] shape) => Normal(shape);

    /// <summary>Standard normal values; <paramref name="requiresGrad"/> makes it a leaf that records gradients (<c>Tensor.Randn([4, 3], requiresGrad: true)</c>).</summary>
    public static Tensor Randn(int[] shape, bool requiresGrad) => Normal(shape, requiresGrad: requiresGrad);

    /// <summary>Normal(mean, std) values (Box–Muller).</summary>
    public static Tensor Normal(int[] shape, float mean = 0f, float std = 1f, Generator? generator = null, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var t = Empty((int[])shape.Clone());
        (generator ?? Generator.Default).FillNormal(t.AsSpan(), mean, std);
        return t.AsLeaf(requiresGrad);
    }

    /// <summary>1 with probability p, else 0.</summary>
    public static Tensor Bernoulli(int[] shape, double p, Generator? generator = null)
    {
        var t = Empty((int[])shape.Clone());
        (generator ?? Generator.Default).FillBernoulli(t.AsSpan(), p);
        return t;
    }

    /// <summary>Fills this tensor in place with uniform values in [low, high) (not recorded; for initialization).</summary>
    public Tensor Uniform_(float low, float high, Generator? generator = null)
    {
        (generator ?? Generator.Default).FillUniform(AsSpan(), low, high);
        return this;
    }

    /// <summary>Fills this tensor in place with normal(mean, std) values (not recorded).</summary>
    public Tensor Normal_(float mean, float std, Generator? generator = null)
    {
        (generator ?? Generator.Default).FillNormal(AsSpan(), mean, std);
        return this;
    }
}
