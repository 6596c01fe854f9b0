namespace NativeNet.Vision.Imaging;

/// <summary>One image as float CHW (row-major [Channels, Height, Width]), the unit every transform takes and returns.</summary>
public sealed class FloatImage
{
    /// <summary>Wraps <paramref name="data"/> (not copied).</summary>
    public FloatImage(float[] data, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (channels <= 0 || height <= 0 || width <= 0)
            throw new ArgumentException($"An image needs positive channels, height and width. Received: [{channels}, {height}, {width}]");
        if (data.LongLength != (long)channels * height * width)
            throw new ArgumentException($"data must hold channels·height·width = {(long)channels * height * width} floats. Received: {data.LongLength}", nameof(data));
        Data = data; Channels = channels; Height = height; Width = width;
    }

    /// <summary>Pixels, [Channels, Height, Width].</summary>
    public float[] Data { get; }
    /// <summary>Channels (1 grey, 3 RGB).</summary>
    public int Channels { get; }
    /// <summary>Rows.</summary>
    public int Height { get; }
    /// <summary>Columns.</summary>
    public int Width { get; }
    /// <summary>Pixels per channel.</summary>
    public int PlaneSize => Height * Width;

    /// <summary>One channel's plane.</summary>
    public Span<float> Plane(int channel) => Data.AsSpan(channel * PlaneSize, PlaneSize);

    /// <summary>[Channels, Height, Width].</summary>
    public int[] Shape => [Channels, Height, Width];

    /// <summary>
    /// The same picture with <paramref name="channels"/> channels: grey → RGB repeats the plane,
    /// RGB → grey is torchvision's luma 0.2989 R + 0.587 G + 0.114 B, and a
    /// pixel whose three values are equal keeps that value exactly.
    /// </summary>
    public FloatImage WithChannels(int channels)
    {
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, $"channels must be 1 or 3. Received: channels={channels}");
        if (channels == Channels) return this;
        int n = PlaneSize;
        if (Channels == 1)
        {
            var rgb = new float[3 * n];
            for (int c = 0; c < 3; c++) Data.AsSpan(0, n).CopyTo(rgb.AsSpan(c * n, n));
            return new FloatImage(rgb, 3, Height, Width);
        }
        if (Channels != 3) throw new InvalidOperationException($"Only 1- and 3-channel images convert. Received: {Channels} channels.");
        var grey = new float[n];
        for (int i = 0; i < n; i++)
        {
            float r = Data[i], g = Data[n + i], b = Data[2 * n + i];
            grey[i] = r == g && g == b ? r : 0.2989f * r + 0.587f * g + 0.114f * b;
        }
        return new FloatImage(grey, 1, Height, Width);
    }
}
