namespace NativeNet.Tests.Tensors;

/// <summary><c>requiresGrad:</c> on the tensor factories: a leaf that records, and gradients reach it.</summary>
public class FactoryRequiresGradTests
{
    public static TheoryData<string> Factories => new() { "Zeros", "Ones", "Full", "FromArray", "Rand", "Randn", "Uniform", "Normal", "ZerosLike", "Arange", "Scalar" };

    private static Tensor Make(string factory, bool requiresGrad) => factory switch
    {
        "Zeros" => Tensor.Zeros([2, 3], requiresGrad: requiresGrad),
        "Ones" => Tensor.Ones([2, 3], requiresGrad: requiresGrad),
        "Full" => Tensor.Full(0.5f, [2, 3], requiresGrad: requiresGrad),
        "FromArray" => Tensor.FromArray([1, 2, 3, 4, 5, 6], [2, 3], requiresGrad: requiresGrad),
        "Rand" => Tensor.Rand([2, 3], requiresGrad: requiresGrad),
        "Randn" => Tensor.Randn([2, 3], requiresGrad: requiresGrad),
        "Uniform" => Tensor.Uniform([2, 3], -1f, 1f, requiresGrad: requiresGrad),
        "Normal" => Tensor.Normal([2, 3], 0f, 2f, requiresGrad: requiresGrad),
        "ZerosLike" => Tensor.ZerosLike(Tensor.Ones(2, 3), requiresGrad: requiresGrad),
        "Arange" => Tensor.Arange(6, requiresGrad: requiresGrad),
        _ => Tensor.Scalar(3f, requiresGrad: requiresGrad),
    };

    [Theory]
    [MemberData(nameof(Factories))]
    public void A_factory_with_requiresGrad_makes_a_leaf_that_gets_its_gradient(string factory)
    {
        using var scope = Tensor.NewDisposeScope();
        var x = Make(factory, requiresGrad: true);
        Assert.True(x.RequiresGrad);
        Assert.True(x.IsLeaf);
        // d/dx sum(3·x) = 3 everywhere.
        x.Mul(3f).Sum().Backward();
        Assert.NotNull(x.Grad);
        Assert.All(x.Grad!.ToArray(), g => Assert.Equal(3f, g));
        x.Grad.Dispose();

        var plain = Make(factory, requiresGrad: false);
        Assert.False(plain.RequiresGrad);
    }

    [Fact]
    public void The_params_shape_overloads_still_give_tensors_that_do_not_record()
    {
        using var scope = Tensor.NewDisposeScope();
        Assert.Equal([2, 3], Tensor.Zeros(2, 3).Shape);
        Assert.Equal([4], Tensor.Randn(4).Shape);
        Assert.False(Tensor.Ones(2).RequiresGrad);
    }
}
