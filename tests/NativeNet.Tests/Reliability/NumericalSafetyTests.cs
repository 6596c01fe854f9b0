using NativeNet.Data;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Serialization;
using NativeNet.Training;

namespace NativeNet.Tests.Reliability;

/// <summary>The NaN/Inf watchdog in training and the autograd anomaly mode.</summary>
public class NumericalSafetyTests
{
    // y = 0.5·x0 + 0·x1: while x1 = 0 the second weight never moves; x1 = 3e38 keeps the output
    // finite (0·3e38 = 0) but its gradient 2·(y - t)·x1 overflows to -Inf.
    private static (Sequential Model, Dataset Data) GradientBomb(int badSample)
    {
        var model = new Sequential(new Linear(2, 1));
        var lin = (Linear)model[0];
        lin.Weight.AsSpan()[0] = 0.5f;
        lin.Weight.AsSpan()[1] = 0f;
        lin.Bias!.AsSpan()[0] = 0f;
        var features = new float[12];
        var targets = new float[6];
        for (int i = 0; i < 6; i++) { features[2 * i] = 1; targets[i] = 1; }
        features[2 * badSample + 1] = 3e38f;
        targets[badSample] = 5;
        return (model, new Dataset(features, [2], targets));
    }

    [Fact]
    public void Watchdog_stops_at_a_non_finite_gradient_naming_step_layer_and_parameter_and_keeps_the_last_good_weights()
    {
        var (model, data) = GradientBomb(badSample: 3);
        using var _ = model;
        var compiled = model.Compile(new SGD(model.Parameters(), lr: 0.1), new MSELoss());
        string path = Path.Combine(Path.GetTempPath(), $"nn-watchdog-{Guid.NewGuid():N}.safetensors");
        IReadOnlyDictionary<string, float[]>? afterStep3 = null;
        var spy = new LambdaCallback(onBatchEnd: (ctx, batch, _) => { if (batch == 3) afterStep3 = ctx.GetWeights(); });
        try
        {
            var e = Assert.Throws<TrainingDivergedException>(() =>
                compiled.Fit(data, epochs: 2, batchSize: 1, shuffle: false, callbacks: [new NanWatchdog(model, path), spy]));
            Assert.Equal(NonFiniteKind.Gradient, e.Kind);
            Assert.Equal(4, e.Step);
            Assert.Equal(1, e.Epoch);
            Assert.Equal(4, e.Batch);
            Assert.Equal("0.weight", e.ParameterName);
            Assert.Equal("0", e.Layer);
            Assert.Equal("weight", e.Parameter);
            Assert.Equal(3, e.LastGoodStep);
            Assert.True(double.IsNegativeInfinity(e.Value), $"value {e.Value}");
            Assert.Contains("step 4 (epoch 1, batch 4)", e.Message);
            Assert.Contains("layer '0', parameter 'weight'", e.Message);
            // The model and the checkpoint hold the weights of step 3.
            Assert.NotNull(afterStep3);
            var now = ModelWeights.Get(model);
            foreach (var (name, v) in afterStep3!) Assert.Equal(v, now[name]);
            var saved = StateDictFile.Load(path);
            foreach (var (name, v) in afterStep3!) Assert.Equal(v, saved[name].ToArray());
            foreach (var t in saved.Values) t.Dispose();
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Watchdog_undoes_a_step_that_made_a_parameter_infinite()
    {
        var g = new Generator(2);
        using var model = new Sequential(new Linear(3, 4, generator: g), new ReLU(), new Linear(4, 1, generator: g));
        var before = ModelWeights.Get(model);
        var data = new Dataset(Enumerable.Range(0, 24).Select(i => (float)Math.Sin(i)).ToArray(), [3], Enumerable.Repeat(1000f, 8).ToArray());
        // The output bias's gradient is about 2·(0 - 1000); times lr = 3e38 it overflows float.
        var compiled = model.Compile(new SGD(model.Parameters(), lr: 3e38), new MSELoss());
        var e = Assert.Throws<TrainingDivergedException>(() => compiled.Fit(data, epochs: 1, batchSize: 8, callbacks: [new NanWatchdog(model)]));
        Assert.Equal(NonFiniteKind.Parameter, e.Kind);
        Assert.Equal(1, e.Step);
        Assert.Equal(0, e.LastGoodStep);
        Assert.NotNull(e.ParameterName);
        Assert.Null(e.CheckpointPath);
        var after = ModelWeights.Get(model);
        foreach (var (name, v) in before) Assert.Equal(v, after[name]);
    }

    [Fact]
    public void Watchdog_names_a_non_finite_loss_and_a_hand_written_loop_can_use_it()
    {
        using var model = new Sequential(new Linear(2, 1, generator: new Generator(4)));
        var opt = new SGD(model.Parameters(), lr: 0.01);
        var watchdog = new NanWatchdog(model);
        watchdog.Reset();
        float[][] xs = [[1, 2], [0.5f, -1], [float.NaN, 1]];
        using var t = Tensor.Ones(1, 1);
        TrainingDivergedException? caught = null;
        try
        {
            foreach (var x in xs)
                using (Tensor.NewDisposeScope())
                {
                    var loss = global::NativeNet.Nn.Functional.MseLoss(model.Forward(Tensor.FromArray(x, 1, 2)), t);
                    watchdog.CheckLoss(loss.Item());
                    opt.ZeroGrad();
                    loss.Backward();
                    watchdog.CheckGradients();
                    opt.Step();
                    watchdog.CheckParameters();
                }
        }
        catch (TrainingDivergedException e) { caught = e; }
        Assert.NotNull(caught);
        Assert.Equal(NonFiniteKind.Loss, caught!.Kind);
        Assert.Equal(3, caught.Step);
        Assert.Equal(2, caught.LastGoodStep);
        Assert.Null(caught.ParameterName);
        Assert.Contains("DetectAnomaly", caught.Message);
    }

    [Fact]
    public void Without_a_watchdog_training_is_unchanged()
    {
        var (model, data) = GradientBomb(badSample: 3);
        using var _ = model;
        var compiled = model.Compile(new SGD(model.Parameters(), lr: 0.1), new MSELoss());
        // No watchdog: the infinite gradient is applied and the next loss is caught by Fit's own check.
        var e = Assert.Throws<InvalidOperationException>(() => compiled.Fit(data, epochs: 1, batchSize: 1, shuffle: false));
        Assert.IsNotType<TrainingDivergedException>(e);
    }

    [Fact]
    public void Anomaly_mode_names_the_forward_op_that_made_NaN()
    {
        using var x = Tensor.FromArray([1f, -1f]);
        x.RequiresGrad = true;
        using (var y = x.Log()) Assert.True(float.IsNaN(y.ToArray()[1])); // off: no check
        using var anomaly = global::NativeNet.Autograd.DetectAnomaly();
        Assert.True(global::NativeNet.Autograd.IsAnomalyDetectionEnabled);
        using var s = x.Mul(2f);
        var e = Assert.Throws<AnomalyDetectedException>(() => s.Log());
        Assert.Equal("Log", e.Op);
        Assert.Equal("forward", e.Phase);
        Assert.Contains("NaN at flat index 1", e.Message);
        Assert.Contains(nameof(Anomaly_mode_names_the_forward_op_that_made_NaN), e.Message); // the call site
    }

    [Fact]
    public void Anomaly_mode_names_the_backward_op_that_made_Inf()
    {
        using var x = Tensor.FromArray([0f, 4f]);
        x.RequiresGrad = true;
        using (global::NativeNet.Autograd.DetectAnomaly())
        {
            using var y = x.Sqrt();       // finite: [0, 2]
            using var loss = y.Sum();
            var e = Assert.Throws<AnomalyDetectedException>(() => loss.Backward()); // d√x/dx = ∞ at 0
            Assert.Equal("Sqrt", e.Op);
            Assert.Equal("backward", e.Phase);
            Assert.Contains("gradient of input 0", e.Message);
        }
        Assert.False(global::NativeNet.Autograd.IsAnomalyDetectionEnabled);
    }

    [Fact]
    public void Anomaly_mode_blames_the_data_when_an_input_is_already_NaN()
    {
        using var w = Tensor.Ones(2, 2);
        w.RequiresGrad = true;
        using var x = Tensor.FromArray([float.NaN, 1f], 1, 2);
        using var anomaly = global::NativeNet.Autograd.DetectAnomaly();
        var e = Assert.Throws<AnomalyDetectedException>(() => x.MatMul(w));
        Assert.Contains("input 0", e.Message);
        Assert.Contains("not produced by a recorded op", e.Message);
    }
}
