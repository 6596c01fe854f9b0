using NativeNet.Vision.Dicom;

namespace ChestXrayDicom;

/// <summary>
/// SYNTHETIC chest-like CT slices written as DICOM with NativeNet's own writer (16-bit signed,
/// rescale intercept −1024, a lung window in the header): two dark lung fields in soft tissue;
/// the "opacity" class adds a brighter blob inside one lung. Not real patients: it only shows
/// that the pipeline reads DICOM and learns.
/// </summary>
public static class SyntheticChest
{
    /// <summary>Image size of the written files.</summary>
    public const int Size = 96;

    /// <summary>Writes <paramref name="count"/> files (half per class) under <paramref name="folder"/>; returns the count.</summary>
    public static int Write(string folder, int count, int seed)
    {
        var rng = new Random(seed);
        foreach (var cls in new[] { "normal", "opacity" }) Directory.CreateDirectory(Path.Combine(folder, cls));
        for (int i = 0; i < count; i++)
        {
            bool opacity = i % 2 == 1;
            var values = new long[Size * Size];
            double blobX = rng.Next(2) == 0 ? 0.3 : 0.7, blobY = 0.4 + 0.2 * rng.NextDouble(), blobR = 0.06 + 0.04 * rng.NextDouble();
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                {
                    double u = (double)x / Size, v = (double)y / Size;
                    double hu = 40;                                                         // soft tissue
                    if (Lung(u, v, 0.3) || Lung(u, v, 0.7)) hu = -850;                      // air-filled lungs
                    if (opacity && (u - blobX) * (u - blobX) + (v - blobY) * (v - blobY) < blobR * blobR) hu = -100;
                    hu += rng.NextDouble() * 60 - 30;
                    values[y * Size + x] = (long)Math.Round(hu + 1024);                     // stored = HU − intercept
                }
            DicomWriter.Write(Path.Combine(folder, opacity ? "opacity" : "normal", $"{i:D4}.dcm"), new DicomWriteSpec
            {
                Rows = Size, Columns = Size, Values = values, BitsAllocated = 16, BitsStored = 12, Modality = "CT",
                Rescale = (1, -1024), Window = (-600, 1500), Syntax = i % 3 == 0 ? TransferSyntax.RleLossless : TransferSyntax.ExplicitLittle,
            });
        }
        return count;
    }

    private static bool Lung(double u, double v, double cx) => (u - cx) * (u - cx) / 0.02 + (v - 0.5) * (v - 0.5) / 0.09 < 1;
}
