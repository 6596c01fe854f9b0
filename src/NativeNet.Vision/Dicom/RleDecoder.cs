using System.Buffers.Binary;

namespace NativeNet.Vision.Dicom;

/// <summary>
/// DICOM RLE Lossless (PS3.5 Annex G): a 64-byte header of up to 15 segment offsets, each segment a
/// PackBits stream of one byte plane (most significant byte of each sample first).
/// </summary>
internal static class RleDecoder
{
    /// <summary>
    /// Decodes one frame into planar little-endian samples: plane s holds rows·columns samples of
    /// <paramref name="bytesPerSample"/> bytes. The output size comes from the header fields, and is
    /// only allocated after checking every segment could hold that much (PackBits expands at most
    /// 64-fold), so a few bytes cannot claim a huge image.
    /// </summary>
    public static byte[] DecodeFrame(ReadOnlySpan<byte> data, int pixels, int samples, int bytesPerSample, Func<string, Exception> fail)
    {
        if (data.Length < 64) throw fail($"the RLE frame is {data.Length} bytes, shorter than its 64-byte header");
        int segments = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
        int expected = samples * bytesPerSample;
        if (segments != expected) throw fail($"the RLE header lists {segments} segments; {samples} sample(s) of {bytesPerSample} byte(s) need {expected}");
        var offsets = new int[segments + 1];
        for (int i = 0; i < segments; i++)
        {
            uint o = BinaryPrimitives.ReadUInt32LittleEndian(data[(4 + 4 * i)..]);
            if (o < 64 || o > data.Length || (i > 0 && o < offsets[i - 1])) throw fail($"RLE segment {i} starts at {o}, outside the frame's {data.Length} bytes or before segment {i - 1}");
            offsets[i] = (int)o;
        }
        offsets[segments] = data.Length;
        for (int i = 0; i < segments; i++)
            if ((long)(offsets[i + 1] - offsets[i]) * 64 < pixels) throw fail($"RLE segment {i} ({offsets[i + 1] - offsets[i]} bytes) cannot expand to {pixels} bytes");

        var output = new byte[(long)pixels * samples * bytesPerSample];
        for (int s = 0; s < samples; s++)
            for (int b = 0; b < bytesPerSample; b++)
            {
                int segment = s * bytesPerSample + b;           // byte b of the sample, most significant first
                int lsbOffset = bytesPerSample - 1 - b;          // where it lands in a little-endian sample
                Decode(data[offsets[segment]..offsets[segment + 1]], output.AsSpan(s * pixels * bytesPerSample), lsbOffset, bytesPerSample, pixels, segment, fail);
            }
        return output;
    }

    // PackBits: n in 0..127 copies n+1 literal bytes, n in -127..-1 repeats the next byte 1-n times, -128 is a no-op.
    private static void Decode(ReadOnlySpan<byte> src, Span<byte> plane, int offset, int stride, int count, int segment, Func<string, Exception> fail)
    {
        int i = 0, written = 0;
        while (written < count)
        {
            if (i >= src.Length) throw fail($"RLE segment {segment} ends after {written} of {count} bytes");
            int n = (sbyte)src[i++];
            if (n >= 0)
            {
                int run = n + 1;
                if (i + run > src.Length) throw fail($"RLE segment {segment}: a literal run of {run} bytes passes the segment's end");
                run = Math.Min(run, count - written);
                for (int k = 0; k < run; k++) plane[(written + k) * stride + offset] = src[i + k];
                i += n + 1;
                written += run;
            }
            else if (n != -128)
            {
                if (i >= src.Length) throw fail($"RLE segment {segment}: a repeat run has no byte to repeat");
                byte v = src[i++];
                int run = Math.Min(1 - n, count - written);
                for (int k = 0; k < run; k++) plane[(written + k) * stride + offset] = v;
                written += run;
            }
        }
    }

    /// <summary>Encodes one byte plane as PackBits (for <see cref="DicomWriter"/>).</summary>
    public static void EncodeSegment(ReadOnlySpan<byte> plane, List<byte> output)
    {
        int i = 0;
        while (i < plane.Length)
        {
            int run = 1;
            while (i + run < plane.Length && run < 128 && plane[i + run] == plane[i]) run++;
            if (run >= 2)
            {
                output.Add((byte)(sbyte)(1 - run));
                output.Add(plane[i]);
                i += run;
                continue;
            }
            int start = i, len = 0;
            while (i < plane.Length && len < 128 && !(i + 1 < plane.Length && plane[i + 1] == plane[i]))
            { i++; len++; }
            if (len == 0) { i++; len = 1; }
            output.Add((byte)(len - 1));
            for (int k = 0; k < len; k++) output.Add(plane[start + k]);
        }
    }
}
