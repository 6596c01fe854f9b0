using System.Text;

namespace NativeNet.Onnx.Io;

/// <summary>Writes a float32 array as a NumPy .npy file (format 1.0, little-endian, C order).</summary>
internal static class NpyFloatWriter
{
    public static void Write(Stream s, ReadOnlySpan<float> data, IReadOnlyList<long> shape)
    {
        string dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        string header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        Span<byte> pre = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)(header.Length & 0xFF), (byte)(header.Length >> 8)];
        s.Write(pre);
        s.Write(Encoding.ASCII.GetBytes(header));
        s.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data));
    }
}
