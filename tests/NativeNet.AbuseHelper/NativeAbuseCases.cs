using System.Runtime.InteropServices;
using NativeNet.Interop;
using static NativeNet.Interop.nn_status;

namespace NativeNet.AbuseHelper;

/// <summary>
/// Hostile calls of every native import: NULL pointers, negative sizes, products that overflow
/// int64, enum values out of range and mismatched shapes. Each must be refused with a status and
/// a message naming the argument (checked by <see cref="AbuseRunner.Refused"/>), never crash.
/// Buffers come from one zeroed arena, large enough for every valid part of a call.
/// </summary>
internal static unsafe class NativeAbuseCases
{
    private const long Big = 1L << 32;        // (Big - 1) * Big overflows int64
    private static readonly float* F = (float*)NativeMemory.AllocZeroed(1 << 16, sizeof(float));
    private static readonly long* L = (long*)NativeMemory.AllocZeroed(1 << 10, sizeof(long));
    private static readonly byte* M = (byte*)NativeMemory.AllocZeroed(1 << 10, 1);

    private static AbuseCase S(string entry, string name, Func<nn_status> call, string mention,
                               nn_status expected = NN_ERR_INVALID_ARGUMENT) =>
        new(entry, name, () => AbuseRunner.Refused(entry, call(), mention, expected));

    private static AbuseCase C(string entry, string name, Func<string?> check) => new(entry, name, check);

    private static nn_conv2d_desc Conv2d() => new()
    {
        n = 1, c = 2, h = 5, w = 5, k = 2, r = 3, s = 3, stride_h = 1, stride_w = 1,
        dilation_h = 1, dilation_w = 1, groups = 1,
    };

    private static nn_conv1d_desc Conv1d() => new()
    {
        n = 1, c = 2, l = 5, k = 2, kernel_size = 3, stride = 1, dilation = 1, groups = 1,
    };

    private static nn_pool2d_desc Pool() => new()
    {
        n = 1, c = 1, h = 4, w = 4, kernel_h = 2, kernel_w = 2, stride_h = 2, stride_w = 2,
        dilation_h = 1, dilation_w = 1,
    };

    // Max pooling 2x2 / 2 of Conv2d()'s output (1 x 2 x 3 x 3).
    private static nn_pool2d_desc PooledConv() => new()
    {
        n = 1, c = 2, h = 3, w = 3, kernel_h = 2, kernel_w = 2, stride_h = 2, stride_w = 2,
        dilation_h = 1, dilation_w = 1,
    };

    private static nn_rnn_desc Rnn(int layers = 1) => new()
    {
        cell = nn_rnn_cell.NN_RNN_LSTM, seq_len = 3, batch = 2, input_size = 2, hidden_size = 2, num_layers = layers,
    };

    private static string? Expect(bool ok, string what) => ok ? null : what;

