namespace NativeNet;

/// <summary>
/// The number format of a matrix product's operands. Inputs, outputs and accumulation stay
/// float32 in both; <see cref="BFloat16"/> rounds both operands of each product to bfloat16
/// (round to nearest even), which CPUs with AVX512_BF16 multiply at twice the float32 rate.
/// </summary>
public enum Precision
{
    /// <summary>IEEE float32 operands (the default).</summary>
    Float32 = 0,
    /// <summary>bfloat16 operands, float32 products and sums.</summary>
    BFloat16 = 1,
}
