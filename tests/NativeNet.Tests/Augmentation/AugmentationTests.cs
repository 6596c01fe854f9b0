using NativeNet.Augmentation;
using NativeNet.Data;

namespace NativeNet.Tests.Augmentation;

public class AugmentationTests
{
    // 2 channels, 3x4: value = c*100 + y*10 + x
    private static float[] Image() => [.. Enumerable.Range(0, 24).Select(i => (float)(i / 12 * 100 + i % 12 / 4 * 10 + i % 4))];

    [Fact]
    public void FlipsMirror()
    {
        var img = Image();
        ImageOps.FlipHorizontal(img, 2, 3, 4);
        Assert.Equal(3f, img[0]);
        Assert.Equal(100f + 20 + 0, img[12 + 2 * 4 + 3]);
        ImageOps.FlipHorizontal(img, 2, 3, 4);
        Assert.Equal(Image(), img);
        ImageOps.FlipVertical(img, 2, 3, 4);
        Assert.Equal(20f, img[0]);
        Assert.Equal(111f, img[12 + 4 + 1]); // the middle row stays
    }

    [Fact]
    public void RotationUsesBilinearSampling()
    {
        var img = Image();
        ImageOps.Rotate(img, 2, 3, 4, 0);
        Assert.Equal(Image(), img, new Tol(1e-4f));
        // 90° on a square: exact pixel permutation (the inverse map lands on pixel centres)
        float[] sq = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        ImageOps.Rotate(sq, 1, 3, 3, 90);
        Assert.Equal([3f, 6, 9, 2, 5, 8, 1, 4, 7], sq, new Tol(1e-4f));
        // 45°: the top-middle output pixel samples the source at (x,y)=(1+√½, 1-√½) → bilinear mix of 2,3,5,6
        float[] s45 = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        ImageOps.Rotate(s45, 1, 3, 3, 45);
        double fx = Math.Sqrt(0.5), fy = 1 - Math.Sqrt(0.5);
        double expected = (1 - fy) * ((1 - fx) * 2 + fx * 3) + fy * ((1 - fx) * 5 + fx * 6);
        Assert.Equal(expected, s45[1], 4);
        Assert.Equal(5f, s45[4], 4); // the centre is fixed
    }

    [Fact]
    public void PadCropShiftsContent()
    {
        float[] img = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        ImageOps.PadCrop(img, 1, 3, 3, padding: 1, offsetY: 0, offsetX: 2, fill: -1);
        Assert.Equal([-1f, -1, -1, 2, 3, -1, 5, 6, -1], img);
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageOps.PadCrop(img, 1, 3, 3, 1, 3, 0));
    }

    [Fact]
    public void BrightnessContrastAndNoise()
    {
        float[] img = [0, 1, 2, 3];
        ImageOps.BrightnessContrast(img, 1, 2, 2, brightness: 0.5f, contrast: 2f); // mean 1.5
        Assert.Equal([-1f, 1, 3, 5], img);
        var noise = new float[20000];
        ImageOps.GaussianNoise(noise, 0.5f, new Random(1));
        double mean = noise.Average(v => (double)v), sd = Math.Sqrt(noise.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.02, 0.02);
        Assert.InRange(sd, 0.48, 0.52);
    }

    [Fact]
    public void AugmentersAreSeededAndChangeTheSample()
    {
        var aug = new ImageAugmenter(2, 3, 4) { HorizontalFlip = 0.5, VerticalFlip = 0.5, MaxRotationDegrees = 10, CropPadding = 1, MaxBrightness = 0.1f, MaxContrast = 0.1f, NoiseStd = 0.01f };
        var a = Image(); var b = Image();
        aug.Apply(a, new Random(9)); aug.Apply(b, new Random(9));
        Assert.Equal(a, b);
        Assert.NotEqual(Image(), a);
        Assert.Throws<ArgumentException>(() => aug.Apply(new float[5], new Random(1)));
        var sig = new SignalAugmenter(1, 100, sampleRate: 100) { MaxShift = 5, MaxScale = 0.1f, NoiseStd = 0.01f, MaxWanderAmplitude = 0.2f };
        var s1 = new float[100]; var s2 = new float[100];
        s1[50] = s2[50] = 1;
        sig.Apply(s1, new Random(4)); sig.Apply(s2, new Random(4));
        Assert.Equal(s1, s2);
        // works as a DataLoader transform
        var data = new Dataset(new float[4 * 24], [2, 3, 4], new float[4]);
        var batch = new DataLoader(data, 4, transform: new ImageAugmenter(2, 3, 4) { NoiseStd = 1 }.Apply).GetEpoch(0).Single();
        Assert.Contains(batch.Features, v => v != 0);
    }

    [Fact]
    public void SignalOpsShiftScaleAndWander()
    {
        float[] s = [1, 2, 3, 4, 10, 20, 30, 40];
        SignalOps.TimeShift(s, 2, 4, 1);
        Assert.Equal([0f, 1, 2, 3, 0, 10, 20, 30], s);
        SignalOps.TimeShift(s, 2, 4, -2);
        Assert.Equal([2f, 3, 0, 0, 20, 30, 0, 0], s);
        SignalOps.Scale(s, 2);
        Assert.Equal(6f, s[1]);
        var w = new float[8];
        SignalOps.BaselineWander(w, 1, 8, 0.5f, frequency: 1, sampleRate: 4, phase: 0); // quarter period per step
        Assert.Equal([0f, 0.5f, 0, -0.5f, 0, 0.5f, 0, -0.5f], w, new Tol(1e-6f));
    }

    private sealed class Tol(float eps) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= eps;
        public int GetHashCode(float obj) => 0;
    }
}
