using NativeNet.Data;
using NativeNet.Metrics;
using NativeNet.Nn;
using NativeNet.Optim;
using NativeNet.Tests.Support;
using NativeNet.Tests.Training;
using NativeNet.Training;
using Xunit.Abstractions;

namespace NativeNet.Tests.Nn;

/// <summary>
/// Linear after ToPrecision(BFloat16): forward and both backward products take bf16-rounded
/// operands (checked against float32 products of rounded values), the packed-weight cache follows
/// the precision, and mixed-precision training keeps the breast-cancer MLP's quality.
/// </summary>
[Collection(NoParallel.Name)]
public class LinearBFloat16Tests(ITestOutputHelper output)
{
    private static Tensor Rounded(Tensor t)
    {
        var v = t.ToArray();
        BFloat16Convert.Round(v, v);
        return Tensor.FromArray(v, t.ShapeChecked());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public void ForwardAndBackwardUseRoundedOperands(string backend)
    {
        using var _ = Backends.Use(backend);
        using var lin = new Linear(45, 23, generator: new Generator(5));
        using var x = Tensor.Normal(new[] { 7, 45 }, generator: new Generator(6));
        Assert.Same(lin, lin.ToPrecision(Precision.BFloat16));
        Assert.Equal(Precision.BFloat16, lin.Precision);

        // Forward: x·Wᵀ + b on rounded x and W, in float32.
        using var xr = Rounded(x);
        using var wr = Rounded(lin.Weight);
        float[] want, fp32;
        using (global::NativeNet.Autograd.NoGrad())
        {
            using var yw = Functional.Linear(xr, wr, lin.Bias);
            want = yw.ToArray();
            using var y32 = Functional.Linear(x, lin.Weight, lin.Bias);
            fp32 = y32.ToArray();
        }
        float[] plain, packed;
        using (global::NativeNet.Autograd.NoGrad())
        {
            using var y1 = lin.Forward(x);
            plain = y1.ToArray();
            using var y2 = lin.Forward(x);  // second sighting: the weight is packed as bf16
            using var y3 = lin.Forward(x);
            packed = y3.ToArray();
        }
        Assert.True(lin.HasPackedWeight);
        Close.Assert(want, plain, 1e-5, 1e-5, $"{backend} bf16 forward");
        Assert.Equal(plain, packed);
        double moved = want.Zip(fp32, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(moved > 1e-4, $"{backend}: bf16 forward equals float32 within {moved}: the operands were not rounded");
        Close.Assert(fp32, plain, 2e-2, 2e-2, $"{backend} bf16 vs float32");

        // Backward of sum(y): dW[o, i] = Σ_b bf16(1)·bf16(x[b, i]), dX[b, i] = Σ_o bf16(1)·bf16(W[o, i]).
        x.RequiresGrad = true;
        using (var y = lin.Forward(x))
        using (var s = y.Sum())
            s.Backward();
        var xv = xr.ToArray();
        var wv = wr.ToArray();
        var dw = new float[23 * 45];
        var dx = new float[7 * 45];
        for (int o = 0; o < 23; o++)
            for (int i = 0; i < 45; i++)
                for (int b = 0; b < 7; b++) dw[o * 45 + i] += xv[b * 45 + i];
        for (int b = 0; b < 7; b++)
            for (int i = 0; i < 45; i++)
                for (int o = 0; o < 23; o++) dx[b * 45 + i] += wv[o * 45 + i];
        Close.Assert(dw, lin.Weight.Grad!.ToArray(), 1e-5, 1e-5, $"{backend} bf16 dW");
        Close.Assert(dx, x.Grad!.ToArray(), 1e-5, 1e-5, $"{backend} bf16 dX");

        // Back to float32: the bf16 pack is dropped, products are float32 again.
        lin.ToPrecision(Precision.Float32);
        using (global::NativeNet.Autograd.NoGrad())
        {
            using var y = lin.Forward(x);
            Assert.Equal(fp32, y.ToArray());
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => lin.ToPrecision((Precision)3));
    }

    [Fact]
    public void ToPrecisionReachesEveryDescendant()
    {
        using var model = new Sequential(new Linear(4, 8), new ReLU(), new Sequential(new Linear(8, 2)));
        model.ToPrecision(Precision.BFloat16);
        Assert.All(model.NamedModules(), m => Assert.Equal(Precision.BFloat16, m.Module.Precision));
    }

    // Done-when (#20): mixed-precision training of the breast-cancer MLP (5-fold CV, the recipe of
    // BreastCancerCvTests) reaches a mean ROC-AUC within 0.005 of float32's; Fit restores the
    // model's precision, and the bf16 model is evaluated with bf16 products.
    [Fact]
    public void BreastCancerMlpTrainedInBf16MatchesFloat32Auc()
    {
        var table = CsvLoader.Load(TestData.Path("breast_cancer_wisconsin.csv"), new CsvLoadOptions { TargetColumn = "diagnosis", TargetClasses = ["benign", "malignant"] });
        var data = table.Dataset;
        var folds = Splits.StratifiedKFold(data.GetLabels(), 5, BreastCancerCvTests.Seed);
        var auc = new Dictionary<Precision, double>();
        foreach (var precision in new[] { Precision.Float32, Precision.BFloat16 })
        {
            var aucs = new List<double>();
            foreach (var fold in folds)
            {
                var scaler = StandardScaler.Fit(data.Subset(fold.Train));
                var train = scaler.Transform(data.Subset(fold.Train));
                var test = scaler.Transform(data.Subset(fold.Test));
                using var model = BreastCancerCvTests.Mlp(BreastCancerCvTests.Seed + fold.Index);
                var compiled = model.Compile(new Adam(model.Parameters(), lr: 1e-3, weightDecay: 0.03), new BCEWithLogitsLoss(), "auc");
                compiled.Fit(train, epochs: 60, batchSize: 32, seed: BreastCancerCvTests.Seed + fold.Index, precision: precision);
                Assert.Equal(Precision.Float32, model.Precision);
                model.ToPrecision(precision);
                aucs.Add(RankingMetrics.RocAuc(test.GetLabels(), compiled.Predict(test)));
            }
            auc[precision] = aucs.Average();
            output.WriteLine($"{precision}: mean roc_auc {auc[precision]:F4}");
        }
        Assert.True(Math.Abs(auc[Precision.BFloat16] - auc[Precision.Float32]) <= 0.005,
            $"bf16 mean ROC-AUC {auc[Precision.BFloat16]:F4} vs float32 {auc[Precision.Float32]:F4}");
    }
}
