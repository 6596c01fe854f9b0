namespace NativeNet.Nn;

/// <summary>PyTorch's parameter initializers (in place, not recorded by autograd).</summary>
public static class Init
{
    /// <summary>Uniform in [low, high).</summary>
    public static Tensor Uniform(Tensor t, float low, float high, Generator? generator = null) => t.Uniform_(low, high, generator);

    /// <summary>Normal(mean, std).</summary>
    public static Tensor Normal(Tensor t, float mean = 0f, float std = 1f, Generator? generator = null) => t.Normal_(mean, std, generator);

    /// <summary>kaiming_uniform_(a, fan_in, leaky_relu): bound = gain·√(3/fan_in), gain = √(2/(1+a²)).</summary>
    public static Tensor KaimingUniform(Tensor t, int fanIn, double a = 0, Generator? generator = null)
    {
        if (fanIn <= 0) throw new ArgumentException($"fan_in must be positive. Received: fan_in={fanIn}", nameof(fanIn));
        double gain = Math.Sqrt(2.0 / (1 + a * a));
        float bound = (float)(gain * Math.Sqrt(3.0 / fanIn));
        return t.Uniform_(-bound, bound, generator);
    }

    /// <summary>kaiming_normal_(a, fan, leaky_relu): std = gain/√fan, gain = √(2/(1+a²)); pass fan_in or fan_out (torchvision's backbones use fan_out).</summary>
    public static Tensor KaimingNormal(Tensor t, int fan, double a = 0, Generator? generator = null)
    {
        if (fan <= 0) throw new ArgumentException($"fan must be positive. Received: fan={fan}", nameof(fan));
        double gain = Math.Sqrt(2.0 / (1 + a * a));
        return t.Normal_(0f, (float)(gain / Math.Sqrt(fan)), generator);
    }

    /// <summary>xavier_uniform_: bound = gain·√(6/(fan_in+fan_out)).</summary>
    public static Tensor XavierUniform(Tensor t, int fanIn, int fanOut, double gain = 1, Generator? generator = null)
    {
        float bound = (float)(gain * Math.Sqrt(6.0 / (fanIn + fanOut)));
        return t.Uniform_(-bound, bound, generator);
    }

    /// <summary>PyTorch's default for Linear/Conv: kaiming_uniform(a=√5) weight (bound 1/√fan_in), bias uniform(±1/√fan_in).</summary>
    internal static void DefaultLinear(Tensor weight, Tensor? bias, int fanIn, Generator? generator)
    {
        KaimingUniform(weight, fanIn, Math.Sqrt(5), generator);
        if (bias is not null)
        {
            float b = fanIn > 0 ? (float)(1 / Math.Sqrt(fanIn)) : 0f;
            bias.Uniform_(-b, b, generator);
        }
    }
}
