namespace NativeNet.Tests.Support;

/// <summary>Tests that watch process-wide state (background producers, thread counts) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class NoParallel
{
    public const string Name = "NoParallel";
}
