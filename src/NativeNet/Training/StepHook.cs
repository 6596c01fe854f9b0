namespace NativeNet.Training;

/// <summary>
/// A callback that also sees inside every optimizer step of <c>CompiledModel.Fit</c>: implement it
/// beside <see cref="ICallback"/> and pass the object among the callbacks. Per step the calls come
/// in this order: <see cref="OnLoss"/> (after forward), <see cref="OnGradients"/> (after backward,
/// before <c>Optimizer.Step</c>), <see cref="OnStepEnd"/> (after <c>Optimizer.Step</c>), then
/// <see cref="ICallback.OnBatchEnd"/>. A hook may throw to stop training; the exception leaves Fit.
/// </summary>
/// <remarks>
/// Why a separate interface: <see cref="ICallback.OnBatchEnd"/> runs after the step, too late to
/// look at gradients or to undo an update, and most callbacks have no use for these calls.
/// </remarks>
public interface IStepHook
{
    /// <summary>The batch loss (the global batch's under data parallelism), before backward. Also called when it is not finite, before Fit stops.</summary>
    void OnLoss(double loss);

    /// <summary>After backward, before the optimizer step: the parameters' gradients are final.</summary>
    void OnGradients();

    /// <summary>After the optimizer step.</summary>
    void OnStepEnd();
}
