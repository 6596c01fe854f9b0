using NativeNet.Reporting.Rendering;

namespace NativeNet.Tests.Reporting;

public sealed class AxisTests
{
    [Theory]
    [InlineData(0.03, 0.71, 0.2, 0, 0.8)]
    [InlineData(25, 346, 100, 0, 400)]
    [InlineData(-0.012, 0.061, 0.02, -0.02, 0.08)]
    [InlineData(0, 1, 0.2, 0, 1)]
    [InlineData(0.5, 0.5, 0.02, 0.44, 0.56)] // a flat series still gets a range
    public void Nice_CoversTheData_WithRoundSteps(double lo, double hi, double step, double min, double max)
    {
        var axis = Axis.Nice(lo, hi);
        Assert.Equal(step, axis.Step, 9);
        Assert.Equal(min, axis.Min, 9);
        Assert.Equal(max, axis.Max, 9);
        Assert.True(axis.Min <= lo && axis.Max >= hi);
        Assert.Equal(axis.Min, axis.Ticks[0], 9);
        Assert.Equal(axis.Max, axis.Ticks[^1], 9);
    }

    [Theory]
    [InlineData(0.25, 2)]
    [InlineData(2.5, 1)]
    [InlineData(0.2, 1)]
    [InlineData(50, 0)]
    public void TickLabels_HaveEnoughDecimals(double step, int decimals)
    {
        Assert.Equal(decimals, Axis.Fixed(0, step * 4, step).Decimals);
    }

    [Fact]
    public void Epochs_AreWholeNumbers()
    {
        var axis = Axis.Epochs(40);
        Assert.All(axis.Ticks, t => Assert.Equal(Math.Round(t), t));
        Assert.True(axis.Max >= 40);
        Assert.InRange(axis.Ticks.Count, 3, 10);
    }
}
