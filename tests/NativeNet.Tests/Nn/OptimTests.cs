using NativeNet.Nn;
using NativeNet.Optim;

namespace NativeNet.Tests.Nn;

public class OptimTests
{
    private static Tensor Param(params float[] v)
    {
        var p = Tensor.FromArray(v);
        p.RequiresGrad = true;
        return p;
    }

    [Fact]
    public void SgdMomentumFollowsPyTorchFormula()
    {
        using var p = Param(1f);
        var opt = new SGD(new[] { p }, lr: 0.1, momentum: 0.9, dampening: 0.5);
        p.Grad = Tensor.FromArray(new float[] { 1f });
        opt.Step();   // buf = g = 1; p = 1 - 0.1
        Assert.Equal(0.9f, p.Item(), 6);
        opt.Step();   // buf = 0.9*1 + 0.5*1 = 1.4; p = 0.9 - 0.14
        Assert.Equal(0.76f, p.Item(), 6);
    }

    [Fact]
    public void L1PenaltyAndWeightDecayPullTowardsZero()
    {
        using var p = Param(2f, -2f);
        var opt = new SGD(new[] { p }, lr: 0.1, weightDecay: 0.5) { L1 = 1 };
        p.Grad = Tensor.Zeros(2);
        opt.Step();   // d = 0 + 0.5·p + 1·sign(p) = ±2
        Assert.Equal(new[] { 1.8f, -1.8f }, p.ToArray());
    }

    [Fact]
    public void StateDictRestoresAnIdenticalTrajectory()
    {
        using var a = Param(1f, 2f, 3f);
        using var b = Param(1f, 2f, 3f);
        var oa = new Adam(new[] { a }, 0.1);
        var ob = new Adam(new[] { b }, 0.1);
        float[][] grads = { new float[] { 1, -1, 0.5f }, new float[] { 0.2f, 0.3f, -2 }, new float[] { -1, 1, 1 } };
        a.Grad = Tensor.FromArray(grads[0]);
        oa.Step();
        var state = oa.StateDict();
        Assert.Contains("state.0.exp_avg", state.Keys);
        Assert.Equal(1f, state["state.0.step"].Item());
        b.CopyFrom(a);
        ob.LoadStateDict(state);
        for (int i = 1; i < 3; i++)
        {
            a.Grad = Tensor.FromArray(grads[i]);
            b.Grad = Tensor.FromArray(grads[i]);
            oa.Step();
            ob.Step();
        }
        Assert.Equal(a.ToArray(), b.ToArray());
        var bad = new Dictionary<string, Tensor> { ["state.5.exp_avg"] = Tensor.Zeros(3) };
        Assert.Throws<ArgumentException>(() => ob.LoadStateDict(bad));
    }

    [Fact]
    public void ClipGradNormScalesToTheMaximum()
    {
        using var p = Param(0f, 0f);
        p.Grad = Tensor.FromArray(new float[] { 3, 4 });
        double norm = GradientClipping.ClipGradNorm(new[] { p }, 1.0);
        Assert.Equal(5.0, norm, 6);
        Assert.Equal(0.6f, p.Grad.ToArray()[0], 4);
        Assert.Equal(0.8f, p.Grad.ToArray()[1], 4);
        GradientClipping.ClipGradValue(new[] { p }, 0.7);
        Assert.Equal(0.7f, p.Grad.ToArray()[1], 6);
    }

    [Fact]
    public void SchedulersFollowPyTorchFormulas()
    {
        using var p = Param(0f);
        var opt = new SGD(new[] { p }, 1.0);
        var step = new StepLR(opt, 2, 0.5);
        var lrs = new List<double>();
        for (int i = 0; i < 5; i++) { step.Step(); lrs.Add(opt.LearningRate); }
        Assert.Equal(new[] { 1.0, 0.5, 0.5, 0.25, 0.25 }, lrs);

        opt.LearningRate = 1.0;
        var opt2 = new SGD(new[] { p }, 0.1);
        var exp = new ExponentialLR(opt2, 0.9);
        exp.Step(); exp.Step();
        Assert.Equal(0.1 * 0.81, opt2.LearningRate, 12);

        var opt3 = new SGD(new[] { p }, 0.1);
        var cos = new CosineAnnealingLR(opt3, 10, 0.001);
        for (int i = 0; i < 5; i++) cos.Step();
        Assert.Equal(0.001 + (0.1 - 0.001) * (1 + Math.Cos(Math.PI * 5 / 10)) / 2, opt3.LearningRate, 12);
        for (int i = 0; i < 5; i++) cos.Step();
        Assert.Equal(0.001, opt3.LearningRate, 12);

        var opt4 = new SGD(new[] { p }, 0.1);
        var one = new OneCycleLR(opt4, maxLr: 1.0, totalSteps: 10);
        Assert.Equal(0.04, opt4.LearningRate, 12);           // max_lr / 25
        var seen = new List<double> { opt4.LearningRate };
        for (int i = 0; i < 9; i++) { one.Step(); seen.Add(opt4.LearningRate); }
        Assert.Equal(1.0, seen[2], 12);                       // peak at pct_start·total − 1 = 2
        Assert.Equal(0.04 / 1e4, seen[9], 12);                // final lr at the last step
        Assert.Throws<InvalidOperationException>(() => { one.Step(); one.Step(); });

        var opt5 = new SGD(new[] { p }, 1.0);
        var plateau = new ReduceLROnPlateau(opt5, patience: 2, factor: 0.5);
        Assert.False(plateau.Step(1.0));
        Assert.False(plateau.Step(1.0));
        Assert.False(plateau.Step(1.0));
        Assert.True(plateau.Step(1.0));
        Assert.Equal(0.5, opt5.LearningRate);
        Assert.False(plateau.Step(0.5));
    }

    [Fact]
    public void InvalidHyperParametersAreRejected()
    {
        using var p = Param(0f);
        Assert.Throws<ArgumentException>(() => new SGD(new[] { p }, -1));
        Assert.Throws<ArgumentException>(() => new SGD(new[] { p }, 0.1, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Adam(new[] { p }, 0.1, beta1: 1.0));
        Assert.Throws<ArgumentException>(() => new StepLR(new SGD(new[] { p }, 0.1), 0));
        Assert.Throws<ArgumentException>(() => new SGD(new[] { p, p }, 0.1));
    }
}
