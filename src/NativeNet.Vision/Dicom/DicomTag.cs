namespace NativeNet.Vision.Dicom;

/// <summary>A DICOM tag (group, element), printed as (GGGG,EEEE) the way the standard writes it.</summary>
public readonly record struct DicomTag(ushort Group, ushort Element) : IComparable<DicomTag>
{
    /// <summary>The tag as one number, group in the high half (the order elements appear in a file).</summary>
    public uint Value => (uint)Group << 16 | Element;

    /// <inheritdoc />
    public int CompareTo(DicomTag other) => Value.CompareTo(other.Value);

    /// <inheritdoc />
    public override string ToString() => $"({Group:X4},{Element:X4})";

    /// <summary>(0002,0010) Transfer Syntax UID.</summary>
    public static readonly DicomTag TransferSyntaxUid = new(0x0002, 0x0010);
    /// <summary>(0008,0060) Modality.</summary>
    public static readonly DicomTag Modality = new(0x0008, 0x0060);
    /// <summary>(0028,0002) Samples per Pixel.</summary>
    public static readonly DicomTag SamplesPerPixel = new(0x0028, 0x0002);
    /// <summary>(0028,0004) Photometric Interpretation.</summary>
    public static readonly DicomTag PhotometricInterpretation = new(0x0028, 0x0004);
    /// <summary>(0028,0006) Planar Configuration.</summary>
    public static readonly DicomTag PlanarConfiguration = new(0x0028, 0x0006);
    /// <summary>(0028,0008) Number of Frames.</summary>
    public static readonly DicomTag NumberOfFrames = new(0x0028, 0x0008);
    /// <summary>(0028,0010) Rows.</summary>
    public static readonly DicomTag Rows = new(0x0028, 0x0010);
    /// <summary>(0028,0011) Columns.</summary>
    public static readonly DicomTag Columns = new(0x0028, 0x0011);
    /// <summary>(0028,0100) Bits Allocated.</summary>
    public static readonly DicomTag BitsAllocated = new(0x0028, 0x0100);
    /// <summary>(0028,0101) Bits Stored.</summary>
    public static readonly DicomTag BitsStored = new(0x0028, 0x0101);
    /// <summary>(0028,0102) High Bit.</summary>
    public static readonly DicomTag HighBit = new(0x0028, 0x0102);
    /// <summary>(0028,0103) Pixel Representation (0 unsigned, 1 two's complement).</summary>
    public static readonly DicomTag PixelRepresentation = new(0x0028, 0x0103);
    /// <summary>(0028,1050) Window Center.</summary>
    public static readonly DicomTag WindowCenter = new(0x0028, 0x1050);
    /// <summary>(0028,1051) Window Width.</summary>
    public static readonly DicomTag WindowWidth = new(0x0028, 0x1051);
    /// <summary>(0028,1052) Rescale Intercept.</summary>
    public static readonly DicomTag RescaleIntercept = new(0x0028, 0x1052);
    /// <summary>(0028,1053) Rescale Slope.</summary>
    public static readonly DicomTag RescaleSlope = new(0x0028, 0x1053);
    /// <summary>(0028,3000) Modality LUT Sequence (not applied: rescale only).</summary>
    public static readonly DicomTag ModalityLutSequence = new(0x0028, 0x3000);
    /// <summary>(7FE0,0010) Pixel Data.</summary>
    public static readonly DicomTag PixelData = new(0x7FE0, 0x0010);
    /// <summary>(FFFE,E000) Item.</summary>
    public static readonly DicomTag Item = new(0xFFFE, 0xE000);
    /// <summary>(FFFE,E00D) Item Delimitation Item.</summary>
    public static readonly DicomTag ItemDelimiter = new(0xFFFE, 0xE00D);
    /// <summary>(FFFE,E0DD) Sequence Delimitation Item.</summary>
    public static readonly DicomTag SequenceDelimiter = new(0xFFFE, 0xE0DD);
}
