using NativeNet.Kernels;

namespace NativeNet.Tests.Support;

/// <summary>Runs test bodies on a named backend (thread-local, so parallel tests do not interfere).</summary>
internal static class Backends
{
    public static IEnumerable<object[]> Both() => new[] { new object[] { "native" }, new object[] { "managed" } };

    public static IKernels Get(string name) => name switch
    {
        "native" => NativeKernels.Instance,
        "managed" => ManagedKernels.Instance,
        _ => throw new ArgumentException($"unknown backend '{name}'"),
    };

    public static KernelProvider.KernelScope Use(string name) => KernelProvider.Use(Get(name));
}

/// <summary>Element-wise closeness with a message naming the worst index.</summary>
public static class Close
{
    /// <summary>|actual - expected| within atol + rtol |expected|, plus slack[i] when a slack is given (one per element).</summary>
    public static void Assert(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rtol, double atol, string what, ReadOnlySpan<float> slack = default)
    {
        Xunit.Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        Xunit.Assert.True(slack.IsEmpty || slack.Length == expected.Length, $"{what}: {slack.Length} slack values for {expected.Length} elements");
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double err = Math.Abs(e - a) - (atol + rtol * Math.Abs(e) + (slack.IsEmpty ? 0 : slack[i]));
            if (double.IsNaN(a) != double.IsNaN(e)) err = double.PositiveInfinity;
            if (err > worst) { worst = err; worstAt = i; }
        }
        if (worstAt >= 0)
            Xunit.Assert.Fail($"{what}: element {worstAt} is {actual[worstAt]}, expected {expected[worstAt]} (rtol={rtol}, atol={atol}"
                              + (slack.IsEmpty ? ")" : $", slack={slack[worstAt]})"));
    }
}
