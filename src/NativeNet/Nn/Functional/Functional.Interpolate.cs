namespace NativeNet.Nn;

/// <summary>How <see cref="Functional.Interpolate"/> samples.</summary>
public enum InterpolationMode
{
    /// <summary>The nearest source pixel (PyTorch's "nearest": floor of the scaled index).</summary>
    Nearest = 0,
    /// <summary>Bilinear: a weighted mean of the four nearest source pixels.</summary>
    Bilinear = 1,
}

public static partial class Functional
{
    /// <summary>
    /// Resizes NCHW input to <paramref name="size"/> or by <paramref name="scaleFactor"/> (exactly one
    /// given), as PyTorch's F.interpolate / nn.Upsample. Both modes are separable: each is a fixed
    /// [out, in] matrix along the height and one along the width, so the resize runs as two GEMMs
    /// (on whichever backend is active) and its gradient is the transposed GEMMs.
    /// </summary>
    public static Tensor Interpolate(Tensor input, (int H, int W)? size = null, (double H, double W)? scaleFactor = null,
                                     InterpolationMode mode = InterpolationMode.Nearest, bool alignCorners = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ThrowIfDisposed(input);
        if (input.Rank != 4) throw new ArgumentException($"interpolate input must be 4-D [N, C, H, W]. Received: shape={Tensor.ShapeString(input.ShapeRef)}", nameof(input));
        if (size.HasValue == scaleFactor.HasValue) throw new ArgumentException("interpolate needs exactly one of size and scale_factor.", nameof(size));
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, $"mode must be Nearest or Bilinear. Received: {(int)mode}");
        if (alignCorners && mode == InterpolationMode.Nearest) throw new ArgumentException("align_corners applies to bilinear mode only.", nameof(alignCorners));
        var x = input.ShapeRef;
        int n = x[0], c = x[1], h = x[2], w = x[3];
        int oh, ow;
        if (size is { } sz) (oh, ow) = sz;
        else
        {
            var f = scaleFactor!.Value;
            if (!(f.H > 0) || !(f.W > 0) || double.IsInfinity(f.H) || double.IsInfinity(f.W))
                throw new ArgumentException($"scale_factor must be positive and finite. Received: scale_factor=({f.H}, {f.W})", nameof(scaleFactor));
            oh = (int)Math.Floor(h * f.H);
            ow = (int)Math.Floor(w * f.W);
        }
        if (oh <= 0 || ow <= 0) throw new ArgumentException($"interpolate output size must be positive. Received: output size=({oh}, {ow}) for input {Tensor.ShapeString(x)}", nameof(size));
        using var ah = InterpolationMatrix(h, oh, scaleFactor?.H, mode, alignCorners);   // [h, oh]
        using var aw = InterpolationMatrix(w, ow, scaleFactor?.W, mode, alignCorners);   // [w, ow]
        using var rows = input.Reshape(n * c * h, w);
        using var alongW = rows.MatMul(aw);                 // [n·c·h, ow]
        using var planes = alongW.Reshape(n * c, h, ow);
        using var swapped = planes.Transpose(1, 2);         // [n·c, ow, h]
        using var cols = swapped.Reshape(n * c * ow, h);
        using var alongH = cols.MatMul(ah);                 // [n·c·ow, oh]
        using var back = alongH.Reshape(n * c, ow, oh);
        using var result = back.Transpose(1, 2);            // [n·c, oh, ow]
        return result.Reshape(n, c, oh, ow);
    }

    /// <summary>
    /// The transposed resampling matrix [in, out] of one axis: column o holds the weights output
    /// index o takes from each input index (PyTorch's source-index rules, area_pixel_compute_scale).
    /// </summary>
    private static Tensor InterpolationMatrix(int inSize, int outSize, double? scaleFactor, InterpolationMode mode, bool alignCorners)
    {
        var m = new float[inSize * outSize];
        double scale = alignCorners
            ? (outSize > 1 ? (inSize - 1) / (double)(outSize - 1) : 0)
            : (scaleFactor is { } f ? 1 / f : inSize / (double)outSize);
        for (int o = 0; o < outSize; o++)
        {
            if (mode == InterpolationMode.Nearest)
            {
                int src = Math.Min((int)Math.Floor(o * scale), inSize - 1);
                m[src * outSize + o] = 1f;
                continue;
            }
            double s = alignCorners ? o * scale : Math.Max(scale * (o + 0.5) - 0.5, 0);
            int i0 = Math.Min((int)s, inSize - 1);
            int i1 = Math.Min(i0 + 1, inSize - 1);
            float l1 = (float)(s - i0), l0 = 1f - l1;
            m[i0 * outSize + o] += l0;
            m[i1 * outSize + o] += l1;
        }
        return Tensor.FromArray(m, inSize, outSize);
    }
}
