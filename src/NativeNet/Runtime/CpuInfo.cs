namespace NativeNet;

/// <summary>An instruction-set path of the native kernels. The x86 values are ordered (Scalar &lt; Avx2 &lt; Avx512 &lt; Avx512Bf16): a cap admits every x86 value below it. Neon stands alone.</summary>
public enum Isa
{
    /// <summary>Portable scalar C++ (the reference path).</summary>
    Scalar = 0,
    /// <summary>AVX2 with FMA (x86-64).</summary>
    Avx2 = 1,
    /// <summary>AVX-512 F/BW/VL/DQ (x86-64).</summary>
    Avx512 = 2,
    /// <summary>AArch64 Advanced SIMD.</summary>
    Neon = 3,
    /// <summary>AVX-512 plus AVX512_BF16 (x86-64): bfloat16 products on vdpbf16ps (<see cref="Precision.BFloat16"/>); every other kernel as <see cref="Avx512"/>.</summary>
    Avx512Bf16 = 4,
}

/// <summary>What the CPU offers and which kernel path NativeNet chose.</summary>
/// <param name="Avx2">AVX2 usable (CPU and OS).</param>
/// <param name="Fma">FMA3 usable.</param>
/// <param name="Avx512F">AVX-512 Foundation usable.</param>
/// <param name="Avx512BW">AVX-512 Byte/Word usable.</param>
/// <param name="Avx512VL">AVX-512 Vector Length usable.</param>
/// <param name="Avx512DQ">AVX-512 Doubleword/Quadword usable.</param>
/// <param name="Avx512Vnni">AVX-512 VNNI usable.</param>
/// <param name="Avx512Bf16">AVX-512 BF16 usable.</param>
/// <param name="Neon">AArch64 NEON usable.</param>
/// <param name="BestIsa">The best path this CPU and OS support.</param>
/// <param name="ChosenIsa">The path in use: <paramref name="BestIsa"/> capped by NATIVENET_MAX_ISA.</param>
/// <param name="Cores">Logical processors visible to the process.</param>
public sealed record CpuInfo(
    bool Avx2, bool Fma, bool Avx512F, bool Avx512BW, bool Avx512VL, bool Avx512DQ, bool Avx512Vnni,
    bool Avx512Bf16, bool Neon, Isa BestIsa, Isa ChosenIsa, int Cores)
{
    /// <summary>The feature names present, lower case, e.g. "avx2 fma avx512f".</summary>
    public IReadOnlyList<string> FeatureNames
    {
        get
        {
            var list = new List<string>();
            if (Avx2) list.Add("avx2");
            if (Fma) list.Add("fma");
            if (Avx512F) list.Add("avx512f");
            if (Avx512BW) list.Add("avx512bw");
            if (Avx512VL) list.Add("avx512vl");
            if (Avx512DQ) list.Add("avx512dq");
            if (Avx512Vnni) list.Add("avx512_vnni");
            if (Avx512Bf16) list.Add("avx512_bf16");
            if (Neon) list.Add("neon");
            return list;
        }
    }
}
