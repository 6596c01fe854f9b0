using System.Reflection;
using System.Runtime.CompilerServices;
using Module = NativeNet.Nn.Module;

namespace NativeNet.Training;

/// <summary>
/// What <c>CompiledModel.Fit</c> needs from data-parallel training: every process ("rank")
/// holds the whole model, takes its shard of each global batch, and the gradients are summed
/// across ranks before the optimizer step. NativeNet.Distributed implements it over MPI
/// (<c>DistributedDataParallel</c>); the core only calls it, so it never depends on MPI.
/// </summary>
public interface IDataParallel : IDisposable
{
    /// <summary>This process's rank, 0 … <see cref="WorldSize"/>-1. Rank 0 writes files and reports progress.</summary>
    int Rank { get; }

    /// <summary>Number of ranks.</summary>
    int WorldSize { get; }

    /// <summary>This rank's contiguous rows of a global batch of <paramref name="globalCount"/> rows (sizes differ by at most one).</summary>
    BatchShard Shard(int globalCount);

    /// <summary>
    /// Runs <paramref name="loss"/>'s backward pass (or, for a rank with no rows in this batch,
    /// none: null) and sums every trainable parameter's gradient across ranks, each rank's
    /// weighted by <paramref name="weight"/> (its share of the global batch); on return each
    /// parameter's Grad holds the same global gradient on every rank.
    /// </summary>
    void Backward(Tensor? loss, float weight);

    /// <summary>Sums <paramref name="values"/> across ranks in place (every rank gets the sums).</summary>
    void SumInPlace(Span<double> values);

    /// <summary>Sums <paramref name="values"/> across ranks in place (every rank gets the sums).</summary>
    void SumInPlace(Span<float> values);
}

/// <summary>Finds the data-parallel implementation for <c>Fit(…, distributed: true)</c>.</summary>
public static class DataParallel
{
    /// <summary>
    /// Creates the implementation for a model; NativeNet.Distributed sets it when it loads. If
    /// it is unset when distributed training is asked for, that assembly is loaded by name.
    /// </summary>
    public static Func<Module, IDataParallel>? Factory { get; set; }

    internal static IDataParallel Create(Module model)
    {
        if (Factory is null)
        {
            try
            {
                // Loading the assembly alone runs nothing; its module initializer sets Factory.
                var assembly = Assembly.Load("NativeNet.Distributed");
                RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
            }
            catch (FileNotFoundException e)
            {
                throw new InvalidOperationException("distributed: true needs the NativeNet.Distributed package (and an MPI launcher); add a reference to it.", e);
            }
        }
        return (Factory ?? throw new InvalidOperationException("NativeNet.Distributed did not register its DataParallel.Factory."))(model);
    }
}
