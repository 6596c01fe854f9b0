namespace NativeNet;

/// <summary>Element type of a <see cref="Tensor"/>. Only <see cref="Float32"/> is computed on today;
/// <see cref="BFloat16"/> is reserved so storage and serialization can grow into it.</summary>
public enum DType
{
    /// <summary>IEEE 754 single precision (4 bytes).</summary>
    Float32 = 0,
    /// <summary>bfloat16 (2 bytes). Reserved: creating a tensor of this type throws <see cref="NotSupportedException"/>.</summary>
    BFloat16 = 1,
}
