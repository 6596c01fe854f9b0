namespace NativeNet.Vision.Dicom;

/// <summary>How a data set is encoded: byte order, explicit or implicit VR, deflate, and how pixels are compressed.</summary>
public sealed record TransferSyntax(string Uid, string Name, bool BigEndian, bool ExplicitVr, bool Deflated, bool Rle, bool Supported)
{
    /// <summary>1.2.840.10008.1.2: Implicit VR Little Endian.</summary>
    public static readonly TransferSyntax ImplicitLittle = new("1.2.840.10008.1.2", "Implicit VR Little Endian", false, false, false, false, true);
    /// <summary>1.2.840.10008.1.2.1: Explicit VR Little Endian.</summary>
    public static readonly TransferSyntax ExplicitLittle = new("1.2.840.10008.1.2.1", "Explicit VR Little Endian", false, true, false, false, true);
    /// <summary>1.2.840.10008.1.2.2: Explicit VR Big Endian (retired, still found in archives).</summary>
    public static readonly TransferSyntax ExplicitBig = new("1.2.840.10008.1.2.2", "Explicit VR Big Endian", true, true, false, false, true);
    /// <summary>1.2.840.10008.1.2.1.99: Deflated Explicit VR Little Endian.</summary>
    public static readonly TransferSyntax DeflatedExplicitLittle = new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", false, true, true, false, true);
    /// <summary>1.2.840.10008.1.2.5: RLE Lossless.</summary>
    public static readonly TransferSyntax RleLossless = new("1.2.840.10008.1.2.5", "RLE Lossless", false, true, false, true, true);

    private static readonly TransferSyntax[] Known = [ImplicitLittle, ExplicitLittle, ExplicitBig, DeflatedExplicitLittle, RleLossless];

    /// <summary>
    /// The syntax of <paramref name="uid"/>. Unknown or compressed ones other than RLE (JPEG, JPEG-LS,
    /// JPEG 2000, HTJ2K, MPEG, …) come back with <see cref="Supported"/> false: their data set is
    /// still explicit VR little endian, so the header can be read, but the pixels cannot.
    /// </summary>
    public static TransferSyntax FromUid(string uid)
    {
        foreach (var ts in Known) if (ts.Uid == uid) return ts;
        string name = uid switch
        {
            "1.2.840.10008.1.2.4.50" => "JPEG Baseline",
            "1.2.840.10008.1.2.4.51" => "JPEG Extended",
            "1.2.840.10008.1.2.4.57" => "JPEG Lossless",
            "1.2.840.10008.1.2.4.70" => "JPEG Lossless SV1",
            "1.2.840.10008.1.2.4.80" => "JPEG-LS Lossless",
            "1.2.840.10008.1.2.4.81" => "JPEG-LS Near-lossless",
            "1.2.840.10008.1.2.4.90" => "JPEG 2000 Lossless",
            "1.2.840.10008.1.2.4.91" => "JPEG 2000",
            "1.2.840.10008.1.2.4.92" or "1.2.840.10008.1.2.4.93" => "JPEG 2000 Part 2",
            "1.2.840.10008.1.2.4.201" or "1.2.840.10008.1.2.4.202" or "1.2.840.10008.1.2.4.203" => "High-Throughput JPEG 2000",
            _ when uid.StartsWith("1.2.840.10008.1.2.4.10", StringComparison.Ordinal) => "MPEG",
            _ => "unknown transfer syntax",
        };
        return new TransferSyntax(uid, name, false, true, false, false, false);
    }
}
