using NativeNet.Nn;

namespace NativeNet.Tests.Tensors;

/// <summary>Using a disposed tensor says who disposed it: the module that owned it (layer and parameter) or the dispose scope.</summary>
public class DisposedTensorMessageTests
{
    [Fact]
    public void A_layer_disposed_through_a_container_names_the_layer_and_the_parameter()
    {
        var shared = new Linear(4, 4);
        var model = new Sequential(new Linear(4, 4), new ReLU(), shared);
        model.Dispose();
        using var x = Tensor.Zeros(2, 4);
        var e = Assert.Throws<ObjectDisposedException>(() => shared.Forward(x));
        Assert.Contains("parameter 'weight' of layer '2' (Linear) of a Sequential", e.Message);
    }

    [Fact]
    public void A_module_disposed_directly_names_itself()
    {
        var bn = new BatchNorm1d(3);
        var mean = bn.StateDict()["running_mean"];
        bn.Dispose();
        Assert.Contains("buffer 'running_mean' of the BatchNorm1d", Assert.Throws<ObjectDisposedException>(() => mean.ToArray()).Message);
    }

    [Fact]
    public void A_tensor_disposed_by_its_scope_names_the_scope()
    {
        Tensor kept;
        int id;
        using (var scope = Tensor.NewDisposeScope())
        {
            kept = Tensor.Ones(3);
            id = scope.Id;
        }
        var e = Assert.Throws<ObjectDisposedException>(() => kept.ToArray());
        Assert.Contains($"DisposeScope #{id}", e.Message);
        Assert.Contains("MoveToOuterDisposeScope", e.Message);
    }

    [Fact]
    public void With_creation_sites_on_the_scope_names_the_code_that_opened_it()
    {
        bool saved = DisposeScope.RecordCreationSites;
        DisposeScope.RecordCreationSites = true;
        try
        {
            Tensor kept;
            using (Tensor.NewDisposeScope()) kept = Tensor.Ones(3);
            var e = Assert.Throws<ObjectDisposedException>(() => kept.ToArray());
            Assert.Contains(nameof(With_creation_sites_on_the_scope_names_the_code_that_opened_it), e.Message);
        }
        finally
        {
            DisposeScope.RecordCreationSites = saved;
        }
    }

    [Fact]
    public void A_tensor_disposed_by_its_own_Dispose_says_only_that()
    {
        var t = Tensor.Ones(2);
        using (Tensor.NewDisposeScope())
        {
            t.Dispose();
        }
        var e = Assert.Throws<ObjectDisposedException>(() => t.ToArray());
        Assert.DoesNotContain("DisposeScope", e.Message);
        Assert.DoesNotContain("parameter", e.Message);
    }
}
