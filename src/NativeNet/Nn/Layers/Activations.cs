namespace NativeNet.Nn;

/// <summary>max(x, 0).</summary>
public sealed class ReLU : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Relu();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("ReLU");
}

/// <summary>x if x &gt; 0 else negative_slope·x.</summary>
public sealed class LeakyReLU : Module
{
    /// <summary>Creates the layer.</summary>
    public LeakyReLU(double negativeSlope = 0.01) => NegativeSlope = negativeSlope;
    /// <summary>Slope for negative inputs.</summary>
    public double NegativeSlope { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.LeakyRelu((float)NegativeSlope);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("LeakyReLU").With("negative_slope", NegativeSlope);
    internal static Module Create(ModuleSpec s) => new LeakyReLU(s.GetDouble("negative_slope", 0.01));
}

/// <summary>x if x &gt; 0 else alpha·(e^x − 1).</summary>
public sealed class ELU : Module
{
    /// <summary>Creates the layer.</summary>
    public ELU(double alpha = 1.0) => Alpha = alpha;
    /// <summary>Scale of the negative branch.</summary>
    public double Alpha { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Elu((float)Alpha);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("ELU").With("alpha", Alpha);
    internal static Module Create(ModuleSpec s) => new ELU(s.GetDouble("alpha", 1.0));
}

/// <summary>GELU (exact erf form).</summary>
public sealed class GELU : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Gelu();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("GELU");
}

/// <summary>Logistic sigmoid.</summary>
public sealed class Sigmoid : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Sigmoid();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("Sigmoid");
}

/// <summary>Hyperbolic tangent.</summary>
public sealed class Tanh : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Tanh();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("Tanh");
}

/// <summary>Softmax along a dimension.</summary>
public sealed class Softmax : Module
{
    /// <summary>Creates the layer.</summary>
    public Softmax(int dim = -1) => Dim = dim;
    /// <summary>The dimension.</summary>
    public int Dim { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Softmax(Dim);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("Softmax").With("dim", Dim);
    internal static Module Create(ModuleSpec s) => new Softmax(s.GetInt("dim", -1));
}

/// <summary>Log-softmax along a dimension.</summary>
public sealed class LogSoftmax : Module
{
    /// <summary>Creates the layer.</summary>
    public LogSoftmax(int dim = -1) => Dim = dim;
    /// <summary>The dimension.</summary>
    public int Dim { get; }
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.LogSoftmax(Dim);
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new ModuleSpec("LogSoftmax").With("dim", Dim);
    internal static Module Create(ModuleSpec s) => new LogSoftmax(s.GetInt("dim", -1));
}

/// <summary>min(max(x, 0), 6) (MobileNetV2's activation).</summary>
public sealed class ReLU6 : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Relu6();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("ReLU6");
}

/// <summary>x·relu6(x + 3)/6 (MobileNetV3).</summary>
public sealed class Hardswish : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Hardswish();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("Hardswish");
}

/// <summary>relu6(x + 3)/6.</summary>
public sealed class Hardsigmoid : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Hardsigmoid();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("Hardsigmoid");
}

/// <summary>x·sigmoid(x) (EfficientNet's activation, also called swish).</summary>
public sealed class SiLU : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Silu();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("SiLU");
}

/// <summary>ln(1 + e^x) (beta 1, threshold 20 as PyTorch's defaults).</summary>
public sealed class Softplus : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Softplus();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("Softplus");
}

/// <summary>x·tanh(softplus(x)).</summary>
public sealed class Mish : Module
{
    /// <inheritdoc />
    public override Tensor Forward(Tensor input) => input.Mish();
    /// <inheritdoc />
    public override ModuleSpec ToSpec() => new("Mish");
}