    // A list, not an iterator: iterator bodies are never an unsafe context, and these lambdas take pointers.
    public static List<AbuseCase> All()
    {
        var cases = new List<AbuseCase>();
        // ---- core
        cases.Add(C("nn_last_error", "empty after success, message after failure", () =>
        {
            NativeMethods.nn_cpu_info(null);
            string failed = NativeStatus.ReadString(NativeMethods.nn_last_error());
            nn_cpu_info_t info;
            NativeMethods.nn_cpu_info(&info);
            string cleared = NativeStatus.ReadString(NativeMethods.nn_last_error());
            return Expect(failed.Length > 0 && cleared.Length == 0, $"after failure '{failed}', after success '{cleared}'");
        }));
        cases.Add(C("nn_version", "non-empty", () => Expect(NativeStatus.ReadString(NativeMethods.nn_version()).Length > 0, "empty version")));
        cases.Add(C("nn_abi_version", "positive", () => Expect(NativeMethods.nn_abi_version() >= 1, "abi version < 1")));
        cases.Add(S("nn_cpu_info", "null info", () => NativeMethods.nn_cpu_info(null), "info"));
        cases.Add(C("nn_isa_name", "out-of-range isa", () =>
            Expect(NativeStatus.ReadString(NativeMethods.nn_isa_name((nn_isa)99)) == "unknown" &&
                   NativeStatus.ReadString(NativeMethods.nn_isa_name((nn_isa)(-1))) == "unknown", "not 'unknown'")));
        cases.Add(S("nn_set_num_threads", "zero", () => NativeMethods.nn_set_num_threads(0), "num_threads"));
        cases.Add(S("nn_set_num_threads", "negative", () => NativeMethods.nn_set_num_threads(-1), "num_threads"));
        cases.Add(S("nn_set_num_threads", "over 1024", () => NativeMethods.nn_set_num_threads(int.MaxValue), "num_threads"));
        cases.Add(C("nn_get_num_threads", "unchanged by refused sets", () => Expect(NativeMethods.nn_get_num_threads() >= 1, "pool size < 1")));
        cases.Add(S("nn_debug_throw", "std::runtime_error", () => NativeMethods.nn_debug_throw(0), "internal error", NN_ERR_INTERNAL));
        cases.Add(S("nn_debug_throw", "std::bad_alloc", () => NativeMethods.nn_debug_throw(1), "out of memory", NN_ERR_OUT_OF_MEMORY));
        cases.Add(S("nn_debug_throw", "non-std exception", () => NativeMethods.nn_debug_throw(2), "unknown exception", NN_ERR_INTERNAL));
        cases.Add(S("nn_debug_throw", "kind out of range", () => NativeMethods.nn_debug_throw(-7), "kind"));

        // ---- element-wise
        cases.Add(S("nn_unary", "op out of range", () => NativeMethods.nn_unary((nn_unary_op)99, F, F, 4, 0), "op"));
        cases.Add(S("nn_unary", "negative n", () => NativeMethods.nn_unary(nn_unary_op.NN_UNARY_RELU, F, F, -1, 0), "n=-1"));
        cases.Add(S("nn_unary", "null x", () => NativeMethods.nn_unary(nn_unary_op.NN_UNARY_RELU, null, F, 4, 0), "x"));
        cases.Add(S("nn_unary", "null y", () => NativeMethods.nn_unary(nn_unary_op.NN_UNARY_RELU, F, null, long.MaxValue, 0), "y"));
        cases.Add(S("nn_unary_backward", "null dy", () => NativeMethods.nn_unary_backward(nn_unary_op.NN_UNARY_TANH, F, F, null, F, 4, 0), "dy"));
        cases.Add(S("nn_unary_backward", "op negative", () => NativeMethods.nn_unary_backward((nn_unary_op)(-1), F, F, F, F, 4, 0), "op"));
        cases.Add(S("nn_unary_backward", "negative n", () => NativeMethods.nn_unary_backward(nn_unary_op.NN_UNARY_TANH, F, F, F, F, long.MinValue, 0), "n"));
        cases.Add(S("nn_binary", "op out of range", () => NativeMethods.nn_binary((nn_binary_op)6, F, F, F, 4), "op"));
        cases.Add(S("nn_binary", "null b", () => NativeMethods.nn_binary(nn_binary_op.NN_BINARY_ADD, F, null, F, 4), "b"));
        cases.Add(S("nn_binary", "negative n", () => NativeMethods.nn_binary(nn_binary_op.NN_BINARY_ADD, F, F, F, -3), "n"));
        cases.Add(S("nn_binary_scalar", "null y", () => NativeMethods.nn_binary_scalar(nn_binary_op.NN_BINARY_MUL, F, 2, null, 4), "y"));
        cases.Add(S("nn_binary_scalar", "op out of range", () => NativeMethods.nn_binary_scalar((nn_binary_op)int.MinValue, F, 2, F, 4), "op"));
        cases.Add(S("nn_axpby", "null x", () => NativeMethods.nn_axpby(4, 1, null, 1, F), "x"));
        cases.Add(S("nn_axpby", "negative n", () => NativeMethods.nn_axpby(-1, 1, F, 1, F), "n"));
        cases.Add(S("nn_sum", "null out", () => NativeMethods.nn_sum(F, 4, null), "out"));
        cases.Add(S("nn_sum", "null x", () => NativeMethods.nn_sum(null, 4, (double*)F), "x"));
        cases.Add(S("nn_sum", "negative n", () => NativeMethods.nn_sum(F, -1, (double*)F), "n"));
        cases.Add(S("nn_fill", "null y", () => NativeMethods.nn_fill(null, 4, 1), "y"));
        cases.Add(S("nn_fill", "negative n", () => NativeMethods.nn_fill(F, -1, 1), "n"));

        // ---- gemm
        const nn_transpose N = nn_transpose.NN_NO_TRANS, T = nn_transpose.NN_TRANS;
        cases.Add(S("nn_sgemm", "negative m", () => NativeMethods.nn_sgemm(N, N, -1, 2, 2, 1, F, 2, F, 2, 0, F, 2), "m"));
        cases.Add(S("nn_sgemm", "lda too small", () => NativeMethods.nn_sgemm(N, N, 2, 2, 3, 1, F, 2, F, 2, 0, F, 2), "lda"));
        cases.Add(S("nn_sgemm", "ldb too small (transposed)", () => NativeMethods.nn_sgemm(N, T, 2, 2, 3, 1, F, 3, F, 2, 0, F, 2), "ldb"));
        cases.Add(S("nn_sgemm", "ldc too small", () => NativeMethods.nn_sgemm(N, N, 2, 3, 2, 1, F, 2, F, 3, 0, F, 2), "ldc"));
        cases.Add(S("nn_sgemm", "trans out of range", () => NativeMethods.nn_sgemm((nn_transpose)2, N, 2, 2, 2, 1, F, 2, F, 2, 0, F, 2), "trans_a"));
        cases.Add(S("nn_sgemm", "null a", () => NativeMethods.nn_sgemm(N, N, 2, 2, 2, 1, null, 2, F, 2, 0, F, 2), "a"));
        cases.Add(S("nn_sgemm", "m*lda overflows int64", () => NativeMethods.nn_sgemm(N, N, Big, Big, Big, 1, F, Big, F, Big, 0, F, Big), "overflows int64"));
        cases.Add(S("nn_sgemm_ex", "bias_mode out of range", () => NativeMethods.nn_sgemm_ex(N, N, 2, 2, 2, 1, F, 2, F, 2, 0, F, 2, F, (nn_bias_mode)3, 0), "bias_mode"));
        cases.Add(S("nn_sgemm_ex", "activation out of range", () => NativeMethods.nn_sgemm_ex(N, N, 2, 2, 2, 1, F, 2, F, 2, 0, F, 2, F, 0, (nn_unary_op)9), "activation"));
        cases.Add(S("nn_sgemm_ex", "null bias per row", () => NativeMethods.nn_sgemm_ex(N, N, 2, 2, 2, 1, F, 2, F, 2, 0, F, 2, null, nn_bias_mode.NN_BIAS_ROW, 0), "bias"));
        cases.Add(S("nn_sgemm_ex", "k*ldb overflows int64", () => NativeMethods.nn_sgemm_ex(N, N, 1, 1, Big, 1, F, Big, F, Big, 0, F, 1, null, 0, 0), "overflows int64"));
        cases.Add(S("nn_sgemm_pack_b", "null out", () => NativeMethods.nn_sgemm_pack_b(N, 2, 2, F, 2, null), "out"));
        cases.Add(S("nn_sgemm_pack_b", "negative k", () => { nint p; return NativeMethods.nn_sgemm_pack_b(N, -2, 2, F, 2, &p); }, "k"));
        cases.Add(S("nn_sgemm_pack_b", "null b", () => { nint p; return NativeMethods.nn_sgemm_pack_b(N, 2, 2, null, 2, &p); }, "b"));
        cases.Add(S("nn_sgemm_pack_b", "k*ldb overflows int64", () => { nint p; return NativeMethods.nn_sgemm_pack_b(N, Big, Big, F, Big, &p); }, "overflows int64"));
        cases.Add(S("nn_sgemm_packed", "null packed_b", () => NativeMethods.nn_sgemm_packed(N, 2, 2, 2, 1, F, 2, 0, 0, F, 2, null, 0, 0), "packed_b"));
        cases.Add(S("nn_sgemm_packed", "k differs from the packed matrix", () => WithPacked(p => NativeMethods.nn_sgemm_packed(N, 2, 2, 3, 1, F, 3, p, 0, F, 2, null, 0, 0)), "packed matrix's k"));
        cases.Add(S("nn_sgemm_packed", "n differs from the packed matrix", () => WithPacked(p => NativeMethods.nn_sgemm_packed(N, 2, 5, 2, 1, F, 2, p, 0, F, 5, null, 0, 0)), "packed matrix's n"));
        cases.Add(C("nn_packed_matrix_destroy", "null is a no-op", () => Expect(NativeMethods.nn_packed_matrix_destroy(0) == NN_OK, "not NN_OK")));

        // ---- bfloat16
        var H = (ushort*)F;
        cases.Add(S("nn_f32_to_bf16", "null x", () => NativeMethods.nn_f32_to_bf16(null, H, 4), "x"));
        cases.Add(S("nn_f32_to_bf16", "negative n", () => NativeMethods.nn_f32_to_bf16(F, H, -1), "n"));
        cases.Add(S("nn_bf16_to_f32", "null y", () => NativeMethods.nn_bf16_to_f32(H, null, 4), "y"));
        cases.Add(S("nn_bf16_to_f32", "negative n", () => NativeMethods.nn_bf16_to_f32(H, F, long.MinValue), "n"));
        cases.Add(C("nn_bf16_gemm_native", "0 or 1", () => Expect(NativeMethods.nn_bf16_gemm_native() is 0 or 1, "not 0 or 1")));
        cases.Add(C("nn_bf16_products", "names the path nn_bf16_gemm_native reports", () =>
            Expect(NativeStatus.ReadString(NativeMethods.nn_bf16_products())
                       .StartsWith(NativeMethods.nn_bf16_gemm_native() == 1 ? "vdpbf16ps" : "float32 kernels", StringComparison.Ordinal),
                   "a reason that contradicts nn_bf16_gemm_native")));
        cases.Add(S("nn_bf16_pack_b", "null out", () => NativeMethods.nn_bf16_pack_b(N, 2, 2, F, 2, null), "out"));
        cases.Add(S("nn_bf16_pack_b", "ldb too small", () => { nint p; return NativeMethods.nn_bf16_pack_b(N, 2, 4, F, 3, &p); }, "ldb"));
        cases.Add(S("nn_bf16_pack_b", "k*ldb overflows int64", () => { nint p; return NativeMethods.nn_bf16_pack_b(N, Big, Big, F, Big, &p); }, "overflows int64"));
        cases.Add(S("nn_bf16_gemm_packed", "null packed_b", () => NativeMethods.nn_bf16_gemm_packed(N, 2, 2, 2, 1, F, 2, 0, 0, F, 2, null, 0, 0), "packed_b"));
        cases.Add(S("nn_bf16_gemm_packed", "k differs from the packed matrix", () => WithBf16Packed(p => NativeMethods.nn_bf16_gemm_packed(N, 2, 2, 3, 1, F, 3, p, 0, F, 2, null, 0, 0)), "packed matrix's k"));
        cases.Add(S("nn_bf16_gemm_packed", "activation out of range", () => WithBf16Packed(p => NativeMethods.nn_bf16_gemm_packed(N, 2, 2, 2, 1, F, 2, p, 0, F, 2, null, 0, (nn_unary_op)9)), "activation"));
        cases.Add(S("nn_bf16_gemm", "null a", () => NativeMethods.nn_bf16_gemm(N, N, 2, 2, 2, 1, null, 2, F, 2, 0, F, 2, null, 0, 0), "a"));
        cases.Add(S("nn_bf16_gemm", "trans_b out of range", () => NativeMethods.nn_bf16_gemm(N, (nn_transpose)5, 2, 2, 2, 1, F, 2, F, 2, 0, F, 2, null, 0, 0), "trans_b"));
        cases.Add(S("nn_bf16_gemm", "m*lda overflows int64", () => NativeMethods.nn_bf16_gemm(N, N, Big, 2, Big, 1, F, Big, F, 2, 0, F, 2, null, 0, 0), "overflows int64"));
        cases.Add(C("nn_bf16_matrix_destroy", "null is a no-op", () => Expect(NativeMethods.nn_bf16_matrix_destroy(0) == NN_OK, "not NN_OK")));

        // ---- convolution
        cases.Add(S("nn_conv2d_output_size", "null desc", () => { long a, b; return NativeMethods.nn_conv2d_output_size(null, &a, &b); }, "desc"));
        cases.Add(S("nn_conv2d_output_size", "null oh", () => { var d = Conv2d(); long b; return NativeMethods.nn_conv2d_output_size(&d, null, &b); }, "oh"));
        cases.Add(S("nn_conv2d_output_size", "groups does not divide c", () => { var d = Conv2d(); d.groups = 3; d.c = 4; d.k = 3; long a, b; return NativeMethods.nn_conv2d_output_size(&d, &a, &b); }, "desc->groups"));
        cases.Add(S("nn_conv2d_output_size", "kernel larger than padded input", () => { var d = Conv2d(); d.r = 9; long a, b; return NativeMethods.nn_conv2d_output_size(&d, &a, &b); }, "desc->r"));
        cases.Add(S("nn_conv2d_output_size", "zero stride", () => { var d = Conv2d(); d.stride_h = 0; long a, b; return NativeMethods.nn_conv2d_output_size(&d, &a, &b); }, "desc->stride_h"));
        cases.Add(S("nn_conv2d_output_size", "n*c*h*w overflows int64", () => { var d = Conv2d(); d.n = d.c = d.k = 1 << 20; d.h = d.w = 1 << 20; long a, b; return NativeMethods.nn_conv2d_output_size(&d, &a, &b); }, "overflows int64"));
        cases.Add(S("nn_conv2d_output_size", "dilation*(r-1) overflows int64", () => { var d = Conv2d(); d.dilation_h = long.MaxValue; long a, b; return NativeMethods.nn_conv2d_output_size(&d, &a, &b); }, "overflows int64"));
        cases.Add(S("nn_conv2d_forward", "null x", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_forward(&d, null, F, null, 0, F); }, "x"));
        cases.Add(S("nn_conv2d_forward", "activation out of range", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_forward(&d, F, F, null, (nn_unary_op)7, F); }, "activation"));
        cases.Add(S("nn_conv2d_forward", "k not divisible by groups", () => { var d = Conv2d(); d.groups = 2; d.k = 3; return NativeMethods.nn_conv2d_forward(&d, F, F, null, 0, F); }, "desc->k"));
        cases.Add(S("nn_conv2d_pack", "null out", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_pack(&d, F, null, null); }, "out"));
        cases.Add(S("nn_conv2d_pack", "null weight", () => { var d = Conv2d(); nint p; return NativeMethods.nn_conv2d_pack(&d, null, null, &p); }, "weight"));
        cases.Add(S("nn_conv2d_pack", "groups does not divide c", () => { var d = Conv2d(); d.groups = 3; d.c = 4; d.k = 3; nint p; return NativeMethods.nn_conv2d_pack(&d, F, null, &p); }, "desc->groups"));
        cases.Add(S("nn_conv2d_packed_forward", "null packed", () => NativeMethods.nn_conv2d_packed_forward(0, 1, F, null, nn_unary_op.NN_UNARY_IDENTITY, 0, F), "packed"));
        cases.Add(S("nn_conv2d_packed_forward", "zero batch", () => WithPackedConv(p => NativeMethods.nn_conv2d_packed_forward(p, 0, F, null, nn_unary_op.NN_UNARY_IDENTITY, 0, F)), "n"));
        cases.Add(S("nn_conv2d_packed_forward", "batch times the image overflows", () => WithPackedConv(p => NativeMethods.nn_conv2d_packed_forward(p, long.MaxValue, F, null, nn_unary_op.NN_UNARY_IDENTITY, 0, F)), "overflows"));
        cases.Add(S("nn_conv2d_packed_forward", "activation out of range", () => WithPackedConv(p => NativeMethods.nn_conv2d_packed_forward(p, 1, F, null, (nn_unary_op)99, 0, F)), "activation"));
        cases.Add(S("nn_conv2d_packed_forward", "null y", () => WithPackedConv(p => NativeMethods.nn_conv2d_packed_forward(p, 1, F, null, nn_unary_op.NN_UNARY_RELU, 0, null)), "y"));
        // The packed 1x2x5x5 -> 2 x 3x3 convolution, pooled 2x2 / 2 (PooledConv: its output's sizes).
        cases.Add(S("nn_conv2d_packed_forward_maxpool", "null packed", () => { var d = PooledConv(); return NativeMethods.nn_conv2d_packed_forward_maxpool(0, 1, F, nn_unary_op.NN_UNARY_RELU, 0, &d, F); }, "packed"));
        cases.Add(S("nn_conv2d_packed_forward_maxpool", "null pool", () => WithPackedConv(p => NativeMethods.nn_conv2d_packed_forward_maxpool(p, 1, F, nn_unary_op.NN_UNARY_RELU, 0, null, F)), "pool"));
        cases.Add(S("nn_conv2d_packed_forward_maxpool", "pool channels differ from the output's", () => WithPackedConv(p => { var d = PooledConv(); d.c = 1; return NativeMethods.nn_conv2d_packed_forward_maxpool(p, 1, F, nn_unary_op.NN_UNARY_RELU, 0, &d, F); }), "pool->c"));
        cases.Add(S("nn_conv2d_packed_forward_maxpool", "pool batch differs from n", () => WithPackedConv(p => { var d = PooledConv(); return NativeMethods.nn_conv2d_packed_forward_maxpool(p, 2, F, nn_unary_op.NN_UNARY_RELU, 0, &d, F); }), "pool->n"));
        cases.Add(S("nn_conv2d_packed_forward_maxpool", "zero pooling kernel", () => WithPackedConv(p => { var d = PooledConv(); d.kernel_w = 0; return NativeMethods.nn_conv2d_packed_forward_maxpool(p, 1, F, nn_unary_op.NN_UNARY_RELU, 0, &d, F); }), "kernel_w"));
        cases.Add(S("nn_conv2d_packed_forward_maxpool", "null x", () => WithPackedConv(p => { var d = PooledConv(); return NativeMethods.nn_conv2d_packed_forward_maxpool(p, 1, null, nn_unary_op.NN_UNARY_RELU, 0, &d, F); }), "x"));
        cases.Add(C("nn_conv2d_packed_destroy", "null is a no-op", () => Expect(NativeMethods.nn_conv2d_packed_destroy(0) == NN_OK, "not NN_OK")));
        // NCHW16c: arguments are checked before the instruction set, so these refusals hold with or
        // without the blocked kernels; where they exist (nn_nchwc_block > 0) a 1x1 layer packs.
        cases.Add(S("nn_nchwc_block", "null block", () => NativeMethods.nn_nchwc_block(null), "block"));
        cases.Add(S("nn_nchwc_from_nchw", "null x", () => NativeMethods.nn_nchwc_from_nchw(null, 1, 3, 4, F), "x"));
        cases.Add(S("nn_nchwc_from_nchw", "n * c * hw overflows", () => NativeMethods.nn_nchwc_from_nchw(F, Big, Big, 16, F), "overflows"));
        cases.Add(S("nn_nchwc_to_nchw", "zero hw", () => NativeMethods.nn_nchwc_to_nchw(F, 1, 3, 0, F), "hw"));
        cases.Add(S("nn_nchwc_to_nchw", "null y", () => NativeMethods.nn_nchwc_to_nchw(F, 1, 3, 4, null), "y"));
        cases.Add(S("nn_conv2d_nchwc_supported", "null desc", () => { int s; return NativeMethods.nn_conv2d_nchwc_supported(null, &s); }, "desc"));
        cases.Add(S("nn_conv2d_nchwc_supported", "groups does not divide c", () => { var d = Conv2d(); d.groups = 3; d.c = 4; d.k = 3; int s; return NativeMethods.nn_conv2d_nchwc_supported(&d, &s); }, "desc->groups"));
        cases.Add(C("nn_conv2d_nchwc_supported", "dilation 2 has no blocked kernel", () => { var d = Conv2d(); d.dilation_h = d.dilation_w = 2; d.h = d.w = 7; int s = -1; return Expect(NativeMethods.nn_conv2d_nchwc_supported(&d, &s) == NN_OK && s == 0, $"supported={s}"); }));
        cases.Add(S("nn_conv2d_nchwc_pack", "null out", () => { var d = Pointwise(); return NativeMethods.nn_conv2d_nchwc_pack(&d, F, null, null); }, "out"));
        cases.Add(S("nn_conv2d_nchwc_pack", "null weight", () => { var d = Pointwise(); nint p; return NativeMethods.nn_conv2d_nchwc_pack(&d, null, null, &p); }, "weight"));
        cases.Add(C("nn_conv2d_nchwc_pack", "packs where blocked kernels exist, else NN_ERR_UNSUPPORTED", () =>
        {
            var d = Pointwise();
            long block;
            NativeStatus.Check(NativeMethods.nn_nchwc_block(&block));
            nint p = 1;
            var st = NativeMethods.nn_conv2d_nchwc_pack(&d, F, null, &p);
            NativeMethods.nn_conv2d_nchwc_destroy(p);
            return block > 0 ? Expect(st == NN_OK && p != 0, $"status {st}") : Expect(st == nn_status.NN_ERR_UNSUPPORTED && p == 0, $"status {st}, out {p}");
        }));
        cases.Add(S("nn_conv2d_nchwc_forward", "null packed", () => NativeMethods.nn_conv2d_nchwc_forward(0, 1, F, null, nn_unary_op.NN_UNARY_RELU, 0, F), "packed"));
        cases.Add(C("nn_conv2d_nchwc_forward", "zero batch, bad activation, null y (where blocked kernels exist)", () => WithBlockedConv(p =>
            AbuseRunner.Refused("nn_conv2d_nchwc_forward", NativeMethods.nn_conv2d_nchwc_forward(p, 0, F, null, nn_unary_op.NN_UNARY_RELU, 0, F), "n")
            ?? AbuseRunner.Refused("nn_conv2d_nchwc_forward", NativeMethods.nn_conv2d_nchwc_forward(p, 1, F, null, (nn_unary_op)99, 0, F), "activation")
            ?? AbuseRunner.Refused("nn_conv2d_nchwc_forward", NativeMethods.nn_conv2d_nchwc_forward(p, 1, F, null, nn_unary_op.NN_UNARY_RELU, 0, null), "y"))));
        cases.Add(S("nn_conv2d_nchwc_forward_expand_dw", "null expand", () => NativeMethods.nn_conv2d_nchwc_forward_expand_dw(0, 1, 1, F, nn_unary_op.NN_UNARY_RELU, 0, nn_unary_op.NN_UNARY_RELU, 0, F, F), "expand"));
        cases.Add(C("nn_conv2d_nchwc_forward_expand_dw", "a pointwise layer as the depthwise one (where blocked kernels exist)", () => WithBlockedConv(p =>
            AbuseRunner.Refused("nn_conv2d_nchwc_forward_expand_dw",
                NativeMethods.nn_conv2d_nchwc_forward_expand_dw(p, p, 1, F, nn_unary_op.NN_UNARY_RELU, 0, nn_unary_op.NN_UNARY_RELU, 0, F, F), "depthwise"))));
        cases.Add(S("nn_conv2d_nchwc_forward_expand_dw_project", "null project", () => NativeMethods.nn_conv2d_nchwc_forward_expand_dw_project(1, 1, 0, 1, F, nn_unary_op.NN_UNARY_RELU, 0, nn_unary_op.NN_UNARY_RELU, 0, null, nn_unary_op.NN_UNARY_IDENTITY, 0, F, F, F), "project"));
        cases.Add(C("nn_conv2d_nchwc_forward_expand_dw_project", "a pointwise layer as the depthwise one (where blocked kernels exist)", () => WithBlockedConv(p =>
            AbuseRunner.Refused("nn_conv2d_nchwc_forward_expand_dw_project",
                NativeMethods.nn_conv2d_nchwc_forward_expand_dw_project(p, p, p, 1, F, nn_unary_op.NN_UNARY_RELU, 0, nn_unary_op.NN_UNARY_RELU, 0, null, nn_unary_op.NN_UNARY_IDENTITY, 0, F, F, F), "depthwise"))));
        cases.Add(S("nn_conv2d_nchwc_forward_maxpool", "null packed", () => { var pd = PooledConv(); return NativeMethods.nn_conv2d_nchwc_forward_maxpool(0, 1, F, nn_unary_op.NN_UNARY_RELU, 0, &pd, F); }, "packed"));
        cases.Add(C("nn_conv2d_nchwc_forward_maxpool", "a pointwise layer, not a stem (where blocked kernels exist)", () => WithBlockedConv(p =>
        {
            var pd = PooledConv();
            return AbuseRunner.Refused("nn_conv2d_nchwc_forward_maxpool",
                NativeMethods.nn_conv2d_nchwc_forward_maxpool(p, 1, F, nn_unary_op.NN_UNARY_RELU, 0, &pd, F), "stem");
        })));
        cases.Add(C("nn_conv2d_nchwc_destroy", "null is a no-op", () => Expect(NativeMethods.nn_conv2d_nchwc_destroy(0) == NN_OK, "not NN_OK")));
        cases.Add(S("nn_conv2d_backward_data", "null dx", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_backward_data(&d, F, F, null); }, "dx"));
        cases.Add(S("nn_conv2d_forward_bf16", "null weight", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_forward_bf16(&d, F, null, null, 0, F); }, "weight"));
        cases.Add(S("nn_conv2d_forward_bf16", "activation out of range", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_forward_bf16(&d, F, F, null, (nn_unary_op)7, F); }, "activation"));
        cases.Add(S("nn_conv2d_backward_data_bf16", "null dy", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_backward_data_bf16(&d, null, F, F); }, "dy"));
        cases.Add(S("nn_conv2d_backward_data_bf16", "null desc", () => NativeMethods.nn_conv2d_backward_data_bf16(null, F, F, F), "desc"));
        cases.Add(S("nn_conv2d_pack_bf16", "null out", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_pack_bf16(&d, F, null, null); }, "out"));
        cases.Add(S("nn_conv2d_pack_bf16", "groups does not divide c", () => { var d = Conv2d(); d.groups = 3; d.c = 4; d.k = 3; nint p; return NativeMethods.nn_conv2d_pack_bf16(&d, F, null, &p); }, "desc->groups"));
        cases.Add(S("nn_conv2d_backward_data", "null desc", () => NativeMethods.nn_conv2d_backward_data(null, F, F, F), "desc"));
        cases.Add(S("nn_conv2d_backward_weights", "null dweight", () => { var d = Conv2d(); return NativeMethods.nn_conv2d_backward_weights(&d, F, F, null, null); }, "dweight"));
        cases.Add(S("nn_conv2d_backward_weights", "negative padding", () => { var d = Conv2d(); d.pad_top = -1; return NativeMethods.nn_conv2d_backward_weights(&d, F, F, F, null); }, "desc->pad_top"));
        cases.Add(S("nn_conv1d_output_size", "null ol", () => { var d = Conv1d(); return NativeMethods.nn_conv1d_output_size(&d, null); }, "ol"));
        cases.Add(S("nn_conv1d_output_size", "zero dilation", () => { var d = Conv1d(); d.dilation = 0; long o; return NativeMethods.nn_conv1d_output_size(&d, &o); }, "desc->dilation"));
        cases.Add(S("nn_conv1d_forward", "null weight", () => { var d = Conv1d(); return NativeMethods.nn_conv1d_forward(&d, F, null, null, 0, F); }, "weight"));
        cases.Add(S("nn_conv1d_forward", "kernel larger than input", () => { var d = Conv1d(); d.kernel_size = 6; return NativeMethods.nn_conv1d_forward(&d, F, F, null, 0, F); }, "desc->kernel_size"));
        cases.Add(S("nn_conv1d_backward_data", "null dy", () => { var d = Conv1d(); return NativeMethods.nn_conv1d_backward_data(&d, null, F, F); }, "dy"));
        cases.Add(S("nn_conv1d_backward_weights", "null x", () => { var d = Conv1d(); return NativeMethods.nn_conv1d_backward_weights(&d, null, F, F, null); }, "x"));
        cases.Add(S("nn_conv1d_backward_weights", "negative groups", () => { var d = Conv1d(); d.groups = -2; return NativeMethods.nn_conv1d_backward_weights(&d, F, F, F, null); }, "desc->groups"));

        // ---- pooling
        cases.Add(S("nn_pool2d_output_size", "padding over half the kernel", () => { var d = Pool(); d.pad_h = 2; long a, b; return NativeMethods.nn_pool2d_output_size(&d, &a, &b); }, "desc->pad_h"));
        cases.Add(S("nn_pool2d_output_size", "null desc", () => { long a, b; return NativeMethods.nn_pool2d_output_size(null, &a, &b); }, "desc"));
        cases.Add(S("nn_pool2d_output_size", "h*w overflows int64", () => { var d = Pool(); d.h = d.w = Big; long a, b; return NativeMethods.nn_pool2d_output_size(&d, &a, &b); }, "overflows int64"));
        cases.Add(S("nn_max_pool2d_forward", "null x", () => { var d = Pool(); return NativeMethods.nn_max_pool2d_forward(&d, null, F, null); }, "x"));
        cases.Add(S("nn_max_pool2d_forward", "zero kernel", () => { var d = Pool(); d.kernel_h = 0; return NativeMethods.nn_max_pool2d_forward(&d, F, F, null); }, "desc->kernel_h"));
        cases.Add(S("nn_max_pool2d_backward", "index outside the plane", () => { var d = Pool(); L[0] = 16; L[1] = L[2] = L[3] = 0; return NativeMethods.nn_max_pool2d_backward(&d, F, L, F); }, "indices[0]"));
        cases.Add(S("nn_max_pool2d_backward", "negative index", () => { var d = Pool(); L[0] = 0; L[3] = -1; return NativeMethods.nn_max_pool2d_backward(&d, F, L, F); }, "indices[3]"));
        cases.Add(S("nn_max_pool2d_backward", "null indices", () => { var d = Pool(); return NativeMethods.nn_max_pool2d_backward(&d, F, null, F); }, "indices"));
        cases.Add(S("nn_avg_pool2d_forward", "dilation with average pooling", () => { var d = Pool(); d.dilation_h = 2; return NativeMethods.nn_avg_pool2d_forward(&d, F, F); }, "desc->dilation_h"));
        cases.Add(S("nn_avg_pool2d_forward", "count_include_pad out of range", () => { var d = Pool(); d.count_include_pad = 2; return NativeMethods.nn_avg_pool2d_forward(&d, F, F); }, "desc->count_include_pad"));
        cases.Add(S("nn_avg_pool2d_backward", "null dx", () => { var d = Pool(); return NativeMethods.nn_avg_pool2d_backward(&d, F, null); }, "dx"));
        cases.Add(S("nn_adaptive_avg_pool2d_forward", "zero oh", () => NativeMethods.nn_adaptive_avg_pool2d_forward(1, 1, 4, 4, 0, 2, F, F), "oh"));
        cases.Add(S("nn_adaptive_avg_pool2d_forward", "h*oh overflows int64", () => NativeMethods.nn_adaptive_avg_pool2d_forward(1, 1, 1L << 40, 1, 1L << 30, 1, F, F), "overflows int64"));
        cases.Add(S("nn_adaptive_avg_pool2d_backward", "null dy", () => NativeMethods.nn_adaptive_avg_pool2d_backward(1, 1, 4, 4, 2, 2, null, F), "dy"));

        // ---- normalization and dropout
        cases.Add(S("nn_batch_norm_forward_training", "negative eps", () => NativeMethods.nn_batch_norm_forward_training(2, 2, 2, F, null, null, null, null, 0.1f, -1, F, null, null), "eps"));
        cases.Add(S("nn_batch_norm_forward_training", "running_mean without running_var", () => NativeMethods.nn_batch_norm_forward_training(2, 2, 2, F, null, null, F, null, 0.1f, 1e-5f, F, null, null), "running_var"));
        cases.Add(S("nn_batch_norm_forward_training", "momentum over 1", () => NativeMethods.nn_batch_norm_forward_training(2, 2, 2, F, null, null, F, F, 2, 1e-5f, F, null, null), "momentum"));
        cases.Add(S("nn_batch_norm_forward_training", "one value per channel with running stats", () => NativeMethods.nn_batch_norm_forward_training(1, 2, 1, F, null, null, F, F, 0.1f, 1e-5f, F, null, null), "n * spatial >= 2"));
        cases.Add(S("nn_batch_norm_forward_training", "n*c*spatial overflows int64", () => NativeMethods.nn_batch_norm_forward_training(1L << 22, 1L << 22, 1L << 22, F, null, null, null, null, 0.1f, 1e-5f, F, null, null), "n * c * spatial"));
        cases.Add(S("nn_batch_norm_forward_inference", "null running_mean", () => NativeMethods.nn_batch_norm_forward_inference(2, 2, 2, F, null, null, null, F, 1e-5f, F), "running_mean"));
        cases.Add(S("nn_batch_norm_forward_inference", "NaN eps", () => NativeMethods.nn_batch_norm_forward_inference(2, 2, 2, F, null, null, F, F, float.NaN, F), "eps"));
        cases.Add(S("nn_batch_norm_backward", "null save_mean", () => NativeMethods.nn_batch_norm_backward(2, 2, 2, F, F, null, null, F, F, null, null), "save_mean"));
        cases.Add(S("nn_batch_norm_backward", "zero channels", () => NativeMethods.nn_batch_norm_backward(2, 0, 2, F, F, null, F, F, F, null, null), "c"));
        cases.Add(S("nn_batch_norm_relu_forward_training", "running_var without running_mean", () => NativeMethods.nn_batch_norm_relu_forward_training(2, 2, 2, F, null, null, null, null, F, 0.1f, 1e-5f, F, null, null), "running_mean"));
        cases.Add(S("nn_batch_norm_relu_forward_training", "null y", () => NativeMethods.nn_batch_norm_relu_forward_training(2, 2, 2, F, F, null, null, null, null, 0.1f, 1e-5f, null, null, null), "y"));
        cases.Add(S("nn_batch_norm_relu_backward", "null y", () => NativeMethods.nn_batch_norm_relu_backward(2, 2, 2, F, null, F, null, F, F, F, null, null, null), "y"));
        cases.Add(S("nn_batch_norm_relu_backward", "zero spatial", () => NativeMethods.nn_batch_norm_relu_backward(2, 2, 0, F, F, F, null, F, F, F, null, null, F), "spatial"));
        cases.Add(S("nn_batch_norm_relu_backward_sum", "null dy_b", () => NativeMethods.nn_batch_norm_relu_backward_sum(2, 2, 2, F, F, F, null, null, F, F, F, null, null, null), "dy_b"));
        cases.Add(S("nn_batch_norm_relu_backward_sum", "zero spatial", () => NativeMethods.nn_batch_norm_relu_backward_sum(2, 2, 0, F, F, F, F, null, F, F, F, null, null, F), "spatial"));
        cases.Add(S("nn_batch_norm_backward_inference", "null invstd", () => NativeMethods.nn_batch_norm_backward_inference(2, 2, 2, F, F, null, F, null, F, null, null), "invstd"));
        cases.Add(S("nn_layer_norm_forward", "zero d", () => NativeMethods.nn_layer_norm_forward(2, 0, F, null, null, 1e-5f, F, null, null), "d"));
        cases.Add(S("nn_layer_norm_forward", "rows*d overflows int64", () => NativeMethods.nn_layer_norm_forward(Big, Big, F, null, null, 1e-5f, F, null, null), "rows * d"));
        cases.Add(S("nn_layer_norm_backward", "null save_invstd", () => NativeMethods.nn_layer_norm_backward(2, 2, F, F, null, F, null, F, null, null), "save_invstd"));
        cases.Add(S("nn_dropout_forward", "p over 1", () => NativeMethods.nn_dropout_forward(F, F, M, 4, 1.5f, 1, 0), "p"));
        cases.Add(S("nn_dropout_forward", "negative n", () => NativeMethods.nn_dropout_forward(F, F, M, -4, 0.5f, 1, 0), "n"));
        cases.Add(S("nn_dropout_forward", "null x", () => NativeMethods.nn_dropout_forward(null, F, M, 4, 0.5f, 1, 0), "x"));
        cases.Add(S("nn_dropout_backward", "null mask", () => NativeMethods.nn_dropout_backward(F, null, F, 4, 0.5f), "mask"));
        cases.Add(S("nn_dropout_backward", "NaN p", () => NativeMethods.nn_dropout_backward(F, M, F, 4, float.NaN), "p"));

        // ---- recurrent
        cases.Add(S("nn_rnn_workspace_size", "null floats", () => { var d = Rnn(); return NativeMethods.nn_rnn_workspace_size(&d, null); }, "floats"));
        cases.Add(S("nn_rnn_workspace_size", "cell out of range", () => { var d = Rnn(); d.cell = (nn_rnn_cell)5; long f; return NativeMethods.nn_rnn_workspace_size(&d, &f); }, "desc->cell"));
        cases.Add(S("nn_rnn_workspace_size", "precision out of range", () => { var d = Rnn(); d.precision = (nn_rnn_precision)2; long f; return NativeMethods.nn_rnn_workspace_size(&d, &f); }, "desc->precision"));
        cases.Add(S("nn_rnn_workspace_size", "two layers in a single-layer call", () => { var d = Rnn(2); long f; return NativeMethods.nn_rnn_workspace_size(&d, &f); }, "desc->num_layers"));
        cases.Add(S("nn_rnn_workspace_size", "sizes overflow int64", () => { var d = Rnn(); d.seq_len = d.batch = d.hidden_size = Big; long f; return NativeMethods.nn_rnn_workspace_size(&d, &f); }, "overflows int64"));
        cases.Add(S("nn_rnn_forward", "length past seq_len", () => { var d = Rnn(); L[0] = 4; L[1] = 1; return NativeMethods.nn_rnn_forward(&d, F, F, F, null, null, null, null, L, F, null, null, F); }, "lengths[0]"));
        cases.Add(S("nn_rnn_forward", "null x", () => { var d = Rnn(); return NativeMethods.nn_rnn_forward(&d, null, F, F, null, null, null, null, null, F, null, null, F); }, "x"));
        cases.Add(S("nn_rnn_forward", "null workspace", () => { var d = Rnn(); return NativeMethods.nn_rnn_forward(&d, F, F, F, null, null, null, null, null, F, null, null, null); }, "workspace"));
        cases.Add(S("nn_rnn_forward", "null desc", () => NativeMethods.nn_rnn_forward(null, F, F, F, null, null, null, null, null, F, null, null, F), "desc"));
        cases.Add(S("nn_rnn_pack_size", "null floats", () => { var d = Rnn(); return NativeMethods.nn_rnn_pack_size(&d, null); }, "floats"));
        cases.Add(S("nn_rnn_pack_size", "zero hidden size", () => { var d = Rnn(); d.hidden_size = 0; long f; return NativeMethods.nn_rnn_pack_size(&d, &f); }, "desc->hidden_size"));
        cases.Add(S("nn_rnn_pack_size", "sizes overflow int64", () => { var d = Rnn(); d.hidden_size = d.input_size = 1_500_000_000; long f; return NativeMethods.nn_rnn_pack_size(&d, &f); }, "packed weights size"));
        cases.Add(S("nn_rnn_pack", "null w_ih", () => { var d = Rnn(); return NativeMethods.nn_rnn_pack(&d, null, F, F); }, "w_ih"));
        cases.Add(S("nn_rnn_pack", "null w_hh", () => { var d = Rnn(); return NativeMethods.nn_rnn_pack(&d, F, null, F); }, "w_hh"));
        cases.Add(S("nn_rnn_pack", "null packed", () => { var d = Rnn(); return NativeMethods.nn_rnn_pack(&d, F, F, null); }, "packed"));
        cases.Add(S("nn_rnn_infer_workspace_size", "sizes overflow int64", () => { var d = Rnn(); d.seq_len = d.batch = d.hidden_size = Big; long f; return NativeMethods.nn_rnn_infer_workspace_size(&d, &f); }, "overflows int64"));
        cases.Add(S("nn_rnn_infer", "null packed", () => { var d = Rnn(); return NativeMethods.nn_rnn_infer(&d, F, null, null, null, null, null, null, F, null, null, F); }, "packed"));
        cases.Add(S("nn_rnn_infer", "length past seq_len", () => { var d = Rnn(); L[0] = 4; L[1] = 1; return NativeMethods.nn_rnn_infer(&d, F, F, null, null, null, null, L, F, null, null, F); }, "lengths[0]"));
        cases.Add(S("nn_rnn_infer", "null workspace", () => { var d = Rnn(); return NativeMethods.nn_rnn_infer(&d, F, F, null, null, null, null, null, F, null, null, null); }, "workspace"));
        cases.Add(S("nn_rnn_backward", "null dw_ih", () => { var d = Rnn(); return NativeMethods.nn_rnn_backward(&d, F, F, F, null, null, null, F, null, null, null, F, null, null, null, F, null, null); }, "dw_ih"));
        cases.Add(S("nn_rnn_backward", "negative length", () => { var d = Rnn(); L[0] = 1; L[1] = -1; return NativeMethods.nn_rnn_backward(&d, F, F, F, null, null, L, F, null, null, null, F, null, null, F, F, null, null); }, "lengths[1]"));
        cases.Add(S("nn_rnn_stack_workspace_size", "reverse in a stack", () => { var d = Rnn(2); d.reverse = 1; long f; return NativeMethods.nn_rnn_stack_workspace_size(&d, &f); }, "desc->reverse"));
        cases.Add(S("nn_rnn_stack_workspace_size", "zero layers", () => { var d = Rnn(0); long f; return NativeMethods.nn_rnn_stack_workspace_size(&d, &f); }, "desc->num_layers"));
        cases.Add(S("nn_rnn_stack_workspace_size", "bidirectional out of range", () => { var d = Rnn(2); d.bidirectional = 2; long f; return NativeMethods.nn_rnn_stack_workspace_size(&d, &f); }, "desc->bidirectional"));
        cases.Add(S("nn_rnn_stack_forward", "null params", () => { var d = Rnn(2); return NativeMethods.nn_rnn_stack_forward(&d, F, null, null, null, null, F, null, null, F); }, "params"));
        cases.Add(S("nn_rnn_stack_forward", "null w_hh of layer 1", () => WithParams(8, 5, p => { var d = Rnn(2); return NativeMethods.nn_rnn_stack_forward(&d, F, (float**)p, null, null, null, F, null, null, F); }), "params[5]"));
        cases.Add(S("nn_rnn_stack_backward", "null dw_ih of layer 0", () => WithParams(8, -1, p => WithParams(8, 0, g => { var d = Rnn(2); return NativeMethods.nn_rnn_stack_backward(&d, F, (float**)p, null, null, null, F, null, null, null, F, null, null, (float**)g); })), "grads[0]"));
        cases.Add(S("nn_rnn_stack_backward", "null dx", () => WithParams(8, -1, p => { var d = Rnn(2); return NativeMethods.nn_rnn_stack_backward(&d, F, (float**)p, null, null, null, F, null, null, null, null, null, null, (float**)p); }), "dx"));

        // ---- optimizers and softmax
        cases.Add(S("nn_sgd_update", "momentum without momentum_buf", () => NativeMethods.nn_sgd_update(4, F, F, null, 0.1f, 0.9f, 0, 0, 0, 0, 0), "momentum_buf"));
        cases.Add(S("nn_sgd_update", "NaN lr", () => NativeMethods.nn_sgd_update(4, F, F, null, float.NaN, 0, 0, 0, 0, 0, 0), "lr"));
        cases.Add(S("nn_sgd_update", "nesterov not a flag", () => NativeMethods.nn_sgd_update(4, F, F, F, 0.1f, 0.9f, 0, 0, 2, 0, 0), "nesterov"));
        cases.Add(S("nn_sgd_update", "negative n", () => NativeMethods.nn_sgd_update(-1, F, F, null, 0.1f, 0, 0, 0, 0, 0, 0), "n"));
        cases.Add(S("nn_adam_update", "step zero", () => NativeMethods.nn_adam_update(4, F, F, F, F, null, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 0, 0), "step"));
        cases.Add(S("nn_adam_update", "beta1 of 1", () => NativeMethods.nn_adam_update(4, F, F, F, F, null, 1e-3f, 1, 0.999f, 1e-8f, 0, 1, 0), "beta1"));
        cases.Add(S("nn_adam_update", "unknown flag bits", () => NativeMethods.nn_adam_update(4, F, F, F, F, null, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 1, 8), "flags"));
        cases.Add(S("nn_adam_update", "amsgrad without max_exp_avg_sq", () => NativeMethods.nn_adam_update(4, F, F, F, F, null, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 1, (int)nn_adam_flags.NN_ADAM_AMSGRAD), "max_exp_avg_sq"));
        cases.Add(S("nn_adam_update", "null exp_avg", () => NativeMethods.nn_adam_update(4, F, F, null, F, null, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 1, 0), "exp_avg"));
        cases.Add(S("nn_adam_update_multi", "null sizes", () => NativeMethods.nn_adam_update_multi(2, null, null, null, null, null, null, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, L, 0), "sizes"));
        cases.Add(S("nn_adam_update_multi", "negative count", () => NativeMethods.nn_adam_update_multi(-1, L, null, null, null, null, null, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, L, 0), "count"));
        cases.Add(S("nn_adam_update_multi", "step zero", () => WithParams(2, -1, p =>
        {
            long* n = stackalloc long[] { 4, 4 };
            long* step = stackalloc long[] { 0, 1 };
            return NativeMethods.nn_adam_update_multi(2, n, (float**)p, (float**)p, (float**)p, (float**)p, null, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, step, 0);
        }), "steps[0]"));
        cases.Add(S("nn_adam_update_multi", "null exp_avg_sq of tensor 1", () => WithParams(2, 1, p =>
        {
            long* n = stackalloc long[] { 4, 4 };
            long* step = stackalloc long[] { 1, 1 };
            return WithParams(2, -1, q => NativeMethods.nn_adam_update_multi(2, n, (float**)q, (float**)q, (float**)q, (float**)p, null, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, step, 0));
        }), "exp_avg_sqs[1]"));
        cases.Add(S("nn_rmsprop_update", "centered without grad_avg", () => NativeMethods.nn_rmsprop_update(4, F, F, F, null, null, 0.01f, 0.99f, 1e-8f, 0, 0, 1, 0), "grad_avg"));
        cases.Add(S("nn_rmsprop_update", "momentum without momentum_buf", () => NativeMethods.nn_rmsprop_update(4, F, F, F, null, null, 0.01f, 0.99f, 1e-8f, 0, 0.9f, 0, 0), "momentum_buf"));
        cases.Add(S("nn_rmsprop_update", "infinite alpha", () => NativeMethods.nn_rmsprop_update(4, F, F, F, null, null, 0.01f, float.PositiveInfinity, 1e-8f, 0, 0, 0, 0), "alpha"));
        cases.Add(S("nn_rmsprop_update", "maximize not a flag", () => NativeMethods.nn_rmsprop_update(4, F, F, F, null, null, 0.01f, 0.99f, 1e-8f, 0, 0, 0, -1), "maximize"));
        cases.Add(S("nn_softmax_forward", "zero dim", () => NativeMethods.nn_softmax_forward(2, 0, 1, F, F, 0), "dim"));
        cases.Add(S("nn_softmax_forward", "outer*dim*inner overflows int64", () => NativeMethods.nn_softmax_forward(Big, Big, Big, F, F, 0), "outer * dim * inner"));
        cases.Add(S("nn_softmax_forward", "null x", () => NativeMethods.nn_softmax_forward(2, 3, 1, null, F, 0), "x"));
        cases.Add(S("nn_softmax_forward", "log_softmax not a flag", () => NativeMethods.nn_softmax_forward(2, 3, 1, F, F, 5), "log_softmax"));
        cases.Add(S("nn_softmax_backward", "null dy", () => NativeMethods.nn_softmax_backward(2, 3, 1, F, null, F, 1), "dy"));
        cases.Add(S("nn_softmax_backward", "negative outer", () => NativeMethods.nn_softmax_backward(-2, 3, 1, F, F, F, 1), "outer"));
        return cases;
    }

    // A valid 2 x 2 packed B for the duration of one call.
    private static nn_status WithPacked(Func<nint, nn_status> call)
    {
        nint p;
        NativeStatus.Check(NativeMethods.nn_sgemm_pack_b(nn_transpose.NN_NO_TRANS, 2, 2, F, 2, &p));
        try { return call(p); }
        finally { NativeMethods.nn_packed_matrix_destroy(p); }
    }

    // A valid packed convolution (the default 2-D descriptor) for the duration of one call.
    private static nn_status WithPackedConv(Func<nint, nn_status> call)
    {
        var d = Conv2d();
        nint p;
        NativeStatus.Check(NativeMethods.nn_conv2d_pack(&d, F, null, &p));
        try { return call(p); }
        finally { NativeMethods.nn_conv2d_packed_destroy(p); }
    }

    // A 1x1 convolution, 4 -> 8 channels on a 5 x 5 plane: a layer the blocked kernels take.
    private static nn_conv2d_desc Pointwise() => new()
    {
        n = 1, c = 4, h = 5, w = 5, k = 8, r = 1, s = 1, stride_h = 1, stride_w = 1,
        dilation_h = 1, dilation_w = 1, groups = 1,
    };

    // Runs call on a blocked Pointwise() where this process has the blocked kernels; null (passed) where it has none.
    private static string? WithBlockedConv(Func<nint, string?> call)
    {
        long block;
        NativeStatus.Check(NativeMethods.nn_nchwc_block(&block));
        if (block == 0) return null;
        var d = Pointwise();
        nint p;
        NativeStatus.Check(NativeMethods.nn_conv2d_nchwc_pack(&d, F, null, &p));
        try { return call(p); }
        finally { NativeMethods.nn_conv2d_nchwc_destroy(p); }
    }

    // A valid 2 x 2 bf16 packed B for the duration of one call.
    private static nn_status WithBf16Packed(Func<nint, nn_status> call)
    {
        nint p;
        NativeStatus.Check(NativeMethods.nn_bf16_pack_b(nn_transpose.NN_NO_TRANS, 2, 2, F, 2, &p));
        try { return call(p); }
        finally { NativeMethods.nn_bf16_matrix_destroy(p); }
    }

    // `count` pointers into the arena, the one at `nullIndex` (if >= 0) NULL.
    private static nn_status WithParams(int count, int nullIndex, Func<nint, nn_status> call)
    {
        var arr = (float**)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(float*));
        try
        {
            for (int i = 0; i < count; i++) arr[i] = i == nullIndex ? null : F;
            return call((nint)arr);
        }
        finally { NativeMemory.Free(arr); }
    }
}
